#!/usr/bin/env node
// The write path without the network: opens a store in this process (on an
// imported copy of the generated entries) and runs client modifies and adds
// through Store.write() with many in flight, as the server does. Prints per
// operation: wall and CPU time, time inside the transaction bodies, LMDB
// commits, and how many reads, writes and schema checks each operation made
// per database. Nothing in src/ is changed: the counters wrap the store's
// methods at run time.
//
//   npm run build && node bench/write-path.mjs [--ops 5000] [--inflight 64] [--memo]
//
// --memo is an experiment, not a mode of the server: it caches the entry
// states a transaction has read (Txn.get) for the rest of that transaction,
// to measure what such a cache in src/store/write.ts would save.
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { genLdif, importLdif, parseOptions, REPO, requireBuild, writeMeshdirConfig, ROOT_DN } from './lib.mjs';

const USAGE = `node bench/write-path.mjs [options]
  --entries N     generated entries to import first (default 10000)
  --ops N         modifies, then adds (default 5000 each)
  --inflight K    concurrent Store.write() calls (default 64, as 16 conns × depth 4)
  --memo          experiment: cache Txn.get() results within a transaction
  --dir DIR       scratch directory (default a new one under the OS tmpdir; removed unless --keep)
  --keep          keep it`;

const o = parseOptions(process.argv.slice(2), { entries: 10000, ops: 5000, inflight: 64, memo: false, dir: '', keep: false }, USAGE);
requireBuild();
const dist = (p) => import(new URL(`dist/${p}`, `file://${REPO}/`).href);
const { loadServerConfig } = await dist('config/load.js');
const { openStore } = await dist('runtime.js');
const { localAdd, localModify } = await dist('store/update.js');
const { Txn } = await dist('store/write.js');
const { silentLogger } = await dist('log.js');

const dir = resolve(o.dir || join(tmpdir(), `meshdir-writepath-${process.pid}`));
mkdirSync(dir, { recursive: true });
const ldif = join(dir, 'data.ldif');
await genLdif(o.entries, ldif);
const configFile = writeMeshdirConfig(dir, { access: false });
importLdif(configFile, ldif);
const config = loadServerConfig(configFile);
const store = openStore(config, silentLogger);

// ---- counters ----------------------------------------------------------------
const counts = new Map();
const bump = (k) => counts.set(k, (counts.get(k) ?? 0) + 1);
for (const [name, db] of Object.entries(store.dbs)) {
  if (name === 'env') continue;
  for (const m of ['get', 'getBinary', 'getValues', 'getRange', 'put', 'remove']) {
    const orig = db[m];
    if (typeof orig !== 'function') continue;
    db[m] = function (...a) {
      bump(`${name}.${m}`);
      return orig.apply(this, a);
    };
  }
}
for (const m of ['checkEntry', 'checkValues', 'normalizeDN']) {
  const orig = store.schema[m];
  store.schema[m] = function (...a) {
    bump(`schema.${m}`);
    return orig.apply(this, a);
  };
}
const origRulesCheck = store.rules.checkSchema;
if (origRulesCheck) store.rules.checkSchema = function (...a) {
  bump('rules.checkSchema');
  return origRulesCheck.apply(this, a);
};

if (o.memo) {
  // One cache for the transaction that is running (bodies run one at a time);
  // a put or remove of a state drops it from the cache.
  let current;
  let memo = new Map();
  const get = Txn.prototype.get;
  Txn.prototype.get = function (uuid) {
    if (current !== this) {
      current = this;
      memo = new Map();
    }
    if (memo.has(uuid)) return memo.get(uuid);
    const v = get.call(this, uuid);
    memo.set(uuid, v);
    return v;
  };
  for (const m of ['put', 'remove']) {
    const orig = store.dbs.core[m];
    store.dbs.core[m] = function (k, ...a) {
      memo.delete(k);
      return orig.call(this, k, ...a);
    };
  }
}

// ---- runs ----------------------------------------------------------------------
const actor = { dn: ROOT_DN };
const txnId = () => store.dbs.env.getStats().lastTxnId;

async function phase(name, n, body) {
  counts.clear();
  let inside = 0;
  let next = 0;
  let failed = 0;
  const c0 = process.cpuUsage();
  const x0 = txnId();
  const t0 = performance.now();
  async function worker() {
    while (next < n) {
      const i = next++;
      await store
        .write((tx) => {
          const s = performance.now();
          try {
            return body(tx, i);
          } finally {
            inside += performance.now() - s;
          }
        })
        .catch((e) => {
          if (failed++ === 0) console.error(`${name} #${i}: ${e.message}`);
        });
    }
  }
  await Promise.all(Array.from({ length: o.inflight }, worker));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const commits = txnId() - x0;
  const us = (ms) => ((ms * 1000) / n).toFixed(1);
  console.log(`\n${name}: ${n} ops, ${o.inflight} in flight${o.memo ? ', Txn.get memo ON' : ''}${failed ? `, ${failed} FAILED` : ''}`);
  console.log(`  ${Math.round(n / (wall / 1000))} ops/s; per op: wall ${us(wall)} µs, process CPU ${us((cpu.user + cpu.system) / 1000)} µs (all threads), transaction body ${us(inside)} µs (main thread)`);
  console.log(`  ${commits} LMDB commits: ${(n / commits).toFixed(1)} ops per commit, ${((wall * 1000) / commits).toFixed(0)} µs between commits`);
  console.log('  calls per op:');
  for (const [k, v] of [...counts.entries()].sort((a, b) => b[1] - a[1])) console.log(`    ${(v / n).toFixed(2).padStart(7)}  ${k}`);
}

try {
  const tag = Date.now().toString(36);
  await phase('modify (replace description)', o.ops, (tx, i) =>
    localModify(tx, actor, `uid=user${(i * 7919) % o.entries},ou=people,dc=example,dc=com`, [
      { op: 2, attr: 'description', values: [Buffer.from(`write-path ${tag} ${i}`)] },
    ]));
  const b = (s) => Buffer.from(s);
  await phase('add (inetOrgPerson, as ldapbench)', o.ops, (tx, i) => {
    const uid = `w${tag}${i}`;
    return localAdd(tx, actor, `uid=${uid},ou=people,dc=example,dc=com`, [
      { type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'].map(b) },
      { type: 'uid', values: [b(uid)] }, { type: 'cn', values: [b(`Bench ${uid}`)] }, { type: 'sn', values: [b(uid)] },
      { type: 'givenName', values: [b('Bench')] }, { type: 'mail', values: [b(`${uid}@example.com`)] },
      { type: 'title', values: [b('Load Generator')] }, { type: 'description', values: [b('added by write-path')] },
    ]);
  });
} finally {
  await store.close();
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
}
