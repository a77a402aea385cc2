// The LMDB backend: reads (by DN, id, UUID, scope, index) and the single
// write path (write.ts). Entries are kept materialized for readers; the
// replication state beside them is the truth they are derived from.
import { EventEmitter } from 'node:events';
import { statfsSync } from 'node:fs';
import { formatDN, parseDN, type DN } from '../dit/dn.js';
import type { Filter } from '../dit/filter-types.js';
import { LdapError, MeshdirError, RC } from '../errors.js';
import type { Logger } from '../log.js';
import { HybridClock, newClockState } from '../repl/core/clock.js';
import type { Csn } from '../repl/core/csn.js';
import type { ConflictRecord } from '../repl/core/change.js';
import { ruvAdvance, ruvMerge, type Ruv } from '../repl/core/ruv.js';
import type { Schema } from '../schema/schema.js';
import { childIdOf, entryCount, initMeta, msgpackRecordCount, openDbs, type Dbs } from './db.js';
import { makeIndexPlan, planFilter, type IndexPlan, type Lookup } from './indexes.js';
import { decodeRec, recState, type EntryRec } from './record.js';
import { reconcileIndexes } from './reindex.js';
import { makeRules, policySignature, type PolicyConfig } from './rules.js';
import { trackedKey, Txn, type Speculation } from './write.js';
import type { AttrRules } from '../repl/core/policy.js';
import type { Stored } from '../repl/core/view.js';
import { decodeStored } from '../repl/core/codec.js';
import { asBuffer, readFast } from './buffers.js';

export interface StoreOptions {
  dataDir: string;
  suffix: string;
  schema: Schema;
  indexes: Record<string, string[]>;
  /** Masters only: the origin of local changes. */
  replicaId?: number;
  mapSizeMiB?: number;
  /** false: refuse writes (except deletes) once the data reaches mapSizeMiB. */
  growMap?: boolean;
  policies?: PolicyConfig;
  /** replication.priority: carried in changes for attributes under policy `priority`. */
  priority?: number;
  log: Logger;
  /** Injected for tests; defaults to Date.now. */
  now?: () => number;
}

export interface StoredConflict extends ConflictRecord {
  dn?: string;
  at: number;
}

/** How Store.write runs a write. */
export interface WriteOpts {
  /** A client's modify or add: worked out ahead, against the last committed data, when it has to wait for a batch. */
  speculate?: boolean;
  /** A client's write (add, delete, modify, modrdn): it writes only through its Txn, and only changes of this master. */
  local?: boolean;
}

export class Store {
  readonly dbs: Dbs;
  readonly schema: Schema;
  readonly plan: IndexPlan;
  readonly rules: AttrRules;
  /** Some attribute is unique (`uniqueAttributes`): client writes look for other holders of its values. */
  readonly anyUnique: boolean;
  /** The merge policies as one string (rules.ts policySignature); replicas must agree on it. */
  readonly policySignature: string;
  readonly suffix: string;
  readonly suffixNdn: string;
  readonly #suffixRdns: number;
  /** DN above the suffix entry (`dc=com` for `dc=example,dc=com`). */
  readonly suffixParent: string;
  readonly replicaId: number | undefined;
  readonly priority: number;
  readonly log: Logger;
  readonly now: () => number;
  generationId: string;
  readonly clock: HybridClock;
  /** RUV of durable writes: what this replica reports to suppliers. */
  ruv: Ruv;
  conflictCount: number;
  /**
   * Why local writes are refused now, if they are: a total update from
   * another generation is replacing this database, and what a client
   * wrote meanwhile would be acknowledged, then dropped by its commit.
   */
  localWritesRefused?: () => string | undefined;
  /** Next entry id (see Txn.allocId). */
  nextId: number;
  /** Emits 'commit' (changes applied, replaced) after every durable write that applied changes or replaced the database. */
  readonly events = new EventEmitter();
  #closed = false;
  readonly #capBytes: number;
  readonly #dataDir: string;
  #spaceCheckedAt = 0;
  #full = false;

