#!/usr/bin/env node
// Replication side by side with OpenLDAP, in one run: three slapd
// multi-providers (../shared/bench/slapd/mmr.sh), then three meshdir masters
// in a full mesh on the same ports (3891-3893) with the same 10,000 entries,
// both measured by the same ../shared/bench/slapd/replag.mjs (latency,
// converge, conflict). Then a total update: a fresh consumer initialised by
// `meshdir repl init` from a master holding --init-entries entries.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import {
  BASE, LDAPBENCH, MESHDIR, REPO, ROOT_DN, ROOT_PW, SHARED, buildInfo, genLdif, importLdif, machine, onCleanup, parseOptions, requireBuild,
  startMeshdir, writeMeshdirConfig,
} from './lib.mjs';

const usage = `node bench/repl.mjs [options]
  --samples N        latency samples (default 200)
  --warmup S         before them, S seconds of modifies on each master (one connection each),
                     the same for both servers (default 5; 0 measures cold servers)
  --ops N            modifies in the convergence burst (default 2000)
  --rounds N         conflict rounds (default 20)
  --init-entries N   entries for the repl init measurement (default 100000; 0 skips it)
  --skip LIST        comma-separated phases to skip: slapd, meshdir, init
  --dir D            scratch directory (default: a new one under /tmp)
  --profile          init phase: run the consumer under node --cpu-prof and print where its time went;
                     with --hold: run the three masters under --cpu-prof (profiles in DIR/mN/prof at Ctrl-C)
  --log-level L      meshdir servers' log level (default info; debug logs every group with µs times)
  --hold             meshdir phase: after the init, keep the three masters up on 3891-3893 (no
                     measurement) until Ctrl-C, for your own probes
  --keep             keep the scratch directory
  --json FILE        write every figure as JSON`;
const o = parseOptions(process.argv.slice(2), { samples: 200, warmup: 5, ops: 2000, rounds: 20, 'init-entries': 100000, skip: '', dir: '', 'log-level': 'info', profile: false, hold: false, keep: false, json: '' }, usage);
const skip = new Set(o.skip.split(',').filter(Boolean));
requireBuild();

const ldap = createRequire(join(REPO, 'package.json'))('ldapjs');
const dir = o.dir || mkdtempSync(join(tmpdir(), 'meshdir-bench-repl-'));
mkdirSync(dir, { recursive: true });
const PORTS = [3891, 3892, 3893];
const REPL_DN = 'cn=replication manager,cn=config';
const REPL_PW = 'bench-repl-secret';
const servers = [];
const slapdDir = join(dir, 'slapd');
let slapdStarted = false;

const cleanup = onCleanup(async () => {
  for (const s of servers.splice(0)) await s.stop();
  if (slapdStarted) spawnSync('bash', [join(SHARED, 'slapd', 'mmr-stop.sh')], { env: { ...process.env, MMR_DIR: slapdDir }, stdio: 'ignore' });
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
});

const log = (m) => process.stderr.write(`${m}\n`);

/** The shared replag.mjs, unchanged: it measures whatever listens on 3891-3893. */
function replag(mode, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(SHARED, 'slapd', 'replag.mjs'), mode, ...args], {
      env: { ...process.env, LDAPJS_DIR: REPO },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`replag ${mode} exited ${code}`))));
  });
}

/**
 * A JIT warms up: a meshdir master that has just started takes ~4.6 ms
 * per modify in a mesh (one client, m1), ~2.6 ms after 15 s of them. Both
 * servers get the same warm-up, so the latency is the steady state's.
 */
async function warmup(name) {
  if (!(o.warmup > 0)) return;
  log(`${name}: warm-up (${o.warmup} s of modifies on each master)…`);
  await Promise.all(PORTS.map((port) => new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [LDAPBENCH, '--url', `ldap://127.0.0.1:${port}`, '--bind-dn', ROOT_DN, '--password', ROOT_PW, '--base', BASE,
      '--op', 'modify', '--conns', '1', '--depth', '1', '--duration', String(o.warmup)], { stdio: 'ignore' });
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`warm-up ldapbench on ${port} exited ${code}`))));
  })));
  await sleep(3000);
}

async function measure(name) {
  await warmup(name);
  log(`${name}: latency (${o.samples} samples)…`);
  const latency = await replag('latency', ['--samples', String(o.samples)]);
  log(`${name}: converge after a ${o.ops}-modify burst…`);
  const converge = await replag('converge', ['--ops', String(o.ops), '--timeout', '60']);
  log(`${name}: conflict (${o.rounds} rounds)…`);
  const conflict = await replag('conflict', ['--rounds', String(o.rounds)]);
  delete conflict.results;
  return { latency, converge, conflict };
}

