// Shared by the benchmark scripts: test data, scratch meshdir and slapd
// servers, ldapbench runs, and per-process figures read from /proc.
// Plain Node ESM over the compiled dist/ (build first: `npm run build`).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, openSync, closeSync, readFileSync, writeFileSync, mkdirSync, cpSync, statSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createConnection } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';

const HERE = resolve(new URL('..', import.meta.url).pathname);
/**
 * The meshdir build under test: this checkout, or MESHDIR_REPO (e.g. a
 * snapshot made by bench/snapshot.sh, so that edits and rebuilds of a
 * shared checkout cannot change the server in the middle of a run).
 */
export const REPO = resolve(process.env.MESHDIR_REPO ?? HERE);
export const SHARED = resolve(process.env.BENCH_SHARED ?? join(HERE, '../shared/bench'));
export const LDAPBENCH = join(SHARED, 'ldapbench.mjs');
export const MESHDIR = join(REPO, 'bin', 'meshdir');
export const BASE = 'dc=example,dc=com';
export const ROOT_DN = `cn=admin,${BASE}`;
export const ROOT_PW = 'secret';
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** Minimal `--name value` / `--flag` parser; `spec` maps names to defaults (booleans are flags). */
export function parseOptions(argv, spec, usage) {
  const o = { ...spec };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      console.log(usage);
      process.exit(0);
    }
    const key = a.replace(/^--/, '');
    if (!a.startsWith('--') || !(key in spec)) throw new Error(`unknown option ${a}\n${usage}`);
    if (typeof spec[key] === 'boolean') o[key] = true;
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`missing value for ${a}`);
      o[key] = typeof spec[key] === 'number' ? Number(v) : v;
    }
  }
  return o;
}

export function requireBuild() {
  if (!existsSync(join(REPO, 'dist', 'bundle', 'main.js'))) throw new Error(`no built server in ${REPO}/dist: run \`npm run build\` first`);
}

/** `node ldapbench.mjs --gen-ldif N` into a file; returns its SHA-256. */
export async function genLdif(entries, file) {
  const out = createWriteStream(file);
  const child = spawn(process.execPath, [LDAPBENCH, '--gen-ldif', String(entries), '--base', BASE], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.pipe(out);
  const code = await new Promise((r) => child.on('close', r));
  await new Promise((r) => out.close(r));
  if (code !== 0) throw new Error(`ldapbench --gen-ldif exited with ${code}`);
  return sha256(file);
}

export function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export function duBytes(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? duBytes(p) : statSync(p).blocks * 512;
  }
  return n;
}

/** utime + stime, in seconds, of a /proc …/stat file (a process's, or one thread's under task/). */
function cpuSecOf(statFile) {
  const stat = readFileSync(statFile, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of /proc/PID/stat (1-based, from pid).
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident and peak memory (VmRSS, VmHWM) and CPU time of a process. */
export function procStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  const cpuSec = cpuSecOf(`/proc/${pid}/stat`);
  // The main (JavaScript) thread alone: what limits a server's write rate.
  const mainCpuSec = cpuSecOf(`/proc/${pid}/task/${pid}/stat`);
  // RssFile is mostly LMDB's memory map (pages of data.mdb touched so far), RssAnon the heaps.
  // Octets the process had written to the disk (its page writes and syncs, not the page cache's later ones of others).
  const writeBytes = Number(/^write_bytes:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? NaN);
  return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024, anonMiB: kb('RssAnon') / 1024, fileMiB: kb('RssFile') / 1024, cpuSec, mainCpuSec, threads: kb('Threads'), writeBytes };
}

/** Which build was measured: the checkout's commit and changed sources, or the snapshot's record of them. */
export function buildInfo() {
  const snap = join(REPO, 'SNAPSHOT');
  if (existsSync(snap)) return { repo: REPO, snapshot: readFileSync(snap, 'utf8').trim() };
  const git = (args) => spawnSync('git', ['-C', REPO, ...args], { encoding: 'utf8' }).stdout?.trim();
  return { repo: REPO, commit: git(['rev-parse', '--short', 'HEAD']), changed: git(['status', '--short', '--', 'src']) };
}

/** Busy CPU seconds of the whole machine (all cores) since boot, from /proc/stat. */
function machineBusySec() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
  return (f.reduce((a, b) => a + b, 0) - f[3] - f[4]) / CLK_TCK;
}

/**
 * Waits (up to `timeoutSec`) until other processes leave the machine mostly
 * idle (< `maxBusyPct` % of one core over one second); returns the last
 * busy figure. Benchmarks on a shared machine measure the neighbours too.
 */
