// Changelog policy: what to send a consumer, what may be trimmed, and when a
// consumer can no longer be fed incrementally. The changelog itself (LMDB,
// keyed by CSN) is the store's; these functions only read records in CSN order.
import { type Csn, csnAtTime, csnReplicaId } from './csn.js';
import { type Ruv, ruvCovers } from './ruv.js';

export interface LogRecord {
  csn: Csn;
}

/**
 * Where to start reading a CSN-ordered changelog for a consumer: nothing at or
 * below the returned CSN is needed. Undefined: read from the beginning (the
 * consumer has nothing from some replica the supplier has changes of).
 */
export function selectionStart(consumer: Ruv, supplier: Ruv): Csn | undefined {
  let start: Csn | undefined;
  for (const rid of Object.keys(supplier)) {
    const have = consumer[rid];
    if (have === undefined) return undefined;
    if (start === undefined || have < start) start = have;
  }
  return start;
}

/**
 * The records the consumer lacks, in log (CSN) order, from every origin — so
 * hubs and partial meshes pass on what they received. Stops after `limit`.
 */
export function* selectChanges<T extends LogRecord>(log: Iterable<T>, consumer: Ruv, limit = Infinity): Generator<T> {
  if (limit <= 0) return;
  let n = 0;
  for (const r of log) {
    if (ruvCovers(consumer, r.csn)) continue;
    yield r;
    if (++n >= limit) return;
  }
}

export interface TrimOptions {
  nowMs: number;
  /** Records older than this may go even if a consumer lacks them. */
  maxAgeMs?: number;
  /** Keep at most this many records (0 or absent: no limit), never dropping one a consumer lacks. */
  maxRecords?: number;
  /** RUVs of the consumers of enabled agreements (their last acknowledged RUV). */
  consumers: readonly Ruv[];
  /**
   * This replica's id: its own changes are kept, whatever their age, until
   * every consumer has them — until then no other replica may have them, and
   * a total update of a consumer would have nothing to take them from.
   */
  origin?: number;
}

/**
 * The CSN through which the changelog (read oldest first, `count` records in
 * all) may be trimmed, or undefined for nothing. Trimming is always a prefix.
 * Record what was trimmed per origin (ruvAdvance over a "trimmed" RUV) for
 * needsInit.
 */
export function trimPoint(log: Iterable<LogRecord>, count: number, o: TrimOptions): Csn | undefined {
  const ageCut = o.maxAgeMs !== undefined ? csnAtTime(o.nowMs - o.maxAgeMs) : undefined;
  let excess = o.maxRecords ? count - o.maxRecords : 0;
  let cut: Csn | undefined;
  for (const r of log) {
    const everyoneHas = o.consumers.every((c) => ruvCovers(c, r.csn));
    const old = ageCut !== undefined && r.csn < ageCut && (everyoneHas || csnReplicaId(r.csn) !== o.origin);
    if (!old && !(excess > 0 && everyoneHas)) break;
    cut = r.csn;
    excess--;
  }
  return cut;
}

export interface NeedsInit {
  replicaId: number;
  /** Newest trimmed change of that replica; the consumer lacks it. */
  csn: Csn;
  /** What the consumer has of that replica. */
  have: Csn | undefined;
}

/** The consumer lacks changes the supplier trimmed: it needs a total update. */
export function needsInit(consumer: Ruv, trimmed: Ruv): NeedsInit | undefined {
  const rids = Object.keys(trimmed).map(Number).sort((a, b) => a - b);
  for (const rid of rids) {
    const csn = trimmed[String(rid)]!;
    const have = consumer[String(rid)];
    if (have === undefined || have < csn) return { replicaId: rid, csn, have };
  }
  return undefined;
}

/**
 * A replica's trimmed RUV once a total update has replaced its data with a
 * copy (RUV `copy.ruv`) while it keeps its own changelog records beside the
 * ones that come with the copy (`copy.trimmed` = `copy.ruv`: none). Per
 * origin it holds the records in (mine.trimmed, mine.ruv] and in
 * (copy.trimmed, copy.ruv]: trimmed through the start of the longest run
 * they make together that reaches the newest change. Taking the copy's RUV
 * instead would drop records of this replica that no other changelog holds
 * (its own, or ones it received that their origin trimmed since): a replica
 * lacking them could then be given them only by a total update, which it
 * refuses while it holds such records of its own (simulator seed 403876:
 * two halves of a mesh each refused the other's copy for ever).
 */
export function trimmedAfterCopy(mine: { ruv: Ruv; trimmed: Ruv }, copy: { ruv: Ruv; trimmed: Ruv }): Ruv {
  const out: Record<string, Csn> = {};
  const rids = new Set([...Object.keys(mine.ruv), ...Object.keys(mine.trimmed), ...Object.keys(copy.ruv), ...Object.keys(copy.trimmed)]);
  for (const rid of rids) {
    const held: [Csn, Csn][] = [[mine.trimmed[rid] ?? '', mine.ruv[rid] ?? ''], [copy.trimmed[rid] ?? '', copy.ruv[rid] ?? '']];
    const newest = held[0]![1] > held[1]![1] ? held[0]![1] : held[1]![1];
    let from = newest;
    for (let moved = true; moved; ) {
      moved = false;
      for (const [lo, hi] of held) {
        if (lo < from && from <= hi) {
          from = lo;
          moved = true;
        }
      }
    }
    if (from !== '') out[rid] = from;
  }
  return out;
}
