// One seeded run: N masters, a partial mesh of agreements, random client
// writes, and a network that delays, reorders, duplicates and drops
// messages, partitions and heals; replicas crash (losing what was not
// committed) and restart; wall clocks skew and jump back; changelogs are
// trimmed and tombstones purged. Then everything heals, every message is
// delivered, and the checks run. Everything random comes from the seed.
import type { Change, ConflictRecord } from '../../src/repl/core/change.js';
import { csnAtTime, formatCsn, type Csn } from '../../src/repl/core/csn.js';
import type { AttrRules } from '../../src/repl/core/policy.js';
import { ruvCovers } from '../../src/repl/core/ruv.js';
import { type Acked, checkAll } from './checks.js';
import { clientOp } from './client.js';
import { type ApplyFn, MemoryDit } from './memory-dit.js';
import { Prng } from './prng.js';
import { type Durable, type Msg, Replica, type ReplicaHost } from './replica.js';
import { makeRules } from './rules.js';

export interface SimOptions {
  /** Replace the core's apply (to prove the checks catch a broken rule). */
  applyFn?: ApplyFn;
  trace?: boolean;
  /** Return the replicas' final DITs (for tests that inspect states). */
  keepDits?: boolean;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  failures: string[];
  trace: string[];
  stats: Record<string, number>;
  dits?: MemoryDit[];
  /** With keepDits: every change made, the conflict records, each replica's priority. */
  changes?: Change[];
  conflicts?: ConflictRecord[];
  priorities?: number[];
}

interface InFlight {
  msg: Msg;
  at: number;
}

const T0 = Date.UTC(2026, 0, 1);
const MAX_ROUNDS = 2000;
/** Wall clocks run at most this far behind simulation time (bounds the purge point). */
const MAX_BACKWARDS_MS = 2000;

function initialChanges(): Change[] {
  const c = (n: number): Csn => formatCsn({ time: T0 * 1000, counter: n, replicaId: 1, subseq: 0 });
  const oc = ['objectClass', [Buffer.from('top')]] as [string, Buffer[]];
  return [
    { csn: c(0), op: 'add', uuid: 'root', parent: '', rdn: [['cn', Buffer.from('root')]], attrs: [oc, ['cn', [Buffer.from('root')]]] },
    { csn: c(1), op: 'add', uuid: 'c1', parent: 'root', rdn: [['cn', Buffer.from('c1')]], attrs: [oc, ['cn', [Buffer.from('c1')]]] },
    { csn: c(2), op: 'add', uuid: 'c2', parent: 'root', rdn: [['cn', Buffer.from('c2')]], attrs: [oc, ['cn', [Buffer.from('c2')]]] },
  ];
}

function baseState(rules: AttrRules, applyFn: ApplyFn | undefined): Durable {
  const dit = new MemoryDit(rules);
  if (applyFn) dit.applyFn = applyFn;
  const log = initialChanges();
  let ruv = {};
  for (const ch of log) {
    dit.apply(ch);
    ruv = { ...ruv, [String(1)]: ch.csn };
  }
  return { dit, log, ruv, trimmed: {}, clock: { replicaId: 0, time: 0, counter: 0 }, consumers: new Map(), conflicts: [], applied: new Set(log.map((ch) => ch.csn)) };
}

