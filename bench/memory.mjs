#!/usr/bin/env node
// Memory of one meshdir server with many entries: imports N generated
// entries (default 100,000) with `meshdir import`, starts the server, runs
// ldapbench loads (default: search) and prints its RSS after start and
// after each load, split into heap (RssAnon) and mapped LMDB pages (RssFile).
//
//   npm run build && node bench/memory.mjs [--entries 100000] [--duration 10]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  buildInfo, duBytes, genLdif, importLdif, load, machine, onCleanup, parseOptions, procStats, requireBuild, startMeshdir, startSlapd, writeMeshdirConfig,
} from './lib.mjs';

const USAGE = `node bench/memory.mjs [options]
  --entries N      generated entries (default 100000)
  --ops LIST       ldapbench loads to run, in order (default search)
  --duration S     seconds per load (default 10)
  --conns N --depth K  (default 16 × 4)
  --no-access      access log off (default on, as a server file without log: has it)
  --dir DIR        scratch directory (default a new one under the OS tmpdir; removed unless --keep)
  --keep           keep it
  --slapd          the same for slapd/single.sh (same entries, same loads) for comparison
  --slapd-port P   its port (default 3890)
  --json FILE      figures as JSON (default bench-memory.json next to the scratch dir)`;

const o = parseOptions(process.argv.slice(2), {
  entries: 100000, ops: 'search', duration: 10, conns: 16, depth: 4, 'no-access': false, slapd: false, 'slapd-port': 3890, dir: '', keep: false, json: '',
}, USAGE);
requireBuild();
const dir = resolve(o.dir || join(tmpdir(), `meshdir-memory-${process.pid}`));
const jsonFile = resolve(o.json || join(dirname(dir), 'bench-memory.json'));
const servers = [];
const cleanup = onCleanup(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
});
const mib = (x) => `${x.toFixed(1)} MiB`;
const show = (label, s) => console.log(`${label.padEnd(24)} RSS ${mib(s.rssMiB).padStart(10)}  (heap/anon ${mib(s.anonMiB)}, LMDB map/file ${mib(s.fileMiB)})  peak ${mib(s.hwmMiB)}`);

try {
  mkdirSync(dir, { recursive: true });
  const started = new Date();
  const ldif = join(dir, 'data.ldif');
  await genLdif(o.entries, ldif);
  const config = writeMeshdirConfig(dir, { access: !o['no-access'] });
  const importSec = importLdif(config, ldif);
  const dataMiB = duBytes(join(dir, 'data')) / 2 ** 20;
  console.log(`imported ${o.entries + 2} entries in ${importSec.toFixed(1)} s (${Math.round((o.entries + 2) / importSec)} entries/s); data dir ${mib(dataMiB)}`);
  const figures = { date: started.toISOString(), command: `node bench/memory.mjs ${process.argv.slice(2).join(' ')}`.trim(), machine: machine(), build: buildInfo(), entries: o.entries, importSec: +importSec.toFixed(1), dataMiB: +dataMiB.toFixed(1), rss: {} };
  servers.push(await startMeshdir(dir, config));
  if (o.slapd) {
    const t0 = performance.now();
    const slapd = await startSlapd(join(dir, 'slapd'), { port: o['slapd-port'], entries: o.entries });
    servers.push(slapd);
    const slapdMiB = duBytes(join(dir, 'slapd', 'db')) / 2 ** 20;
    console.log(`slapd: generated + slapadd + started in ${((performance.now() - t0) / 1000).toFixed(1)} s; data dir ${mib(slapdMiB)}`);
    figures.slapdDataMiB = +slapdMiB.toFixed(1);
  }
  for (const server of servers) {
    const rss = (figures.rss[server.name] = {});
    console.log(`-- ${server.name} (pid ${server.pid})`);
    const idle = procStats(server.pid);
    show('after start', idle);
    rss.start = idle;
    for (const op of o.ops.split(',')) {
      const r = await load(server, { op, duration: o.duration, conns: o.conns, depth: o.depth, entries: o.entries });
      const s = procStats(server.pid);
      console.log(`${op}: ${r.opsPerSec} ops/s, p50 ${r.p50ms} ms, p99 ${r.p99ms} ms, errors ${r.errors}, server CPU ${r.serverCpuPct}%`);
      show(`after ${op}`, s);
      rss[op] = { ...s, load: r };
    }
  }
  writeFileSync(jsonFile, JSON.stringify(figures, null, 2) + '\n');
  console.error(`figures written to ${jsonFile}`);
} catch (e) {
  if (!cleanup.started) console.error(`memory bench failed: ${e.stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
