// Attribute indexes (server file `indexes:`): eq, pres and sub, as keys of
// one dupsort database `attr\0kind\0key` → entry id. An index on a type
// covers all its descriptions with options (`cn` covers `cn;lang-en`).
// Substring indexes hold trigrams of the substring rule's normal form,
// anchored with ^ and $ so initial and final pieces narrow well.
import type { Filter } from '../dit/filter-types.js';
import type { Schema } from '../schema/schema.js';
import { CLASS_TYPES } from '../schema/schema.js';
import type { AttributeType, MatchingRule, ObjectClass } from '../schema/types.js';

export type IndexKind = 'eq' | 'pres' | 'sub';

export interface IndexPlan {
  /** canonical type name → kinds */
  byType: Map<string, Set<IndexKind>>;
}

export function makeIndexPlan(schema: Schema, config: Record<string, string[]>): IndexPlan {
  const byType = new Map<string, Set<IndexKind>>();
  for (const [name, kinds] of Object.entries(config)) {
    const at = schema.attributeType(name);
    if (at === undefined) throw new Error(`indexes: ${name}: attribute type undefined`);
    const set = byType.get(at.name) ?? new Set();
    for (const k of kinds) set.add(k as IndexKind);
    byType.set(at.name, set);
  }
  return { byType };
}

function text(rule: MatchingRule, v: Buffer): string {
  return rule.text ? v.toString('utf8') : v.toString('latin1');
}

function grams(s: string, out: Set<string>): void {
  for (let i = 0; i + 3 <= s.length; i++) out.add(s.slice(i, i + 3));
}

function typeOf(schema: Schema, desc: string): AttributeType | undefined {
  return schema.canonicalDescription(desc)?.type;
}

/** Every index key of an entry's attributes. */
export function indexKeys(schema: Schema, plan: IndexPlan, attrs: readonly [string, Buffer[]][]): Set<string> {
  const keys = new Set<string>();
  for (const [desc, values] of attrs) {
    const at = typeOf(schema, desc);
    if (at === undefined) continue;
    const kinds = plan.byType.get(at.name);
    if (kinds !== undefined) addKeys(schema, at, kinds, values, keys);
  }
  return keys;
}

/**
 * The index keys to remove and to add when an entry's attributes go from
 * `before` to `after`. Only indexed types whose descriptions or values
 * changed are normalized again (a modify of one attribute leaves the keys of
 * the others alone).
 */
export function indexKeyChanges(schema: Schema, plan: IndexPlan, before: readonly [string, Buffer[]][], after: readonly [string, Buffer[]][]): { del: string[]; add: string[] } {
  const b = byIndexedType(schema, plan, before);
  const a = byIndexedType(schema, plan, after);
  const old = new Set<string>();
  const now = new Set<string>();
  const keysOf = (at: AttributeType, list: [string, Buffer[]][], out: Set<string>): void => {
    for (const [, values] of list) addKeys(schema, at, plan.byType.get(at.name)!, values, out);
  };
  for (const [at, list] of b) {
    const after = a.get(at);
    if (sameLists(list, after)) continue;
    if (after !== undefined && valueWise(plan, at, list, after)) {
      // Only the values that came or went are normalized (a member added to a 100,000-member group).
      const { gone, came } = valueChanges(list[0]![1], after[0]![1]);
      const g = new Set<string>();
      const c = new Set<string>();
      keysOf(at, [[list[0]![0], gone]], g);
      keysOf(at, [[list[0]![0], came]], c);
      for (const k of g) if (!c.has(k)) old.add(k);
      for (const k of c) if (!g.has(k)) now.add(k);
    } else keysOf(at, list, old);
  }
  for (const [at, list] of a) {
    const before = b.get(at);
    if (!sameLists(list, before) && !(before !== undefined && valueWise(plan, at, before, list))) keysOf(at, list, now);
  }
  return { del: [...old].filter((k) => !now.has(k)), add: [...now].filter((k) => !old.has(k)) };
}

/**
 * One description before and after, indexed only for presence and equality:
 * its keys change exactly with the values that come and go, as an
 * attribute never holds two values equal by its equality rule. Substring
 * keys are shared between values, and class values bring their
 * superclasses' keys: those are worked out from all the values.
 */
function valueWise(plan: IndexPlan, at: AttributeType, before: [string, Buffer[]][], after: [string, Buffer[]][]): boolean {
  return before.length === 1 && after.length === 1 && before[0]![0] === after[0]![0] && !plan.byType.get(at.name)!.has('sub') && !CLASS_TYPES.has(at.name);
}

/** The values (by octets) only `before` holds, and those only `after` holds. */
function valueChanges(before: Buffer[], after: Buffer[]): { gone: Buffer[]; came: Buffer[] } {
  const b = before.map((v) => v.toString('latin1'));
  const a = after.map((v) => v.toString('latin1'));
  const inB = new Set(b);
  const inA = new Set(a);
  return { gone: before.filter((_, i) => !inA.has(b[i]!)), came: after.filter((_, i) => !inB.has(a[i]!)) };
}

function byIndexedType(schema: Schema, plan: IndexPlan, attrs: readonly [string, Buffer[]][]): Map<AttributeType, [string, Buffer[]][]> {
  const m = new Map<AttributeType, [string, Buffer[]][]>();
  for (const [desc, values] of attrs) {
    const at = typeOf(schema, desc);
    if (at === undefined || !plan.byType.has(at.name)) continue;
    const list = m.get(at);
    if (list) list.push([desc, values]);
    else m.set(at, [[desc, values]]);
  }
  return m;
}

