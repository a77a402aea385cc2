// One write transaction. Every change — a client's, an import's or one
// received from a supplier — goes through apply(): the replication core
// merges it into the entry states, and this module materializes what became
// visible (DN index, parent/child index, attribute indexes, pre-encoded
// entry), appends the change to the changelog and advances the RUV, all in
// the same LMDB transaction.
import { apply as coreApply, type ApplyOptions } from '../repl/core/urp.js';
import type { Change, ConflictRecord } from '../repl/core/change.js';
import type { Csn } from '../repl/core/csn.js';
import { ruvAdvance, ruvCovers, ruvMerge, type Ruv } from '../repl/core/ruv.js';
import { isConflictEntry, meshdirConflictValues, type Visible } from '../repl/core/visible.js';
import type { Stored, StateView } from '../repl/core/view.js';
import { LdapError, RC } from '../errors.js';
import { indexKeyChanges, indexKeys } from './indexes.js';
import { buildRec, decodeRec, encodeRec, FLAG_CONFLICT, FLAG_GLUE, type EntryRec } from './record.js';
import { avasToRdn } from './rules.js';
import type { Store, StoredConflict } from './store.js';
import type { Database } from 'lmdb';
import { decodeStored, encodeStored } from '../repl/core/codec.js';
import { asBuffer, storedAs } from './buffers.js';
import { childValue, type Dbs } from './db.js';
import { rdnOf } from '../dit/dn.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The order slapd lists an entry's stored operational attributes in. */
const OPERATIONAL_ORDER = ['structuralObjectClass', 'entryUUID', 'creatorsName', 'createTimestamp', 'entryCSN', 'modifiersName', 'modifyTimestamp', 'entryDN'];
const SERVER_OPERATIONAL = new Set(OPERATIONAL_ORDER);

/**
 * A read a speculative run depended on: what it saw, to compare inside the
 * write transaction. Reads of ids by DN or UUID are not among them: an
 * entry keeps its id while it exists, and while its record is as it was
 * (compared) no other entry can hold its DN, since naming is unique.
 */
type Read =
  | { db: 'core'; key: string; raw: Buffer | undefined }
  | { db: 'entries'; key: number; raw: Buffer | undefined }
  | { db: 'coreIdx'; key: string; values: string[] }
  | { db: 'dn2id' | 'uuid2id'; key: string; id: number | undefined };

// Writes collected from databases of several key and value types.
type AnyDb = Database<any, any>;
type Op = { db: AnyDb; key: unknown; value: unknown; put: boolean };

/**
 * A client write worked out before its turn for the write transaction (see
 * Store.write): what it read, what it would write, and its result.
 */
export interface Speculation<T> {
  reads: Read[];
  ops: Op[];
  changes: Change[];
  /** The CSNs it took, in order (a run done again may take them again: Txn.redo). */
  csns: Csn[];
  reclassed: boolean;
  result: T;
}

/**
 * The key of a read or write of `key` in `db` (a database or its name) among
 * the databases a speculation reads and checks (Read), undefined for the
 * others: what Store.write compares a speculation's reads with.
 */
export function trackedKey(dbs: Dbs, db: unknown, key: unknown): string | undefined {
  const name =
    db === dbs.core || db === 'core' ? 'c'
    : db === dbs.entries || db === 'entries' ? 'e'
    : db === dbs.coreIdx || db === 'coreIdx' ? 'i'
    : db === dbs.dn2id || db === 'dn2id' ? 'd'
    : db === dbs.uuid2id || db === 'uuid2id' ? 'u'
    : undefined;
  return name === undefined ? undefined : `${name}\0${String(key)}`;
}

/** Thrown inside a speculative run that took a path whose reads it does not track. */
class Unspeculable extends Error {}

export class Txn implements StateView {
  readonly store: Store;
  readonly now: number;
  ruv: Ruv;
  /** Speculative run: reads are logged and writes collected instead of made. */
  readonly #reads: Read[] | undefined;
  readonly #ops: Op[] | undefined;
  /** Changes applied in this transaction, in the order applied. */
  readonly changes: Change[] = [];
  #conflictSeq = 0;
  #conflicts = 0;
  /** A total update replaced the database (RUV adopted wholesale). */
  replaced = false;
  /** An entry was added or removed, or its objectClass index keys changed (Store.classIds is stale). */
  reclassed = false;
  /** CSNs taken (speculative run), or to be taken again first (a redo). */
  #csns: Csn[] = [];

