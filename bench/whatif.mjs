#!/usr/bin/env node
// Measures proposed changes before they are made: the same imported data
// served by several meshdir variants (bench/whatif-serve.mjs patches), each
// driven by the same ldapbench loads, taking turns so that background load
// hits them alike. Prints ops/s, p50/p99 and server CPU per variant.
//
//   npm run build && node bench/whatif.mjs --variants "none;send-concat;base-cache;send-concat+base-cache" --ops search
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cloneData, genLdif, importLdif, load, machine, median, onCleanup, parseOptions, requireBuild, startMeshdir, waitQuiet, writeMeshdirConfig } from './lib.mjs';

const USAGE = `node bench/whatif.mjs [options]
  --variants LIST  ';'-separated variants, each 'none' or '+'-joined patches of whatif-serve.mjs
                   and node options for the server (parts starting with --), or 'at:DIR' to serve
                   from another checkout (built), e.g. a worktree of an earlier commit, which
                   imports the data itself
                   (default "none;send-concat;base-cache;send-concat+base-cache")
  --ops LIST       ldapbench ops (default search)
  --duration S     seconds per run (default 10)
  --runs N         rounds; medians are reported (default 3)
  --conns N --depth K  ldapbench connections × outstanding requests (default 16 × 4)
  --access         access log on (default off)
  --pin            servers on CPU 0, ldapbench on CPU 1
  --entries N      (default 10000)
  --dir DIR --keep scratch directory`;
const o = parseOptions(process.argv.slice(2), {
  variants: 'none;send-concat;base-cache;send-concat+base-cache', ops: 'search', duration: 10, runs: 3, conns: 16, depth: 4, access: false, pin: false, entries: 10000, dir: '', keep: false,
}, USAGE);
requireBuild();
const dir = resolve(o.dir || join(tmpdir(), `meshdir-whatif-${process.pid}`));
const servers = [];
const cleanup = onCleanup(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
});
try {
  mkdirSync(dir, { recursive: true });
  const ldif = join(dir, 'data.ldif');
  await genLdif(o.entries, ldif);
  importLdif(writeMeshdirConfig(join(dir, 'seed')), ldif);
  const variants = o.variants.split(';').map((v) => v.trim()).filter(Boolean);
  for (const [i, v] of variants.entries()) {
    const d = join(dir, `v${i}`);
    const parts = v === 'none' ? [] : v.split('+');
    // A part starting with "--" is a node option for the server process (e.g. --max-semi-space-size=32).
    const nodeArgs = parts.filter((p) => p.startsWith('--'));
    const repo = parts.find((p) => p.startsWith('at:'))?.slice(3);
    // Another checkout imports the data itself: its file format may differ.
    if (repo) importLdif(writeMeshdirConfig(d), ldif, resolve(repo));
    else cloneData(join(dir, 'seed'), d);
    const patches = parts.filter((p) => !p.startsWith('--') && !p.startsWith('at:'));
    servers.push(await startMeshdir(d, writeMeshdirConfig(d, { access: o.access }), { name: v, patches, nodeArgs, repo, cpus: o.pin ? '0' : undefined }));
  }
  console.log(`${machine().cpus} CPUs, load ${machine().loadavg.join(' ')}; ${o.duration} s × ${o.runs} rounds, access log ${o.access ? 'on' : 'off'}`);
  for (const op of o.ops.split(',')) {
    const runs = new Map(servers.map((s) => [s, []]));
    for (let i = 0; i < o.runs; i++) {
      for (const s of servers) {
        await waitQuiet();
        runs.get(s).push(await load(s, { op, duration: o.duration, conns: o.conns, depth: o.depth, entries: o.entries, cpus: o.pin ? '1' : undefined }));
      }
    }
    for (const s of servers) {
      const rs = runs.get(s);
      const m = (k) => +median(rs.map((r) => r[k])).toFixed(3);
      console.log(`${op.padEnd(7)} ${s.name.padEnd(36)} ${String(Math.round(m('opsPerSec'))).padStart(7)} ops/s  errors ${rs.map((r) => r.errors).join('+')}  p50 ${m('p50ms')} ms  p99 ${m('p99ms')} ms  server CPU ${m('serverCpuPct')}% = ${m('serverCpuUsPerOp')} µs/op (main thread ${m('mainCpuUsPerOp')})  disk ${m('diskKiBPerOp')} KiB/op  RSS ${m('rssMiB')} MiB (anon ${m('anonMiB')})  others ${m('othersCpuPct')}%  (runs: ${rs.map((r) => r.opsPerSec).join(', ')})`);
    }
  }
  console.log(`load after: ${machine().loadavg.join(' ')}`);
} catch (e) {
  if (!cleanup.started) console.error(`whatif failed: ${e.stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
