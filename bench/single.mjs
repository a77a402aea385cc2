#!/usr/bin/env node
// One meshdir server against one slapd (back-mdb), same data and indexes, in
// one run: ldapbench search, modify, add, mixed and bind at 16 connections ×
// depth 4 against each, then a table of ops/s, p50/p99, CPU and RSS with the
// ratio meshdir/slapd, and the figures as JSON. Every server it starts is
// stopped by its PID at the end, also on error or Ctrl-C.
//
//   npm run build && node bench/single.mjs [--duration 10] [--runs 1] [--pin]
//
// meshdir acknowledges a write only after LMDB's synced commit; that is the
// only mode measured here.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  buildInfo, cloneData, genLdif, importLdif, load, machine, median, onCleanup, parseOptions, requireBuild, sha256,
  startMeshdir, startSlapd, waitQuiet, writeMeshdirConfig,
} from './lib.mjs';

const USAGE = `node bench/single.mjs [options]
  --duration S       seconds per ldapbench run (default 10)
  --runs N           runs per op and server; the run with the median ops/s is reported (default 1)
  --ops LIST         comma-separated ldapbench ops (default search,modify,add,mixed,bind)
  --entries N        generated entries (default 10000)
  --conns N --depth K  connections and outstanding requests each (default 16 × 4)
  --access MODE      meshdir access log: off, on, or both = two meshdir servers (default both)
  --pin              servers on CPU 0, ldapbench on CPU 1 (taskset)
  --workers W        ldapbench worker threads (default 1)
  --warmup S         before an op's first measured run, S seconds of the same load on each server, not counted
                     (default 3; 0 = measure servers cold)
  --quiet-wait S     before each run, wait up to S seconds for other processes to go quiet (default 30; 0 = don't)
  --slapd-port P     slapd's port (default 3890)
  --dir DIR          scratch directory (default a new one under the OS tmpdir; removed unless --keep)
  --keep             keep the scratch directory (data, server logs)
  --json FILE        figures as JSON (default bench-single.json in the scratch dir's parent)`;

const o = parseOptions(process.argv.slice(2), {
  duration: 10, runs: 1, ops: 'search,modify,add,mixed,bind', entries: 10000, conns: 16, depth: 4,
  access: 'both', pin: false, workers: 1, warmup: 3, 'quiet-wait': 30, 'slapd-port': 3890, dir: '', keep: false, json: '',
}, USAGE);
if (!['off', 'on', 'both'].includes(o.access)) throw new Error('--access is off, on or both');
requireBuild();

const dir = resolve(o.dir || join(tmpdir(), `meshdir-bench-${process.pid}`));
const jsonFile = resolve(o.json || join(dirname(dir), 'bench-single.json'));
const serverCpus = o.pin ? '0' : undefined;
const clientCpus = o.pin ? '1' : undefined;
const ops = o.ops.split(',').map((s) => s.trim()).filter(Boolean);
const servers = [];
const cleanup = onCleanup(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
});

const log = (s) => process.stderr.write(s + '\n');

