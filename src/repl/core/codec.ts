// Compact storage form of an EntryState (still plain arrays, strings,
// numbers and Buffers, for msgpack). The natural form repeats a 40-byte CSN
// per value and each value's equality key; here CSNs are listed once per
// entry and referenced by index, and the key of a present value is left out
// (recomputed with keyOf on decode): about 40% of the natural msgpack size
// for a typical entry.
import { MeshdirError } from '../../errors.js';
import type { Csn } from './csn.js';
import type { AttrRules, Ava } from './policy.js';
import type { AttrState, EntryState, ValueState } from './state.js';

/**
 * [CSN index, octets (present) or key (deleted), place in its change,
 * priority, key] — trailing nulls left out; the key only when keyOf would
 * not give it back.
 */
type PackedValue = [number, Buffer | string, (number | null)?, (number | null)?, string?];
/** [attr, values, whole-attribute delete CSN index, its priority, increments [CSN index, delta][]] */
type PackedAttr = [string, PackedValue[], number | null, number | null, [number, string][]];

export interface PackedState {
  /** Format version (2: values carry their place). */
  f: 2;
  u: string;
  /** Distinct CSNs, referenced by index below. */
  t: Csn[];
  c: number;
  a?: number;
  ap?: string;
  r?: Ava[];
  rc?: number;
  p?: string;
  pc?: number;
  d?: number;
  x: PackedAttr[];
}

export function packState(s: EntryState, rules: AttrRules): PackedState {
  const table = new Map<Csn, number>();
  const ix = (c: Csn): number => {
    let i = table.get(c);
    if (i === undefined) table.set(c, (i = table.size));
    return i;
  };
  const out: PackedState = { f: 2, u: s.uuid, t: [], c: ix(s.csn), x: [] };
  if (s.add !== undefined) out.a = ix(s.add);
  if (s.addParent !== undefined) out.ap = s.addParent;
  if (s.rdn !== undefined) out.r = s.rdn;
  if (s.rdnCsn !== undefined) out.rc = ix(s.rdnCsn);
  if (s.parent !== undefined) out.p = s.parent;
  if (s.parentCsn !== undefined) out.pc = ix(s.parentCsn);
  if (s.del !== undefined) out.d = ix(s.del);
  for (const [attr, a] of Object.entries(s.attrs)) {
    const vals = a.vals.map((vs): PackedValue => {
      const pv: PackedValue = [ix(vs.c), vs.v ?? vs.k];
      const key = vs.v !== undefined && rules.keyOf(attr, vs.v) !== vs.k ? vs.k : undefined;
      if (vs.o !== undefined || vs.p !== undefined || key !== undefined) pv[2] = vs.o ?? null;
      if (vs.p !== undefined || key !== undefined) pv[3] = vs.p ?? null;
      if (key !== undefined) pv[4] = key;
      return pv;
    });
    const incs = (a.inc ?? []).map(([c, d]): [number, string] => [ix(c), d]);
    out.x.push([attr, vals, a.x === undefined ? null : ix(a.x), a.xp ?? null, incs]);
  }
  out.t = [...table.keys()];
  return out;
}

export function unpackState(p: PackedState, rules: AttrRules): EntryState {
  if (p?.f !== 2) throw new MeshdirError('MESHDIR_STATE_FORMAT', `unknown entry state format ${JSON.stringify(p?.f)}`);
  const csn = (i: number): Csn => {
    const c = p.t[i];
    if (c === undefined) throw new MeshdirError('MESHDIR_STATE_FORMAT', `entry state ${p.u}: CSN index ${i} out of range`);
    return c;
  };
  const s: EntryState = { uuid: p.u, csn: csn(p.c), attrs: {} };
  if (p.a !== undefined) s.add = csn(p.a);
  if (p.ap !== undefined) s.addParent = p.ap;
  if (p.r !== undefined) s.rdn = p.r;
  if (p.rc !== undefined) s.rdnCsn = csn(p.rc);
  if (p.p !== undefined) s.parent = p.p;
  if (p.pc !== undefined) s.parentCsn = csn(p.pc);
  if (p.d !== undefined) s.del = csn(p.d);
  for (const [attr, vals, x, xp, incs] of p.x) {
    const a: AttrState = {
      vals: vals.map(([c, body, o, pri, key]): ValueState => {
        const vs: ValueState = typeof body === 'string' ? { k: body, c: csn(c) } : { k: key ?? rules.keyOf(attr, body), c: csn(c), v: body };
        if (pri !== undefined && pri !== null) vs.p = pri;
        if (o !== undefined && o !== null) vs.o = o;
        return vs;
      }),
    };
    if (x !== null) a.x = csn(x);
    if (xp !== null) a.xp = xp;
    if (incs.length) a.inc = incs.map(([c, d]) => [csn(c), d]);
    s.attrs[attr] = a;
  }
  return s;
}
