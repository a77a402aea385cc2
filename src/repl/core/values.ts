// Per-attribute merge: a last-writer-wins register per value key, a
// whole-attribute delete CSN, and increment deltas. All updates are "keep the
// greater (priority, CSN)", then `compact` drops what can never matter again,
// so the result does not depend on the order changes arrive in.
import type { Csn } from './csn.js';
import { comparesValues, type AttrInfo } from './policy.js';
import { type AttrState, cmpRank, type ValueState } from './state.js';

/** When an update happened: CSN, and the origin priority for policy `priority`. */
export interface Stamp {
  c: Csn;
  p?: number;
}

/** A copy whose arrays may be edited (ValueStates themselves are replaced, never edited). */
export function editable(a: AttrState | undefined): AttrState {
  if (!a) return { vals: [] };
  const w: AttrState = { vals: a.vals.slice() };
  if (a.x !== undefined) w.x = a.x;
  if (a.xp !== undefined) w.xp = a.xp;
  if (a.inc) w.inc = a.inc.slice();
  return w;
}

function indexOf(vals: readonly ValueState[], k: string): number {
  let lo = 0;
  let hi = vals.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const mk = vals[mid]!.k;
    if (mk === k) return mid;
    if (mk < k) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

export function findValue(a: AttrState | undefined, k: string): ValueState | undefined {
  if (!a) return undefined;
  const i = indexOf(a.vals, k);
  return i >= 0 ? a.vals[i] : undefined;
}

/**
 * `vs` placed at (`c`, `o`): where an added value sits, or where a deleted
 * one sat; `ac`, the CSN of the add that placed it, is kept when it is not
 * `c`, and `ap`, that add's priority (policy priority).
 */
function placed(vs: ValueState, c: Csn | undefined, o: number | undefined, ac?: Csn, ap?: number): ValueState {
  if (c === undefined) return vs;
  vs.oc = c;
  if (o) vs.o = o;
  if (ac !== undefined && ac !== c) vs.ac = ac;
  if (ap !== undefined) vs.ap = ap;
  return vs;
}

/**
 * Record an add (with octets, at place `o` of its change, or of the change
 * `oc`) or a delete (without) of value `k`. A deleted value keeps the place
 * of the latest add before its delete (the greatest add CSN, whatever order
 * changes arrive in; a rename's re-add keeps the earlier place it held, and
 * its own CSN in `ac` for that comparison): an attribute stays where it is
 * while it keeps values (attrPlace).
 */
export function setValue(w: AttrState, k: string, at: Stamp, v?: Buffer, o = 0, oc?: Csn): void {
  const vs: ValueState = { k, c: at.c };
  if (at.p !== undefined) vs.p = at.p;
  if (v) vs.v = v;
  if (v && o !== 0) vs.o = o;
  if (v && oc !== undefined) vs.oc = oc;
  const i = indexOf(w.vals, k);
  if (i < 0) {
    w.vals.splice(-i - 1, 0, vs);
    return;
  }
  const cur = w.vals[i]!;
  const rank = cmpRank(at.c, at.p, cur.c, cur.p);
  let next = cur;
  if (rank > 0) next = v ? vs : cur.v !== undefined ? placed(vs, cur.oc ?? cur.c, cur.o, cur.c, cur.p) : placed(vs, cur.oc, cur.o, cur.ac, cur.ap);
  else if (rank < 0 && v && cur.v === undefined && (cur.oc === undefined || cmpRank(at.c, at.p, cur.ac ?? cur.oc, cur.ap) > 0)) {
    // An add that loses to the delete still places the deleted value when
    // it outranks the add that placed it, as it would have displaced that
    // add had it come before the delete (under priority, rank is not CSN).
    const { oc: _c, o: _o, ac: _a, ap: _p, ...rest } = cur;
    next = placed(rest, oc ?? at.c, o, at.c, at.p);
  }
  // The greatest add CSN of the key, whatever order its changes came in (see ValueState.lc).
  let lc = cur.lc;
  if (cur.v !== undefined && (lc === undefined || cur.c > lc)) lc = cur.c;
  if (v && (lc === undefined || at.c > lc)) lc = at.c;
  // A deleted value: its deletes that outrank the add that placed it (all,
  // while no add is known), but the greatest (see ValueState.ds, dp).
  let ds: Csn[] | undefined;
  let dp: number[] | undefined;
  if (next.v === undefined) {
    const added = next.ac ?? next.oc;
    const all = new Map<Csn, number>();
    if (cur.v === undefined) {
      cur.ds?.forEach((d, j) => all.set(d, cur.dp?.[j] ?? 0));
      all.set(cur.c, cur.p ?? 0);
    }
    if (!v) all.set(at.c, at.p ?? 0);
    const kept = [...all].filter(([d, p]) => d < next.c && (added === undefined || (d > added && cmpRank(d, p, added, next.ap) > 0))).sort(([a], [b]) => (a < b ? -1 : 1));
    if (kept.length) {
      ds = kept.map(([d]) => d);
      if (kept.some(([, p]) => p !== 0)) dp = kept.map(([, p]) => p);
    }
  }
  next = withExtra(next, 'lc', lc !== undefined && lc > next.c ? lc : undefined);
  next = withExtra(next, 'ds', ds);
  w.vals[i] = withExtra(next, 'dp', dp);
}

/** `vs` with field `f` set to `x` (or without it): the same object when nothing changes, else a copy (value states are never edited in place). */
function withExtra<F extends 'lc' | 'ds' | 'dp'>(vs: ValueState, f: F, x: ValueState[F]): ValueState {
  const was = vs[f];
  if (was === x || (Array.isArray(was) && Array.isArray(x) && was.length === x.length && was.every((c, i) => c === x[i]))) return vs;
  const out = { ...vs };
  if (x === undefined) delete out[f];
  else out[f] = x;
  return out;
}

/** When a deleted value went: its first delete after the add that placed it. */
export function deletedAt(vs: ValueState): Csn {
  return vs.ds?.[0] ?? vs.c;
}

export function deleteAll(w: AttrState, at: Stamp): void {
  if (w.x === undefined || cmpRank(at.c, at.p, w.x, w.xp) > 0) {
    w.x = at.c;
    if (at.p !== undefined) w.xp = at.p;
    else delete w.xp;
  }
}

export function addIncrement(w: AttrState, c: Csn, delta: string): void {
  const inc = w.inc ?? (w.inc = []);
  let i = inc.length;
  while (i > 0 && inc[i - 1]![0] > c) i--;
  if (i > 0 && inc[i - 1]![0] === c) return;
  inc.splice(i, 0, [c, delta]);
}

function isAlive(vs: ValueState): vs is ValueState & { v: Buffer } {
  return vs.v !== undefined;
}

function byRankDesc(a: ValueState, b: ValueState): number {
  return cmpRank(b.c, b.p, a.c, a.p);
}

/** Does `a` beat `b` as the one value of a single-valued attribute? */
function better(info: AttrInfo, a: ValueState & { v: Buffer }, b: ValueState & { v: Buffer }): boolean {
  if ((info.policy === 'min' || info.policy === 'max') && info.order) {
    const o = info.order(a.v, b.v);
    if (o !== 0) return info.policy === 'min' ? o < 0 : o > 0;
  }
  return cmpRank(a.c, a.p, b.c, b.p) > 0;
}

/**
 * Drop what can never be visible again: values and deltas older than the
 * whole-attribute delete, and (single-valued) alive values beaten by a value
 * that is also newer — any later delete that removes the winner removes them
 * too. Not under min / max, whose deletes name values: one that removes the
 * winner may come from a master that never saw the loser. Returns undefined
 * when nothing is left.
 */
export function compact(w: AttrState, info: AttrInfo): AttrState | undefined {
  if (w.x !== undefined) {
    const x = w.x;
    const xp = w.xp;
    w.vals = w.vals.filter((vs) => cmpRank(vs.c, vs.p, x, xp) >= 0);
    // A deleted value added before the whole-attribute delete sat in the
    // attribute's earlier life: its place says nothing about this one.
    w.vals = w.vals.map((vs) => {
      if (vs.v !== undefined || vs.oc === undefined || (vs.ac ?? vs.oc) >= x) return vs;
      const { oc: _c, o: _o, ac: _a, ap: _p, ds: _d, dp: _q, ...rest } = vs;
      return rest;
    });
    if (w.inc) w.inc = w.inc.filter(([c]) => c > x);
  }
  if (info.singleValued && !comparesValues(info) && w.vals.length > 1) {
    const alive = w.vals.filter(isAlive).sort(byRankDesc);
    if (alive.length > 1) {
      const keep = new Set<ValueState>();
      let best: (ValueState & { v: Buffer }) | undefined;
      for (const vs of alive) {
        if (!best || better(info, vs, best)) {
          keep.add(vs);
          best = vs;
        }
      }
      w.vals = w.vals.filter((vs) => !isAlive(vs) || keep.has(vs));
    }
  }
  if (w.inc && w.inc.length === 0) delete w.inc;
  if (w.vals.length === 0 && w.x === undefined && !w.inc) return undefined;
  return w;
}

export function aliveValues(a: AttrState | undefined): (ValueState & { v: Buffer })[] {
  return a ? a.vals.filter(isAlive) : [];
}

/** Written order: by the change that added the value, then its place in that change. */
export function cmpPlace(x: ValueState, y: ValueState): number {
  const xc = x.oc ?? x.c;
  const yc = y.oc ?? y.c;
  if (xc !== yc) return xc < yc ? -1 : 1;
  const d = (x.o ?? 0) - (y.o ?? 0);
  if (d !== 0) return d;
  return x.k < y.k ? -1 : x.k > y.k ? 1 : 0;
}

function winner(a: AttrState, info: AttrInfo): (ValueState & { v: Buffer }) | undefined {
  let w: (ValueState & { v: Buffer }) | undefined;
  for (const vs of a.vals) if (isAlive(vs) && (!w || better(info, vs, w))) w = vs;
  return w;
}

/** The values a reader sees, before increments, in written order: the policy winner if single-valued. */
export function shownValues(a: AttrState | undefined, info: AttrInfo): (ValueState & { v: Buffer })[] {
  if (!a) return [];
  if (info.singleValued) {
    const w = winner(a, info);
    return w ? [w] : [];
  }
  return aliveValues(a).sort(cmpPlace);
}

/** The first of shownValues (where the attribute sits in the entry), without sorting them all. */
export function firstShown(a: AttrState | undefined, info: AttrInfo): (ValueState & { v: Buffer }) | undefined {
  if (!a) return undefined;
  if (info.singleValued) return winner(a, info);
  let first: (ValueState & { v: Buffer }) | undefined;
  for (const vs of a.vals) if (isAlive(vs) && (!first || cmpPlace(vs, first) < 0)) first = vs;
  return first;
}

/**
 * Where the attribute sits in its entry: where it was first written in its
 * current life, as slapd keeps an attribute in place until its last value
 * is deleted (or the attribute replaced) and appends it when it comes
 * back. That is the place of its first shown value, or earlier: of a value
 * deleted since, while the attribute still had values (deleted at or after
 * the place found so far). A single-valued attribute sits where its value
 * does. `held` collects the deleted values that moved the place (a purge
 * keeps them).
 */
export function attrPlace(a: AttrState | undefined, info: AttrInfo, held?: Set<ValueState>): ValueState | undefined {
  const first = firstShown(a, info);
  if (first === undefined || info.singleValued) return first;
  let place: ValueState = first;
  for (let moved = true; moved; ) {
    moved = false;
    for (const vs of a!.vals) {
      if (vs.v !== undefined || vs.oc === undefined || deletedAt(vs) < (place.oc ?? place.c)) continue;
      if (cmpPlace(vs, place) < 0) {
        place = vs;
        held?.add(vs);
        moved = true;
      }
    }
  }
  return place;
}

const INTEGER = /^[-+]?\d+$/;

/** A value with the deltas made after it added (RFC 4525 increments replicated as deltas). */
export function withIncrements(vs: ValueState & { v: Buffer }, inc: readonly [Csn, string][] | undefined): Buffer {
  if (!inc) return vs.v;
  let sum = 0n;
  let any = false;
  for (const [c, d] of inc) {
    if (c > vs.c) {
      sum += BigInt(d);
      any = true;
    }
  }
  if (!any) return vs.v;
  const text = vs.v.toString('latin1');
  if (!INTEGER.test(text)) return vs.v;
  return Buffer.from((BigInt(text) + sum).toString(), 'latin1');
}

/** What readers see of shownValues: with increments, an equal result shown once. */
export function valuesOf(shown: readonly (ValueState & { v: Buffer })[], inc: readonly [Csn, string][] | undefined): Buffer[] {
  if (!inc) return shown.map((vs) => vs.v);
  const out: Buffer[] = [];
  for (const vs of shown) {
    const b = withIncrements(vs, inc);
    if (!out.some((o) => o.equals(b))) out.push(b);
  }
  return out;
}

export function visibleValues(a: AttrState | undefined, info: AttrInfo): Buffer[] {
  return valuesOf(shownValues(a, info), a?.inc);
}
