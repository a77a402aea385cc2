#!/usr/bin/env node
// Which named databases' pages a meshdir server has mapped (resident) after
// some loads, from /proc/PID/pagemap: after an import's compacted rewrite the
// databases lie one after the other in the order of src/store/compact.ts, so
// page ranges tell them apart; pages past that end were written by the loads.
// DIR is a kept memory.mjs directory; its data is copied aside once and every
// run starts from that copy.
//
//   node bench/memory.mjs --keep --dir /tmp/m100 --ops search
//   node bench/mapped.mjs /tmp/m100 search,modify
import { openSync, readSync, readFileSync, rmSync, cpSync, closeSync, existsSync } from 'node:fs';
import { open } from 'lmdb';
import { startMeshdir, load } from './lib.mjs';
const base = process.argv[2];
if (!base || !existsSync(base + '/server.yaml')) {
  console.error('usage: node bench/mapped.mjs DIR [LOADS]   (DIR from `memory.mjs --keep --dir DIR`)');
  process.exit(2);
}
if (!existsSync(base + '/pristine')) cpSync(base + '/data', base + '/pristine', { recursive: true });
const ops = (process.argv[3] ?? 'search,modify').split(',');
rmSync(base + '/data', { recursive: true, force: true });
cpSync(base + '/pristine', base + '/data', { recursive: true });
const LAYOUT = ['entries', 'dn2id', 'uuid2id', 'children', 'idx', 'meta', 'config', 'core', 'coreidx', 'changelog', 'conflicts', 'stage'];
const env = open({ path: base + '/data', readOnly: true, maxDbs: 32 });
const ranges = [];
let at = 2;
for (const name of LAYOUT) {
  const db = env.openDB(name, { encoding: 'binary', keyEncoding: 'binary', dupSort: ['children', 'idx', 'coreidx'].includes(name) });
  const st = db.getStats();
  const pages = st.treeBranchPageCount + st.treeLeafPageCount + st.overflowPages;
  ranges.push([name, at, at + pages]);
  at += pages;
}
await env.close();
const s = await startMeshdir(base, base + '/server.yaml');
for (const op of ops) {
  const r = await load(s, { op, duration: 10, entries: 100000 });
  console.log(op, r.opsPerSec, 'rss', r.rssMiB, 'file', r.fileMiB, 'anon', r.anonMiB);
}
const maps = readFileSync(`/proc/${s.pid}/maps`, 'utf8').split('\n').filter((l) => l.endsWith('data.mdb'));
const [lo, hi] = maps[0].split(' ')[0].split('-').map((x) => BigInt('0x' + x));
const npages = Number((hi - lo) / 4096n);
const fd = openSync(`/proc/${s.pid}/pagemap`, 'r');
const filePages = Math.ceil(readFileSync(base + '/data/data.mdb').length / 4096);
const buf = Buffer.alloc(8 * Math.min(npages, filePages));
readSync(fd, buf, 0, buf.length, Number(lo / 4096n) * 8);
closeSync(fd);
await s.stop();
const present = (p) => (buf.readBigUInt64LE(p * 8) >> 63n) === 1n;
let total = 0;
for (const [name, a, b] of [...ranges, ['(after the compacted end)', at, filePages]]) {
  let n = 0;
  for (let p = a; p < b && p < filePages; p++) if (present(p)) n++;
  total += n;
  console.log(name.padEnd(26), 'pages', String(b - a).padStart(7), 'mapped', String(n).padStart(7), `(${(n * 4096 / 1048576).toFixed(1)} of ${((b - a) * 4096 / 1048576).toFixed(1)} MiB)`);
}
console.log('file', (filePages * 4096 / 1048576).toFixed(1), 'MiB; mapped', (total * 4096 / 1048576).toFixed(1), 'MiB');
