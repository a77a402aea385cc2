// One simulated master: a durable part that survives crashes (written only
// at commit) and a working copy that holds uncommitted work. Replication
// follows the real protocol: a supplier sends, in CSN order, the committed
// changelog records its consumer's RUV lacks, in groups, each group tagged
// with the RUV it assumed (the basis); the consumer applies a group only if
// its RUV covers that basis, and acknowledges with its RUV after commit.
import type { Change, ConflictRecord } from '../../src/repl/core/change.js';
import { needsInit, selectChanges, selectionStart, trimmedAfterCopy, type TrimOptions, trimPoint } from '../../src/repl/core/changelog.js';
import { type ClockState, clockNext, clockObserve, newClockState } from '../../src/repl/core/clock.js';
import type { Csn } from '../../src/repl/core/csn.js';
import { type Ruv, ruvAdvance, ruvCovers, ruvMerge } from '../../src/repl/core/ruv.js';
import { MemoryDit } from './memory-dit.js';

export interface Durable {
  dit: MemoryDit;
  /** Changelog, sorted by CSN. */
  log: Change[];
  ruv: Ruv;
  trimmed: Ruv;
  clock: ClockState;
  /** Last RUV each consumer acknowledged (protects the changelog from trimming). */
  consumers: Map<number, Ruv>;
  conflicts: ConflictRecord[];
  /** Every change applied (to check the RUV tells the truth). */
  applied: Set<Csn>;
}

export function snapshot(d: Durable): Durable {
  return {
    dit: d.dit.snapshot(),
    log: d.log.slice(),
    ruv: d.ruv,
    trimmed: d.trimmed,
    clock: d.clock,
    consumers: new Map(d.consumers),
    conflicts: d.conflicts.slice(),
    applied: new Set(d.applied),
  };
}

export type Msg =
  | { type: 'hello'; from: number; to: number }
  /** An acknowledgement, or with `reject` a refused group. */
  | { type: 'ruv'; from: number; to: number; ruv: Ruv; reject?: true }
  | { type: 'changes'; from: number; to: number; basis: Ruv; records: Change[] }
  | { type: 'init'; from: number; to: number; state: Durable };

/** What the simulation needs to hear about: sends, acks of client writes, commits. */
export interface ReplicaHost {
  send(m: Msg): void;
  committed(r: Replica, localChanges: Change[], conflicts: ConflictRecord[]): void;
  initialized(r: Replica, reapplied: number): void;
}

interface SupplierSide {
  /** Consumer RUV as last acknowledged (undefined: ask with hello). */
  known?: Ruv;
  /** Optimistic: known plus what was sent since. */
  sent?: Ruv;
  inflight: number;
}

export interface ReplicationSettings {
  groupSize: number;
  window: number;
  maxAgeMs?: number;
  maxRecords: number;
}

/** `clock` moved past every CSN of `ruv` (what a replica holds), as the server's Store does. */
function pastRuv(clock: ClockState, ruv: Ruv, nowMs: number): ClockState {
  return Object.values(ruv).reduce((c, csn) => clockObserve(c, csn, nowMs).state, clock);
}

export class Replica {
  readonly id: number;
  readonly priority: number;
  readonly consumersOf: number[];
  up = true;
  committed: Durable;
  work: Durable;
  /** Wall clock = simulation time + skew (the skew may jump backwards). */
  skewMs = 0;
  #pendingLocal: Change[] = [];
  #pendingAcks = new Set<number>();
  #supplier = new Map<number, SupplierSide>();
  readonly #host: ReplicaHost;
  readonly #settings: ReplicationSettings;

  constructor(id: number, priority: number, consumersOf: number[], base: Durable, host: ReplicaHost, settings: ReplicationSettings) {
    this.id = id;
    this.priority = priority;
    this.consumersOf = consumersOf;
    this.#host = host;
    this.#settings = settings;
    // As on startup: the clock resumes above every CSN the database holds.
    const clock = pastRuv(newClockState(id), base.ruv, 0);
    this.committed = { ...snapshot(base), clock };
    this.work = snapshot(this.committed);
    this.work.dit.isApplied = (csn) => ruvCovers(this.work.ruv, csn);
  }