  /** Keys written in the databases a speculation reads (trackedKey), when asked for (Store.write's `local` bodies). */
  readonly written: string[] | undefined;

  constructor(store: Store, opts: { speculative?: boolean; track?: boolean } = {}) {
    this.store = store;
    this.now = store.now();
    if (opts.track) this.written = [];
    if (opts.speculative) {
      this.#reads = [];
      this.#ops = [];
    }
    // Read inside the write transaction: it includes the batch's earlier
    // transactions, and nothing of a batch that failed to commit (a copy
    // kept in memory would go on covering changes that were never stored,
    // and the next group would skip them for ever).
    this.ruv = opts.speculative ? store.ruv : ((store.dbs.meta.get('ruv') as Ruv | undefined) ?? {});
  }

  // ---- StateView for the core ---------------------------------------------

  /** Decoded states read or written in this transaction (the core reads the same few many times). */
  readonly #states = new Map<string, Stored | undefined>();
  /** States written in this transaction, encoded, until placed: with their entry's record or in `core` (record.ts). */
  readonly #unplaced = new Map<string, Buffer>();
  /** Whether `core` holds a state, for those this transaction read or wrote there. */
  readonly #inCore = new Map<string, boolean>();

  get(uuid: string): Stored | undefined {
    if (this.#states.has(uuid)) return this.#states.get(uuid);
    const unplaced = this.#unplaced.get(uuid);
    if (unplaced !== undefined) return decodeStored(unplaced, uuid);
    const id = this.idOfUuid(uuid);
    const raw = id === undefined ? this.#coreRaw(uuid) : this.byId(id)?.state;
    const s = raw === undefined ? undefined : decodeStored(raw, uuid);
    this.#states.set(uuid, s);
    return s;
  }

  #coreRaw(uuid: string): Buffer | undefined {
    let raw: Buffer | undefined;
    if (this.#reads === undefined) {
      const got = this.store.dbs.core.get(uuid);
      raw = got === undefined ? undefined : asBuffer(got as Uint8Array);
    } else raw = this.#read({ db: 'core', key: uuid, raw: undefined });
    this.#inCore.set(uuid, raw !== undefined);
    return raw;
  }

  /**
   * A state changed: placed when its entry's record is written, or in
   * `core` if the entry is not shown (#placeRest). `keep`: also kept
   * decoded for this transaction's reads (not for a total update's 100,000).
   */
  putState(uuid: string, s: Stored, keep = true): void {
    this.#unplaced.set(uuid, encodeStored(s));
    if (keep) this.#states.set(uuid, s);
    else this.#states.delete(uuid);
  }