export async function waitQuiet({ maxBusyPct = 30, timeoutSec = 30 } = {}) {
  let busy = Infinity;
  for (const end = Date.now() + timeoutSec * 1000; Date.now() < end; ) {
    const b0 = machineBusySec();
    await sleep(1000);
    busy = Math.round((machineBusySec() - b0) * 100);
    if (busy < maxBusyPct) break;
  }
  return busy;
}

export function machine() {
  const slapd = spawnSync('slapd', ['-VV'], { encoding: 'utf8' });
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    node: process.version,
    slapd: /slapd ([\w.+~-]+)/.exec(slapd.stderr ?? '')?.[1],
    loadavg: loadavg().map((x) => +x.toFixed(2)),
  };
}

async function portFree(port) {
  return new Promise((r) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.destroy();
      r(false);
    });
    s.on('error', () => r(true));
  });
}

/** A command, pinned to `cpus` (taskset list) when given. */
function pinned(cpus, cmd, args) {
  return cpus ? ['taskset', ['-c', String(cpus), cmd, ...args]] : [cmd, args];
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || '').trim().slice(-2000)}`);
  return r.stdout;
}

async function waitExit(pid, ms) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
  }
  return false;
}

/** Stop a process we started: SIGTERM, then SIGKILL after `ms`. */
export async function stopPid(pid, ms = 10_000) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (!(await waitExit(pid, ms))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
    await waitExit(pid, 2000);
  }
}

// ---- meshdir ------------------------------------------------------------

let rootHash;
/** The {SSHA} hash of the bench password, from `meshdir passwd` (once). */
export function rootPasswordHash() {
  rootHash ??= run(process.execPath, [MESHDIR, 'passwd', '-s', ROOT_PW]).trim();
  return rootHash;
}

/**
 * A server file for a scratch meshdir: the indexes slapd/single.sh has
 * (objectClass eq, uid eq), port 0 unless given (the log says which one was
 * bound). A consumer or hub has no replicaId.
 */
export function writeMeshdirConfig(dir, { access = true, level = 'info', extra = '', role = 'master', replicaId = 1, port = 0 } = {}) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'server.yaml');
  writeFileSync(file, [
    role === 'master' ? `replicaId: ${replicaId}` : '',
    `role: ${role}`,
    `listen: [ldap://127.0.0.1:${port}]`,
    `dataDir: ${join(dir, 'data')}`,
    `suffix: ${BASE}`,
    `rootDn: ${ROOT_DN}`,
    `rootPassword: "${rootPasswordHash()}"`,
    `schemaDir: ${join(REPO, 'schema')}`,
    'indexes: { objectClass: [eq], uid: [eq] }',
    `log: { level: ${level}, access: ${access} }`,
    extra,
  ].filter(Boolean).join('\n') + '\n');
  return file;
}

/** `meshdir import` (offline, like slapadd); returns seconds taken. */
export function importLdif(configFile, ldif, repo = REPO) {
  const t0 = performance.now();
  run(process.execPath, [join(repo, 'bin', 'meshdir'), 'import', '--config', configFile, '--no-progress', ldif]);
  return (performance.now() - t0) / 1000;
}

/** Copy an imported data dir so that several servers start from the same data. */
export function cloneData(fromDir, toDir) {
  mkdirSync(toDir, { recursive: true });
  cpSync(join(fromDir, 'data'), join(toDir, 'data'), { recursive: true });
}

/**
 * `meshdir serve` with its log (stdout and stderr) going straight to a
 * file, so that no other process spends CPU carrying it. With `patches`,
 * bench/whatif-serve.mjs runs the same server with those experiments.
 */
export async function startMeshdir(dir, configFile, { cpus, nodeArgs = [], name = 'meshdir', patches = [], repo, append = false } = {}) {
  const logFile = join(dir, 'serve.log');
  // append: a restart keeps the log of the earlier runs (the start line is looked for after them).
  const from = append && existsSync(logFile) ? statSync(logFile).size : 0;
  const fd = openSync(logFile, append ? 'a' : 'w');
  const serve = patches.length
    ? [join(HERE, 'bench', 'whatif-serve.mjs'), '--config', configFile, '--patch', patches.join(',')]
    : [repo ? join(repo, 'bin', 'meshdir') : MESHDIR, 'serve', '--config', configFile];
  const [cmd, args] = pinned(cpus, process.execPath, [...nodeArgs, ...serve]);
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], cwd: dir });
  closeSync(fd);
  let exited = false;
  child.on('exit', () => (exited = true));
  for (const end = Date.now() + 30_000; ; await sleep(100)) {
    const log = readFileSync(logFile).subarray(from).toString('utf8');
    const line = log.split('\n').find((l) => l.includes('"meshdir started"'));
    if (line) {
      const url = JSON.parse(line).listen[0];
      return {
        name, kind: 'meshdir', pid: child.pid, url, dir, logFile,
        async stop() {
          if (!exited) await stopPid(child.pid);
        },
      };
    }
    if (exited || Date.now() > end) {
      if (!exited) await stopPid(child.pid);
      throw new Error(`${name} did not start: ${log.slice(-2000)}`);
    }
  }
}

