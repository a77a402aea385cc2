// Soak: the demo mesh (three masters in a full mesh, a read-only consumer fed
// by m1 and m2, the demo's agreement settings) in a scratch directory, under
// ldapbench load for a long time: `--op mixed` (90 % search, 10 % modify) on
// every master and `--op search` on the consumer, in rounds (each round opens
// fresh connections, so leaked sockets would pile up). Every few seconds it
// samples each server's VmRSS (with RssAnon and RssFile) and open file
// descriptors from /proc; at the end it prints their growth after the
// warm-up (target: under 10 %), then waits for the mesh to converge and runs
// `meshdir repl check`. Servers are stopped by PID, also on error or Ctrl-C.
//
// With --rate the load is paced instead (R operations/s per master, a
// fifth of that on the consumer) and covers every write: modifies, adds,
// deletes and modrdns of entries the soak added, searches, paged searches
// (some left unfinished) and connections that open and close. With
// --kill-every a master is SIGKILLed in turn and restarted on its port
// (--port fixes the ports); --cut-at/--cut-for cut the m1 → m2 link (a TCP
// proxy) once. Every --sample seconds a row of figures per server: RSS,
// heap used and event-loop delay (from its metrics listener), fds, data.mdb
// size, changelog records, tombstones, replication lag, warnings and errors
// logged; with per-op latency of the load.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, renameSync, statSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { createRequire } from 'node:module';
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
  --rate R          paced mixed load, R ops/s per master (R/5 on the consumer) instead of ldapbench
  --port P          fixed ports: m1..m3, c1 on P..P+3, metrics on P+10.., the proxy on P+20 (default: any)
  --kill-every S    SIGKILL a master (in turn) every S seconds and restart it (0: never)
  --cut-at S        cut the m1 -> m2 link (TCP proxy) S seconds into the load (0: never)
  --cut-for S       for this long (default 180)
  --tombstones AGE  tombstoneLifetime (default 7d)
  --maintenance AGE replication.maintenanceInterval (default 60s)
Build first: npm run build  (MESHDIR_REPO=DIR runs a bench/snapshot.sh copy)`;

const o = parseOptions(process.argv.slice(2), {
  minutes: 30, warmup: 300, sample: 5, window: 60, round: 60, entries: 10000, conns: 4, depth: 2,
  changelog: '7d', 'changelog-records': 100000, access: false, dir: '', keep: false, json: '',
  rate: 0, port: 0, 'kill-every': 0, 'cut-at': 0, 'cut-for': 180, tombstones: '7d', maintenance: '60s',
}, USAGE);

const MASTERS = ['m1', 'm2', 'm3'];
const CONSUMER = 'c1';
const FEEDERS = ['m1', 'm2'];
const REPL_DN = 'cn=replication manager,cn=config';
const portOf = (name) => (o.port ? o.port + [...MASTERS, CONSUMER].indexOf(name) : 0);
const REPL_PW = 'soak-replication';
const { LdapClient } = await import(join(REPO, 'dist', 'ldap', 'client.js'));
const log = (s) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`);

function serverFile(dir, name) {
  const master = name !== CONSUMER;
  const file = join(dir, 'server.yaml');
  writeFileSync(file, [
    master ? `replicaId: ${MASTERS.indexOf(name) + 1}` : '',
    `role: ${master ? 'master' : 'consumer'}`,
    `listen: [ldap://127.0.0.1:${portOf(name)}]`,
    o.port ? `metrics: { listen: "127.0.0.1:${o.port + 10 + [...MASTERS, CONSUMER].indexOf(name)}" }` : '',
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
    `  tombstoneLifetime: ${o.tombstones}`,
    `  maintenanceInterval: ${o.maintenance}`,
  ].filter(Boolean).join('\n') + '\n');
  return file;
}

