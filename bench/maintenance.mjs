#!/usr/bin/env node
// What replication maintenance costs the writes of a server with N entries:
// how long a tombstone-purge scan would hold writes back if it ran inside
// one write transaction (how it ran until 2026-12-04), against the sliced
// purgeTombstones (the longest event-loop block while it runs).
//
//   npm run build && node bench/maintenance.mjs [--entries 100000]
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, genLdif, importLdif, parseOptions, requireBuild, writeMeshdirConfig } from './lib.mjs';

const o = parseOptions(process.argv.slice(2), { entries: 100000, dir: '' }, 'node bench/maintenance.mjs [--entries N] [--dir DIR]');
requireBuild();
const dist = (p) => join(REPO, 'dist', p);
const { Store } = await import(dist('store/store.js'));
const { purgeTombstones } = await import(dist('store/replica.js'));
const { purgeCsnFor, purgeState } = await import(dist('repl/core/purge.js'));
const { loadSchemaDir } = await import(dist('schema/load.js'));
const { createLogger } = await import(dist('log.js'));

const dir = o.dir || join(tmpdir(), `meshdir-maintenance-${process.pid}`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
try {
  const ldif = join(dir, 'data.ldif');
  await genLdif(o.entries, ldif);
  importLdif(writeMeshdirConfig(dir, { access: false }), ldif);
  const store = new Store({
    dataDir: join(dir, 'data'), suffix: 'dc=example,dc=com', schema: loadSchemaDir(join(REPO, 'schema')), indexes: {}, replicaId: 1,
    log: createLogger({ level: 'error' }),
  });
  const lifetime = 7 * 86_400_000;
  let t0 = performance.now();
  await store.write(() => {
    const p = purgeCsnFor(Date.now(), lifetime);
    for (const { raw } of store.states()) purgeState(store.fromRaw(raw).state, p, false, store.rules);
  });
  console.log(`${o.entries} entries: the purge scan inside one write transaction: ${(performance.now() - t0).toFixed(0)} ms (every write waits)`);
  let longest = 0;
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  t0 = performance.now();
  const n = await purgeTombstones(store, lifetime);
  clearInterval(tick);
  console.log(`purgeTombstones (sliced): ${(performance.now() - t0).toFixed(0)} ms in all, ${n} purged, longest event-loop block ${longest.toFixed(1)} ms`);
  await store.close();
} finally {
  if (!o.dir) rmSync(dir, { recursive: true, force: true });
}