/**
 * LMDB's last committed transaction id of a data dir (read while the server
 * runs): the difference over a load is the number of commits it made.
 */
export async function lastTxnId(dataDir) {
  const { open } = createRequire(join(REPO, 'package.json'))('lmdb');
  const env = open({ path: dataDir, readOnly: true });
  try {
    return env.getStats().lastTxnId;
  } finally {
    await env.close();
  }
}

// ---- slapd ----------------------------------------------------------------

/**
 * slapd/single.sh in a directory of ours (it stops only the instance of
 * that directory's pid file), loaded with ENTRIES generated entries.
 */
export async function startSlapd(dir, { port = 3890, entries = 10000, cpus } = {}) {
  if (!(await portFree(port))) throw new Error(`port ${port} is taken by another process: pass --slapd-port`);
  const out = run('bash', [join(SHARED, 'slapd', 'single.sh')], {
    env: { ...process.env, SLAPD_DIR: dir, PORT: String(port), ENTRIES: String(entries), ...(cpus ? { SERVER_CPUS: String(cpus) } : {}) },
  });
  const pid = Number(readFileSync(join(dir, 'slapd.pid'), 'utf8').trim());
  return {
    name: 'slapd', kind: 'slapd', pid, url: `ldap://127.0.0.1:${port}`, dir, started: out.trim().split('\n').pop(),
    async stop() {
      await stopPid(pid);
    },
  };
}

// ---- load -------------------------------------------------------------------

/**
 * One ldapbench run against a server, with the server's CPU use over the
 * run (% of one core) and its memory afterwards.
 */
export async function load(server, { op, duration, conns = 16, depth = 4, entries = 10000, workers = 1, cpus }) {
  const before = procStats(server.pid);
  const busy0 = machineBusySec();
  const t0 = performance.now();
  const [cmd, args] = pinned(cpus, process.execPath, [
    LDAPBENCH, '--url', server.url, '--bind-dn', ROOT_DN, '--password', ROOT_PW, '--base', BASE,
    '--entries', String(entries), '--op', op, '--conns', String(conns), '--depth', String(depth),
    '--duration', String(duration), '--workers', String(workers),
  ]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((r) => child.on('close', r));
  const wall = (performance.now() - t0) / 1000;
  const after = procStats(server.pid);
  const machinePct = ((machineBusySec() - busy0) / wall) * 100;
  if (code !== 0) throw new Error(`ldapbench ${op} against ${server.name} exited with ${code}: ${stderr.trim()}`);
  const r = JSON.parse(stdout.trim().split('\n').pop());
  return {
    ...r,
    serverCpuPct: Math.round(((after.cpuSec - before.cpuSec) / wall) * 100),
    // CPU time (all the server's threads) per operation: steadier than ops/s on a busy machine.
    serverCpuUsPerOp: r.ops ? Math.round(((after.cpuSec - before.cpuSec) * 1e6) / r.ops) : undefined,
    mainCpuUsPerOp: r.ops ? Math.round(((after.mainCpuSec - before.mainCpuSec) * 1e6) / r.ops) : undefined,
    // What a synced commit's time grows with: the pages it writes.
    diskKiBPerOp: r.ops ? +((after.writeBytes - before.writeBytes) / 1024 / r.ops).toFixed(2) : undefined,
    // Everything else the machine ran meanwhile (% of one core): other people's processes.
    othersCpuPct: Math.max(0, Math.round(machinePct - ((after.cpuSec - before.cpuSec) / wall) * 100 - (r.clientCpuPct ?? 0))),
    rssMiB: +after.rssMiB.toFixed(1),
    hwmMiB: +after.hwmMiB.toFixed(1),
    anonMiB: +after.anonMiB.toFixed(1),
    fileMiB: +after.fileMiB.toFixed(1),
  };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Run `cleanup` once on exit, Ctrl-C or an uncaught error; `.started` tells that it began. */
export function onCleanup(cleanup) {
  let done;
  const once = () => {
    once.started = true;
    return (done ??= cleanup().catch((e) => console.error(`cleanup: ${e.message}`)));
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      console.error(`\n${sig}: stopping the servers…`);
      once().finally(() => process.exit(130));
    });
  }
  return once;
}