  #supplierSide(consumer: number): SupplierSide {
    let s = this.#supplier.get(consumer);
    if (!s) this.#supplier.set(consumer, (s = { inflight: 0 }));
    return s;
  }

  #insertLog(ch: Change): void {
    const log = this.work.log;
    let lo = 0;
    let hi = log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (log[mid]!.csn < ch.csn) lo = mid + 1;
      else hi = mid;
    }
    log.splice(lo, 0, ch);
  }

  #applyOne(ch: Change): void {
    const r = this.work.dit.apply(ch);
    this.work.conflicts.push(...r.conflicts);
    this.#insertLog(ch);
    this.work.ruv = ruvAdvance(this.work.ruv, ch.csn);
    this.work.applied.add(ch.csn);
  }

  nextCsn(nowMs: number): Csn {
    const r = clockNext(this.work.clock, nowMs + this.skewMs);
    this.work.clock = r.state;
    return r.csn;
  }

  /** A client write, already checked by the caller the way the server checks it. */
  local(ch: Change): void {
    this.#applyOne(ch);
    this.#pendingLocal.push(ch);
  }

  commit(): void {
    if (!this.up) return;
    const newConflicts = this.work.conflicts.slice(this.committed.conflicts.length);
    this.committed = snapshot(this.work);
    const local = this.#pendingLocal;
    this.#pendingLocal = [];
    for (const to of this.#pendingAcks) this.#host.send({ type: 'ruv', from: this.id, to, ruv: this.committed.ruv });
    this.#pendingAcks.clear();
    this.#host.committed(this, local, newConflicts);
  }

  crash(): void {
    this.up = false;
    this.work = snapshot(this.committed);
    this.work.dit.isApplied = (csn) => ruvCovers(this.work.ruv, csn);
    this.#pendingLocal = [];
    this.#pendingAcks.clear();
    this.#supplier.clear();
  }

  restart(): void {
    this.up = true;
  }

  /** Supplier side of agreement this → consumer: send the next group, or ask for its RUV. */
  push(consumer: number): void {
    if (!this.up) return;
    const side = this.#supplierSide(consumer);
    if (!side.known) {
      this.#host.send({ type: 'hello', from: this.id, to: consumer });
      return;
    }
    if (side.inflight >= this.#settings.window) return;
    const basis = side.sent ?? side.known;
    if (needsInit(basis, this.committed.trimmed)) {
      this.#host.send({ type: 'init', from: this.id, to: consumer, state: snapshot(this.committed) });
      side.known = undefined;
      side.sent = undefined;
      side.inflight = 0;
      return;
    }
    const records = [...selectChanges(this.#logFrom(selectionStart(basis, this.committed.ruv)), basis, this.#settings.groupSize)];
    if (!records.length) return;
    this.#host.send({ type: 'changes', from: this.id, to: consumer, basis, records });
    side.sent = records.reduce<Ruv>((r, ch) => ruvAdvance(r, ch.csn), basis);
    side.inflight++;
  }

  /** Committed changelog records after `start` (all if undefined), like an LMDB range read. */
  *#logFrom(start: Csn | undefined): Generator<Change> {
    const log = this.committed.log;
    let lo = 0;
    let hi = log.length;
    while (start !== undefined && lo < hi) {
      const mid = (lo + hi) >> 1;
      if (log[mid]!.csn <= start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < log.length; i++) yield log[i]!;
  }

  /** The supplier gave up waiting (timeout): resend from what was acknowledged. */
  timeout(consumer: number): void {
    const side = this.#supplierSide(consumer);
    side.sent = undefined;
    side.inflight = 0;
  }

  receive(m: Msg, nowMs: number): void {
    if (!this.up) return;
    switch (m.type) {
      case 'hello':
        this.#host.send({ type: 'ruv', from: this.id, to: m.from, ruv: this.committed.ruv });
        break;
      case 'ruv': {
        const side = this.#supplierSide(m.from);
        side.known = m.ruv;
        side.inflight = Math.max(0, side.inflight - 1);
        side.sent = m.reject || !side.sent ? undefined : ruvMerge(side.sent, m.ruv);
        this.work.consumers.set(m.from, m.ruv);
        break;
      }
      case 'changes': {
        const covered = Object.entries(m.basis).every(([rid, c]) => (this.work.ruv[rid] ?? '') >= c);
        if (!covered) {
          // Out of order or after our crash: tell the supplier where we are.
          this.#host.send({ type: 'ruv', from: this.id, to: m.from, ruv: this.committed.ruv, reject: true });
          break;
        }
        for (const ch of m.records) {
          if (ruvCovers(this.work.ruv, ch.csn)) continue;
          this.work.clock = clockObserve(this.work.clock, ch.csn, nowMs + this.skewMs).state;
          this.#applyOne(ch);
        }
        this.#pendingAcks.add(m.from);
        break;
      }
      case 'init': {
        // Total update, as the server's (Store stageCommit): the supplier's
        // state replaces ours atomically, and the changes we have beyond its
        // RUV are applied again on top (apply does not care about order).
        // Where our changelog no longer holds all of them for an origin we
        // refuse: they may be nowhere else.
        const theirs = m.state;
        const keep = (rid: string): boolean => (this.committed.trimmed[rid] ?? '') <= (theirs.ruv[rid] ?? '');
        if (Object.keys(this.committed.ruv).some((rid) => !keep(rid) && this.committed.ruv[rid]! > (theirs.ruv[rid] ?? ''))) {
          this.#host.send({ type: 'ruv', from: this.id, to: m.from, ruv: this.committed.ruv, reject: true });
          break;
        }
        const again = this.committed.log.filter((ch) => !ruvCovers(theirs.ruv, ch.csn));
        // The records the copy covers stay in our changelog too (as the
        // server keeps them): the copy's may lack some that a replica
        // lacking them can get from nowhere else.
        const inCopy = new Set(theirs.log.map((ch) => ch.csn));
        const kept = this.committed.log.filter((ch) => ruvCovers(theirs.ruv, ch.csn) && !inCopy.has(ch.csn));
        const log = [...theirs.log, ...kept].sort((x, y) => (x.csn < y.csn ? -1 : x.csn > y.csn ? 1 : 0));
        const trimmed = trimmedAfterCopy(this.committed, theirs);
        // As the server does after a total update (Store.replacedElsewhere):
        // past every CSN the copy holds, so no later change of ours sorts below them.
        const clock = pastRuv(this.work.clock, theirs.ruv, nowMs + this.skewMs);
        this.committed = { ...snapshot(theirs), log, trimmed, clock, consumers: new Map(), conflicts: this.committed.conflicts };
        this.work = snapshot(this.committed);
        this.work.dit.isApplied = (csn) => ruvCovers(this.work.ruv, csn);
        this.#pendingLocal = [];
        this.#pendingAcks.clear();
        for (const ch of again) this.#applyOne(ch);
        this.#host.initialized(this, again.length);
        this.#pendingAcks.add(m.from);
        this.commit();
        break;
      }
    }
  }

  /** Trim the changelog as the server would, then commit. */
  trim(nowMs: number): void {
    if (!this.up) return;
    const consumers = this.consumersOf.map((c) => this.work.consumers.get(c) ?? {});
    const opts: TrimOptions = { nowMs: nowMs + this.skewMs, maxRecords: this.#settings.maxRecords, consumers, origin: this.id };
    if (this.#settings.maxAgeMs !== undefined) opts.maxAgeMs = this.#settings.maxAgeMs;
    const cut = trimPoint(this.work.log, this.work.log.length, opts);
    if (cut === undefined) return;
    const n = this.work.log.findIndex((ch) => ch.csn > cut);
    const gone = n < 0 ? this.work.log : this.work.log.slice(0, n);
    this.work.trimmed = gone.reduce<Ruv>((r, ch) => ruvAdvance(r, ch.csn), this.work.trimmed);
    this.work.log = n < 0 ? [] : this.work.log.slice(n);
    this.commit();
  }

  purge(csn: Csn, tombstoneCsn: Csn): number {
    if (!this.up) return 0;
    const n = this.work.dit.purge(csn, tombstoneCsn);
    this.commit();
    return n;
  }
}
