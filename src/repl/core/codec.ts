// The stored form of what a replica keeps per entry (Stored: state and
// visible form), as one flat binary record. msgpack's natural form repeated a
// 40-byte CSN and an equality key per value and every visible value a second
// time: ~2.4 KB for an ordinary inetOrgPerson, which does not fit in an LMDB
// leaf page (so every write took a 4 KiB overflow page), and packing it was
// the largest single cost of a modify. Here CSNs and attribute names are
// listed once per record, well-known names and keys (known-strings.ts) are
// small numbers, a key equal to its value's octets (or to their ASCII lower
// case) is left out, a parent or RDN the visible form shares with the state
// is written once, and a visible value that is a value of the state is a
// reference to it.
//
// Layout (varint = unsigned LEB128; str = varint length + UTF-8; bytes =
// varint length + octets; num = float64 LE):
//   u8 FORMAT (1; 2 when ATTR_LC, ATTR_DS or ATTR_AP is used; 3 with ATTR_DP)
//   varint n, n × str            CSN table
//   varint n, n × name           name table (attribute types); a name is
//                                varint i > 0 (KNOWN[i-1]) or 0 and a str
//   state: str uuid, varint csn, varint flags (STATE_*), the optional fields
//          in flag order, varint n attributes, each: varint name, varint
//          flags (ATTR_*), [x] [xp] [inc: varint n, (varint csn, str delta)*],
//          varint n values, each: u8 flags (VAL_*), varint csn, [bytes v]
//          [the key: nothing (VAL_KEY_IS_V, VAL_KEY_LOWER), varint
//          (VAL_KEY_KNOWN) or str] [num p] [varint o] [varint csn oc] [varint csn ac]
//          [ATTR_LC: varint n, n × (varint value index, varint csn lc)]
//          [ATTR_DS: the same for ds, a value once per CSN]
//          [ATTR_AP: varint n, n × (varint value index, num ap)]
//          [ATTR_DP: varint n, n × (varint value index, num p), one per ds CSN, in order]
//   vis:   u8 kind, varint flags (VIS_*), [str parent unless
//          VIS_PARENT_OF_STATE] [avas rdn unless VIS_RDN_OF_STATE], the
//          optional fields, varint csn, varint n attributes, each: varint
//          name, varint n values, each: varint ref (0: bytes follow; i > 0:
//          the value of state value i-1 of the same attribute)
//   avas:  varint n, n × (varint name, bytes)
import { MeshdirError } from '../../errors.js';
import type { Csn } from './csn.js';
import { KNOWN, KNOWN_INDEX } from './known-strings.js';
import type { Ava } from './policy.js';
import { type AttrState, type EntryState, sameAvas, type ValueState } from './state.js';
import type { Stored } from './view.js';
import type { Visible } from './visible.js';

// A record with ATTR_LC, ATTR_DS or ATTR_AP is written as FORMAT_EXTRAS, one
// with ATTR_DP as FORMAT_DP: a meshdir older than them refuses it as an
// unknown format instead of misreading it.
const FORMAT = 1, FORMAT_EXTRAS = 2, FORMAT_DP = 3;

// STATE_ADD_PARENT_IS_PARENT: addParent equals parent (written after it).
const STATE_ADD = 1, STATE_ADD_PARENT = 2, STATE_RDN = 4, STATE_RDN_CSN = 8, STATE_PARENT = 16, STATE_PARENT_CSN = 32, STATE_DEL = 64, STATE_ADD_PARENT_IS_PARENT = 128;
// ATTR_LC, ATTR_DS: the values' `lc` CSNs and then their `ds` CSNs follow
// the values (each: varint n, n × (varint value index, varint csn); `ds`
// lists a value once per CSN, in order); then ATTR_AP: varint n, n ×
// (varint value index, num ap); then ATTR_DP: the same with one num per
// CSN of the value's `ds`, in order.
const ATTR_X = 1, ATTR_XP = 2, ATTR_INC = 4, ATTR_LC = 8, ATTR_DS = 16, ATTR_AP = 32, ATTR_DP = 64;
const EXTRAS = [['lc', ATTR_LC], ['ds', ATTR_DS]] as const;
/** The numbers that follow them: `ap`, and `dp` (one per `ds` CSN, in order). */
const NUM_EXTRAS = [['ap', ATTR_AP], ['dp', ATTR_DP]] as const;

