// One change merged into one entry state. Pure and order-free: every field
// keeps the greater CSN (or a set union), so merging changes in any order
// gives the same state, and merging one twice changes nothing.
import type { Change, Held, Mod } from './change.js';
import { type Csn, withSubseq } from './csn.js';
import { comparesValues, type Ava, type AttrRules } from './policy.js';
import type { AttrState, EntryState } from './state.js';
import { addIncrement, compact, deleteAll, editable, findValue, setValue, type Stamp } from './values.js';

/**
 * For a rename made at the origin: the new RDN values the entry holds
 * already, as they are (octets, place). A rename to `uid=WALTER` of an entry
 * holding `uid: walter` keeps that value where it is, as slapd does —
 * unless the rename deletes the old RDN and that held the same value
 * (`-r uid=walter` → `uid=WALTER`): slapd deletes it, then adds the new
 * spelling last. Undefined when it holds none of them.
 */
export function heldValues(s: EntryState | undefined, rdn: readonly Ava[], rules: AttrRules, deleted: readonly Ava[] = []): (Held | null)[] | undefined {
  const gone = new Set(deleted.map(([a, v]) => `${a}\0${rules.keyOf(a, v)}`));
  const held = rdn.map(([a, v]): Held | null => {
    const k = rules.keyOf(a, v);
    if (gone.has(`${a}\0${k}`)) return null;
    const vs = findValue(s?.attrs[a], k);
    return vs?.v === undefined ? null : [vs.oc ?? vs.c, vs.o ?? 0, vs.v];
  });
  return held.some((h) => h !== null) ? held : undefined;
}

/** A value a change adds to an attribute (for conflict logging). */
export interface Incoming {
  k: string;
  c: Csn;
  p?: number;
  v: Buffer;
}

export interface Merged {
  state: EntryState;
  /** A modify or modrdn that met a tombstone: the delete won. */
  lateOnTombstone: boolean;
  /** A delete that arrived after changes with greater CSNs, which it discards. */
  deleteDiscardsNewer: boolean;
  /** Attributes changed: state before and values added. */
  touched: Map<string, { before: AttrState | undefined; incoming: Incoming[] }>;
}

function copy(s: EntryState): EntryState {
  return { ...s, attrs: { ...s.attrs } };
}

class AttrEdits {
  readonly #s: EntryState;
  readonly #rules: AttrRules;
  readonly #pri: number;
  readonly #work = new Map<string, AttrState>();
  readonly touched: Merged['touched'] = new Map();

  constructor(s: EntryState, rules: AttrRules, pri: number) {
    this.#s = s;
    this.#rules = rules;
    this.#pri = pri;
  }

  #attr(attr: string): AttrState {
    let w = this.#work.get(attr);
    if (!w) {
      w = editable(this.#s.attrs[attr]);
      this.#work.set(attr, w);
      this.touched.set(attr, { before: this.#s.attrs[attr], incoming: [] });
    }
    return w;
  }

  #stamp(attr: string, c: Csn): Stamp {
    return this.#rules.info(attr).policy === 'priority' ? { c, p: this.#pri } : { c };
  }

  /** Values added at `c`; value i sits at place `o + i` of its change (or of the change `oc`). */
  add(attr: string, values: readonly Buffer[], c: Csn, o = 0, oc?: Csn): void {
    const w = this.#attr(attr);
    const at = this.#stamp(attr, c);
    const incoming = this.touched.get(attr)!.incoming;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const k = this.#rules.keyOf(attr, v);
      setValue(w, k, at, v, o + i, oc);
      incoming.push(at.p === undefined ? { k, c, v } : { k, c, p: at.p, v });
    }
  }

