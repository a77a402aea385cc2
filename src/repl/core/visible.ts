// The visible entry: what readers see of an entry, derived from the states.
// The store keeps it next to the state and indexes it: `parent` + `rdn` give
// the DN (the suffix entry has parent ''), `attrs` the user attributes.
import type { Csn } from './csn.js';
import { type Ava, type AttrRules, CONFLICT_RDN_ATTR, GLUE_CLASS, OBJECT_CLASS } from './policy.js';
import { type EntryState, sameAvas, type ValueState } from './state.js';
import { attrPlace, cmpPlace, firstShown, shownValues, valuesOf } from './values.js';

export interface Visible {
  /** live: a normal entry; glue: a deleted entry kept because it has present children; hidden: not in the DIT. */
  kind: 'live' | 'glue' | 'hidden';
  /** Resolved parent entryUUID ('' = this is the suffix entry). */
  parent: string;
  /** Visible RDN: the wanted one, or `entryUUID=<uuid>+<rdn>` for a conflict entry. */
  rdn: Ava[];
  /** The parent chain reaches the suffix entry (false for orphans and cycles). */
  rooted: boolean;
  /** Lost its DN (add/add, modrdn clash) to this entry. */
  naming?: string;
  /** Unique attributes whose value it lost under policy rename. */
  unique?: string[];
  /** Not deleted, but lost a value of a unique attribute under policy discard: glue or hidden. */
  discarded?: true;
  /** Schema violation of the merged entry. */
  schema?: string;
  /** Its latest move made a cycle with concurrent moves; it sits under its add-time parent. */
  broken?: true;
  /**
   * User attributes in the order they were written, as slapd keeps them:
   * values in (CSN, place) order, attributes by their first value (an added
   * attribute goes last, a replaced one moves last), the RDN's values that
   * only the RDN holds after the rest.
   */
  attrs: [attr: string, values: Buffer[]][];
  /** entryCSN. */
  csn: Csn;
}

/** Conflict entries are hidden from ordinary searches (returned when the filter names meshdirConflict). */
export function isConflictEntry(vis: Visible): boolean {
  return vis.kind !== 'hidden' && (vis.naming !== undefined || vis.unique !== undefined);
}

/**
 * Values of meshdirConflict for a conflict or schema-violating entry.
 * `originalDn` is the DN it wanted: its wanted RDN under its parent's DN.
 */
export function meshdirConflictValues(vis: Visible, originalDn: string): string[] {
  const out: string[] = [];
  if (vis.naming !== undefined) out.push(`naming ${originalDn}`);
  if (vis.unique) out.push(`unique ${vis.unique.join(',')} ${originalDn}`);
  if (vis.schema !== undefined) out.push(`schema ${vis.schema}`);
  return out;
}

export function conflictRdn(uuid: string, rdn: readonly Ava[]): Ava[] {
  return [[CONFLICT_RDN_ATTR, Buffer.from(uuid, 'latin1')], ...rdn];
}

/** Normalized identity of an RDN: two RDNs name the same DN under one parent iff keys are equal. */
export function rdnKey(rdn: readonly Ava[], rules: AttrRules): string {
  const parts = rdn.map(([a, v]) => `${a.toLowerCase()}=${rules.keyOf(a, v)}`).sort();
  return JSON.stringify(parts);
}

function withRdnValues(attrs: Map<string, Buffer[]>, rdn: readonly Ava[], rules: AttrRules, only?: ReadonlySet<string>): void {
  // LDAP requires the RDN's values in the entry; only concurrent changes can
  // remove them (the server refuses it locally), so they are shown anyway.
  for (const [a, v] of rdn) {
    if (only && !only.has(a)) continue;
    const vals = attrs.get(a) ?? [];
    const k = rules.keyOf(a, v);
    if (vals.some((x) => rules.keyOf(a, x) === k)) continue;
    attrs.set(a, rules.info(a).singleValued ? [v] : [...vals, v]);
  }
}

/** An attribute with its shown values and its place in the entry (attrPlace). */
type Placed = [attr: string, values: Buffer[], place: ValueState];