/** The ATTR_* flags of the extra fields value `vs` has (one pass, no closures: this runs for every value of every write). */
function extraFlags(vs: ValueState): number {
  return (vs.lc !== undefined ? ATTR_LC : 0) | (vs.ds !== undefined ? ATTR_DS : 0) | (vs.ap !== undefined ? ATTR_AP : 0) | (vs.dp !== undefined ? ATTR_DP : 0);
}

/** A value's CSNs in field `f` (none, one or several). */
function extraCsns(vs: ValueState, f: 'lc' | 'ds'): readonly Csn[] {
  const x = vs[f];
  return x === undefined ? [] : typeof x === 'string' ? [x] : x;
}

/** A value's numbers in field `f` (none, one or several). */
function extraNums(vs: ValueState, f: 'ap' | 'dp'): readonly number[] {
  const x = vs[f];
  return x === undefined ? [] : typeof x === 'number' ? [x] : x;
}
const VAL_V = 1, VAL_KEY_IS_V = 2, VAL_P = 4, VAL_O = 8, VAL_KEY_LOWER = 16, VAL_KEY_KNOWN = 32, VAL_OC = 64, VAL_AC = 128;
const VIS_ROOTED = 1, VIS_NAMING = 2, VIS_UNIQUE = 4, VIS_DISCARDED = 8, VIS_SCHEMA = 16, VIS_BROKEN = 32, VIS_PARENT_OF_STATE = 64, VIS_RDN_OF_STATE = 128;
const KINDS: Visible['kind'][] = ['live', 'glue', 'hidden'];

class Writer {
  buf = Buffer.allocUnsafe(16384);
  pos = 0;

  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(n: number): void {
    this.room(1);
    this.buf[this.pos++] = n;
  }

  varint(n: number): void {
    // The reader takes 28 bits (4 octets); a longer value would be unreadable.
    if (n >= 0x10000000) throw new MeshdirError('MESHDIR_STATE_FORMAT', `entry state too large to store (a length or count of ${n})`);
    this.room(4);
    while (n > 0x7f) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }

  bytes(b: Buffer): void {
    this.varint(b.length);
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  str(s: string): void {
    // Room for the longest UTF-8 form, then the length in front of it.
    const max = s.length * 3;
    this.room(max + 4);
    const at = this.pos + (max < 0x80 ? 1 : max < 0x4000 ? 2 : 4);
    const n = this.buf.write(s, at, 'utf8');
    this.varint(n);
    if (this.pos !== at) this.buf.copy(this.buf, this.pos, at, at + n);
    this.pos += n;
  }

  /** Writes value `v`'s key `k` in the shortest form; returns its VAL_KEY_* flag (0: written as a str). */
  key(k: string, v: Buffer): number {
    if (k.length === v.length && isAsciiLower(k, v)) return sameAscii(k, v) ? VAL_KEY_IS_V : VAL_KEY_LOWER;
    if (k.length <= v.length && v.length <= k.length * 3) {
      this.room(v.length);
      const n = this.buf.write(k, this.pos, v.length, 'utf8');
      if (n === v.length && this.buf.compare(v, 0, n, this.pos, this.pos + n) === 0 && Buffer.byteLength(k, 'utf8') === n) return VAL_KEY_IS_V;
    }
    const known = KNOWN_INDEX.get(k);
    if (known !== undefined) {
      this.varint(known);
      return VAL_KEY_KNOWN;
    }
    this.str(k);
    return 0;
  }

  name(n: string): void {
    const known = KNOWN_INDEX.get(n);
    if (known !== undefined) this.varint(known + 1);
    else {
      this.u8(0);
      this.str(n);
    }
  }

  num(n: number): void {
    this.room(8);
    this.buf.writeDoubleLE(n, this.pos);
    this.pos += 8;
  }
}

/** `k` is the ASCII lower case of the octets `v` (which are ASCII): the only case folding a decoder can redo the same everywhere. */
function isAsciiLower(k: string, v: Buffer): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c > 0x7f || k.charCodeAt(i) !== (c >= 0x41 && c <= 0x5a ? c + 32 : c)) return false;
  }
  return true;
}

