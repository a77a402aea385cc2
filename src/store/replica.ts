// The store's replication-facing operations: applying received change
// groups, reading the changelog for a consumer, trimming it, purging old
// tombstones, adopting a generation, and the total update (stage, then
// replace everything in one transaction).
import type { Change } from '../repl/core/change.js';
import { needsInit, selectChanges, trimmedAfterCopy, trimPoint, type NeedsInit } from '../repl/core/changelog.js';
import { csnAtTime, csnReplicaId, type Csn } from '../repl/core/csn.js';
import { LdapError, RC } from '../errors.js';
import { purgeCsnFor, purgeState } from '../repl/core/purge.js';
import { ruvAdvance, ruvCovers, ruvGap, type Ruv } from '../repl/core/ruv.js';
import { childrenKey, indexKeys as coreIndexKeys, type Stored } from '../repl/core/view.js';
import type { Database, Key, Transaction } from 'lmdb';
import type { Store } from './store.js';
import { readStage } from './stage.js';
import { isEmpty, msgpackRecordCount } from './db.js';
import { Txn } from './write.js';

/** Apply a received group in one transaction; resolves with the durable RUV. */
export async function applyGroup(store: Store, changes: Change[], base: Ruv = {}, from = ''): Promise<Ruv> {
  const span = { from, n: changes.length, first: changes[0]?.csn, last: changes[changes.length - 1]?.csn };
  // In a mesh most groups carry changes that already came by a shorter way:
  // when all are durable here, an empty transaction would only queue behind
  // (and delay) the writes that matter.
  if (changes.every((ch) => ruvCovers(store.ruv, ch.csn))) {
    store.log.debug({ ...span, applied: 0 }, 'replication group already held');
    return store.ruv;
  }
  await store.write((tx) => {
    const have = tx.ruv;
    const gap = ruvGap(have, base, changes);
    if (gap) {
      const why = `the group continues replica ${gap.replicaId}'s changes after ${gap.assumed}, but this replica holds them only up to ${gap.have ?? '(none)'}`;
      store.log.error({ ...span, ...gap }, 'replication group refused: it would leave changes out');
      throw new LdapError(RC.unwillingToPerform, `${why}; start a new session`);
    }
    for (const ch of changes) tx.apply(ch);
    if (store.log.isLevelEnabled('debug')) store.log.debug({ ...span, applied: tx.changes.length, base, have }, 'replication group applied');
  });
  return store.ruv;
}

/** What this replica has trimmed from its changelog, per origin (for needs-init). */
export function trimmedRuv(store: Store, transaction?: Transaction): Ruv {
  return (store.dbs.meta.get('trimmed', transaction && { transaction }) as Ruv | undefined) ?? {};
}

/**
 * Up to `limit` records a consumer with RUV `have` lacks, in CSN order; or,
 * when some it lacks were trimmed, which (and no records: sending the later
 * ones would leave a hole).
 */
export function changesFor(store: Store, have: Ruv, limit: number): { changes: Change[]; lacks?: NeedsInit } {
  // The RUV and the records from one snapshot. `store.ruv` is updated only
  // when a commit's promise resolves, and a read in between already sees
  // that commit: its origin would look current and not pull the scan back,
  // and the records of it that sort before the start would be skipped —
  // while the later ones were sent, so the consumer would never ask again.
  const txn = store.dbs.env.useReadTransaction();
  try {
    const ruv = (store.dbs.meta.get('ruv', { transaction: txn }) as Ruv | undefined) ?? {};
    const lacks = needsInit(have, trimmedRuv(store, txn));
    if (lacks) return { changes: [], lacks };
    // Start at the oldest CSN of an origin the consumer lags on; origins it
    // is current with do not pull the scan back.
    let start: Csn | undefined | null = null;
    for (const [rid, csn] of Object.entries(ruv)) {
      const h = have[rid];
      if (h === undefined) {
        start = undefined;
        break;
      }
      if (h < csn && (start === null || h < start)) start = h;
    }
    if (start === null) return { changes: [] };
    const range = store.dbs.changelog.getRange((start === undefined ? { transaction: txn } : { start, exclusiveStart: true, transaction: txn }) as never);
    const log = (function* () {
      for (const { value } of range) yield value as Change;
    })();
    return { changes: [...selectChanges(log, have, limit)] };
  } finally {
    txn.done();
  }
}