/** The demo's agreement settings, written at once (the server watches the directory). */
function agree(from, to, url = to.url) {
  const file = join(from.dir, 'agreements', `to-${to.name}.yaml`);
  writeFileSync(`${file}.tmp`, [
    `consumer: ${url}`, `bindDn: ${REPL_DN}`, `bindPasswordFile: ${join(from.dir, 'repl.pw')}`, 'transport: plain',
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


// ---- chaos mode (--rate, --kill-every, --cut-at) -------------------------

const { pagedResultsControl, decodePagedResults } = await import(join(REPO, 'dist', 'ldap', 'pdu', 'controls.js'));
const PAGED = '1.2.840.113556.1.4.319';

/** test/helpers/proxy.ts in plain JS: a cut holds bytes both ways (a partition, not a reset). */
class Proxy {
  pipes = new Set();
  cut = false;
  accepted = 0;
  static async start(port, targetUrl) {
    const u = new URL(targetUrl);
    const p = new Proxy();
    p.server = createServer({ noDelay: true }, (client) => p.accept(client, { host: u.hostname, port: Number(u.port) }));
    await new Promise((r, j) => { p.server.once('error', j); p.server.listen(port, '127.0.0.1', r); });
    p.url = `ldap://127.0.0.1:${p.server.address().port}`;
    return p;
  }
  heal() {
    this.cut = false;
    for (const q of this.pipes) {
      for (const b of q.toUp.splice(0)) q.up.write(b);
      for (const b of q.toCl.splice(0)) q.client.write(b);
    }
  }
  accept(client, target) {
    this.accepted++;
    const up = connect({ ...target, noDelay: true });
    const q = { client, up, toUp: [], toCl: [] };
    this.pipes.add(q);
    const end = () => {
      if (!this.pipes.delete(q)) return;
      client.end(); up.end();
      setTimeout(() => { client.destroy(); up.destroy(); }, 1000).unref();
    };
    client.on('data', (b) => (this.cut ? q.toUp.push(b) : up.write(b)));
    up.on('data', (b) => (this.cut ? q.toCl.push(b) : client.write(b)));
    const onClose = () => {
      if (!this.cut) return end();
      const t = setInterval(() => { if (!this.cut || !this.pipes.has(q)) { clearInterval(t); end(); } }, 50);
      t.unref();
    };
    for (const x of [client, up]) { x.on('error', () => undefined); x.on('close', onClose); }
  }
  async close() {
    for (const q of this.pipes) { q.client.destroy(); q.up.destroy(); }
    await new Promise((r) => this.server.close(r));
  }
}

/** Per-op latencies of one sampling window. */
class Lat {
  m = new Map();
  add(op, ms) { (this.m.get(op) ?? this.m.set(op, []).get(op)).push(ms); }
  take() {
    const out = {};
    for (const [op, xs] of this.m) {
      xs.sort((a, b) => a - b);
      const q = (f) => +xs[Math.min(xs.length - 1, Math.floor(xs.length * f))].toFixed(2);
      out[op] = { n: xs.length, p50: q(0.5), p99: q(0.99), max: q(1) };
    }
    this.m.clear();
    return out;
  }
}

/**
 * Paced load on one server: `rate` ops/s over `conns` connections that are
 * replaced one at a time every `churnMs`. Masters get every kind of write
 * (adds, deletes and modrdns on entries this generator added), the consumer
 * only reads. A refused or dropped connection (a killed server) counts as an
 * error and the connection is opened again.
 */
function pacedLoad(server, { rate, master, lat, conns = 3, churnMs = 15_000, tag }) {
  const tot = { op: master ? 'paced-mixed' : 'paced-search', rounds: 0, ops: 0, errors: 0, codes: {} };
  const pool = new Array(conns).fill(null);
  const mine = []; // DNs this generator added and not yet deleted
  let n = 0;
  let inflight = 0;
  let stopped = false;
  const code = (k) => (tot.codes[k] = (tot.codes[k] ?? 0) + 1);
  const open = async (i) => {
    const c = await LdapClient.connect(server.url, { timeoutMs: 30_000 });
    await c.bind(ROOT_DN, ROOT_PW);
    tot.rounds++;
    return c;
  };
  const client = async (i) => {
    if (!pool[i]) pool[i] = open(i).catch((e) => { pool[i] = null; throw e; });
    return pool[i];
  };
  // A replaced connection is closed a little later: the requests it carries still get their answers.
  const drop = (i, graceMs = 0) => { const p = pool[i]; pool[i] = null; p?.then((c) => setTimeout(() => c.close(), graceMs), () => undefined); };
  const pick = () => {
    const r = Math.random() * 100;
    if (!master) return r < 80 ? 'search' : r < 95 ? 'paged' : 'paged-abandon';
    if (r < 45) return 'search';
    if (r < 70) return 'modify';
    if (r < 78) return 'add';
    if (r < 84) return mine.length > 50 ? 'delete' : 'add';
    if (r < 90) return mine.length > 50 ? 'modrdn' : 'add';
    if (r < 95) return 'paged';
    if (r < 97) return 'paged-abandon';
    return 'subsearch';
  };
  const user = () => `uid=user${Math.floor(Math.random() * o.entries)},ou=people,${BASE}`;
  async function one(op, c, seq) {
    switch (op) {
      case 'search': {
        const r = await c.search(BASE, `(uid=user${Math.floor(Math.random() * o.entries)})`, { scope: 2 });
        return r.code;
      }
      case 'subsearch': {
        const r = await c.search(`ou=people,${BASE}`, `(cn=*${Math.floor(Math.random() * 1000)}*)`, { scope: 1, attributes: ['uid'], sizeLimit: 50 });
        return r.code;
      }
      case 'paged':
      case 'paged-abandon': {
        const f = `(mail=user${Math.floor(Math.random() * 90) + 10}*)`;
        let cookie = Buffer.alloc(0);
        for (let page = 0; ; page++) {
          const r = await c.search(`ou=people,${BASE}`, f, { scope: 1, attributes: ['uid'], controls: [pagedResultsControl(20, cookie)] });
          if (r.code !== 0) return r.code;
          const ctl = r.controls.find((x) => x.oid === PAGED);
          cookie = ctl ? Buffer.from(decodePagedResults(ctl.value).cookie) : Buffer.alloc(0);
          if (!cookie.length || (op === 'paged-abandon' && page >= 1)) return 0; // the abandoned one just stops asking
        }
      }
      case 'modify':
        await c.modify(user(), [{ op: 'replace', attr: 'description', values: `soak ${tag} ${seq}` }]);
        return 0;
      case 'add': {
        const uid = `s${tag}x${seq}`;
        const dn = `uid=${uid},ou=people,${BASE}`;
        await c.add(dn, { objectClass: ['inetOrgPerson'], uid, cn: `Soak ${uid}`, sn: 'Soak', mail: `${uid}@example.com`, description: 'x'.repeat(200) });
        mine.push(dn);
        return 0;
      }
      // An entry is taken out of `mine` while a delete or modrdn of it runs,
      // so that no two operations of this generator race on it.
      case 'delete': {
        const dn = mine.splice(Math.floor(Math.random() * mine.length), 1)[0];
        await c.del(dn);
        return 0;
      }
      case 'modrdn': {
        const dn = mine.splice(Math.floor(Math.random() * mine.length), 1)[0];
        const uid = `s${tag}r${seq}`;
        try {
          await c.modrdn(dn, `uid=${uid}`, true);
          mine.push(`uid=${uid},ou=people,${BASE}`);
        } catch (e) {
          mine.push(dn);
          throw e;
        }
        return 0;
      }
    }
  }
  const tick = () => {
    if (stopped) return;
    const per = rate / 20;
    let k = Math.floor(per) + (Math.random() < per % 1 ? 1 : 0);
    for (; k > 0; k--) {
      if (inflight >= conns * 4) { code('skipped'); continue; }
      const i = n % conns;
      const op = pick();
      const seq = n++;
      inflight++;
      const t0 = performance.now();
      client(i)
        .then((c) => one(op, c, seq))
        .then((rc) => { tot.ops++; lat.add(op, performance.now() - t0); if (rc) { tot.errors++; code(String(rc)); } else code('0'); },
          (e) => {
            tot.ops++;
            tot.errors++;
            const m = /code (\d+)/.exec(e.message)?.[1] ?? e.code ?? e.message.slice(0, 40);
            code(`${op}:${m}`);
            if (!/^\d+$/.test(String(m)) || m === '52' || m === '51') drop(i); // connection trouble: open again next time
          })
        .finally(() => inflight--);
    }
  };
  const t1 = setInterval(tick, 50);
  const t2 = setInterval(() => drop(Math.floor(Math.random() * conns), 5000), churnMs);
  return {
    tot,
    async stop() {
      stopped = true;
      clearInterval(t1);
      clearInterval(t2);
      for (let w = 0; inflight > 0 && w < 200; w++) await sleep(100);
      for (let i = 0; i < conns; i++) drop(i);
      return tot;
    },
  };
}

const lmdbOpen = createRequire(join(REPO, 'package.json'))('lmdb').open;
/** Changelog records, tombstone-ish count (core states minus visible entries) and conflicts of a data dir, read-only. */
async function dbCounts(dataDir) {
  const env = lmdbOpen({ path: dataDir, readOnly: true });
  try {
    const cnt = (name, o2 = {}) => env.openDB(name, o2).getStats().entryCount;
    const cl = env.openDB('changelog', {});
    let first;
    for (const k of cl.getKeys({ limit: 1 })) first = k;
    return { changelog: cnt('changelog'), core: cnt('core', { encoding: 'binary' }), entries: cnt('entries', { keyEncoding: 'uint32', encoding: 'binary' }), conflicts: cnt('conflicts'), oldestCsn: first, mapMiB: +(env.getStats().lastPageNumber * 4096 / 1048576).toFixed(1), readers: env.getStats().numReaders };
  } finally {
    await env.close();
  }
}

async function scrape(s) {
  if (!o.port) return {};
  const port = o.port + 10 + [...MASTERS, CONSUMER].indexOf(s.name);
  const r = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
  const text = await r.text();
  const v = (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { heapMiB: +(v('nodejs_heap_size_used_bytes') / 1048576).toFixed(1), elP99ms: +(v('nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(1), elMaxms: +(v('nodejs_eventloop_lag_max_seconds') * 1000).toFixed(1), handles: v('nodejs_active_handles_total'), conns: v('meshdir_connections') };
}

/** Lines of the log at warn (40) or above since `from` octets, by message. */
function logIssues(s) {
  const buf = readFileSync(s.logFile);
  const text = buf.subarray(s.logRead ?? 0).toString('utf8');
  s.logRead = buf.length;
  s.issues ??= {};
  let lines = 0;
  for (const l of text.split('\n')) {
    if (!l) continue;
    lines++;
    let j;
    try { j = JSON.parse(l); } catch { continue; }
    if (j.level >= 40) {
      const k = `${j.level} ${j.msg}${j.err ? `: ${String(j.err).slice(0, 80)}` : ''}`;
      s.issues[k] = (s.issues[k] ?? 0) + 1;
    }
  }
  return lines;
}

const drivers = new Set();
const root = o.dir || mkdtempSync(join(tmpdir(), 'meshdir-soak-'));
mkdirSync(root, { recursive: true });
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
  // The m1 -> m2 link goes through a proxy that --cut-at cuts once.
  const proxy = o['cut-at'] ? await Proxy.start(o.port ? o.port + 20 : 0, by('m2').url) : undefined;
  for (const a of MASTERS) for (const b of MASTERS) if (a !== b) agree(by(a), by(b), proxy && a === 'm1' && b === 'm2' ? proxy.url : by(b).url);
  for (const f of FEEDERS) agree(by(f), by(CONSUMER));
  log(`mesh up: ${servers.map((s) => `${s.name} ${s.url} pid ${s.pid}`).join(', ')}`);
  log(`initial copy to every server took ${(await converge(servers, 600_000) / 1000).toFixed(1)} s`);

  const samples = [];
  const t0 = Date.now();
  log(`load: ${o.rate ? `paced ${o.rate} ops/s per master` : 'ldapbench'}; kill every ${o['kill-every'] || '-'} s; cut at ${o['cut-at'] || '-'} s for ${o['cut-for']} s`);
  const until = t0 + o.minutes * 60_000;
  const lat = new Lat();
  const paced = o.rate ? servers.map((s, i) => pacedLoad(s, { rate: s.name === CONSUMER ? o.rate / 5 : o.rate, master: s.name !== CONSUMER, lat, tag: `${s.name}${t0.toString(36)}` })) : undefined;
  const loads = paced ? [] : servers.map((s) => drive(s, s.name === CONSUMER ? 'search' : 'mixed', until, () => stopping));
  const events = [];
  const event = (what) => { events.push({ at: +((Date.now() - t0) / 1000).toFixed(1), what }); log(what); };
  let kills = 0;
  let cutDone = false;
  let nextShow = 0;
  while (Date.now() < until) {
    const at = (Date.now() - t0) / 1000;
    // Chaos: a master SIGKILLed and restarted; the m1 -> m2 link cut once.
    if (o['kill-every'] && at >= o['kill-every'] * (kills + 1) && until - Date.now() > 60_000) {
      const name = MASTERS[kills++ % MASTERS.length];
      const i = servers.findIndex((x) => x.name === name);
      const old = servers[i];
      process.kill(old.pid, 'SIGKILL');
      event(`SIGKILL ${name} (pid ${old.pid})`);
      await sleep(3000);
      const t1 = Date.now();
      const fresh = await startMeshdir(old.dir, join(old.dir, 'server.yaml'), { name, append: true });
      fresh.logRead = old.logRead;
      fresh.issues = old.issues;
      servers[i] = fresh;
      event(`restarted ${name} (pid ${fresh.pid}) in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    }
    if (proxy && !cutDone && at >= o['cut-at']) {
      proxy.cut = true;
      cutDone = true;
      event('cut m1 -> m2');
      setTimeout(() => { proxy.heal(); event('healed m1 -> m2'); }, o['cut-for'] * 1000);
    }
    const row = { at: +at.toFixed(1) };
    const reps = paced ? await Promise.all(servers.map((s) => replication(s.url).catch((e) => ({ error: e.message })))) : [];
    for (const [i, s] of servers.entries()) {
      const p = procStats(s.pid);
      row[s.name] = { rssMiB: +p.rssMiB.toFixed(1), anonMiB: +p.anonMiB.toFixed(1), fileMiB: +p.fileMiB.toFixed(1), fds: fds(s.pid), cpuSec: +p.cpuSec.toFixed(1) };
      if (paced) {
        Object.assign(row[s.name], await scrape(s).catch((e) => ({ scrapeError: e.message })));
        const mdb = join(s.dir, 'data', 'data.mdb');
        row[s.name].mdbMiB = +(statSync(mdb).size / 1048576).toFixed(1);
        row[s.name].mdbUsedMiB = +(statSync(mdb).blocks * 512 / 1048576).toFixed(1);
        if (!process.env.SOAK_NO_DB) Object.assign(row[s.name], await dbCounts(join(s.dir, 'data')).catch((e) => ({ dbError: e.message })));
        const r = reps[i];
        row[s.name].lag = r.error ? r.error : Object.fromEntries(r.agreements.map((a) => [a.name, `${a.state}/${a.lagMs}`]));
        row[s.name].logLines = logIssues(s);
        row[s.name].issues = Object.values(s.issues).reduce((a, b) => a + b, 0);
      }
    }
    if (paced) row.lat = lat.take();
    samples.push(row);
    if (o.json) writeFileSync(o.json, JSON.stringify({ options: o, events, samples }, null, 1));
    if (at >= nextShow) {
      if (paced) {
        log(`${at.toFixed(0).padStart(5)} s  ${servers.map((s) => { const x = row[s.name]; return `${s.name} rss ${x.rssMiB} heap ${x.heapMiB} fds ${x.fds} el99 ${x.elP99ms} mdb ${x.mdbMiB} cl ${x.changelog} core ${x.core}/${x.entries} lag ${JSON.stringify(x.lag)} warn+ ${x.issues}`; }).join('\n           ')}`);
        log(`        lat ${Object.entries(row.lat).map(([k, v]) => `${k} ${v.n} p50 ${v.p50} p99 ${v.p99}`).join('; ')}`);
      } else log(`${at.toFixed(0).padStart(5)} s  ${servers.map((s) => `${s.name} rss ${row[s.name].rssMiB} (anon ${row[s.name].anonMiB}) MiB fds ${row[s.name].fds}`).join(' | ')}`);
      nextShow += paced ? o.sample : 60;
    }
    await sleep(Math.max(0, o.sample * 1000 - ((Date.now() - t0) / 1000 - at) * 1000));
  }
  if (paced) loads.push(...(await Promise.all(paced.map((l) => l.stop()))).map((t) => Promise.resolve(t)));
  if (paced) for (const s of servers) log(`${s.name} warnings/errors logged: ${JSON.stringify(s.issues)}`);
  if (proxy) {
    // Straight to m2 again (the server sees the agreement file change), then the proxy goes.
    agree(by('m1'), by('m2'));
    await sleep(2000);
    await proxy.close();
  }
  const totals = await Promise.all(loads);
  const loadEnd = Date.now();
  const convergeMs = await converge(servers, 600_000);
  const check = await new Promise((resolve) => {
    const ch = spawn(process.execPath, [MESHDIR, 'repl', 'check', '-D', ROOT_DN, '-w', ROOT_PW, ...servers.map((s) => s.url)], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  if (o.json) writeFileSync(o.json, JSON.stringify({ options: o, machine: machine(), build: buildInfo(), summary, convergeMs, check, samples, issues: Object.fromEntries(servers.map((s) => [s.name, s.issues])) }, null, 1));
  process.exitCode = pass ? 0 : 1;
} catch (e) {
  console.error(`soak: ${e.stack ?? e.message}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
