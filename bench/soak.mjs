// Soak: the demo mesh (three masters in a full mesh, a read-only consumer fed
// by m1 and m2, the demo's agreement settings) in a scratch directory, under
// ldapbench load for a long time: `--op mixed` (90 % search, 10 % modify) on
// every master and `--op search` on the consumer, in rounds (each round opens
// fresh connections, so leaked sockets would pile up). Every few seconds it
// samples each server's VmRSS (with RssAnon and RssFile) and open file
// descriptors from /proc; at the end it prints their growth after the
// warm-up (target: under 10 %), then waits for the mesh to converge and runs
// `meshdir repl check`. Servers are stopped by PID, also on error or Ctrl-C.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BASE, LDAPBENCH, MESHDIR, REPO, ROOT_DN, ROOT_PW, buildInfo, duBytes, genLdif, importLdif, machine, onCleanup, parseOptions,
  procStats, requireBuild, rootPasswordHash, startMeshdir,
} from './lib.mjs';

const USAGE = `node bench/soak.mjs [options]
  --minutes M       length of the load (default 30)
  --warmup S        seconds of load before the baseline is taken (default 300)
  --sample S        seconds between samples (default 5)
  --window S        seconds averaged for the baseline and the end figure (default 60)
  --round S         seconds per ldapbench run; each round reconnects (default 60)
  --entries N       generated entries (default 10000)
  --conns N         connections per load generator (default 4)
  --depth K         outstanding requests per connection (default 2)
  --changelog AGE   changelog maxAge of every server (default 7d, the demo's): with
                    steady writes the changelog, and so LMDB's mapped pages in RSS,
                    grow until records reach this age; a short AGE shows trimming
  --changelog-records N  changelog maxRecords of every server (default 100000, the
                    demo's; 0: no cap, only the age trims)
  --access          access log on (the demo's default; off here to spare the disk)
  --dir DIR         scratch directory (default: a new one under the temp dir)
  --keep            keep the scratch directory
  --json FILE       write every sample and the summary to FILE
Build first: npx tsc -p .  (MESHDIR_REPO=DIR runs a bench/snapshot.sh copy)`;

const o = parseOptions(process.argv.slice(2), {
  minutes: 30, warmup: 300, sample: 5, window: 60, round: 60, entries: 10000, conns: 4, depth: 2,
  changelog: '7d', 'changelog-records': 100000, access: false, dir: '', keep: false, json: '',
}, USAGE);