/**
 * Drop changelog records older than maxAge (and beyond maxRecords) unless a
 * consumer still lacks them and they are this replica's own; records what
 * was dropped per origin. Returns how many went.
 */
export async function trimChangelog(store: Store, o: { maxAgeMs: number; maxRecords: number; consumers: Ruv[] }): Promise<number> {
  const log = store.dbs.changelog;
  const opts = { maxAgeMs: o.maxAgeMs, maxRecords: o.maxRecords || undefined, consumers: o.consumers, origin: store.replicaId };
  /** How far the oldest TRIM_SLICE records may go (a prefix of a prefix is one). */
  const cutNow = (): Csn | undefined =>
    trimPoint(
      (function* () {
        for (const key of log.getKeys({ limit: TRIM_SLICE })) yield { csn: key as Csn };
      })(),
      // Not getCount: it read every page of the changelog at each
      // maintenance pass (an import's 100,000 records, 79 MiB, into RSS).
      opts.maxRecords ? msgpackRecordCount(log) : 0,
      { ...opts, nowMs: store.now() },
    );
  // Nothing to trim (the usual case): no write transaction at all.
  if (cutNow() === undefined) return 0;
  let n = 0;
  // A slice per transaction, so writes wait for one slice, not the whole
  // trim. Cut point and removal in one transaction: a record that arrives
  // in between (an old CSN from a lagging origin) is weighed, not swept along.
  for (let k = TRIM_SLICE; k === TRIM_SLICE && n < 50_000; n += k) {
    k = 0;
    await store.write(() => {
      const cut = cutNow();
      if (cut === undefined) return;
      let trimmed = trimmedRuv(store);
      for (const { key } of log.getRange({ end: cut, inclusiveEnd: true } as never)) {
        trimmed = ruvAdvance(trimmed, key as Csn);
        log.remove(key);
        k++;
      }
      store.dbs.meta.put('trimmed', trimmed);
    });
  }
  return n;
}

/**
 * Drop conflict-log records older than `maxAgeMs` (0: keep every one), a
 * slice per transaction. Returns how many went. The log is keyed by the
 * conflict's CSN, so they are the first ones.
 */
export async function trimConflicts(store: Store, maxAgeMs: number): Promise<number> {
  if (maxAgeMs <= 0) return 0;
  const cut = csnAtTime(store.now() - maxAgeMs);
  const log = store.dbs.conflicts;
  // Nothing to trim (the usual case): no write transaction at all.
  if (isEmpty(log, { end: cut })) return 0;
  let n = 0;
  for (let k = TRIM_SLICE; k === TRIM_SLICE; n += k) {
    k = 0;
    await store.write(() => {
      for (const key of log.getKeys({ end: cut, limit: TRIM_SLICE } as never)) {
        log.remove(key);
        k++;
      }
    });
  }
  return n;
}

const TRIM_SLICE = 2000;
/** States read between two yields to the event loop (~4 ms at ~18 µs a state). */
const SCAN_SLICE = 200;
/** States purged per write transaction. */
const PURGE_SLICE = 500;

/**
 * Drop tombstones and deleted-value markers older than the tombstone
 * lifetime. Candidates are found from read snapshots, a slice at a time,
 * yielding to the event loop in between; only they are purged, each
 * checked again in the write transaction. The whole scan used to run inside
 * one write transaction, holding every write back for as long as it took to
 * decode every entry's state (once per maintenance interval).
 */