try {
  mkdirSync(dir, { recursive: true });
  const started = new Date();
  const host = machine();
  log(`scratch dir ${dir}; ${host.cpus} CPUs, load average ${host.loadavg.join(' ')}`);

  const ldif = join(dir, 'data.ldif');
  const ldifSha = await genLdif(o.entries, ldif);
  const slapd = await startSlapd(join(dir, 'slapd'), { port: o['slapd-port'], entries: o.entries, cpus: serverCpus });
  servers.push(slapd);
  log(slapd.started);
  if (sha256(join(dir, 'slapd', 'data.ldif')) !== ldifSha) throw new Error('slapd was loaded with other data than meshdir');

  const seedConfig = writeMeshdirConfig(join(dir, 'seed'));
  const importSec = importLdif(seedConfig, ldif);
  log(`meshdir import of ${o.entries + 2} entries: ${importSec.toFixed(1)} s`);
  const variants = o.access === 'both' ? [['meshdir', false], ['meshdir+log', true]] : [['meshdir', o.access === 'on']];
  for (const [name, access] of variants) {
    const d = join(dir, name);
    cloneData(join(dir, 'seed'), d);
    servers.push(await startMeshdir(d, writeMeshdirConfig(d, { access }), { cpus: serverCpus, name }));
  }
  log(`servers: ${servers.map((s) => `${s.name} ${s.url} (pid ${s.pid})`).join(', ')}`);

  const results = {};
  for (const op of ops) {
    results[op] = {};
    const runs = Object.fromEntries(servers.map((s) => [s.name, []]));
    // A just-started Node server runs unoptimized code while V8 compiles
    // its hot paths on the same cores: its first seconds of a new load are
    // slower, with stalls of up to ~200 ms (a 10 s cold modify run here:
    // p99 60-76 ms; after 3 s of the same load: 20 ms). Every server gets
    // the same warm-up, slapd included.
    if (o.warmup > 0) {
      for (const s of servers) {
        const w = await load(s, { op, duration: o.warmup, conns: o.conns, depth: o.depth, entries: o.entries, workers: o.workers, cpus: clientCpus });
        log(`${op.padEnd(7)} ${s.name.padEnd(12)} warm-up ${o.warmup} s: ${w.opsPerSec} ops/s  p99 ${w.p99ms} ms  errors ${w.errors} (not counted)`);
      }
    }
    // Servers take turns within each round, so background load hits them alike.
    for (let i = 0; i < o.runs; i++) {
      for (const s of servers) {
        if (o['quiet-wait'] > 0) await waitQuiet({ timeoutSec: o['quiet-wait'] });
        const r = await load(s, { op, duration: o.duration, conns: o.conns, depth: o.depth, entries: o.entries, workers: o.workers, cpus: clientCpus });
        runs[s.name].push(r);
        log(`${op.padEnd(7)} ${s.name.padEnd(12)} ${String(r.opsPerSec).padStart(7)} ops/s  p50 ${r.p50ms} ms  p99 ${r.p99ms} ms  errors ${r.errors}  server CPU ${r.serverCpuPct}% (${r.serverCpuUsPerOp} µs/op)  client CPU ${r.clientCpuPct}%  others ${r.othersCpuPct}%`);
      }
    }
    for (const s of servers) {
      const rs = runs[s.name];
      const m = median(rs.map((r) => r.opsPerSec));
      const pick = rs.reduce((a, r) => (Math.abs(r.opsPerSec - m) < Math.abs(a.opsPerSec - m) ? r : a));
      const runsBrief = rs.map((r) => ({ opsPerSec: r.opsPerSec, p50ms: r.p50ms, p99ms: r.p99ms, serverCpuUsPerOp: r.serverCpuUsPerOp, othersCpuPct: r.othersCpuPct }));
      results[op][s.name] = { ...pick, runs: runsBrief };
    }
  }

  const figures = {
    date: started.toISOString(),
    command: `node bench/single.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { ...host, loadavgAfter: machine().loadavg },
    build: buildInfo(),
    options: { ...o, dir: undefined, json: undefined },
    importSec: +importSec.toFixed(1),
    servers: servers.map((s) => ({ name: s.name, pid: s.pid, url: s.url })),
    results,
  };
  writeFileSync(jsonFile, JSON.stringify(figures, null, 2) + '\n');
  console.log(table(figures));
  log(`figures written to ${jsonFile}`);
} catch (e) {
  // After Ctrl-C the run in progress fails as its server goes away: not worth a report.
  if (!cleanup.started) {
    log(`bench failed: ${e.stack ?? e}`);
    // A server that went away left its reason in its log: keep it.
    o.keep = true;
    for (const f of findLogs(dir)) log(`--- last lines of ${f}\n${readFileSync(f, 'utf8').split('\n').slice(-30).join('\n')}`);
    log(`scratch dir kept: ${dir}`);
  }
  process.exitCode = 1;
} finally {
  await cleanup();
}

function findLogs(d) {
  if (!existsSync(d)) return [];
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? findLogs(join(d, e.name)) : e.name === 'serve.log' ? [join(d, e.name)] : []));
}

function table(f) {
  const names = f.servers.map((s) => s.name);
  const head = ['op', 'server', 'ops/s', 'p50 ms', 'p99 ms', 'errors', 'srv CPU%', 'CPU µs/op', 'cli CPU%', 'others%', 'RSS MiB', 'vs slapd'];
  const rows = [];
  for (const [op, byServer] of Object.entries(f.results)) {
    for (const n of names) {
      const r = byServer[n];
      const base = byServer.slapd?.opsPerSec;
      rows.push([
        n === names[0] ? op : '', n, r.opsPerSec, r.p50ms, r.p99ms, r.errors, r.serverCpuPct, r.serverCpuUsPerOp, r.clientCpuPct, r.othersCpuPct, r.rssMiB,
        n === 'slapd' || !base ? '' : `${(r.opsPerSec / base).toFixed(2)}×`,
      ]);
    }
  }
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i < 2 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [
    `${f.date}  ${f.machine.cpus} CPUs  node ${f.machine.node}  slapd ${f.machine.slapd}  load ${f.machine.loadavg.join(' ')} → ${f.machine.loadavgAfter.join(' ')}`,
    `${f.options.entries} entries, ${f.options.conns} conns × depth ${f.options.depth}, ${f.options.duration} s × ${f.options.runs} run(s)${f.options.warmup ? `, after ${f.options.warmup} s of warm-up` : ", cold"}${f.options.pin ? ', servers on CPU 0, client on CPU 1' : ''}`,
    line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line),
  ].join('\n');
}