function sameAscii(k: string, v: Buffer): boolean {
  for (let i = 0; i < v.length; i++) if (k.charCodeAt(i) !== v[i]) return false;
  return true;
}

function asciiLower(v: Buffer): string {
  return v.toString('latin1').toLowerCase();
}

const writer = new Writer();

export function encodeStored(s: Stored): Buffer {
  const w = writer;
  const csns = new Map<Csn, number>();
  const names = new Map<string, number>();
  const csn = (c: Csn): number => {
    let i = csns.get(c);
    if (i === undefined) csns.set(c, (i = csns.size));
    return i;
  };
  const name = (n: string): number => {
    let i = names.get(n);
    if (i === undefined) names.set(n, (i = names.size));
    return i;
  };
  // The body first (it fills the tables), then the tables in front of it.
  w.pos = 0;
  const st = s.state;
  w.str(st.uuid);
  w.varint(csn(st.csn));
  const flags =
    (st.add !== undefined ? STATE_ADD : 0) | (st.rdn !== undefined ? STATE_RDN : 0) | (st.rdnCsn !== undefined ? STATE_RDN_CSN : 0) |
    (st.parent !== undefined ? STATE_PARENT : 0) | (st.parentCsn !== undefined ? STATE_PARENT_CSN : 0) | (st.del !== undefined ? STATE_DEL : 0) |
    (st.addParent === undefined ? 0 : st.addParent === st.parent ? STATE_ADD_PARENT_IS_PARENT : STATE_ADD_PARENT);
  w.varint(flags);
  if (st.add !== undefined) w.varint(csn(st.add));
  if (flags & STATE_ADD_PARENT) w.str(st.addParent!);
  if (st.rdn !== undefined) writeAvas(w, st.rdn, name);
  if (st.rdnCsn !== undefined) w.varint(csn(st.rdnCsn));
  if (st.parent !== undefined) w.str(st.parent);
  if (st.parentCsn !== undefined) w.varint(csn(st.parentCsn));
  if (st.del !== undefined) w.varint(csn(st.del));
  let extras = false;
  let dps = false;
  const attrNames = Object.keys(st.attrs);
  w.varint(attrNames.length);
  for (const attr of attrNames) {
    const a = st.attrs[attr]!;
    w.varint(name(attr));
    let af = (a.x !== undefined ? ATTR_X : 0) | (a.xp !== undefined ? ATTR_XP : 0) | (a.inc !== undefined ? ATTR_INC : 0);
    for (const vs of a.vals) af |= extraFlags(vs);
    extras ||= af >= ATTR_LC;
    dps ||= (af & ATTR_DP) !== 0;
    w.varint(af);
    if (a.x !== undefined) w.varint(csn(a.x));
    if (a.xp !== undefined) w.num(a.xp);
    if (a.inc !== undefined) {
      w.varint(a.inc.length);
      for (const [c, d] of a.inc) {
        w.varint(csn(c));
        w.str(d);
      }
    }
    w.varint(a.vals.length);
    for (const vs of a.vals) {
      const at = w.pos;
      w.u8(0); // flags, set below (one octet)
      w.varint(csn(vs.c));
      let vf = 0;
      if (vs.v !== undefined) {
        vf |= VAL_V;
        w.bytes(vs.v);
        vf |= w.key(vs.k, vs.v);
      } else w.str(vs.k);
      if (vs.p !== undefined) {
        vf |= VAL_P;
        w.num(vs.p);
      }
      if (vs.o !== undefined) {
        vf |= VAL_O;
        w.varint(vs.o);
      }
      if (vs.oc !== undefined) {
        vf |= VAL_OC;
        w.varint(csn(vs.oc));
      }
      if (vs.ac !== undefined) {
        vf |= VAL_AC;
        w.varint(csn(vs.ac));
      }
      w.buf[at] = vf;
    }
    for (const [f, flag] of EXTRAS) {
      if (!(af & flag)) continue;
      const set = a.vals.flatMap((vs, i) => extraCsns(vs, f).map((c) => [i, c] as const));
      w.varint(set.length);
      for (const [i, c] of set) {
        w.varint(i);
        w.varint(csn(c));
      }
    }
    for (const [f, flag] of NUM_EXTRAS) {
      if (!(af & flag)) continue;
      const set = a.vals.flatMap((vs, i) => extraNums(vs, f).map((x) => [i, x] as const));
      w.varint(set.length);
      for (const [i, x] of set) {
        w.varint(i);
        w.num(x);
      }
    }
  }
  const vis = s.vis;
  w.u8(KINDS.indexOf(vis.kind));
  const visFlags =
    (vis.rooted ? VIS_ROOTED : 0) | (vis.naming !== undefined ? VIS_NAMING : 0) | (vis.unique !== undefined ? VIS_UNIQUE : 0) |
    (vis.discarded ? VIS_DISCARDED : 0) | (vis.schema !== undefined ? VIS_SCHEMA : 0) | (vis.broken ? VIS_BROKEN : 0) |
    (st.parent !== undefined && vis.parent === st.parent ? VIS_PARENT_OF_STATE : 0) | (sameAvas(vis.rdn, st.rdn) ? VIS_RDN_OF_STATE : 0);
  w.varint(visFlags);
  if (!(visFlags & VIS_PARENT_OF_STATE)) w.str(vis.parent);
  if (!(visFlags & VIS_RDN_OF_STATE)) writeAvas(w, vis.rdn, name);
  if (vis.naming !== undefined) w.str(vis.naming);
  if (vis.unique !== undefined) {
    w.varint(vis.unique.length);
    for (const u of vis.unique) w.str(u);
  }
  if (vis.schema !== undefined) w.str(vis.schema);
  w.varint(csn(vis.csn));
  w.varint(vis.attrs.length);
  for (const [attr, values] of vis.attrs) {
    w.varint(name(attr));
    w.varint(values.length);
    const vals = st.attrs[attr]?.vals;
    const refOf = vals === undefined ? undefined : refFinder(vals);
    for (const v of values) {
      const ref = refOf === undefined ? -1 : refOf(v);
      w.varint(ref + 1);
      if (ref < 0) w.bytes(v);
    }
  }
  const bodyEnd = w.pos;
  // Tables: written after the body in the scratch buffer, then both copied out in order.
  w.u8(dps ? FORMAT_DP : extras ? FORMAT_EXTRAS : FORMAT);
  w.varint(csns.size);
  for (const c of csns.keys()) w.str(c);
  w.varint(names.size);
  for (const n of names.keys()) w.name(n);
  const head = w.pos - bodyEnd;
  // A fresh buffer: lmdb-js may read a put's value after put() returns.
  const out = Buffer.allocUnsafe(w.pos);
  w.buf.copy(out, 0, bodyEnd, w.pos);
  w.buf.copy(out, head, 0, bodyEnd);
  if (w.buf.length > 1 << 20) writer.buf = Buffer.allocUnsafe(16384);
  return out;
}