export async function purgeTombstones(store: Store, lifetimeMs: number): Promise<number> {
  const purgeCsn = purgeCsnFor(store.now(), lifetimeMs);
  const candidates: string[] = [];
  for (let after: number | string | undefined, done = false; !done; ) {
    let k = 0;
    for (const { key, uuid, raw } of store.states({ after, limit: SCAN_SLICE })) {
      after = key;
      k++;
      // Without children it purges at least as much: a superset of candidates.
      const { state } = store.fromRaw(raw);
      if (purgeState(state, purgeCsn, false, store.rules) !== state) candidates.push(uuid);
    }
    done = k < SCAN_SLICE;
    if (!done) await new Promise((r) => setImmediate(r));
  }
  let n = 0;
  for (let i = 0; i < candidates.length && n < 10_000; i += PURGE_SLICE) {
    const slice = candidates.slice(i, i + PURGE_SLICE);
    await store.write((tx) => {
      for (const uuid of slice) {
        const stored = tx.get(uuid);
        if (stored === undefined) continue;
        let hasChildren = false;
        for (const _ of tx.lookup(childrenKey(uuid))) {
          hasChildren = true;
          break;
        }
        const next = purgeState(stored.state, purgeCsn, hasChildren, store.rules);
        if (next === stored.state) continue;
        const before = coreIndexKeys(stored.state, store.rules);
        const after = next === null ? [] : coreIndexKeys(next, store.rules);
        for (const k of before) if (!after.includes(k)) store.dbs.coreIdx.remove(k, uuid);
        for (const k of after) if (!before.includes(k)) store.dbs.coreIdx.put(k, uuid);
        tx.replaceState(uuid, next === null ? null : { state: next, vis: stored.vis });
        n++;
      }
    });
  }
  return n;
}

/** An empty replica takes the generation of the first supplier that feeds it. */
export function isPristine(store: Store): boolean {
  return Object.keys(store.ruv).length === 0 && isEmpty(store.dbs.core) && isEmpty(store.dbs.entries);
}

export async function adoptGeneration(store: Store, gen: string): Promise<void> {
  await store.write(() => {
    store.dbs.meta.put('generationId', gen);
  });
  store.generationId = gen;
}

// ---- total update ---------------------------------------------------------

/**
 * Replace the whole database with the states staged in `stagePath`
 * (stage.ts) in one transaction: the consumer never shows a mix of old and
 * new data.
 */
