// Replica update vector: replicaId → greatest CSN from that replica applied.
// Because suppliers send in CSN order and consumers apply whole groups, a
// replica holding CSN c of replica r holds every earlier change of r, so the
// RUV says exactly what a replica has.
import { type Csn, csnReplicaId, lastCsnOf } from './csn.js';

/** Plain object keyed by replicaId (decimal string), persistable as is. */
export type Ruv = Readonly<Record<string, Csn>>;

export function ruvGet(ruv: Ruv, replicaId: number): Csn | undefined {
  return ruv[String(replicaId)];
}

/** Does the RUV cover (hold) the change with this CSN? */
export function ruvCovers(ruv: Ruv, csn: Csn): boolean {
  const have = ruv[String(csnReplicaId(csn))];
  return have !== undefined && have >= csn;
}

/** The RUV after applying `csn`; the same object if it adds nothing. */
export function ruvAdvance(ruv: Ruv, csn: Csn): Ruv {
  const rid = String(csnReplicaId(csn));
  const have = ruv[rid];
  if (have !== undefined && have >= csn) return ruv;
  return { ...ruv, [rid]: csn };
}

export function ruvMerge(a: Ruv, b: Ruv): Ruv {
  const out: Record<string, Csn> = { ...a };
  for (const [rid, csn] of Object.entries(b)) {
    const have = out[rid];
    if (have === undefined || csn > have) out[rid] = csn;
  }
  return out;
}

export type RuvOrder = 'equal' | 'ahead' | 'behind' | 'diverged';

/** How `a` relates to `b`: ahead = a holds everything b holds and more. */
export function ruvCompare(a: Ruv, b: Ruv): RuvOrder {
  let ahead = false;
  let behind = false;
  for (const rid of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[rid];
    const y = b[rid];
    if (x === y) continue;
    if (y === undefined || (x !== undefined && x > y)) ahead = true;
    else behind = true;
  }
  return ahead ? (behind ? 'diverged' : 'ahead') : behind ? 'behind' : 'equal';
}

export interface Lack {
  replicaId: number;
  /** The consumer's CSN for this replica, undefined if it has nothing from it. */
  after: Csn | undefined;
  /** The supplier's CSN for this replica. */
  upTo: Csn;
}

/** What the consumer lacks that the supplier has, per origin replica. */
export function ruvLacks(consumer: Ruv, supplier: Ruv): Lack[] {
  const out: Lack[] = [];
  for (const [rid, upTo] of Object.entries(supplier)) {
    const after = consumer[rid];
    if (after === undefined || after < upTo) out.push({ replicaId: Number(rid), after, upTo });
  }
  return out.sort((x, y) => x.replicaId - y.replicaId);
}

export interface Gap {
  replicaId: number;
  /** What the supplier took the consumer to hold. */
  assumed: Csn;
  /** What the consumer holds (undefined: nothing from that replica). */
  have: Csn | undefined;
}

/**
 * Would applying `changes` leave a hole? A supplier sends, per origin, the
 * records after what it takes the consumer to hold (`base`). When the
 * consumer holds less, the records in between were never sent, and once
 * the RUV moves past them nobody would ever send them again.
 */
export function ruvGap(have: Ruv, base: Ruv, changes: readonly { csn: Csn }[]): Gap | undefined {
  for (const ch of changes) {
    if (ruvCovers(have, ch.csn)) continue;
    const rid = String(csnReplicaId(ch.csn));
    const assumed = base[rid];
    if (assumed !== undefined && (have[rid] === undefined || have[rid]! < assumed)) return { replicaId: Number(rid), assumed, have: have[rid] };
  }
  return undefined;
}

/** A master consumer's word on its own changes (session start response). */
export interface Origin {
  replicaId: number;
  /**
   * A CSN from when its database was created, restored or replaced by a
   * total update: of its own changes at or below it, it holds only what its
   * RUV says (a wiped or restored master lacks some that others hold).
   */
  floor?: Csn;
}

/**
 * What a supplier may take a master consumer to hold: every change that
 * consumer originated, since it commits each before sending it anywhere
 * (so the supplier's `mine`, its RUV entry for that origin, is at most the
 * consumer's). Sending them back would only be parsed and dropped. Below
 * the floor the consumer may lack some of its own: until `have` is past
 * it, the RUV alone decides.
 */
export function withOrigin(have: Ruv, origin: Origin | undefined, mine: Csn | undefined): Ruv {
  if (origin === undefined || mine === undefined) return have;
  const rid = String(origin.replicaId);
  const h = have[rid];
  if (origin.floor !== undefined && (h === undefined || h < origin.floor)) return have;
  return h !== undefined && h >= mine ? have : { ...have, [rid]: mine };
}

/**
 * What a supplier selects from for a consumer that other masters feed
 * their own changes directly (the start, group and heartbeat responses'
 * `direct`): every change of theirs counts as held, so none is sent twice
 * at once. Every change, not just up to what the supplier holds: a group
 * that carried some of them after a gap (the direct session not there yet)
 * would move the consumer's RUV past the gap. Only for choosing what to
 * send; a group's base stays what the consumer acknowledged.
 */
export function leftToOrigins(have: Ruv, origins: readonly number[]): Ruv {
  if (origins.length === 0) return have;
  const out = { ...have };
  for (const r of origins) out[String(r)] = lastCsnOf(r);
  return out;
}