function cmpPlaced(x: Placed, y: Placed): number {
  return cmpPlace(x[2], y[2]) || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0);
}

function placed(s: EntryState, attr: string, rules: AttrRules): Placed | undefined {
  const a = s.attrs[attr];
  const info = rules.info(attr);
  const shown = shownValues(a, info);
  return shown.length ? [attr, valuesOf(shown, a!.inc), attrPlace(a, info)!] : undefined;
}

/** Attributes of a live entry in written order (also the input of the schema check). */
export function liveAttrMap(s: EntryState, rules: AttrRules): Map<string, Buffer[]> {
  const all: Placed[] = [];
  for (const attr of Object.keys(s.attrs)) {
    const p = placed(s, attr, rules);
    if (p) all.push(p);
  }
  all.sort(cmpPlaced);
  const m = new Map<string, Buffer[]>();
  for (const [attr, values] of all) m.set(attr, values);
  if (s.rdn) withRdnValues(m, s.rdn, rules);
  return m;
}

/**
 * liveAttrMap for a state whose other attributes are as in `prev` (the
 * stored visible attributes, in order): only the touched attributes are
 * derived again and moved to their place.
 */
export function updatedAttrMap(prev: Visible['attrs'], s: EntryState, touched: Iterable<string>, rules: AttrRules): Map<string, Buffer[]> {
  const redo = new Set(touched);
  const rdnAttrs = new Set(s.rdn?.map(([a]) => a));
  const fresh: Placed[] = [];
  for (const attr of redo) {
    const p = placed(s, attr, rules);
    if (p) fresh.push(p);
  }
  fresh.sort(cmpPlaced);
  // Untouched attributes keep their values and order; their places are
  // looked up only when needed (a touched attribute usually goes last).
  const out: [attr: string, values: Buffer[], first?: ValueState][] = [];
  for (const [attr, values] of prev) {
    if (redo.has(attr)) continue;
    // Shown only for the RDN: such attributes come last, redone below.
    if (rdnAttrs.has(attr) && !firstShown(s.attrs[attr], rules.info(attr))) redo.add(attr);
    else out.push([attr, values]);
  }
  const placedAt = (i: number): Placed => {
    const p = out[i]!;
    p[2] ??= attrPlace(s.attrs[p[0]], rules.info(p[0]));
    return p as Placed;
  };
  for (const p of fresh) {
    let i = out.length;
    while (i > 0 && cmpPlaced(placedAt(i - 1), p) > 0) i--;
    out.splice(i, 0, p);
  }
  const m = new Map<string, Buffer[]>();
  for (const [attr, values] of out) m.set(attr, values);
  if (s.rdn) withRdnValues(m, s.rdn, rules, redo);
  return m;
}

export function glueAttrMap(s: EntryState, rules: AttrRules): Map<string, Buffer[]> {
  const m = new Map<string, Buffer[]>([[OBJECT_CLASS, [Buffer.from(GLUE_CLASS)]]]);
  if (s.rdn) withRdnValues(m, s.rdn, rules);
  return m;
}

export function sameAttrs(a: Visible['attrs'], b: Visible['attrs']): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const [an, av] = a[i]!;
    const [bn, bv] = b[i]!;
    if (an !== bn || av.length !== bv.length) return false;
    if (av === bv) continue;
    for (let j = 0; j < av.length; j++) if (av[j] !== bv[j] && !av[j]!.equals(bv[j]!)) return false;
  }
  return true;
}

/** Same naming (DN position and presence), ignoring attributes. */
export function sameNaming(a: Visible | undefined, b: Visible | undefined): boolean {
  if (!a || !b) return a === b;
  return a.kind === b.kind && a.parent === b.parent && a.rooted === b.rooted && sameAvas(a.rdn, b.rdn);
}

export function sameVisible(a: Visible | undefined, b: Visible | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    sameNaming(a, b) && a.csn === b.csn && a.naming === b.naming && a.schema === b.schema && a.broken === b.broken && a.discarded === b.discarded &&
    (a.unique ?? []).join() === (b.unique ?? []).join() && sameAttrs(a.attrs, b.attrs)
  );
}