export async function stageCommit(store: Store, stagePath: string, gen: string, ruv: Ruv, decode: (chunk: Buffer) => Stored[], expected?: number): Promise<{ n: number; discarded: number }> {
  let n = 0;
  let discarded = 0;
  await store.write((tx: Txn) => {
    const d = store.dbs;
    // Changes this replica holds beyond the copy may exist nowhere else: its
    // own not yet sent, and another master's that this replica received and
    // the copy lacks, which their origin may have trimmed since (it trims
    // once its consumers have them). Apply them again on top of the copy,
    // for every origin whose changes beyond the copy the changelog holds
    // whole (what it trimmed is older than the copy's RUV); the other
    // origins start again from the copy's RUV. Where the changelog no
    // longer holds them whole the update is refused: their origin may have
    // trimmed them too (a simulated schedule, seed 107522, lost a master's
    // changes so through a chain of total updates). Our own would be worse
    // off still: a later CSN of ours would cover the gap in every RUV.
    // Only within one history (generation): a replica of another one (loaded
    // on its own, say) is replaced wholesale, as 389-DS's total update
    // replaces it. Its changes replayed on the copy would clash with the
    // copy's entries of the same DNs (its suffix entry among them: a
    // conflict entry with no parent in the database, out of every search's reach).
    const own = store.replicaId === undefined ? undefined : String(store.replicaId);
    const again: Change[] = [];
    // Of another generation, this master's own changes are dropped with
    // the rest: those the copy lacks are counted, so the operator is told
    // (at least these: its changelog may have been trimmed).
    if (own !== undefined && store.generationId !== gen) {
      const held = ruv[own];
      for (const { value } of d.changelog.getRange(held === undefined ? {} : ({ start: held, exclusiveStart: true } as never))) {
        if (csnReplicaId((value as Change).csn) === store.replicaId) discarded++;
      }
    }
    const sameHistory = store.generationId === gen;
    // What the changelog holds before the copy (for trimmedAfterCopy below).
    const before = { ruv: tx.ruv, trimmed: trimmedRuv(store) };
    if (sameHistory) {
      const ahead = Object.keys(store.ruv).filter((rid) => store.ruv[rid]! > (ruv[rid] ?? ''));
      // Our own first: that message says more.
      for (const rid of ahead.sort((a, b) => (a === own ? -1 : b === own ? 1 : Number(a) - Number(b)))) {
        if ((before.trimmed[rid] ?? '') <= (ruv[rid] ?? '')) continue;
        throw new LdapError(
          RC.unwillingToPerform,
          rid === own
            ? `this server has changes of its own newer than the copy (up to ${store.ruv[rid]}) that its changelog no longer holds; initialise the other way round`
            : `this server holds changes of replica ${rid} newer than the copy (up to ${store.ruv[rid]}) that its changelog no longer holds and that may exist nowhere else but on replica ${rid}; initialise it from replica ${rid}'s server, or the other way round, or empty this server's data directory first`,
        );
      }
      if (ahead.length) {
        const from = ahead.some((rid) => ruv[rid] === undefined) ? undefined : ahead.map((rid) => ruv[rid]!).sort()[0];
        for (const { value } of d.changelog.getRange(from === undefined ? {} : ({ start: from, exclusiveStart: true } as never))) {
          const ch = value as Change;
          if (!ruvCovers(ruv, ch.csn)) again.push(ch);
        }
      }
    }
    // Keys only (a key's remove() takes all its duplicates): decoding every
    // old value just to delete it would be most of the cost.
    // (`stage`: where files of before 2026-12-06 staged a copy.) Within one
    // history the changelog stays: its records the copy covers may be the
    // only ones left of those changes (trimmedAfterCopy).
    for (const db of [d.dn2id, d.uuid2id, d.children, d.idx, d.core, d.coreIdx, ...(sameHistory ? [] : [d.changelog]), d.entries, d.stage] as Database<unknown, Key>[]) {
      for (const key of db.getKeys()) db.remove(key);
    }
    const writes: { uuid: string; vis: Stored['vis'] }[] = [];
    for (const chunk of readStage(stagePath)) {
      for (const s of decode(chunk)) {
        tx.putState(s.state.uuid, s, false);
        for (const k of coreIndexKeys(s.state, store.rules)) d.coreIdx.put(k, s.state.uuid);
        writes.push({ uuid: s.state.uuid, vis: s.vis });
        n++;
      }
    }
    // The staged states must be exactly what this session received: anything
    // else (another session's chunks) aborts the transaction, the old
    // database stays.
    if (expected !== undefined && n !== expected) throw new LdapError(RC.operationsError, `the staged copy holds ${n} entries, ${expected} were received: not replaced; run repl init again`);
    tx.materializeAll(writes);
    d.meta.put('generationId', gen);
    d.meta.put('ruv', ruv);
    // The copy brings no records: of the changes it covers, a peer that
    // lacks them can be sent only those this changelog holds in a run up to
    // the newest; past them it needs an init too.
    d.meta.put('trimmed', sameHistory ? trimmedAfterCopy(before, { ruv, trimmed: ruv }) : ruv);
    store.renewOwnFloor(tx);
    tx.ruv = ruv;
    tx.replaced = true;
    for (const ch of again) tx.apply(ch);
  });
  store.generationId = gen;
  return { n, discarded };
}