  constructor(opts: StoreOptions) {
    this.schema = opts.schema;
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    this.replicaId = opts.replicaId;
    this.priority = opts.priority ?? 0;
    const suffixNdn = opts.schema.normalizeDN(opts.suffix);
    if (suffixNdn === undefined || suffixNdn === '') throw new MeshdirError('MESHDIR_CONFIG_INVALID', `suffix: "${opts.suffix}" is not a valid DN`);
    this.suffix = opts.suffix;
    this.suffixNdn = suffixNdn;
    this.#suffixRdns = parseDN(suffixNdn).length;
    const dn = parseDN(opts.suffix);
    this.suffixParent = formatDN(dn.slice(1));
    this.plan = makeIndexPlan(opts.schema, opts.indexes);
    this.rules = makeRules(opts.schema, opts.policies ?? {});
    this.anyUnique = Object.keys(opts.policies?.uniqueAttributes ?? {}).length > 0;
    this.policySignature = policySignature(opts.schema, opts.policies ?? {});
    this.dbs = openDbs(opts.dataDir, { mapSizeMiB: opts.mapSizeMiB });
    this.#dataDir = opts.dataDir;
    guardBatchFailures();
    this.#capBytes = opts.growMap === false ? (opts.mapSizeMiB ?? 4096) * 1024 * 1024 : 0;
    this.generationId = initMeta(this.dbs, suffixNdn).generationId;
    this.ruv = (this.dbs.meta.get('ruv') as Ruv | undefined) ?? {};
    this.conflictCount = msgpackRecordCount(this.dbs.conflicts);
    // The clock resumes past every CSN applied here, our own included (the
    // RUV holds the greatest of each origin), so it never issues one twice.
    this.clock = new HybridClock(newClockState(opts.replicaId ?? 0));
    for (const csn of Object.values(this.ruv)) this.clock.observe(csn, this.now());
    if (opts.replicaId !== undefined && this.ownFloor() === undefined) this.dbs.meta.putSync('ownFloor', this.clock.next(this.now()));
    this.nextId = this.#topId() + 1;
    // Whatever writes first into a new database builds its indexes for this configuration: say so.
    if (this.nextId === 1) reconcileIndexes(this);
  }