function client(url) {
  return new Promise((resolve, reject) => {
    const c = ldap.createClient({ url });
    c.on('error', reject);
    c.bind(ROOT_DN, ROOT_PW, (e) => (e ? reject(e) : resolve(c)));
  });
}

async function addManager(url) {
  const c = await client(url);
  await new Promise((resolve, reject) =>
    c.add(REPL_DN, { objectClass: ['applicationProcess', 'simpleSecurityObject'], cn: 'replication manager', userPassword: REPL_PW }, (e) => (e ? reject(e) : resolve())),
  );
  c.unbind();
}

function meshdirCli(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [MESHDIR, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0 && args[1] !== 'check') throw new Error(`meshdir ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout).trim().slice(-2000)}`);
  return { ...r, seconds: (performance.now() - t0) / 1000 };
}

/** A server file with replication keys, plus its agreements directory. */
function node(name, { role = 'master', replicaId, port = 0 }) {
  const d = join(dir, name);
  const agreementsDir = join(d, 'agreements');
  mkdirSync(agreementsDir, { recursive: true });
  writeFileSync(join(d, 'repl.pw'), `${REPL_PW}\n`);
  const extra = `agreementsDir: ${agreementsDir}\nreplication:\n  managers: ["${REPL_DN}"]`;
  return { name, dir: d, agreementsDir, config: writeMeshdirConfig(d, { access: false, level: o['log-level'], role, replicaId, port, extra }) };
}

function agree(from, to, url, enabled = true) {
  writeFileSync(join(from.agreementsDir, `to-${to.name}.yaml`), [
    `consumer: ${url}`, `bindDn: ${REPL_DN}`, `bindPasswordFile: ${join(from.dir, 'repl.pw')}`, 'transport: plain', `enabled: ${enabled}`,
  ].join('\n') + '\n');
}

/** Poll `repl check` until the replicas are identical (or `ms` pass). */
async function identical(urls, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const r = meshdirCli(['repl', 'check', '-D', ROOT_DN, '-w', ROOT_PW, ...urls]);
    if (r.status === 0) return r.stdout.trim().split('\n').pop();
    if (Date.now() > end) throw new Error(`replicas still differ after ${ms} ms: ${r.stdout.trim().split('\n').slice(-3).join(' | ')}`);
    await sleep(500);
  }
}

