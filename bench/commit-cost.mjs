#!/usr/bin/env node
// What one synced LMDB commit costs on this machine by the number of pages
// it dirties: an idle environment (8 databases of 20,000 records, as
// lmdb-js opens meshdir's) takes transactions of N random puts, one at a
// time, each acknowledged after LMDB's fsync, and prints p50 / p90 ms per N.
// A random put dirties its leaf and the branch pages above it (~3 pages).
//
//   node bench/commit-cost.mjs [--samples 200] [--dir DIR]
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { parseOptions } from './lib.mjs';

const o = parseOptions(process.argv.slice(2), { samples: 200, dir: '' }, 'node bench/commit-cost.mjs [--samples 200] [--dir DIR]');
const dir = o.dir || join(tmpdir(), `meshdir-commit-cost-${process.pid}`);
rmSync(dir, { recursive: true, force: true });
const env = open({ path: dir, maxDbs: 8, mapSize: 1 << 30, overlappingSync: false, noSync: false });
try {
  const dbs = Array.from({ length: 8 }, (_, i) => env.openDB('d' + i, {}));
  await env.transaction(() => {
    for (const db of dbs) for (let k = 0; k < 20000; k++) db.put(k, 'x'.repeat(300));
  });
  console.log('puts per commit   p50 ms   p90 ms');
  for (const puts of [1, 4, 12, 24]) {
    const ts = [];
    for (let i = 0; i < o.samples; i++) {
      const t = performance.now();
      await env.childTransaction(() => {
        for (let p = 0; p < puts; p++) dbs[p % 8].put(Math.floor(Math.random() * 20000), 'y'.repeat(300));
      });
      ts.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 3));
    }
    ts.sort((a, b) => a - b);
    console.log(`${String(puts).padStart(15)}   ${ts[Math.floor(ts.length / 2)].toFixed(2).padStart(6)}   ${ts[Math.floor(ts.length * 0.9)].toFixed(2).padStart(6)}`);
  }
} finally {
  await env.close();
  rmSync(dir, { recursive: true, force: true });
}