/**
 * Where a visible value sits among the attribute's value states (usually
 * the same Buffer, else the same octets). A scan per value would make a
 * write to a 100,000-member group cost 5·10⁹ comparisons (33 s); beyond a
 * few values, maps built on first use.
 */
function refFinder(vals: ValueState[]): (v: Buffer) => number {
  if (vals.length <= 8) {
    return (v) => {
      for (let i = 0; i < vals.length; i++) if (vals[i]!.v === v) return i;
      for (let i = 0; i < vals.length; i++) if (vals[i]!.v?.equals(v)) return i;
      return -1;
    };
  }
  let same: Map<Buffer, number> | undefined;
  let equal: Map<string, number> | undefined;
  const index = <K>(key: (v: Buffer) => K): Map<K, number> => {
    const m = new Map<K, number>();
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i]!.v;
      if (v !== undefined && !m.has(key(v))) m.set(key(v), i);
    }
    return m;
  };
  return (v) => (same ??= index((x) => x)).get(v) ?? (equal ??= index((x) => x.toString('latin1'))).get(v.toString('latin1')) ?? -1;
}

function writeAvas(w: Writer, avas: readonly Ava[], name: (n: string) => number): void {
  w.varint(avas.length);
  for (const [a, v] of avas) {
    w.varint(name(a));
    w.bytes(v);
  }
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer, readonly what: string) {}

  fail(why: string): never {
    throw new MeshdirError('MESHDIR_STATE_FORMAT', `stored state ${this.what}: ${why} at octet ${this.pos} of ${this.buf.length}`);
  }

  u8(): number {
    if (this.pos >= this.buf.length) this.fail('truncated');
    return this.buf[this.pos++]!;
  }

  /** Up to 28 bits: plenty for lengths, counts and indexes, and stays a small integer for V8. */
  varint(): number {
    let n = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.u8();
      n |= (b & 0x7f) << shift;
      if (b < 0x80) return n;
    }
    return this.fail('varint too long');
  }

  bytes(): Buffer {
    const n = this.varint();
    if (this.pos + n > this.buf.length) this.fail('truncated');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  str(): string {
    const n = this.varint();
    if (this.pos + n > this.buf.length) this.fail('truncated');
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  num(): number {
    if (this.pos + 8 > this.buf.length) this.fail('truncated');
    const n = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return n;
  }

  pick<T>(table: readonly T[]): T {
    const i = this.varint();
    if (i >= table.length) this.fail(`table index ${i} out of range (${table.length})`);
    return table[i]!;
  }
}

/**
 * `buf` must be the caller's own copy: values of the result are views of it.
 * `what` names the record in errors (e.g. its key).
 */
export function decodeStored(buf: Buffer, what = ''): Stored {
  const r = new Reader(buf, what);
  const format = r.u8();
  if (format !== FORMAT && format !== FORMAT_EXTRAS && format !== FORMAT_DP) r.fail(`unknown format ${format}`);
  const csns: Csn[] = new Array(r.varint());
  for (let i = 0; i < csns.length; i++) csns[i] = r.str();
  const names: string[] = new Array(r.varint());
  for (let i = 0; i < names.length; i++) {
    const known = r.varint();
    names[i] = known === 0 ? r.str() : (KNOWN[known - 1] ?? r.fail(`unknown well-known name ${known}`));
  }
  const st: EntryState = { uuid: r.str(), csn: r.pick(csns), attrs: {} };
  const flags = r.varint();
  if (flags & STATE_ADD) st.add = r.pick(csns);
  if (flags & STATE_ADD_PARENT) st.addParent = r.str();
  else if (flags & STATE_ADD_PARENT_IS_PARENT && !(flags & STATE_PARENT)) r.fail('addParent refers to a missing parent');
  if (flags & STATE_RDN) st.rdn = readAvas(r, names);
  if (flags & STATE_RDN_CSN) st.rdnCsn = r.pick(csns);
  if (flags & STATE_PARENT) st.parent = r.str();
  if (flags & STATE_PARENT_CSN) st.parentCsn = r.pick(csns);
  if (flags & STATE_DEL) st.del = r.pick(csns);
  if (flags & STATE_ADD_PARENT_IS_PARENT) st.addParent = st.parent;
  for (let n = r.varint(); n > 0; n--) {
    const attr = r.pick(names);
    const af = r.varint();
    const a: AttrState = { vals: [] };
    if (af & ATTR_X) a.x = r.pick(csns);
    if (af & ATTR_XP) a.xp = r.num();
    if (af & ATTR_INC) {
      const inc: [Csn, string][] = (a.inc = new Array(r.varint()));
      for (let i = 0; i < inc.length; i++) inc[i] = [r.pick(csns), r.str()];
    }
    const vals: ValueState[] = (a.vals = new Array(r.varint()));
    for (let i = 0; i < vals.length; i++) {
      const vf = r.u8();
      const c = r.pick(csns);
      let vs: ValueState;
      if (vf & VAL_V) {
        const v = r.bytes();
        const k = vf & VAL_KEY_IS_V ? v.toString('utf8') : vf & VAL_KEY_LOWER ? asciiLower(v) : vf & VAL_KEY_KNOWN ? r.pick(KNOWN) : r.str();
        vs = { k, c, v };
      } else vs = { k: r.str(), c };
      if (vf & VAL_P) vs.p = r.num();
      if (vf & VAL_O) vs.o = r.varint();
      if (vf & VAL_OC) vs.oc = r.pick(csns);
      if (vf & VAL_AC) vs.ac = r.pick(csns);
      vals[i] = vs;
    }
    for (const [f, flag] of EXTRAS) {
      if (!(af & flag)) continue;
      if (format === FORMAT) r.fail(`${f} in a record of format 1`);
      for (let n = r.varint(); n > 0; n--) {
        const vs = vals[r.varint()] ?? r.fail(`${f} of a missing value`);
        const c = r.pick(csns);
        if (f === 'lc') vs.lc = c;
        else (vs.ds ??= []).push(c);
      }
    }
    for (const [f, flag] of NUM_EXTRAS) {
      if (!(af & flag)) continue;
      if (format === FORMAT || (f === 'dp' && format !== FORMAT_DP)) r.fail(`${f} in a record of format ${format}`);
      for (let n = r.varint(); n > 0; n--) {
        const vs = vals[r.varint()] ?? r.fail(`${f} of a missing value`);
        const x = r.num();
        if (f === 'ap') vs.ap = x;
        else (vs.dp ??= []).push(x);
      }
    }
    if (af & ATTR_DP) for (const vs of vals) if (vs.dp !== undefined && vs.dp.length !== (vs.ds?.length ?? 0)) r.fail('dp and ds of a value differ in length');
    st.attrs[attr] = a;
  }
  const kind = KINDS[r.u8()] ?? r.fail('unknown visible kind');
  const vf = r.varint();
  const parent = vf & VIS_PARENT_OF_STATE ? (st.parent ?? r.fail('visible parent refers to a missing parent')) : r.str();
  const rdn = vf & VIS_RDN_OF_STATE ? (st.rdn ?? r.fail('visible RDN refers to a missing RDN')) : readAvas(r, names);
  const vis = { kind, parent, rdn, rooted: (vf & VIS_ROOTED) !== 0 } as Visible;
  if (vf & VIS_NAMING) vis.naming = r.str();
  if (vf & VIS_UNIQUE) {
    const u: string[] = (vis.unique = new Array(r.varint()));
    for (let i = 0; i < u.length; i++) u[i] = r.str();
  }
  if (vf & VIS_DISCARDED) vis.discarded = true;
  if (vf & VIS_SCHEMA) vis.schema = r.str();
  if (vf & VIS_BROKEN) vis.broken = true;
  vis.csn = r.pick(csns);
  const attrs: Visible['attrs'] = (vis.attrs = new Array(r.varint()));
  for (let i = 0; i < attrs.length; i++) {
    const attr = r.pick(names);
    const vals = st.attrs[attr]?.vals;
    const values: Buffer[] = new Array(r.varint());
    for (let j = 0; j < values.length; j++) {
      const ref = r.varint();
      values[j] = ref === 0 ? r.bytes() : (vals?.[ref - 1]?.v ?? r.fail(`value reference ${ref} of ${attr} is not a present value`));
    }
    attrs[i] = [attr, values];
  }
  if (r.pos !== buf.length) r.fail('trailing octets');
  return { state: st, vis };
}

function readAvas(r: Reader, names: string[]): Ava[] {
  const out: Ava[] = new Array(r.varint());
  for (let i = 0; i < out.length; i++) out[i] = [r.pick(names), r.bytes()];
  return out;
}