const results = { machine: machine(), build: buildInfo(), options: o };
try {
  if (!skip.has('slapd')) {
    log('slapd: starting three multi-providers (mmr.sh)…');
    slapdStarted = true;
    const r = spawnSync('bash', [join(SHARED, 'slapd', 'mmr.sh')], { env: { ...process.env, MMR_DIR: slapdDir }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mmr.sh failed: ${r.stderr}`);
    results.slapd = await measure('slapd');
    spawnSync('bash', [join(SHARED, 'slapd', 'mmr-stop.sh')], { env: { ...process.env, MMR_DIR: slapdDir }, stdio: 'ignore' });
    slapdStarted = false;
  }

  if (!skip.has('meshdir')) {
    const ldif = join(dir, 'data.ldif');
    await genLdif(10000, ldif);
    const masters = PORTS.map((port, i) => node(`m${i + 1}`, { replicaId: i + 1, port }));
    importLdif(masters[0].config, ldif);
    for (const m of masters) {
      const nodeArgs = o.hold && o.profile ? ['--cpu-prof', '--cpu-prof-dir', join(m.dir, 'prof')] : [];
      const s = await startMeshdir(m.dir, m.config, { name: m.name, nodeArgs });
      servers.push(s);
      m.url = s.url;
      await addManager(m.url);
    }
    for (const a of masters) for (const b of masters) if (a !== b) agree(a, b, b.url);
    const init = [];
    for (const m of masters.slice(1)) init.push(+meshdirCli(['repl', 'init', '--config', masters[0].config, '--agreement', `to-${m.name}`, '--no-progress']).seconds.toFixed(2));
    log(`meshdir: m2, m3 initialised from m1 (${init.join(' s, ')} s); ${await identical(masters.map((m) => m.url), 60_000)}`);
    if (o.hold) {
      log(`meshdir: holding ${masters.map((m) => `${m.name} ${m.url} (pid ${servers.find((s) => s.url === m.url)?.pid})`).join(', ')}; Ctrl-C stops them`);
      await new Promise(() => undefined);
    }
    results.meshdir = await measure('meshdir');
    results.meshdir.initSeconds = init;
    results.meshdir.checkAfter = await identical(masters.map((m) => m.url), 60_000);
    for (const s of servers.splice(0)) await s.stop();
  }

  if (!skip.has('init') && o['init-entries'] > 0) {
    const n = o['init-entries'];
    const ldif = join(dir, `init-${n}.ldif`);
    await genLdif(n, ldif);
    const sup = node('init-supplier', { replicaId: 1 });
    const con = node('init-consumer', { role: 'consumer' });
    log(`init: importing ${n} entries into the supplier…`);
    const importSeconds = importLdif(sup.config, ldif);
    const s1 = await startMeshdir(sup.dir, sup.config, { name: sup.name });
    const profDir = join(con.dir, 'prof');
    const s2 = await startMeshdir(con.dir, con.config, { name: con.name, nodeArgs: o.profile ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', '1000'] : [] });
    servers.push(s1, s2);
    await addManager(s2.url);
    // Disabled while the init runs (as the README says to do), so that the
    // live session does not replay the import's changelog meanwhile.
    agree(sup, con, s2.url, false);
    log(`init: repl init of ${n} entries…`);
    const r = meshdirCli(['repl', 'init', '--config', sup.config, '--agreement', `to-${con.name}`, '--no-progress']);
    agree(sup, con, s2.url);
    const t0 = performance.now();
    const check = await identical([s1.url, s2.url], 120_000);
    results.init = {
      entries: n, importSeconds: +importSeconds.toFixed(1), replInitSeconds: +r.seconds.toFixed(1), replInitSays: r.stderr.trim().split('\n').pop(),
      check, checkSeconds: +((performance.now() - t0) / 1000).toFixed(1),
    };
    for (const s of servers.splice(0)) await s.stop();
    if (o.profile) {
      const { summarize } = await import('./cpuprofile.mjs');
      const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
      console.log(summarize(join(profDir, file), 0, { top: 30 }).text);
    }
  }
} finally {
  await cleanup();
}

const f = (x) => (x === null || x === undefined ? '—' : String(x));
const row = (cells) => cells.map((c, i) => (i ? f(c).padStart(14) : f(c).padEnd(34))).join('');
console.log(o.warmup > 0 ? `latency after a ${o.warmup} s warm-up of modifies on each master (both servers)` : 'latency of cold servers (no warm-up)');
console.log(row(['', 'slapd', 'meshdir']));
const pick = (fn) => ['slapd', 'meshdir'].map((k) => (results[k] ? fn(results[k]) : undefined));
console.log(row(['modify ack on m1 p50 / p99 ms', ...pick((r) => `${r.latency.modifyAckOnP1.p50ms} / ${r.latency.modifyAckOnP1.p99ms}`)]));
console.log(row(['visible on m3 after send p50 / p99', ...pick((r) => `${r.latency.visibleOnP3FromSend.p50ms} / ${r.latency.visibleOnP3FromSend.p99ms}`)]));
console.log(row(['visible on m3 after ack p50 / p99', ...pick((r) => `${r.latency.visibleOnP3AfterAck.p50ms} / ${r.latency.visibleOnP3AfterAck.p99ms}`)]));
console.log(row(['latency samples missed', ...pick((r) => r.latency.missed)]));
console.log(row([`burst of ${o.ops}: burst seconds`, ...pick((r) => r.converge.burstSeconds)]));
console.log(row(['all identical, ms after the burst', ...pick((r) => r.converge.checksumsEqualAfterBurstMs ?? 'never')]));
console.log(row(['all identical, ms from burst start', ...pick((r) => r.converge.convergedFromBurstStartMs ?? 'never')]));
console.log(row([`conflict rounds agreeing (of ${o.rounds})`, ...pick((r) => `${r.conflict.agreeRounds} / end ${r.conflict.agreeAtEnd}`)]));
if (results.init) {
  const i = results.init;
  console.log(`repl init: ${i.entries} entries in ${i.replInitSeconds} s (${i.replInitSays}); repl check: ${i.check} (${i.checkSeconds} s); import took ${i.importSeconds} s`);
}
if (o.json) writeFileSync(o.json, JSON.stringify(results, null, 2));