export function runSeed(seed: number, opts: SimOptions = {}): SimResult {
  const prng = new Prng(seed);
  const rules = makeRules();
  const trace: string[] = [];
  const stats: Record<string, number> = {};
  const count = (k: string, n = 1): void => {
    stats[k] = (stats[k] ?? 0) + n;
  };
  const log = (s: string): void => {
    if (opts.trace) trace.push(`${step} ${s}`);
  };
  let step = 0;
  let now = T0 + 1000;

  // Shape of this run.
  const n = prng.int(3, prng.chance(0.2) ? 16 : 6);
  const steps = prng.int(150, 450);
  const settings = {
    groupSize: prng.int(1, 6),
    window: prng.int(1, 3),
    maxRecords: prng.chance(0.5) ? prng.int(5, 30) : 0,
    ...(prng.chance(0.15) ? { maxAgeMs: prng.int(200, 2000) } : {}),
  };
  const agreements: [number, number][] = [];
  for (let i = 1; i <= n; i++) {
    const j = (i % n) + 1;
    agreements.push([i, j], [j, i]);
  }
  for (let i = 1; i <= n; i++) {
    for (let j = i + 2; j <= n; j++) {
      if ((i === 1 && j === n) || !prng.chance(n > 6 ? 0.15 : 0.5)) continue;
      agreements.push([i, j], [j, i]);
    }
  }
  log(`replicas=${n} steps=${steps} agreements=${agreements.map((a) => a.join('>')).join(' ')} ${JSON.stringify(settings)}`);

  const net: InFlight[] = [];
  const cut = new Set<string>();
  const conflicts: ConflictRecord[] = [];
  const acked: Acked[] = [];
  const allChanges = new Map<Csn, Change>();
  let uuidCounter = 0;
  const severed = (a: number, b: number): boolean => cut.has(`${a},${b}`);

  const host: ReplicaHost = {
    send(m) {
      count(`msg.${m.type}`);
      net.push({ msg: m, at: now + prng.int(0, 40) });
    },
    committed(r, local, newConflicts) {
      conflicts.push(...newConflicts);
      for (const ch of r.committed.log) if (!allChanges.has(ch.csn)) allChanges.set(ch.csn, ch);
      for (const ch of local) acked.push({ replica: r.id, change: ch });
      count('commits');
    },
    initialized(r, reapplied) {
      count('totalInits');
      log(`total init of ${r.id}, ${reapplied} of its changes applied again`);
    },
  };

  const base = baseState(rules, opts.applyFn);
  const replicas: Replica[] = [];
  for (let id = 1; id <= n; id++) {
    const consumers = agreements.filter(([s]) => s === id).map(([, c]) => c);
    const r = new Replica(id, prng.chance(0.3) ? prng.int(1, 3) : 0, consumers, base, host, settings);
    r.skewMs = prng.chance(0.3) ? prng.int(-500, 500) : 0;
    replicas.push(r);
  }
  for (const ch of base.log) allChanges.set(ch.csn, ch);
  const rep = (id: number): Replica => replicas[id - 1]!;

  const deliver = (i: number, keep = false): void => {
    const f = net[i]!;
    if (!keep) net.splice(i, 1);
    const m = f.msg;
    if (severed(m.from, m.to) || !rep(m.to).up) {
      count('msg.lost');
      return;
    }
    log(`deliver ${m.type} ${m.from}>${m.to}${m.type === 'changes' ? ` ${m.records.map((c) => c.csn.slice(15)).join(',')}` : ''}`);
    rep(m.to).receive(m, now);
  };

  /** Purge point: below every change some replica still lacks, and below every CSN still to be made. */
  const safePurge = (): Csn | undefined => {
    let p: Csn | undefined;
    const lower = (c: Csn): void => {
      if (p === undefined || c < p) p = c;
    };
    // A replica's next CSN is above both its clock (which never goes back,
    // not even on crash) and its wall clock, which lags at most MAX_BACKWARDS_MS.
    for (const o of replicas) {
      const wall = (now - MAX_BACKWARDS_MS) * 1000;
      lower(o.committed.clock.time >= wall ? formatCsn({ ...o.committed.clock, subseq: 0 }) : csnAtTime(now - MAX_BACKWARDS_MS));
    }
    for (const ch of allChanges.values()) for (const o of replicas) if (!ruvCovers(o.committed.ruv, ch.csn)) lower(ch.csn);
    return p === undefined || p <= csnAtTime(T0 + 1000) ? undefined : p;
  };
  // A change still travelling to `r` may name a tombstone as parent: keep tombstones until r has them all.
  const hasAll = (r: Replica): boolean => [...allChanges.values()].every((ch) => ruvCovers(r.committed.ruv, ch.csn));

  for (step = 0; step < steps; step++) {
    const up = replicas.filter((r) => r.up);
    const ev = prng.weighted([30, net.length ? 30 : 0, 20, 10, 5, 1, net.length ? 2 : 0, net.length ? 2 : 0, 1, 0.6, replicas.length - up.length, 1, 0.4, 2]);
    switch (ev) {
      case 0: {
        if (!up.length) break;
        const r = prng.pick(up);
        const ch = clientOp({
          prng,
          rules,
          dit: r.work.dit,
          newUuid: () => `e${++uuidCounter}`,
          csn: () => r.nextCsn(now),
          priority: r.priority,
        });
        if (!ch) break;
        count(`op.${ch.op}`);
        log(`client@${r.id} ${ch.op} ${ch.uuid} ${ch.csn}`);
        r.local(ch);
        break;
      }
      case 1: {
        const i = prng.int(0, net.length - 1);
        if (net[i]!.at > now && prng.chance(0.7)) break;
        deliver(i);
        break;
      }
      case 2: {
        const [s, c] = prng.pick(agreements);
        rep(s).push(c);
        break;
      }
      case 3:
        if (up.length) prng.pick(up).commit();
        break;
      case 4:
        now += prng.int(1, 300);
        break;
      case 5: {
        const r = prng.pick(replicas);
        r.skewMs = Math.max(-MAX_BACKWARDS_MS, Math.min(1000, r.skewMs + prng.int(-800, 300)));
        log(`wall clock of ${r.id} skew now ${r.skewMs}`);
        break;
      }
      case 6:
        net.splice(prng.int(0, net.length - 1), 1);
        count('msg.dropped');
        break;
      case 7:
        net.push({ ...prng.pick(net) });
        count('msg.duplicated');
        break;
      case 8: {
        if (cut.size) {
          cut.clear();
          log('heal');
        } else {
          const side = new Set(prng.shuffle(replicas.map((r) => r.id)).slice(0, prng.int(1, n - 1)));
          for (const a of replicas) for (const b of replicas) if (side.has(a.id) !== side.has(b.id)) cut.add(`${a.id},${b.id}`);
          log(`partition ${[...side].join(',')}`);
          count('partitions');
        }
        break;
      }
      case 9:
        if (up.length > 1) {
          const r = prng.pick(up);
          r.crash();
          count('crashes');
          log(`crash ${r.id}`);
        }
        break;
      case 10: {
        const down = replicas.filter((r) => !r.up);
        if (down.length) {
          const r = prng.pick(down);
          r.restart();
          log(`restart ${r.id}`);
        }
        break;
      }
      case 11:
        if (up.length) prng.pick(up).trim(now);
        break;
      case 12: {
        if (!up.length) break;
        const r = prng.pick(up);
        const p = safePurge();
        if (p) {
          const k = r.purge(p, hasAll(r) ? p : '');
          count('purged', k);
          log(`purge ${r.id} below ${p}: ${k}`);
        }
        break;
      }
      case 13: {
        const [s, c] = prng.pick(agreements);
        rep(s).timeout(c);
        break;
      }
    }
  }

  // Heal everything and deliver everything.
  cut.clear();
  for (const r of replicas) {
    r.restart();
    r.commit();
  }
  let rounds = 0;
  for (; rounds < MAX_ROUNDS; rounds++) {
    for (const [s, c] of agreements) {
      rep(s).timeout(c); // whatever was lost before the heal is resent
      for (let w = 0; w < settings.window; w++) rep(s).push(c);
    }
    while (net.length) deliver(prng.int(0, net.length - 1));
    for (const r of replicas) r.commit();
    while (net.length) deliver(prng.int(0, net.length - 1));
    const first = replicas[0]!.committed.ruv;
    const settled = replicas.every((r) => JSON.stringify(Object.entries(r.committed.ruv).sort()) === JSON.stringify(Object.entries(first).sort()));
    if (settled && rounds > 0) break;
  }
  stats.rounds = rounds;
  // Purge on some replicas only: what they show must not change.
  now += MAX_BACKWARDS_MS;
  for (const r of replicas) {
    const p = safePurge();
    if (p && prng.chance(0.5)) count('purged', r.purge(p, p));
  }
  stats.replicas = n;
  for (const c of conflicts) count(`conflict.${c.kind}`);

  const failures: string[] =
    rounds >= MAX_ROUNDS
      ? [`replication did not settle after ${MAX_ROUNDS} rounds; RUVs: ${replicas.map((r) => `${r.id}:${JSON.stringify(r.committed.ruv)} trimmed ${JSON.stringify(r.committed.trimmed)}`).join(' ')}`]
      : [];
  const finalRuv = replicas[0]!.committed.ruv;
  const applied = [...allChanges.values()].filter((ch) => ruvCovers(finalRuv, ch.csn));
  for (const r of replicas) {
    const lies = applied.filter((ch) => !r.committed.applied.has(ch.csn));
    if (lies.length) failures.push(`replica ${r.id}'s RUV covers changes it never applied: ${lies.slice(0, 5).map((ch) => ch.csn).join(', ')}`);
  }
  for (const { change } of acked) {
    if (!ruvCovers(finalRuv, change.csn)) failures.push(`acknowledged change ${change.csn} (${change.op} ${change.uuid}) is missing everywhere`);
  }
  failures.push(
    ...checkAll({
      prng,
      rules,
      dits: replicas.map((r) => r.committed.dit),
      changes: applied,
      acked,
      conflicts,
      ...(opts.applyFn ? { applyFn: opts.applyFn } : {}),
    }),
  );
  const result: SimResult = { seed, ok: failures.length === 0, failures, trace, stats };
  if (opts.keepDits) {
    result.dits = replicas.map((r) => r.committed.dit);
    result.changes = [...allChanges.values()];
    result.conflicts = conflicts;
    result.priorities = replicas.map((r) => r.priority);
  }
  return result;
}