  delete(attr: string, values: readonly Buffer[], c: Csn): void {
    const w = this.#attr(attr);
    const at = this.#stamp(attr, c);
    const info = this.#rules.info(attr);
    // A single value has nothing to keep apart from: deleting it deletes the
    // attribute — except under min / max, where a delete names the values
    // its master had seen and leaves concurrent ones to compete.
    if (values.length === 0 || (info.singleValued && !comparesValues(info))) deleteAll(w, at);
    else for (const v of values) setValue(w, this.#rules.keyOf(attr, v), at);
  }

  replace(attr: string, values: readonly Buffer[], c: Csn): void {
    // min/max compare values, not times: a replace that did not say which
    // values it saw (a master records one as deletes and an add, see
    // seenAsDeletes) must not erase a better value.
    if (!(comparesValues(this.#rules.info(attr)) && values.length)) deleteAll(this.#attr(attr), this.#stamp(attr, c));
    this.add(attr, values, c);
  }

  increment(attr: string, delta: string, c: Csn): void {
    addIncrement(this.#attr(attr), c, delta);
  }

  mod(m: Mod, c: Csn): void {
    if (m.op === 'increment') this.increment(m.attr, m.delta, c);
    else this[m.op](m.attr, m.values, c);
  }

  finish(): void {
    for (const [attr, w] of this.#work) {
      const done = compact(w, this.#rules.info(attr));
      if (done) this.#s.attrs[attr] = done;
      else delete this.#s.attrs[attr];
    }
  }
}

export function mergeChange(old: EntryState | undefined, ch: Change, rules: AttrRules): Merged {
  const s: EntryState = old ? copy(old) : { uuid: ch.uuid, csn: ch.csn, attrs: {} };
  if (ch.csn > s.csn) s.csn = ch.csn;
  const edits = new AttrEdits(s, rules, ch.pri ?? 0);
  const out: Merged = { state: s, lateOnTombstone: false, deleteDiscardsNewer: false, touched: edits.touched };

  const setRdn = (rdn: Ava[], c: Csn): void => {
    if (s.rdnCsn === undefined || c > s.rdnCsn) {
      s.rdn = rdn;
      s.rdnCsn = c;
    }
  };
  const setParent = (parent: string, c: Csn): void => {
    if (s.parentCsn === undefined || c > s.parentCsn) {
      s.parent = parent;
      s.parentCsn = c;
    }
  };

  switch (ch.op) {
    case 'add':
      if (s.add === undefined || ch.csn < s.add) {
        s.add = ch.csn;
        s.addParent = ch.parent;
      }
      setRdn(ch.rdn, ch.csn);
      setParent(ch.parent, ch.csn);
      if (s.del === undefined) {
        // Places run through the request: attribute i, value j at i·n + j,
        // so attributes and values show in the order they were written.
        let n = 1;
        for (const [, values] of ch.attrs) if (values.length > n) n = values.length;
        ch.attrs.forEach(([attr, values], i) => edits.add(attr, values, ch.csn, i * n));
      }
      break;
    case 'delete':
      if (old && old.del === undefined && old.csn > ch.csn) out.deleteDiscardsNewer = true;
      if (s.del === undefined || ch.csn > s.del) s.del = ch.csn;
      s.attrs = {};
      break;
    case 'modify':
      if (s.del !== undefined) out.lateOnTombstone = true;
      else ch.mods.forEach((m, i) => edits.mod(m, withSubseq(ch.csn, i)));
      break;
    case 'modrdn':
      setRdn(ch.rdn, ch.csn);
      if (ch.parent !== undefined) setParent(ch.parent, ch.csn);
      if (s.del !== undefined) {
        out.lateOnTombstone = true;
        break;
      }
      if (ch.deleteOldRdn) {
        const keep = new Set(ch.rdn.map(([a, v]) => `${a}\0${rules.keyOf(a, v)}`));
        for (const [a, v] of ch.oldRdn) {
          if (!keep.has(`${a}\0${rules.keyOf(a, v)}`)) edits.delete(a, [v], ch.csn);
        }
      }
      // New RDN values the entry lacked go last, in reverse RDN order, as
      // slapd appends them (`cn=A+uid=b` adds uid, then cn).
      ch.rdn.forEach(([a, v], i) => {
        const held = ch.held?.[i];
        if (held) edits.add(a, [held[2]], withSubseq(ch.csn, 1), held[1], held[0]);
        else edits.add(a, [v], withSubseq(ch.csn, 1), ch.rdn.length - 1 - i);
      });
      break;
  }
  edits.finish();
  return out;
}