  #topId(): number {
    for (const k of this.dbs.entries.getKeys({ reverse: true, limit: 1 })) return k as number;
    return 0;
  }

  /**
   * A CSN issued when this master first opened this database, or when a
   * total update or a restore last replaced it: of its own changes at or
   * below it, other replicas may hold some this one lacks (ruv.ts withOrigin).
   */
  ownFloor(): Csn | undefined {
    return this.dbs.meta.get('ownFloor') as Csn | undefined;
  }

  /** In a write that replaces the database: a master's new floor, past every CSN it has issued. */
  renewOwnFloor(tx: Txn): void {
    if (this.replicaId !== undefined) this.dbs.meta.put('ownFloor', tx.nextCsn());
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return this.dbs.env.close();
  }

  get closed(): boolean {
    return this.#closed;
  }

  // ---- reads -------------------------------------------------------------

  /** Normalized form of a DN string; invalidDNSyntax if it is not one. */
  normalize(dn: string): string {
    const n = this.schema.normalizeDN(dn);
    if (n === undefined) throw new LdapError(RC.invalidDNSyntax, 'invalid DN');
    return n;
  }

  /** True when the normalized DN is the suffix or below it. */
  inSuffix(ndn: string): boolean {
    return ndn === this.suffixNdn || ndn.endsWith(',' + this.suffixNdn);
  }

  byNdn(ndn: string): EntryRec | undefined {
    const id = this.dbs.dn2id.get(ndn);
    return id === undefined ? undefined : this.byId(id);
  }

  /** `transaction`: read in that snapshot (lmdb-js useReadTransaction), not the latest. */
  byId(id: number, transaction?: unknown): EntryRec | undefined {
    const buf = (transaction === undefined ? this.dbs.entries.get(id) : this.dbs.entries.get(id, { transaction } as never)) as Buffer | undefined;
    return buf === undefined ? undefined : decodeRec(id, buf);
  }

  /**
   * The entry record of `id` decoded over lmdb-js' reused read buffer, not
   * a copy: valid only until the next read of this environment. For a
   * search to test a candidate it will most often reject; byId for one it
   * keeps.
   */
  peekId(id: number): EntryRec | undefined {
    const raw = readFast(this.dbs.entries, id);
    return raw === undefined ? undefined : decodeRec(id, raw);
  }

  /** Id of the entry at a normalized DN, without reading the entry. */
  idOf(ndn: string): number | undefined {
    return this.dbs.dn2id.get(ndn);
  }

  byUuid(uuid: string): EntryRec | undefined {
    const id = this.dbs.uuid2id.get(uuid);
    return id === undefined ? undefined : this.byId(id);
  }

  hasChildren(id: number): boolean {
    // A get of a dupsort key reads its first value: no cursor to open.
    return this.dbs.children.getBinaryFast(id) !== undefined;
  }

  /** Children of the entry `id` in slapd's order (see childValue). */
  *childIds(id: number): Generator<number> {
    for (const v of this.dbs.children.getValues(id)) yield childIdOf(v);
  }

  /** RFC 4511 §4.1.9: the longest existing superior of a missing entry. */
  matchedDN(dn: DN): string {
    return this.nearest(dn, 1)?.dn ?? '';
  }

  /** The entry named by `dn` without its first `from` RDNs, or else its nearest existing superior. */
  nearest(dn: DN, from = 0): EntryRec | undefined {
    // Entries exist from the suffix down without gaps (glue keeps a deleted
    // parent's place): look from the suffix down, so a base of 10,000 RDNs
    // costs a lookup or two, not 10,000 normalizations of ever longer DNs.
    let found: EntryRec | undefined;
    for (let i = dn.length - this.#suffixRdns; i >= from; i--) {
      let ndn: string;
      try {
        ndn = this.normalize(formatDN(dn.slice(i)));
      } catch {
        break;
      }
      const rec = this.byNdn(ndn);
      if (!rec) break;
      found = rec;
    }
    return found;
  }

  /** Ids of the entries of an object class, by the objectClass equality index (undefined without one); cached until a commit adds or removes an entry or changes objectClass keys (Txn.reclassed). */
  readonly #classIds = new Map<string, number[] | undefined>();
  classIds(name: string): number[] | undefined {
    const ids = (): number[] | undefined => this.indexCandidates({ type: 'equality', attr: 'objectClass', value: Buffer.from(name) })?.ids;
    // Another thread may commit a new database any moment: no cache until it is read back.
    if (this.#elsewhere) return ids();
    if (!this.#classIds.has(name)) this.#classIds.set(name, ids());
    return this.#classIds.get(name);
  }

  entryCount(): number {
    return entryCount(this.dbs);
  }

  /**
   * Candidate ids for a filter from the indexes: sorted ids and whether
   * they are exactly the matches. Undefined when the filter needs a scan.
   */
  indexCandidates(filter: Filter): { ids: number[]; exact: boolean } | undefined {
    const lookup = planFilter(this.schema, this.plan, filter);
    return lookup === undefined ? undefined : this.#resolve(lookup);
  }

  #ids(key: string): number[] {
    return [...this.dbs.idx.getValues(key)];
  }

  #resolve(l: Lookup): { ids: number[]; exact: boolean } {
    switch (l.kind) {
      case 'none':
        return { ids: [], exact: true };
      case 'keys': {
        if (l.keys.length === 1) return { ids: this.#ids(l.keys[0]!), exact: l.exact };
        const sets = l.keys.map((k) => this.#ids(k));
        return { ids: l.mode === 'all' ? intersectAll(sets) : unionAll(sets), exact: l.exact };
      }
      case 'and': {
        const parts = l.parts.map((p) => this.#resolve(p));
        return { ids: intersectAll(parts.map((p) => p.ids)), exact: l.complete && parts.every((p) => p.exact) };
      }
      case 'or': {
        const parts = l.parts.map((p) => this.#resolve(p));
        return { ids: unionAll(parts.map((p) => p.ids)), exact: parts.every((p) => p.exact) };
      }
    }
  }

  // ---- entry states ------------------------------------------------------

  // The replication state of an entry, in the binary form of
  // repl/core/codec.ts: after its entry's record while the entry is shown,
  // in `core` otherwise (record.ts). lmdb-js returns binary values as
  // copies, so the decoded values may be views of them.
  getStored(uuid: string): Stored | undefined {
    const id = this.dbs.uuid2id.get(uuid);
    const raw = id === undefined ? this.dbs.core.get(uuid) : this.byId(id)?.state;
    return raw === undefined ? undefined : decodeStored(asBuffer(raw), uuid);
  }

  /** A state's stored bytes (from `core` or a record's end), decoded. */
  fromRaw(raw: unknown, key = ''): Stored {
    return decodeStored(asBuffer(raw as Uint8Array), key);
  }

  /**
   * Every stored state's bytes (`transaction`: in that snapshot), those of
   * shown entries first, in id order; `after` resumes past a key yielded
   * before (a number: an entry's id; a string: a uuid in `core`).
   */
  *states(opts: { transaction?: unknown; after?: number | string; limit?: number } = {}): Generator<{ key: number | string; uuid: string; raw: Buffer }> {
    const { transaction, after } = opts;
    let left = opts.limit ?? Infinity;
    if (typeof after !== 'string') {
      const range = { ...(transaction === undefined ? {} : { transaction }), ...(after === undefined ? {} : { start: after, exclusiveStart: true }) };
      for (const { key, value } of this.dbs.entries.getRange(range as never)) {
        if (left-- <= 0) return;
        const { uuid, state } = recState(asBuffer(value as Uint8Array));
        if (state !== undefined) yield { key: key as number, uuid, raw: state };
      }
    }
    const range = { ...(transaction === undefined ? {} : { transaction }), ...(typeof after === 'string' ? { start: after, exclusiveStart: true } : {}) };
    for (const { key, value } of this.dbs.core.getRange(range as never)) {
      if (left-- <= 0) return;
      yield { key: key as string, uuid: key as string, raw: asBuffer(value as Uint8Array) };
    }
  }

  /** How many states are stored (one per shown entry, and one per entry in `core`). */
  stateCount(transaction?: unknown): number {
    const t = (transaction === undefined ? {} : { transaction }) as never;
    return this.dbs.entries.getCount(t) + this.dbs.core.getCount(t);
  }

  // ---- writes ------------------------------------------------------------

  /** Writes handed to lmdb-js' writer thread and not yet durable. */
  #queued = 0;
  /** Until then (performance.now() ms) writes go to the writer thread even when none is queued. */
  #busyUntil = 0;
  /** A write ran on the main thread in this turn of the event loop. */
  #syncThisTurn = false;
  /** How many commits went each way, and how client writes worked out ahead fared (tests, benchmarks). */
  readonly commitPaths = { direct: 0, queued: 0, replayed: 0, pipelined: 0, redone: 0, retried: 0 };

  /**
   * Runs `fn` in one LMDB transaction and resolves once the commit is
   * durable. A throw rolls back all of `fn`'s writes.
   *
   * Under load, writes go to lmdb-js' writer thread, which batches the ones
   * that arrive together into one commit (group commit) while this thread
   * goes on serving. A write that arrives alone — nothing queued, no other
   * write in this turn of the event loop, none queued in the last 20 ms —
   * is committed right here instead: the two hand-offs to and from the
   * writer thread cost more than its fsync when there is nothing to batch
   * (a lone modify p50 1.50 → 1.00 ms, bench/single.mjs --conns 1 --depth 1).
   * A second write in the same turn means requests are piling up behind
   * the main thread's fsync: back to the writer thread.
   *
   * `speculate` (a client's modify or add): a queued write is first worked out
   * against the last committed data, with a CSN taken then, while the
   * writer thread commits the batch before it; inside the transaction it
   * is only checked (the entry's record and state still the octets it read,
   * no change of this master with a greater CSN written since) and written,
   * or else done again there, with a CSN that comes after every change
   * held (its own again when it still does, Txn.redo): a change applied
   * ahead of it (a replicated one, perhaps from a master whose clock runs
   * ahead) may have changed what it read, and a client's write must come
   * after what it saw; a write queued before it may have taken a greater
   * CSN since, and this master's changes must commit in CSN order
   * (Txn.replay).
   * The batches' transactions, which nothing else can overlap, then hold
   * little more than the LMDB puts; and most such modifies need no check
   * and are written as plain puts on the writer thread (#pipeline).
   */
  async write<T>(fn: (tx: Txn) => T, opts: WriteOpts = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#write(fn, opts);
      } catch (failure) {
        // A batch whose commit failed on lmdb-js' writer thread answers each
        // of its writes with "Commit failed"; the cause (a full disk, an I/O
        // error, LMDB's freelist check) is in a promise beside it.
        const e = await commitCause(failure);
        if (attempt > COMMIT_RETRIES || !isSpuriousCommitFailure(e)) throw this.#writeError(e);
        // The whole batch was rolled back: nothing of this write is stored,
        // and doing it again (with fresh CSNs) is what the client asked for.
        this.commitPaths.retried++;
        this.log.warn({ err: (e as Error).message, attempt }, 'LMDB refused a commit (lmdb-js freelist check); the write is done again');
      }
    }
  }

  async #write<T>(fn: (tx: Txn) => T, opts: WriteOpts): Promise<T> {
    while (this.#elsewhere) await this.#elsewhere;
    if (this.#closed) throw new LdapError(RC.unavailable, 'server is shutting down');
    const now = performance.now();
    if (this.#queued > 0 || this.#syncThisTurn) this.#busyUntil = now + 20;
    let spec: Speculation<T> | undefined;
    let tx: Txn | undefined;
    let result: T;
    const body = (): void => {
      tx = new Txn(this, { track: opts.local });
      if (spec && tx.replay(spec)) {
        result = spec.result;
        this.commitPaths.replayed++;
      } else {
        if (spec) {
          this.commitPaths.redone++;
          tx.redo(spec);
        }
        result = fn(tx);
      }
      spec = undefined;
      tx.finish();
    };
    if (now >= this.#busyUntil) {
      this.#syncThisTurn = true;
      setImmediate(() => (this.#syncThisTurn = false));
      this.dbs.env.transactionSync(body);
      this.commitPaths.direct++;
    } else {
      if (opts.speculate) spec = this.#speculate(fn);
      if (spec !== undefined && this.#unknown === 0 && this.#clean(spec)) return this.#pipeline(spec);
      let unknown = true;
      let held: readonly string[] | undefined;
      const known = (): void => {
        if (!unknown) return;
        unknown = false;
        this.#unknown--;
      };
      this.#unknown++;
      this.#queued++;
      try {
        await (this.#lastQueued = this.dbs.env.childTransaction(
          opts.local
            ? () => {
                try {
                  body();
                  this.#hold((held = tx!.written!));
                } finally {
                  known(); // a throw rolled its writes back
                }
              }
            : body,
        ));
      } finally {
        this.#queued--;
        known();
        if (held) this.#release(held);
      }
      this.commitPaths.queued++;
    }
    if (tx!.reclassed || tx!.replaced) this.#classIds.clear();
    tx!.committed();
    return result!;
  }

  /**
   * Transaction bodies queued whose writes are not known: not run yet, or
   * not a client's write (`local`). While there is one, no write is
   * pipelined.
   */
  #unknown = 0;
  /**
   * Keys (trackedKey) written by pipelined writes and by run `local` bodies
   * not yet committed, each with how many of them write it.
   */
  readonly #pending = new Map<string, number>();
  /** The RUV after the pipelined writes not yet committed (undefined when there are none). */
  #pipedRuv: Ruv | undefined;
  #piped = 0;

  #hold(keys: readonly string[]): void {
    for (const k of keys) this.#pending.set(k, (this.#pending.get(k) ?? 0) + 1);
  }

  #release(keys: readonly string[]): void {
    for (const k of keys) {
      const n = this.#pending.get(k)! - 1;
      if (n === 0) this.#pending.delete(k);
      else this.#pending.set(k, n);
    }
  }

  /** None of what `spec` read is written by a write not yet committed. */
  #clean(spec: Speculation<unknown>): boolean {
    if (this.#pending.size === 0) return true;
    for (const r of spec.reads) if (this.#pending.has(trackedKey(this.dbs, r.db, r.key)!)) return false;
    return true;
  }

  /**
   * A client's modify or add worked out ahead, written as plain puts that lmdb-js'
   * writer thread makes in its next batch, with no transaction body on this
   * thread to check it first: the puts, their LZ4 compression
   * (writer-compression.ts) and the child transaction leave this thread.
   * The check can be left out when its answer is known now: every
   * transaction body queued before it has run and was a client's write
   * (whose writes are then known; a body not yet run, or a replicated
   * change's, may write anything, and other origins' CSNs into the RUV), and
   * nothing it read is written by a write not yet committed (so
   * what it read is the last committed data: lmdb-js renews this thread's
   * read snapshot before it resolves a commit). Its CSN, taken on arrival,
   * is then the greatest of this master queued so far, and writes commit in
   * the order queued. (lmdb-js runs a batch's transaction bodies after the
   * plain puts it already holds, not where they were queued: a body queued
   * after this write runs after it, as queued; one queued before it has
   * run already.)
   *
   * A batch that fails to commit fails every write in it; a pipelined write
   * in a later batch read nothing they wrote, so it stands on its own. Its
   * RUV may then name a failed client write's CSN: a change of this master
   * that never existed, which no consumer can miss.
   */
  async #pipeline<T>(spec: Speculation<T>): Promise<T> {
    // No assertSpace here: the speculation's Txn.apply just made it, in this same call.
    let ruv = this.#pipedRuv === undefined ? this.ruv : ruvMerge(this.ruv, this.#pipedRuv);
    for (const ch of spec.changes) ruv = ruvAdvance(ruv, ch.csn);
    this.#pipedRuv = ruv;
    const keys: string[] = [];
    for (const op of spec.ops) {
      const k = trackedKey(this.dbs, op.db, op.key);
      if (k !== undefined) keys.push(k);
    }
    this.#hold(keys);
    this.#piped++;
    this.#queued++;
    try {
      await (this.#lastQueued = this.dbs.env.batch(() => {
        for (const op of spec.ops) {
          if (op.put) op.db.put(op.key, op.value);
          else if (op.value === undefined) op.db.remove(op.key);
          else op.db.remove(op.key, op.value);
        }
        this.dbs.meta.put('ruv', ruv);
      }));
    } finally {
      this.#queued--;
      this.#release(keys);
      if (--this.#piped === 0) this.#pipedRuv = undefined;
    }
    this.commitPaths.queued++;
    this.commitPaths.replayed++;
    this.commitPaths.pipelined++;
    if (spec.reclassed) this.#classIds.clear();
    this.ruv = ruvMerge(this.ruv, ruv);
    this.events.emit('commit', spec.changes, false);
    return spec.result;
  }

  /** The last write handed to lmdb-js' writer thread (they commit in order). */
  #lastQueued: Promise<unknown> | undefined;
  /** Another thread writing this database (exclusive): writes wait for it. */
  #elsewhere: Promise<unknown> | undefined;

  /**
   * Runs `fn`, which has another thread write the database, after this
   * thread's queued writes committed (they were worked out against the data
   * before it) and while its new writes wait (one of them would block this
   * thread on LMDB's write lock until the other's transaction ends, and
   * then write on data it did not read). Reads go on, from the data before.
   */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#elsewhere) await this.#elsewhere;
    let done!: () => void;
    this.#elsewhere = new Promise<void>((r) => (done = r));
    try {
      await this.#lastQueued?.catch(() => undefined);
      return await fn();
    } finally {
      this.#elsewhere = undefined;
      done();
    }
  }

  /** After another thread replaced the database (replace-worker.ts): what this one keeps of it in memory, read again. */
  replacedElsewhere(): void {
    this.dbs.env.resetReadTxn();
    this.generationId = this.dbs.meta.get('generationId') as string;
    this.ruv = (this.dbs.meta.get('ruv') as Ruv | undefined) ?? {};
    // Past every CSN the other thread saw or issued (a master's new floor among them).
    for (const csn of [...Object.values(this.ruv), this.ownFloor()]) if (csn !== undefined) this.clock.observe(csn, this.now());
    this.conflictCount = msgpackRecordCount(this.dbs.conflicts);
    this.nextId = this.#topId() + 1;
    this.#classIds.clear();
    // Suppliers read what to send next from the changelog (replaced too).
    this.events.emit('commit', [], true);
  }

  /** `fn` run against the last committed data, writing nothing; undefined if it threw or took an untracked path. */
  #speculate<T>(fn: (tx: Txn) => T): Speculation<T> | undefined {
    const tx = new Txn(this, { speculative: true });
    try {
      return tx.speculation(fn(tx));
    } catch {
      // Refusals are made again, and answered, inside the transaction.
      return undefined;
    }
  }

  #writeError(e: unknown): LdapError {
    if (e instanceof LdapError) return e;
    const msg = (e as Error).message ?? String(e);
    const code = (e as { code?: unknown }).code;
    // LMDB reports a page write the disk cut short as EIO, not ENOSPC.
    if (/ENOSPC|EDQUOT|no space left|quota exceeded/i.test(msg) || code === 28 || code === 122 || ((code === 5 || /Input\/output error/i.test(msg)) && this.#diskNearlyFull())) {
      this.log.error({ err: msg }, 'disk full');
      return new LdapError(RC.unwillingToPerform, 'no space left on the database disk');
    }
    if (/MDB_MAP_FULL|map full/i.test(msg)) {
      this.log.error({ err: msg }, 'database map is full');
      return new LdapError(RC.unwillingToPerform, 'database is full (raise mapSizeMiB in the server file)');
    }
    if (code === 5 || code === 27 || /Input\/output error|File too large|EIO|EFBIG/i.test(msg)) {
      this.log.error({ err: msg }, 'the database file could not be written');
      return new LdapError(RC.other, `cannot write the database file: ${msg.split(':')[0]}`);
    }
    this.log.error({ err: e }, 'write failed');
    // LMDB's own refusals (its freelist check once the retries are spent, among others) say what they are.
    const mdb = /^MDB_[A-Z_]+/.exec(msg)?.[0];
    if (mdb !== undefined) return new LdapError(RC.other, `the database refused the commit (${mdb})`);
    if (isBatchFailure(e)) return new LdapError(RC.other, 'the database commit failed (see the server log)');
    return new LdapError(RC.other, 'internal error while writing');
  }

  /** Less than 1 MiB (or 0.1 %) left for the data directory. */
  #diskNearlyFull(): boolean {
    try {
      const st = statfsSync(this.#dataDir);
      const free = st.bavail * st.bsize;
      return free < Math.max(1024 * 1024, (st.blocks * st.bsize) / 1000);
    } catch {
      return false;
    }
  }

  /** With growMap: false, adds and modifies stop before the database passes its size. */
  assertSpace(): void {
    if (this.#capBytes === 0) return;
    const now = Date.now();
    if (now - this.#spaceCheckedAt > 500) {
      this.#spaceCheckedAt = now;
      const st = this.dbs.env.getStats() as { lastPageNumber: number; pageSize: number };
      this.#full = st.lastPageNumber * st.pageSize >= this.#capBytes - 1024 * 1024;
      if (this.#full) this.log.error({ capMiB: this.#capBytes / 1048576 }, 'database is full: writes refused until entries are deleted or mapSizeMiB is raised');
    }
    if (this.#full) throw new LdapError(RC.unwillingToPerform, 'database is full (mapSizeMiB reached; delete entries or raise it)');
  }

  conflicts(): Iterable<StoredConflict> {
    return this.dbs.conflicts.getRange().map(({ value }) => value as StoredConflict);
  }
}

/** The cause of a write's failure: for a batch lmdb-js failed to commit, its commitError's reason. */
async function commitCause(e: unknown): Promise<unknown> {
  const p = (e as { commitError?: PromiseLike<unknown> } | undefined)?.commitError;
  if (typeof p?.then !== 'function') return e;
  // Mostly rejected before the writes were answered (lmdb-js does both when
  // the writer thread's report arrives); but when a later write sees the
  // failure flag first, the writes are answered and the report comes after,
  // on a busy machine perhaps much after. The timer only guards against a
  // promise left pending.
  let timer: NodeJS.Timeout | undefined;
  const cause = await Promise.race([
    Promise.resolve(p).then(() => e, (c: unknown) => c ?? e),
    new Promise<unknown>((r) => (timer = setTimeout(() => r(e), 2_000))),
  ]);
  clearTimeout(timer);
  return cause;
}

/** lmdb-js' answer to each write of a batch whose commit failed (its write.js rejectCommit). */
function isBatchFailure(reason: unknown): reason is Error & { commitError: PromiseLike<unknown> } {
  return reason instanceof Error && reason.message === 'Commit failed (see commitError for details)' && typeof (reason as { commitError?: { then?: unknown } }).commitError?.then === 'function';
}

let batchFailuresGuarded = false;

/**
 * When a batch's commit fails on lmdb-js' writer thread (a full disk, an
 * I/O error), lmdb-js rejects, besides each write's own promise (answered
 * by Store.write), a promise of its own that nothing holds: with Node's
 * default, that unhandled rejection killed the server at its first failed
 * batch. Those are let pass; every other unhandled rejection still ends
 * the process, as Node's default does.
 */
function guardBatchFailures(): void {
  if (batchFailuresGuarded) return;
  batchFailuresGuarded = true;
  process.on('unhandledRejection', (reason) => {
    if (isBatchFailure(reason)) {
      Promise.resolve(reason.commitError).catch(() => undefined);
      return;
    }
    throw reason;
  });
}

/** Times a write is done again after a spurious commit failure (below). */
const COMMIT_RETRIES = 2;

/**
 * A commit lmdb-js refused in its own free-space code, not because of the
 * write: mdb_freelist_save() (its mdb.c) reads a free-list record and tests
 * the record's size before the lookup's result, so a lookup that found
 * nothing can be reported as "reserved freelist had a data entry with
 * zero-size" (MDB_BAD_TXN). Seen once in a 5-minute nemesis run (36,498
 * writes); the transaction is aborted, LMDB keeps its last commit, and the
 * next commits succeed.
 */
export function isSpuriousCommitFailure(e: unknown): boolean {
  const msg = (e as Error | undefined)?.message;
  return typeof msg === 'string' && msg.startsWith('MDB_BAD_TXN') && /freelist had a data entry with zero-size/.test(msg);
}

export function intersectAll(sets: number[][]): number[] {
  if (sets.length === 0) return [];
  const sorted = [...sets].sort((a, b) => a.length - b.length);
  let acc = sorted[0]!;
  for (let i = 1; i < sorted.length && acc.length > 0; i++) {
    const other = sorted[i]!;
    const out: number[] = [];
    let j = 0;
    for (const x of acc) {
      while (j < other.length && other[j]! < x) j++;
      if (j < other.length && other[j] === x) out.push(x);
    }
    acc = out;
  }
  return acc;
}

export function unionAll(sets: number[][]): number[] {
  if (sets.length === 1) return sets[0]!;
  const s = new Set<number>();
  for (const set of sets) for (const x of set) s.add(x);
  return [...s].sort((a, b) => a - b);
}
