// Entry state: everything a replica must keep about an entry to merge any
// change in any order. Stored with each entry (msgpack: plain objects,
// arrays, strings, numbers and Buffers only).
//
// Every field merges by "greatest CSN wins" (or set union), so applying the
// same changes in any order gives the same state. The visible entry is
// derived from the states (visible.ts, naming.ts).
import type { Csn } from './csn.js';
import type { Ava } from './policy.js';

/**
 * One value of an attribute, identified by its equality key `k`: added at
 * `c` when `v` (the value's octets) is present, deleted at `c` otherwise.
 * `p` is the origin's priority, kept only for attributes under policy
 * `priority`. `o` is the value's place within the change that added it (see
 * merge.ts; absent = 0): values show in (c, o) order, the order they were
 * written in.
 */
export interface ValueState {
  k: string;
  c: Csn;
  p?: number;
  v?: Buffer;
  o?: number;
  /**
   * Placed as if written at this CSN instead of `c`: a rename to an RDN
   * value the entry already held re-adds it (so a concurrent delete of it
   * loses) and keeps its place, as slapd does.
   */
  oc?: Csn;
  /**
   * A deleted value's place came from a rename's re-add at this CSN (its
   * `oc` is the earlier place the rename kept): the add that a later-arriving
   * add must beat to move it.
   */
  ac?: Csn;
  /**
   * Policy priority: the priority of the add that placed a deleted value
   * (`ac ?? oc`); a later-arriving add must outrank that add, not just come
   * after it, to move the place (sim seed 56768).
   */
  ap?: number;
  /**
   * The greatest CSN that added this value, when it is greater than `c`:
   * under policy `priority` an older add of higher priority holds the value,
   * and a later add of lower priority leaves only this trace. A delete that
   * wins by priority over that later add is a policy resolution the conflict
   * log must show (urp.ts losses), whichever order the three arrived in.
   */
  lc?: Csn;
  /**
   * A deleted value: its deletes after the add that placed it (after none,
   * while no add is known) but the greatest, `c`, in CSN order. A master
   * that had not seen a delete may delete the value again; it went at the
   * first (values.ts deletedAt), and whether it held the attribute's place
   * (attrPlace) depends on when it went. All are kept because an add that
   * arrives late can move the place past the first (sim seeds 71007: a
   * replica that had purged the first delete's record placed the attribute
   * elsewhere; 258: keeping only the first was not enough).
   */
  ds?: Csn[];
  /**
   * Policy priority: the priorities of the `ds` deletes, in their order,
   * when one of them is not 0. Under priority a delete counts only where it
   * outranks the add that placed the value, and that add may arrive after
   * the delete (sim seed 157154: a lower-priority delete, lost to the add,
   * had been kept as when the value went).
   */
  dp?: number[];
}

export interface AttrState {
  /** Sorted by `k`. */
  vals: ValueState[];
  /** Whole-attribute delete (delete without values, or the delete half of a replace). */
  x?: Csn;
  xp?: number;
  /** Increment deltas [csn, decimal delta], sorted by CSN; a delta counts for values added before it. */
  inc?: [Csn, string][];
}

export interface EntryState {
  uuid: string;
  /** Greatest change CSN applied: the entry's entryCSN. */
  csn: Csn;
  /** CSN of the add. Absent on a stub: a state made by changes that arrived before the add. */
  add?: Csn;
  /** Parent at add time: the fallback home when concurrent moves make a cycle. */
  addParent?: string;
  rdn?: Ava[];
  rdnCsn?: Csn;
  /** Desired parent entryUUID ('' = the suffix entry). */
  parent?: string;
  parentCsn?: Csn;
  /** Tombstone: delete CSN. Tombstones keep no attributes. */
  del?: Csn;
  attrs: Record<string, AttrState>;
}

export function isKnown(s: EntryState | undefined): s is EntryState & { add: Csn; rdn: Ava[]; parent: string } {
  return s !== undefined && s.add !== undefined;
}

export function isLive(s: EntryState | undefined): boolean {
  return isKnown(s) && s.del === undefined;
}

/** Priority-aware CSN comparison: (priority, CSN), priority absent = 0. */
export function cmpRank(c1: Csn, p1: number | undefined, c2: Csn, p2: number | undefined): number {
  const d = (p1 ?? 0) - (p2 ?? 0);
  if (d !== 0) return d;
  return c1 < c2 ? -1 : c1 > c2 ? 1 : 0;
}

/** The CSN at which the entry came to want its current name. */
export function namingCsn(s: EntryState): Csn {
  const r = s.rdnCsn ?? '';
  const p = s.parentCsn ?? '';
  return r > p ? r : p;
}

export function sameAvas(a: readonly Ava[] | undefined, b: readonly Ava[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every(([t, v], i) => t === b[i]![0] && v.equals(b[i]![1]));
}

/** Deep equality of persisted values (objects, arrays, Buffers, scalars); undefined fields count as absent. */
export function sameState(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a)) return Buffer.isBuffer(b) && a.equals(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b) || Buffer.isBuffer(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameState(ra[k], rb[k]));
}
