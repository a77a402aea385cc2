#!/usr/bin/env node
// CPU profile of one meshdir server under one ldapbench load: imports the
// generated entries, runs `meshdir serve` under `node --cpu-prof`, drives
// it, stops it, and prints where the main thread's time went per operation
// (self time by area and by function, inclusive time by function).
//
//   npm run build && node bench/profile.mjs --op search [--duration 10] [--access]
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { summarize } from './cpuprofile.mjs';
import { genLdif, importLdif, lastTxnId, load, onCleanup, parseOptions, requireBuild, startMeshdir, writeMeshdirConfig } from './lib.mjs';

const USAGE = `node bench/profile.mjs [options]
  --op OP          ldapbench op: search, modify, add, mixed, bind (default search)
  --duration S     seconds of load (default 10)
  --entries N      generated entries (default 10000)
  --conns N --depth K  (default 16 × 4)
  --access         with the access log on (default off)
  --pin            server on CPU 0, ldapbench on CPU 1
  --top N          functions listed (default 25)
  --dir DIR        scratch directory (default a new one under the OS tmpdir)
  --keep           keep it (the .cpuprofile can be opened in Chrome DevTools)`;

const o = parseOptions(process.argv.slice(2), {
  op: 'search', duration: 10, entries: 10000, conns: 16, depth: 4, access: false, pin: false, top: 25, dir: '', keep: false,
}, USAGE);
requireBuild();
const dir = resolve(o.dir || join(tmpdir(), `meshdir-profile-${process.pid}`));
let server;
const cleanup = onCleanup(async () => {
  await server?.stop();
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
});

try {
  mkdirSync(dir, { recursive: true });
  const ldif = join(dir, 'data.ldif');
  await genLdif(o.entries, ldif);
  const config = writeMeshdirConfig(dir, { access: o.access });
  importLdif(config, ldif);
  const profDir = join(dir, 'prof');
  server = await startMeshdir(dir, config, { cpus: o.pin ? '0' : undefined, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=200'] });
  const txn0 = await lastTxnId(join(dir, 'data'));
  const t0 = performance.now();
  const r = await load(server, { op: o.op, duration: o.duration, conns: o.conns, depth: o.depth, entries: o.entries, cpus: o.pin ? '1' : undefined });
  const t1 = performance.now();
  const commits = (await lastTxnId(join(dir, 'data'))) - txn0;
  await server.stop();
  console.log(JSON.stringify(r));
  if (commits > 0) console.log(`LMDB commits during the load: ${commits} (${(r.ops / commits).toFixed(1)} operations per commit, ${(commits / r.seconds).toFixed(0)} commits/s)`);
  // The server's last log line counts the ways its writes went (Store.commitPaths).
  const stopped = readFileSync(join(dir, 'serve.log'), 'utf8').split('\n').filter((l) => l.includes('"meshdir stopped"')).pop();
  const paths = stopped && JSON.parse(stopped).commits;
  if (paths) console.log(`writes: ${paths.direct} committed alone, ${paths.queued} in batches; writes worked out ahead: ${paths.replayed} written so (${paths.pipelined ?? 0} of them pipelined, without a transaction body), ${paths.redone} done again`);
  const file = join(profDir, readdirSync(profDir).find((f) => f.endsWith('.cpuprofile')));
  const s = summarize(file, r.ops, { top: o.top, window: lastWindow(file, t1 - t0) });
  console.log(s.text);
  if (o.keep) console.error(`profile kept: ${file}`);
} catch (e) {
  if (!cleanup.started) console.error(`profile failed: ${e.stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}

/**
 * [from, to] in µs since the profile's start: the last `ms` (+ 0.5 s) before
 * the process ended, i.e. the load without the server's startup.
 */
function lastWindow(file, ms) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const span = p.endTime - p.startTime;
  return [Math.max(0, span - ms * 1000 - 500_000), span];
}