const MASTERS = ['m1', 'm2', 'm3'];
const CONSUMER = 'c1';
const FEEDERS = ['m1', 'm2'];
const REPL_DN = 'cn=replication manager,cn=config';
const REPL_PW = 'soak-replication';
const { LdapClient } = await import(join(REPO, 'dist', 'ldap', 'client.js'));
const log = (s) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`);

function serverFile(dir, name) {
  const master = name !== CONSUMER;
  const file = join(dir, 'server.yaml');
  writeFileSync(file, [
    master ? `replicaId: ${MASTERS.indexOf(name) + 1}` : '',
    `role: ${master ? 'master' : 'consumer'}`,
    'listen: [ldap://127.0.0.1:0]',
    `dataDir: ${join(dir, 'data')}`,
    `suffix: ${BASE}`,
    `rootDn: ${ROOT_DN}`,
    `rootPassword: "${rootPasswordHash()}"`,
    `schemaDir: ${join(REPO, 'schema')}`,
    'indexes: { objectClass: [eq], uid: [eq], cn: [eq, sub], sn: [eq], mail: [eq, sub], member: [eq] }',
    master ? `agreementsDir: ${join(dir, 'agreements')}` : '',
    `log: { level: info, access: ${o.access} }`,
    'replication:',
    `  managers: ["${REPL_DN}"]`,
    `  changelog: { maxAge: ${o.changelog}${o['changelog-records'] ? `, maxRecords: ${o['changelog-records']}` : ''} }`,
    '  tombstoneLifetime: 7d',
  ].filter(Boolean).join('\n') + '\n');
  return file;
}

/** The demo's agreement settings, written at once (the server watches the directory). */
function agree(from, to) {
  const file = join(from.dir, 'agreements', `to-${to.name}.yaml`);
  writeFileSync(`${file}.tmp`, [
    `consumer: ${to.url}`, `bindDn: ${REPL_DN}`, `bindPasswordFile: ${join(from.dir, 'repl.pw')}`, 'transport: plain',
    'enabled: true', 'schedule: always', 'windowSize: 10', 'groupSize: 100', 'compression: 0',
  ].join('\n') + '\n');
  renameSync(`${file}.tmp`, file);
}

async function withClient(url, f) {
  const c = await LdapClient.connect(url, { timeoutMs: 60_000 });
  try {
    await c.bind(ROOT_DN, ROOT_PW);
    return await f(c);
  } finally {
    c.close();
  }
}

/** cn=replication,cn=monitor of a server: its RUV and its agreements. */
async function replication(url) {
  return withClient(url, async (c) => {
    const r = await c.search('cn=replication,cn=monitor', '(objectClass=*)', { scope: 2 });
    const get = (e, a) => e.attrs.find((x) => x.type.toLowerCase() === a)?.values.map(String) ?? [];
    const top = r.entries.find((e) => e.dn.toLowerCase() === 'cn=replication,cn=monitor');
    const agreements = r.entries.filter((e) => e !== top).map((e) => ({ name: get(e, 'cn')[0], state: get(e, 'state')[0], lagMs: Number(get(e, 'lagms')[0] ?? 0), sent: Number(get(e, 'changessent')[0] ?? 0), consumerRuv: get(e, 'consumerruv').join(', ') }));
    return { ruv: get(top, 'ruv').join(', '), conflicts: Number(get(top, 'conflicts')[0] ?? 0), agreements };
  });
}

/** Equal RUVs everywhere and every agreement in sync with no lag; else why not. */
async function unsettled(servers) {
  const reps = await Promise.all(servers.map((s) => replication(s.url)));
  const ruvs = new Set(reps.map((r) => r.ruv));
  if (ruvs.size !== 1) return `RUVs differ: ${reps.map((r, i) => `${servers[i].name} [${r.ruv}]`).join('; ')}`;
  for (const [i, r] of reps.entries()) {
    for (const a of r.agreements) if (a.state !== 'in-sync' || a.lagMs !== 0 || a.consumerRuv !== r.ruv) return `${servers[i].name} ${a.name}: ${a.state}, lag ${a.lagMs} ms`;
  }
  return '';
}

async function converge(servers, ms) {
  const t0 = Date.now();
  let why = '';
  while (Date.now() - t0 < ms) {
    why = await unsettled(servers).catch((e) => e.message);
    if (!why) return Date.now() - t0;
    await sleep(500);
  }
  throw new Error(`no convergence in ${ms / 1000} s: ${why}`);
}

function fds(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** ldapbench rounds against one server until `until`; resolves to the summed figures. */
async function drive(server, op, until, stopping) {
  const tot = { op, rounds: 0, ops: 0, errors: 0, codes: {} };
  while (!stopping() && Date.now() < until - 2000) {
    const secs = Math.max(1, Math.min(o.round, Math.floor((until - Date.now()) / 1000)));
    const child = spawn(process.execPath, [
      LDAPBENCH, '--url', server.url, '--bind-dn', ROOT_DN, '--password', ROOT_PW, '--base', BASE, '--entries', String(o.entries),
      '--op', op, '--conns', String(o.conns), '--depth', String(o.depth), '--duration', String(secs),
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    drivers.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => child.on('close', r));
    drivers.delete(child);
    if (stopping()) break;
    if (code !== 0) throw new Error(`ldapbench ${op} on ${server.name} exited with ${code}: ${err.trim().slice(-500)}`);
    const r = JSON.parse(out.trim().split('\n').pop());
    tot.rounds++;
    tot.ops += r.ops;
    tot.errors += r.errors;
    for (const [k, n] of Object.entries(r.resultCodes ?? {})) tot.codes[k] = (tot.codes[k] ?? 0) + n;
  }
  return tot;
}

const drivers = new Set();
const root = o.dir || mkdtempSync(join(tmpdir(), 'meshdir-soak-'));
const servers = [];
let stopping = false;
const cleanup = onCleanup(async () => {
  stopping = true;
  for (const d of drivers) d.kill('SIGTERM');
  await Promise.all(servers.map((s) => s.stop()));
  if (!o.keep) rmSync(root, { recursive: true, force: true });
});

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (a, b) => ((b - a) / a) * 100;

try {
  requireBuild();
  log(`scratch ${root}; build ${JSON.stringify(buildInfo())}`);
  const ldif = join(root, 'data.ldif');
  await genLdif(o.entries, ldif);
  for (const name of [...MASTERS, CONSUMER]) {
    const dir = join(root, name);
    mkdirSync(join(dir, 'agreements'), { recursive: true });
    writeFileSync(join(dir, 'repl.pw'), REPL_PW + '\n');
    const file = serverFile(dir, name);
    // Like the demo: the data goes into m1 only; replication brings it to the others.
    if (name === 'm1') log(`import of ${o.entries} entries into m1: ${importLdif(file, ldif).toFixed(1)} s`);
    const s = await startMeshdir(dir, file, { name });
    servers.push(s);
    await withClient(s.url, (c) => c.add(REPL_DN, { objectClass: ['applicationProcess', 'simpleSecurityObject'], cn: 'replication manager', userPassword: REPL_PW }));
  }
  const by = (n) => servers.find((s) => s.name === n);
  for (const a of MASTERS) for (const b of MASTERS) if (a !== b) agree(by(a), by(b));
  for (const f of FEEDERS) agree(by(f), by(CONSUMER));
  log(`mesh up: ${servers.map((s) => `${s.name} ${s.url} pid ${s.pid}`).join(', ')}`);
  log(`initial copy to every server took ${(await converge(servers, 600_000) / 1000).toFixed(1)} s`);

  const samples = [];
  const t0 = Date.now();
  const until = t0 + o.minutes * 60_000;
  const loads = servers.map((s) => drive(s, s.name === CONSUMER ? 'search' : 'mixed', until, () => stopping));
  let nextShow = 0;
  while (Date.now() < until) {
    const at = (Date.now() - t0) / 1000;
    const row = { at: +at.toFixed(1) };
    for (const s of servers) {
      const p = procStats(s.pid);
      row[s.name] = { rssMiB: +p.rssMiB.toFixed(1), anonMiB: +p.anonMiB.toFixed(1), fileMiB: +p.fileMiB.toFixed(1), fds: fds(s.pid) };
    }
    samples.push(row);
    if (at >= nextShow) {
      log(`${at.toFixed(0).padStart(5)} s  ${servers.map((s) => `${s.name} rss ${row[s.name].rssMiB} (anon ${row[s.name].anonMiB}) MiB fds ${row[s.name].fds}`).join(' | ')}`);
      nextShow += 60;
    }
    await sleep(o.sample * 1000);
  }
  const totals = await Promise.all(loads);
  const loadEnd = Date.now();
  const convergeMs = await converge(servers, 600_000);
  const check = await new Promise((resolve) => {
    const ch = spawn(process.execPath, [MESHDIR, 'repl', 'check', ...servers.map((s) => s.url)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    ch.stdout.on('data', (d) => (out += d));
    ch.stderr.on('data', (d) => (out += d));
    ch.on('close', (code) => resolve({ ok: code === 0, last: out.trim().split('\n').pop() }));
  });
  const reps = await Promise.all(servers.map((s) => replication(s.url)));

  // Baseline: the window right after the warm-up; end: the last window.
  const base = samples.filter((r) => r.at >= o.warmup && r.at < o.warmup + o.window);
  const end = samples.filter((r) => r.at >= (loadEnd - t0) / 1000 - o.window);
  if (!base.length) throw new Error(`no samples after the warm-up of ${o.warmup} s: run longer than --warmup + --window`);
  const rows = [['server', 'load', 'ops/s', 'errors', 'RSS MiB base→end', 'growth', 'anon MiB base→end', 'growth', 'file MiB', 'fds base→end', 'growth', 'RSS max', 'data MiB']];
  const summary = {};
  let worst = -Infinity;
  let worstAnon = -Infinity;
  for (const [i, s] of servers.entries()) {
    const f = (rs, k) => mean(rs.map((r) => r[s.name][k]));
    const fig = {};
    for (const k of ['rssMiB', 'anonMiB', 'fileMiB', 'fds']) fig[k] = { base: +f(base, k).toFixed(1), end: +f(end, k).toFixed(1), growthPct: +pct(f(base, k), f(end, k)).toFixed(1) };
    fig.rssMaxMiB = Math.max(...samples.filter((r) => r.at >= o.warmup).map((r) => r[s.name].rssMiB));
    const t = totals[i];
    fig.load = { ...t, opsPerSec: Math.round(t.ops / ((loadEnd - t0) / 1000)) };
    summary[s.name] = fig;
    worst = Math.max(worst, fig.rssMiB.growthPct, fig.fds.growthPct);
    worstAnon = Math.max(worstAnon, fig.anonMiB.growthPct);
    fig.dataMiB = +(duBytes(join(s.dir, 'data')) / 1048576).toFixed(1);
    rows.push([
      s.name, t.op, String(fig.load.opsPerSec), String(t.errors), `${fig.rssMiB.base} → ${fig.rssMiB.end}`, `${fig.rssMiB.growthPct}%`,
      `${fig.anonMiB.base} → ${fig.anonMiB.end}`, `${fig.anonMiB.growthPct}%`, `${fig.fileMiB.base} → ${fig.fileMiB.end}`,
      `${fig.fds.base} → ${fig.fds.end}`, `${fig.fds.growthPct}%`, String(fig.rssMaxMiB), String(fig.dataMiB),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(`soak: ${o.minutes} min of load, changelog maxAge ${o.changelog} maxRecords ${o['changelog-records'] || 'none'}, warm-up ${o.warmup} s, baseline and end averaged over ${o.window} s, samples every ${o.sample} s`);
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  console.log(`changes sent: ${reps.map((r, i) => `${servers[i].name} ${r.agreements.reduce((a, x) => a + x.sent, 0)}`).join(', ')}; conflicts logged: ${reps.map((r, i) => `${servers[i].name} ${r.conflicts}`).join(', ')}`);
  console.log(`converged ${(convergeMs / 1000).toFixed(1)} s after the load; repl check: ${check.last}`);
  const pass = worst < 10 && check.ok;
  console.log(`${pass ? 'PASS' : 'FAIL'}: largest RSS/fd growth after warm-up ${worst.toFixed(1)}% (target < 10%); largest heap (RssAnon) growth ${worstAnon.toFixed(1)}%${check.ok ? '' : '; replicas differ'}`);
  if (o.json) writeFileSync(o.json, JSON.stringify({ options: o, machine: machine(), build: buildInfo(), summary, convergeMs, check, samples }, null, 1));
  process.exitCode = pass ? 0 : 1;
} catch (e) {
  console.error(`soak: ${e.stack ?? e.message}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