function sameLists(x: [string, Buffer[]][], y: [string, Buffer[]][] | undefined): boolean {
  if (y === undefined || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const [dx, vx] = x[i]!;
    const [dy, vy] = y[i]!;
    if (dx !== dy || vx.length !== vy.length) return false;
    for (let j = 0; j < vx.length; j++) if (vx[j] !== vy[j] && !vx[j]!.equals(vy[j]!)) return false;
  }
  return true;
}

function addKeys(schema: Schema, at: AttributeType, kinds: Set<IndexKind>, values: Buffer[], keys: Set<string>): void {
  const p = `${at.name}\0`;
  if (kinds.has('pres')) keys.add(`${p}p\0`);
  if (kinds.has('eq')) {
    // objectClass values are indexed with their superclasses: equality
    // on a class matches its subclasses (see schema/filter.ts).
    const vals = CLASS_TYPES.has(at.name) ? withSuperclasses(schema, values) : values;
    for (const v of vals) {
      try {
        keys.add(`${p}e\0${at.eqKey(v)}`);
      } catch {
        // A value the rule cannot normalize is not indexable; filters see it as Undefined.
      }
    }
  }
  const sub = at.substr;
  if (kinds.has('sub') && sub !== undefined) {
    const g = new Set<string>();
    for (const v of values) {
      const n = sub.norm(text(sub, v));
      if (n !== undefined) grams(`^${n}$`, g);
    }
    for (const x of g) keys.add(`${p}s\0${x}`);
  }
}

/**
 * What an index can say about a filter: `keys` whose id sets must all be
 * intersected (`all`) or united (`any`), and whether the ids are exactly the
 * matching entries (`exact`) or only candidates to check.
 */
export type Lookup =
  | { kind: 'keys'; keys: string[]; mode: 'all' | 'any'; exact: boolean }
  /** `complete`: every part of the AND had an index, so exact parts make an exact result. */
  | { kind: 'and'; parts: Lookup[]; complete: boolean }
  | { kind: 'or'; parts: Lookup[] }
  | { kind: 'none' }; // nothing matches (e.g. an assertion no value can equal)

/** The index lookup for a filter, or undefined when it needs a scan. */
export function planFilter(schema: Schema, plan: IndexPlan, f: Filter): Lookup | undefined {
  switch (f.type) {
    case 'and': {
      const parts = f.filters.map((x) => planFilter(schema, plan, x)).filter((x): x is Lookup => x !== undefined);
      if (parts.length === 0) return undefined;
      return { kind: 'and', parts, complete: parts.length === f.filters.length };
    }
    case 'or': {
      const parts: Lookup[] = [];
      for (const x of f.filters) {
        const p = planFilter(schema, plan, x);
        if (p === undefined) return undefined;
        parts.push(p);
      }
      return { kind: 'or', parts };
    }
    case 'equality': {
      const types = indexedSubtypes(schema, plan, f.attr, 'eq');
      if (types === undefined) return undefined;
      const keys: string[] = [];
      let exact = !f.attr.includes(';');
      for (const at of types) {
        const rule = at.equality;
        if (rule === undefined) continue;
        const k = rule.norm(text(rule, f.value));
        if (k === undefined) continue;
        keys.push(`${at.name}\0e\0${k}`);
        if (rule.valueNorm !== undefined) exact = false;
      }
      return keys.length === 0 ? { kind: 'none' } : { kind: 'keys', keys, mode: 'any', exact };
    }
    case 'present': {
      const types = indexedSubtypes(schema, plan, f.attr, 'pres');
      if (types === undefined) return undefined;
      return { kind: 'keys', keys: types.map((at) => `${at.name}\0p\0`), mode: 'any', exact: !f.attr.includes(';') };
    }
    case 'substrings': {
      const at = schema.canonicalDescription(f.attr)?.type;
      if (at === undefined || at.subtypes.length !== 1 || !plan.byType.get(at.name)?.has('sub')) return undefined;
      const rule = at.substr;
      if (rule?.piece === undefined) return undefined;
      const g = new Set<string>();
      const piece = (v: Buffer, pos: 'initial' | 'any' | 'final', pre: string, post: string): boolean => {
        const p = rule.piece!(text(rule, v), pos);
        if (p === undefined) return false;
        grams(pre + p + post, g);
        return true;
      };
      if (f.initial && !piece(f.initial, 'initial', '^', '')) return { kind: 'none' };
      for (const a of f.any) if (!piece(a, 'any', '', '')) return { kind: 'none' };
      if (f.final && !piece(f.final, 'final', '', '$')) return { kind: 'none' };
      if (g.size === 0) return undefined;
      return { kind: 'keys', keys: [...g].map((x) => `${at.name}\0s\0${x}`), mode: 'all', exact: false };
    }
    default:
      return undefined;
  }
}

/** The type named and all its subtypes, if every one has the index kind. */
function indexedSubtypes(schema: Schema, plan: IndexPlan, attr: string, kind: IndexKind): AttributeType[] | undefined {
  const at = schema.canonicalDescription(attr)?.type;
  if (at === undefined) return undefined;
  for (const t of at.subtypes) if (!plan.byType.get(t.name)?.has(kind)) return undefined;
  return at.subtypes;
}

function withSuperclasses(schema: Schema, values: Buffer[]): Buffer[] {
  const out = new Map<string, Buffer>();
  for (const v of values) {
    const name = v.toString('utf8');
    out.set(name.toLowerCase(), v);
    const oc = schema.objectClass(name);
    if (oc) for (const c of oc.chain) out.set(c.name.toLowerCase(), nameOctets(c));
  }
  return [...out.values()];
}

/** Class names as octets, made once per class (every add and objectClass change indexes the whole chain). */
const classNames = new WeakMap<ObjectClass, Buffer>();

function nameOctets(c: ObjectClass): Buffer {
  let b = classNames.get(c);
  if (b === undefined) classNames.set(c, (b = Buffer.from(c.name)));
  return b;
}