  /** The state to write after the record of `uuid` (`old`: its record before), moved out of `core` if it was there. */
  stateForRecord(uuid: string, old: EntryRec | undefined): Buffer | undefined {
    let raw = this.#unplaced.get(uuid);
    if (raw !== undefined) this.#unplaced.delete(uuid);
    else if (old !== undefined) raw = old.state;
    else raw = this.#coreRaw(uuid);
    if (old === undefined && (this.#inCore.get(uuid) ?? this.#coreRaw(uuid) !== undefined)) {
      this.remove(this.store.dbs.core, uuid);
      this.#inCore.set(uuid, false);
    }
    return raw;
  }

  /** The record `old` is removed: its state, unless changed (then #placeRest places it), goes to `core`. */
  unshown(old: EntryRec): void {
    if (this.#unplaced.has(old.uuid) || old.state === undefined) return;
    this.put(this.store.dbs.core, old.uuid, old.state);
    this.#inCore.set(old.uuid, true);
  }

  /** States changed whose entries are not shown go to `core`. */
  #placeRest(): void {
    for (const [uuid, raw] of this.#unplaced) {
      this.put(this.store.dbs.core, uuid, raw);
      this.#inCore.set(uuid, true);
    }
    this.#unplaced.clear();
  }

  /** Replaces a stored state where it lies; null drops a state from `core` (a purged tombstone). */
  replaceState(uuid: string, s: Stored | null): void {
    const id = this.idOfUuid(uuid);
    const rec = id === undefined ? undefined : this.byId(id);
    this.#states.set(uuid, s ?? undefined);
    if (s === null) {
      if (rec === undefined) this.remove(this.store.dbs.core, uuid);
      return;
    }
    const raw = encodeStored(s);
    if (rec === undefined) this.put(this.store.dbs.core, uuid, raw);
    else {
      rec.state = raw;
      this.put(this.store.dbs.entries, rec.id, encodeRec(rec, raw));
    }
  }

  lookup(key: string): Iterable<string> {
    const db = this.store.dbs.coreIdx;
    // Most keys (a new entry's name, its children) have no holder: a get,
    // which reads a key's first value, costs a fraction of getValues' cursor.
    const values: string[] | undefined = db.get(key) === undefined ? [] : undefined;
    if (this.#reads === undefined) return values ?? db.getValues(key);
    const seen = values ?? ([...db.getValues(key)] as string[]);
    this.#reads.push({ db: 'coreIdx', key, values: seen });
    return seen;
  }

  /** Id of the entry with this entryUUID. */
  idOfUuid(uuid: string): number | undefined {
    // A speculative run's uuid2id writes are only collected: look among the
    // records it made (a few). A real transaction reads its own writes, and
    // may hold 100,000 records (a total update): no scan there.
    if (this.#ops) for (const rec of this.recs.values()) if (rec.uuid === uuid) return rec.id;
    return this.#idIn('uuid2id', uuid);
  }

  /** Id of the entry at a normalized DN. */
  idOf(ndn: string): number | undefined {
    return this.#idIn('dn2id', ndn);
  }

  byNdn(ndn: string): EntryRec | undefined {
    const id = this.idOf(ndn);
    return id === undefined ? undefined : this.byId(id);
  }

  byUuid(uuid: string): EntryRec | undefined {
    const id = this.idOfUuid(uuid);
    return id === undefined ? undefined : this.byId(id);
  }

  #idIn(db: 'dn2id' | 'uuid2id', key: string): number | undefined {
    const id = this.store.dbs[db].get(key) as number | undefined;
    this.#reads?.push({ db, key, id });
    return id;
  }

  /** A speculative run's read of a record, logged with what it saw. */
  #read(r: Extract<Read, { raw: unknown }>): Buffer | undefined {
    const got = r.db === 'core' ? this.store.dbs.core.get(r.key) : this.store.dbs.entries.get(r.key);
    r.raw = got === undefined ? undefined : asBuffer(got as Uint8Array);
    this.#reads!.push(r);
    return r.raw;
  }

  put(db: AnyDb, key: unknown, value: unknown): void {
    if (this.#ops) this.#ops.push({ db, key, value, put: true });
    else {
      this.#track(db, key);
      db.put(key, value);
    }
  }

  remove(db: AnyDb, key: unknown, value?: unknown): void {
    if (this.#ops) this.#ops.push({ db, key, value, put: false });
    else {
      this.#track(db, key);
      if (value === undefined) db.remove(key);
      else db.remove(key, value);
    }
  }

  #track(db: AnyDb, key: unknown): void {
    if (this.written === undefined) return;
    const k = trackedKey(this.store.dbs, db, key);
    if (k !== undefined) this.written.push(k);
  }

  /** In a speculative run, stop here: `why` reads what the run does not track. */
  simpleOnly(why: string): void {
    if (this.#ops) throw new Unspeculable(why);
  }

  /** The outcome of a speculative run that returned `result`. */
  speculation<T>(result: T): Speculation<T> {
    return { reads: this.#reads!, ops: this.#ops!, changes: this.changes, csns: this.#csns, reclassed: this.reclassed, result };
  }

  /**
   * Before a speculation that could not be replayed is done again here:
   * it takes the CSNs it took on arrival again if they still come after
   * every change this replica holds (so after whatever it reads now, and
   * in this master's order). A new CSN would come after those the writes
   * queued behind it took on their arrival, and each of them would then
   * be done again too (bench/HISTORY.md, 2026-12-07).
   */
  redo(spec: Speculation<unknown>): void {
    let top: Csn | undefined;
    for (const csn of Object.values(this.ruv)) if (top === undefined || csn > top) top = csn;
    if (top === undefined || spec.csns.every((csn) => csn > top)) this.#csns = [...spec.csns];
  }

  /**
   * Makes a speculation's writes here if everything it read is still as it
   * saw it, and its CSN still comes after every change of this master
   * written so far; false (and nothing written) otherwise. The CSN was new
   * when taken, on the write's arrival, but a write queued before it may
   * have been done since with a greater one — and in an earlier batch,
   * already committed and perhaps sent: a supplier sends what its
   * changelog holds past the consumer's RUV, so a change of this master
   * committed below a CSN already sent would never be sent (nemesis seed
   * 20261207 left a delete on two of four servers so).
   */
  replay(spec: Speculation<unknown>): boolean {
    if (spec.changes.some((ch) => ruvCovers(this.ruv, ch.csn))) return false;
    for (const r of spec.reads) if (!this.#unchanged(r)) return false;
    if (spec.changes.some((ch) => ch.op !== 'delete')) this.store.assertSpace();
    for (const op of spec.ops) {
      if (op.put) this.put(op.db, op.key, op.value);
      else this.remove(op.db, op.key, op.value);
    }
    for (const ch of spec.changes) this.#advance(ch);
    this.reclassed ||= spec.reclassed;
    return true;
  }

  #unchanged(r: Read): boolean {
    const dbs = this.store.dbs;
    switch (r.db) {
      case 'core':
      case 'entries':
        return storedAs(dbs[r.db] as Database<Uint8Array, string | number>, r.key, r.raw);
      case 'coreIdx': {
        if (r.values.length === 0) return dbs.coreIdx.get(r.key) === undefined;
        let i = 0;
        for (const v of dbs.coreIdx.getValues(r.key)) if (v !== r.values[i++]) return false;
        return i === r.values.length;
      }
      case 'dn2id':
      case 'uuid2id':
        return dbs[r.db].get(r.key) === r.id;
    }
  }

  /**
   * Entry records read or written in this transaction, by id: a modify
   * reads its entry to check the change and again to rewrite it.
   */
  readonly recs = new Map<number, EntryRec>();

  byId(id: number): EntryRec | undefined {
    let rec = this.recs.get(id);
    if (rec === undefined) {
      if (this.#reads === undefined) rec = this.store.byId(id);
      else {
        const raw = this.#read({ db: 'entries', key: id, raw: undefined });
        rec = raw === undefined ? undefined : decodeRec(id, raw);
      }
      if (rec !== undefined) this.recs.set(id, rec);
    }
    return rec;
  }

  // ---- changes ---------------------------------------------------------------

  /** A fresh CSN for a local change (masters only). */
  nextCsn(): Csn {
    if (this.store.replicaId === undefined) throw new LdapError(RC.unwillingToPerform, 'this server is read-only (no replicaId)');
    if (this.#reads === undefined && this.#csns.length > 0) return this.#csns.shift()!;
    const csn = this.store.clock.next(this.now);
    if (this.#reads !== undefined) this.#csns.push(csn);
    return csn;
  }

  /**
   * Applies a change through the replication core and materializes the
   * result. Changes already covered by the RUV are skipped (idempotence).
   * Returns the conflict records it wrote.
   */
  apply(ch: Change, opts?: ApplyOptions): ConflictRecord[] {
    if (ruvCovers(this.ruv, ch.csn)) return [];
    if (ch.op !== 'delete') this.store.assertSpace();
    const dbs = this.store.dbs;
    const res = coreApply(this, ch, this.store.rules, opts);
    if (res.conflicts.length) this.simpleOnly('conflict records');
    const inWrite = new Set<string>();
    for (const w of res.writes) {
      this.putState(w.uuid, { state: w.state ?? this.get(w.uuid)!.state, vis: w.vis });
      for (const k of w.delKeys ?? []) this.remove(dbs.coreIdx, k, w.uuid);
      for (const k of w.addKeys ?? []) this.put(dbs.coreIdx, k, w.uuid);
      inWrite.add(w.uuid);
    }
    const m = new Materializer(this, inWrite);
    for (const w of res.writes) m.entry(w.uuid, w.vis);
    this.#placeRest();
    this.put(dbs.changelog, ch.csn, ch);
    this.#advance(ch);
    for (const c of res.conflicts) this.#logConflict(c, m);
    return res.conflicts;
  }

  #advance(ch: Change): void {
    this.ruv = ruvAdvance(this.ruv, ch.csn);
    this.store.clock.observe(ch.csn, this.now);
    this.changes.push(ch);
  }

  #logConflict(c: ConflictRecord, m: Materializer): void {
    const rec = c.uuid ? this.store.byUuid(c.uuid) : undefined;
    const stored: StoredConflict = { ...c, at: this.now };
    const dn = rec?.dn ?? (c.uuid ? m.dnOf(c.uuid) : undefined);
    if (dn) stored.dn = dn;
    this.store.dbs.conflicts.put(`${c.csn}#${String(this.#conflictSeq++).padStart(4, '0')}`, stored);
    this.#conflicts++;
    this.store.log.warn({ conflict: c.kind, dn, attr: c.attr, detail: c.detail, loser: c.loser, winner: c.winner }, 'replication conflict resolved');
  }

  /** Persist clock and RUV with the batch (called inside the transaction). */
  finish(): void {
    // What this transaction read and built stays reachable until its commit
    // is durable (milliseconds, many writes at once): let it go now.
    this.#states.clear();
    this.#inCore.clear();
    this.recs.clear();
    if (this.changes.length === 0 && !this.replaced) return;
    this.store.dbs.meta.put('ruv', this.ruv);
  }

  /** After the durable commit. */
  committed(): void {
    if (this.changes.length === 0 && !this.replaced) return;
    // Commits finish in order, so this transaction's RUV is durable now; a
    // pipelined write after it (Store.#pipeline, fewer promise steps) may
    // have been told of its own commit first.
    this.store.ruv = this.replaced ? this.ruv : ruvMerge(this.store.ruv, this.ruv);
    if (this.store.log.isLevelEnabled('debug')) {
      const csns = this.changes.map((ch) => ch.csn);
      this.store.log.debug({ csns: csns.length > 8 ? [csns[0], '…', csns[csns.length - 1]] : csns }, 'changes committed');
    }
    this.store.conflictCount += this.#conflicts;
    this.store.events.emit('commit', this.changes, this.replaced);
  }

  /** Materialize many states at once (total update), parents before children. */
  materializeAll(writes: { uuid: string; vis: Visible }[]): void {
    const m = new Materializer(this, new Set(writes.map((w) => w.uuid)));
    for (const w of writes) m.entry(w.uuid, w.vis);
    this.#placeRest();
  }

  /** Ids set aside for entries this transaction adds (see presetId). */
  #presetIds: Map<string, number> | undefined;

  /**
   * The id the entry `uuid` gets when this transaction adds it: one taken
   * earlier from Store.nextId (an import gives an entry whose parent comes
   * later in the file the place slapadd gives it).
   */
  presetId(uuid: string, id: number): void {
    (this.#presetIds ??= new Map()).set(uuid, id);
  }

  allocId(uuid?: string): number {
    const preset = uuid === undefined ? undefined : this.#presetIds?.get(uuid);
    if (preset !== undefined) {
      this.#presetIds!.delete(uuid!);
      return preset;
    }
    // Ids come from memory (recomputed from the highest stored id at start):
    // an id taken by a transaction that aborts is simply never used.
    return this.store.nextId++;
  }
}

const isClassKey = (k: string): boolean => k.startsWith('objectClass\0');

/** Turns visible states into stored entries and keeps the indexes in step. */
class Materializer {
  readonly #tx: Txn;
  readonly #inWrite: Set<string>;
  readonly #dn = new Map<string, string | undefined>();

  constructor(tx: Txn, inWrite: Set<string>) {
    this.#tx = tx;
    this.#inWrite = inWrite;
  }

  /** DN of a visible entry (from this transaction's states where they changed). */
  dnOf(uuid: string): string | undefined {
    if (this.#dn.has(uuid)) return this.#dn.get(uuid);
    const store = this.#tx.store;
    let dn: string | undefined;
    if (!this.#inWrite.has(uuid)) dn = this.#tx.byUuid(uuid)?.dn;
    if (dn === undefined) {
      const vis = this.#tx.get(uuid)?.vis;
      if (vis && vis.kind !== 'hidden' && vis.rooted) {
        const rdn = avasToRdn(vis.rdn);
        if (vis.parent === '') dn = store.suffixParent ? `${rdn},${store.suffixParent}` : rdn;
        else {
          this.#dn.set(uuid, undefined); // cycle guard
          const p = this.dnOf(vis.parent);
          dn = p === undefined ? undefined : `${rdn},${p}`;
        }
      }
    }
    this.#dn.set(uuid, dn);
    return dn;
  }

  entry(uuid: string, vis: Visible): void {
    const store = this.#tx.store;
    const dbs = store.dbs;
    const oldId = this.#tx.idOfUuid(uuid);
    const old: EntryRec | undefined = oldId === undefined ? undefined : this.#tx.byId(oldId);
    const shown = vis.kind !== 'hidden' && vis.rooted;
    let parentId = 0;
    if (shown && vis.parent !== '') {
      parentId = this.#tx.idOfUuid(vis.parent) ?? 0;
      if (parentId === 0) {
        this.#tx.simpleOnly('a parent to materialize');
        const pv = this.#tx.get(vis.parent)?.vis;
        if (pv) this.entry(vis.parent, pv);
        parentId = dbs.uuid2id.get(vis.parent) ?? 0;
      }
    }
    const same = shown && old !== undefined && this.#sameName(vis, old, parentId);
    if (same) this.#dn.set(uuid, old.dn);
    else if (old !== undefined) this.#tx.simpleOnly('a new name');
    const dn = same ? old.dn : shown ? this.dnOf(uuid) : undefined;
    if (dn === undefined) {
      if (old) this.#remove(old);
      return;
    }
    const ndn = same ? old.ndn : store.normalize(dn);
    const id = old?.id ?? this.#tx.allocId(uuid);
    const rec = this.#build(id, uuid, dn, ndn, parentId, vis);
    this.#put(rec, old);
    if (old && old.dn !== dn) this.#renameSubtree(id, old.dn, dn, old.ndn, ndn);
  }

  /**
   * Whether the entry keeps its stored name: it is the change's only entry
   * (so no superior of it is renamed in this transaction) and keeps its
   * parent and RDN. Most changes are modifies of one entry, and this spares
   * them rebuilding and normalizing the DN through every superior.
   */
  #sameName(vis: Visible, old: EntryRec, parentId: number): boolean {
    if (this.#inWrite.size !== 1 || vis.parent === '' || parentId !== old.parent) return false;
    const rdn = avasToRdn(vis.rdn);
    return old.dn.charCodeAt(rdn.length) === 44 /* , */ && old.dn.startsWith(rdn);
  }

  #build(id: number, uuid: string, dn: string, ndn: string, parentId: number, vis: Visible): EntryRec {
    const store = this.#tx.store;
    // User attributes in the order the core gives (the order they were
    // written, as slapd keeps it), then the operational ones in slapd's order.
    const attrs: [string, Buffer[]][] = [];
    const op = new Map<string, Buffer[]>();
    for (const [n, v] of vis.attrs) {
      if (store.schema.isOperational(n)) op.set(n, v);
      else attrs.push([n, v]);
    }
    let flags = 0;
    if (vis.kind === 'glue') flags |= FLAG_GLUE;
    if (isConflictEntry(vis)) flags |= FLAG_CONFLICT;
    const marks = meshdirConflictValues(vis, this.#originalDn(vis, dn));
    if (marks.length) attrs.push(['meshdirConflict', marks.map(b)]);
    op.set('entryUUID', [b(uuid)]);
    op.set('entryCSN', [b(vis.csn)]);
    op.set('entryDN', [b(dn)]);
    if (!op.has('structuralObjectClass')) {
      try {
        const soc = store.schema.checkEntry({ dn, attrs: new Map(attrs) }, { trusted: true, placeholder: vis.kind === 'glue', relax: true }).structuralObjectClass;
        op.set('structuralObjectClass', [b(soc)]);
      } catch {
        // Schema violations from merges are marked by meshdirConflict already.
      }
    }
    // Operational types a client gave (`ref` of a referral object) keep
    // their place before the ones the server adds, as in slapd's entries.
    for (const [n, v] of op) if (!SERVER_OPERATIONAL.has(n)) attrs.push([n, v]);
    for (const n of OPERATIONAL_ORDER) {
      const v = op.get(n);
      if (v) attrs.push([n, v]);
    }
    return buildRec(store.schema, id, uuid, dn, ndn, parentId, attrs, flags);
  }

  /** The DN a conflict entry wanted: its own RDN instead of the conflict RDN. */
  #originalDn(vis: Visible, dn: string): string {
    if (vis.naming === undefined && vis.unique === undefined) return dn;
    const wanted = vis.rdn.filter(([a]) => a !== 'entryUUID');
    const comma = dn.indexOf(',', avasToRdn(vis.rdn).length);
    return avasToRdn(wanted) + (comma >= 0 ? dn.slice(comma) : '');
  }

  #put(rec: EntryRec, old: EntryRec | undefined): void {
    const tx = this.#tx;
    const dbs = tx.store.dbs;
    if (old && old.ndn !== rec.ndn && dbs.dn2id.get(old.ndn) === rec.id) tx.remove(dbs.dn2id, old.ndn);
    if (!old || old.ndn !== rec.ndn) tx.put(dbs.dn2id, rec.ndn, rec.id);
    if (!old) tx.put(dbs.uuid2id, rec.uuid, rec.id);
    if (!old || old.parent !== rec.parent || (old.ndn !== rec.ndn && rdnOf(old.ndn) !== rdnOf(rec.ndn))) {
      if (old) tx.remove(dbs.children, old.parent, childValue(old.ndn, old.id));
      tx.put(dbs.children, rec.parent, childValue(rec.ndn, rec.id));
    }
    const { del, add } = indexKeyChanges(tx.store.schema, tx.store.plan, old?.attrs ?? [], rec.attrs);
    if (!old || del.some(isClassKey) || add.some(isClassKey)) tx.reclassed = true;
    for (const k of del) tx.remove(dbs.idx, k, rec.id);
    for (const k of add) tx.put(dbs.idx, k, rec.id);
    rec.state = tx.stateForRecord(rec.uuid, old);
    tx.put(dbs.entries, rec.id, encodeRec(rec, rec.state));
    tx.recs.set(rec.id, rec);
  }

  #remove(old: EntryRec): void {
    const tx = this.#tx;
    tx.simpleOnly('a removal');
    const dbs = tx.store.dbs;
    tx.reclassed = true;
    if (dbs.dn2id.get(old.ndn) === old.id) tx.remove(dbs.dn2id, old.ndn);
    tx.remove(dbs.uuid2id, old.uuid);
    tx.remove(dbs.children, old.parent, childValue(old.ndn, old.id));
    for (const k of indexKeys(tx.store.schema, tx.store.plan, old.attrs)) tx.remove(dbs.idx, k, old.id);
    tx.remove(dbs.entries, old.id);
    tx.unshown(old);
    tx.recs.delete(old.id);
  }

  /** A renamed entry's descendants keep their ids; only their DNs change. */
  #renameSubtree(id: number, oldDn: string, newDn: string, oldNdn: string, newNdn: string): void {
    const store = this.#tx.store;
    for (const childId of [...store.childIds(id)]) {
      const child = store.byId(childId);
      if (!child || this.#inWrite.has(child.uuid)) continue;
      const dn = child.dn.slice(0, child.dn.length - oldDn.length) + newDn;
      const ndn = child.ndn.slice(0, child.ndn.length - oldNdn.length) + newNdn;
      const vis = this.#tx.get(child.uuid)!.vis;
      this.#dn.set(child.uuid, dn);
      const rec = this.#build(child.id, child.uuid, dn, ndn, child.parent, vis);
      this.#put(rec, child);
      this.#renameSubtree(child.id, child.dn, dn, child.ndn, ndn);
    }
  }
}
