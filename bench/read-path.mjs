#!/usr/bin/env node
// The per-search read path without the network, step by step, on a store
// opened in this process: index lookup, base entry lookup, candidate read
// (LMDB get + msgpack decode of the whole EntryRec), and response encoding,
// next to what an alternative stored layout would cost (measured on a
// scratch LMDB env written here, not a mode of the server):
//   - the EntryRec without `attrs` (what an exact indexed search needs),
//   - a flat binary record (header, dn, ndn, wire, pw) read with getBinaryFast.
// Prints ns per step.
//
//   npm run build && node bench/read-path.mjs [--n 200000]
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { genLdif, importLdif, parseOptions, REPO, requireBuild, writeMeshdirConfig } from './lib.mjs';

const USAGE = `node bench/read-path.mjs [options]
  --entries N   generated entries to import first (default 10000)
  --n N         iterations per step (default 200000)
  --dir DIR     scratch directory (default a new one under the OS tmpdir; removed unless --keep)
  --keep        keep it`;
const o = parseOptions(process.argv.slice(2), { entries: 10000, n: 200000, dir: '', keep: false }, USAGE);
requireBuild();
const dist = (p) => import(new URL(`dist/${p}`, `file://${REPO}/`).href);
const { loadServerConfig } = await dist('config/load.js');
const { openStore } = await dist('runtime.js');
const { silentLogger } = await dist('log.js');
const pdu = await dist('ldap/pdu/index.js');
const { open } = createRequire(join(REPO, 'package.json'))('lmdb');

const dir = resolve(o.dir || join(tmpdir(), `meshdir-readpath-${process.pid}`));
mkdirSync(dir, { recursive: true });
const ldif = join(dir, 'data.ldif');
await genLdif(o.entries, ldif);
const configFile = writeMeshdirConfig(dir, { access: false });
importLdif(configFile, ldif);
const store = openStore(loadServerConfig(configFile), silentLogger);
const alt = open({ path: join(dir, 'alt'), maxDbs: 4 });

let sink = 0;
function step(name, fn) {
  const n = o.n;
  for (let i = 0; i < Math.min(n, 20000); i++) sink ^= fn(i) | 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink ^= fn(i) | 0;
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`${name.padEnd(72)} ${ns.toFixed(0).padStart(7)} ns`);
  return ns;
}

try {
  const ids = [];
  for (let i = 0; i < o.entries; i++) ids.push(store.dbs.dn2id.get(store.normalize(`uid=user${i},ou=people,dc=example,dc=com`)));
  const pick = (i) => ids[(i * 7919) % ids.length];
  const filter = (i) => ({ type: 'equality', attr: 'uid', value: Buffer.from(`user${(i * 7919) % o.entries}`) });
  const rec0 = store.byId(ids[0]);

  // Alternative layouts, written from the current records.
  const noAttrs = alt.openDB('noattrs', { keyEncoding: 'uint32' });
  const flat = alt.openDB('flat', { keyEncoding: 'uint32', encoding: 'binary' });
  await alt.transaction(() => {
    for (const id of ids) {
      const r = store.byId(id);
      const { attrs, ...rest } = r;
      noAttrs.put(id, rest);
      flat.put(id, flatRecord(r));
    }
  });
  const flatSize = flat.getBinary(ids[0]).length;
  console.log(`EntryRec of a user entry: ${store.dbs.entries.getBinary(ids[0]).length} bytes msgpack; without attrs ${noAttrs.getBinary(ids[0]).length}; flat ${flatSize}`);
  console.log(`${o.n} iterations per step, ns per call:\n`);

  step('normalize the search base (schema.normalizeDN)', () => store.normalize('dc=example,dc=com').length);
  step('base entry: store.byNdn(suffix) (dn2id get + EntryRec decode)', () => store.byNdn('dc=example,dc=com').id);
  step('base entry: dn2id.get(suffix) only', () => store.dbs.dn2id.get('dc=example,dc=com'));
  step('index lookup: store.indexCandidates((uid=userN))', (i) => store.indexCandidates(filter(i)).ids[0]);
  step('candidate read: store.byId(id) (LMDB get + msgpack decode)', (i) => store.byId(pick(i)).id);
  step('candidate read: LMDB getBinaryFast only (no decode)', (i) => store.dbs.entries.getBinaryFast(pick(i)).length);
  step('alternative: msgpack EntryRec without attrs', (i) => noAttrs.get(pick(i)).id);
  step('alternative: flat binary record via getBinaryFast + header parse', (i) => readFlat(flat.getBinaryFast(pick(i))).id);
  const chunks = [rec0.wire];
  step('encode SearchResultEntry (pdu.encodeSearchEntry)', (i) => pdu.encodeSearchEntry(0x10000 + (i & 0xffff), rec0.dn, chunks).length);
  step('encode SearchResultDone (pdu.encodeResult)', (i) => pdu.encodeResult(0x10000 + (i & 0xffff), pdu.OP.searchResultDone, 0, '', '').length);
  console.log(`\n(sink ${sink & 1})`);
} finally {
  await store.close();
  await alt.close();
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
}

/** u32 id, u32 parent, u8 flags, then u16-length dn, ndn, uuid and u32-length wire, pw. */
function flatRecord(r) {
  const parts = [Buffer.from(r.dn), Buffer.from(r.ndn), Buffer.from(r.uuid)];
  const head = Buffer.alloc(9);
  head.writeUInt32LE(r.id, 0);
  head.writeUInt32LE(r.parent, 4);
  head[8] = r.flags;
  const out = [head];
  for (const p of parts) out.push(Buffer.from([p.length & 0xff, p.length >> 8]), p);
  for (const p of [r.wire, r.pw ?? Buffer.alloc(0)]) {
    const l = Buffer.alloc(4);
    l.writeUInt32LE(p.length);
    out.push(l, p);
  }
  return Buffer.concat(out);
}

function readFlat(b) {
  let off = 9;
  const str = () => {
    const l = b[off] | (b[off + 1] << 8);
    const s = b.latin1Slice(off + 2, off + 2 + l);
    off += 2 + l;
    return s;
  };
  const bin = () => {
    const l = b.readUInt32LE(off);
    // The buffer of getBinaryFast is reused by the next read: copy what outlives it.
    const v = Buffer.from(b.subarray(off + 4, off + 4 + l));
    off += 4 + l;
    return v;
  };
  return { id: b.readUInt32LE(0), parent: b.readUInt32LE(4), flags: b[8], dn: str(), ndn: str(), uuid: str(), wire: bin(), pw: bin() };
}
