// Filter evaluation (RFC 4511 §4.5.1.7) with three-valued logic: true,
// false, or undefined (Undefined). A filter is compiled once into closures
// with attribute types, subtypes, matching rules and normalized assertion
// values resolved, so the per-entry cost is map lookups and key compares.
import { parseDN } from '../dit/dn.js';
import type { Entry, Value } from '../dit/entry.js';
import type { Filter } from '../dit/filter-types.js';
import { LdapError, RC } from '../errors.js';
import { approxCodes, approxMatch } from './approx.js';
import { ruleApplies, valueKeyer } from './rules.js';
import { CLASS_TYPES, hasOptions, type Schema } from './schema.js';
import type { AttributeType, MatchingRule } from './types.js';

export type Tri = boolean | undefined;
export type CompiledFilter = (entry: Entry) => Tri;
type Node = (e: Entry) => Tri;

const UNDEFINED: Node = () => undefined;
const TRUE: Node = () => true;

/** Rules whose approximate form is phonetic (directory and IA5 strings); others approximate by equality. */
const PHONETIC = new Set(['2.5.13.2', '2.5.13.5', '1.3.6.1.4.1.1466.109.114.1', '1.3.6.1.4.1.1466.109.114.2']);

// Keys with options (`cn;lang-en`) of the entry being evaluated, found once per evaluation.
let optEntry: Entry | undefined;
let optKeys: string[] = [];
function optionKeys(e: Entry): string[] {
  if (optEntry !== e) {
    optEntry = e;
    optKeys = [];
    for (const k of e.attrs.keys()) if (k.indexOf(';') >= 0) optKeys.push(k);
  }
  return optKeys;
}

/** Which entry attributes a filter attribute description covers: its subtypes, with at least its options. */
interface Selector {
  type: AttributeType;
  names: string[];
  types: Set<AttributeType>;
  options: readonly string[];
}

function selector(schema: Schema, attr: string): Selector | undefined {
  const d = schema.canonicalDescription(attr);
  if (d === undefined) return undefined;
  const subs = d.type.subtypes;
  return { type: d.type, names: subs.map((t) => t.name), types: new Set(subs), options: d.options };
}

/** Any of `fn` over the selected values: true if one is true, else undefined if one is, else false. */
function anyValue(schema: Schema, e: Entry, sel: Selector, fn: (v: Value) => Tri): Tri {
  let r: Tri = false;
  if (sel.options.length === 0) {
    for (const n of sel.names) {
      const vs = e.attrs.get(n);
      if (vs === undefined) continue;
      for (const v of vs) {
        const x = fn(v);
        if (x === true) return true;
        if (x === undefined) r = undefined;
      }
    }
  }
  for (const k of optionKeys(e)) {
    const d = schema.canonicalDescription(k);
    if (d === undefined || !sel.types.has(d.type) || !hasOptions(sel.options, d.options)) continue;
    for (const v of e.attrs.get(k)!) {
      const x = fn(v);
      if (x === true) return true;
      if (x === undefined) r = undefined;
    }
  }
  return r;
}

const decode = (rule: MatchingRule, v: Value): string => (rule.text ? v.toString('utf8') : v.toString('latin1'));

/** A filter item (not and/or/not). */
export type FilterItem = Exclude<Filter, { type: 'and' | 'or' | 'not' }>;

/**
 * Compiles a filter against a schema into a function of an entry. `leaf`
 * may compile an item itself (undefined: the schema's way), for entries
 * whose attributes are not schema types (cn=monitor's).
 */
export function compileFilter(filter: Filter, schema: Schema, leaf?: (f: FilterItem) => CompiledFilter | undefined): CompiledFilter {
  const root = compile(filter, schema, leaf);
  return (e) => {
    optEntry = undefined;
    return root(e);
  };
}

/**
 * The Compare operation (RFC 4511 §4.10) on one entry, through the type's
 * equality rule and subtypes. Errors as slapd returns them: unknown type,
 * no equality rule (inappropriateMatching), assertion not valid for the rule.
 */
export function compareAssertion(schema: Schema, entry: Entry, attr: string, value: Value): boolean {
  const sel = selector(schema, attr) ?? fail(RC.undefinedAttributeType, `${attr}: attribute type undefined`);
  const rule = sel.type.equality ?? fail(RC.inappropriateMatching, 'inappropriate matching request');
  if (!schema.validAssertion(sel.type, rule, value)) fail(RC.invalidAttributeSyntax, 'value does not conform to assertion syntax');
  const a = rule.norm(decode(rule, value)) ?? fail(RC.invalidAttributeSyntax, 'value does not conform to assertion syntax');
  const key = valueKeyer(rule);
  optEntry = undefined;
  return anyValue(schema, entry, sel, subclassTest(schema, sel, value) ?? ((v) => key(v) === a)) === true;
}

function fail(code: number, message: string): never {
  throw new LdapError(code, message);
}

/**
 * The attribute types (by name) whose values a filter can read; undefined
 * when it can read any (an extensible match without a type). An entry with
 * only these attributes gets the same verdict as the whole entry.
 */
export function filterTypes(f: Filter, schema: Schema, out = new Set<string>()): Set<string> | undefined {
  if (f.type === 'and' || f.type === 'or') {
    for (const x of f.filters) if (filterTypes(x, schema, out) === undefined) return undefined;
    return out;
  }
  if (f.type === 'not') return filterTypes(f.filter, schema, out);
  if (f.attr === undefined) return undefined;
  for (const t of schema.canonicalDescription(f.attr)?.type.subtypes ?? []) out.add(t.name);
  return out;
}

const cache = new WeakMap<Filter, { schema: Schema; fn: CompiledFilter }>();

/** Evaluates a filter on one entry (compiling it once per filter object). */
export function evaluate(filter: Filter, entry: Entry, schema: Schema): Tri {
  let c = cache.get(filter);
  if (c === undefined || c.schema !== schema) {
    c = { schema, fn: compileFilter(filter, schema) };
    cache.set(filter, c);
  }
  return c.fn(entry);
}

function compile(f: Filter, schema: Schema, leaf?: (f: FilterItem) => Node | undefined): Node {
  if (leaf !== undefined && f.type !== 'and' && f.type !== 'or' && f.type !== 'not') {
    const own = leaf(f);
    if (own !== undefined) return own;
  }
  switch (f.type) {
    case 'and': {
      const parts = f.filters.map((x) => compile(x, schema, leaf));
      return (e) => {
        let r: Tri = true;
        for (const p of parts) {
          const x = p(e);
          if (x === false) return false;
          if (x === undefined) r = undefined;
        }
        return r;
      };
    }
    case 'or': {
      const parts = f.filters.map((x) => compile(x, schema, leaf));
      return (e) => {
        let r: Tri = false;
        for (const p of parts) {
          const x = p(e);
          if (x === true) return true;
          if (x === undefined) r = undefined;
        }
        return r;
      };
    }
    case 'not': {
      const inner = compile(f.filter, schema, leaf);
      return (e) => {
        const x = inner(e);
        return x === undefined ? undefined : !x;
      };
    }
    case 'present': {
      const sel = selector(schema, f.attr);
      if (sel === undefined) return UNDEFINED;
      if (sel.type.oid === '2.5.4.0' && sel.options.length === 0) return TRUE;
      return (e) => anyValue(schema, e, sel, () => true);
    }
    case 'equality':
      return compileEquality(schema, f.attr, f.value, false);
    case 'approx':
      return compileEquality(schema, f.attr, f.value, true);
    case 'ge':
    case 'le': {
      const sel = selector(schema, f.attr);
      const rule = sel?.type.ordering;
      if (sel === undefined || rule === undefined || !schema.validAssertion(sel.type, rule, f.value)) return UNDEFINED;
      const a = rule.norm(decode(rule, f.value));
      if (a === undefined) return UNDEFINED;
      const cmp = rule.compare!;
      const key = valueKeyer(rule);
      const want = f.type === 'ge' ? 1 : -1;
      return (e) => anyValue(schema, e, sel, (v) => {
        const k = key(v);
        if (k === undefined) return undefined;
        const c = cmp(k, a);
        return c === 0 || Math.sign(c) === want;
      });
    }
    case 'substrings':
      return compileSubstrings(schema, f);
    case 'extensible':
      return compileExtensible(schema, f);
  }
}

function compileEquality(schema: Schema, attr: string, value: Value, approx: boolean): Node {
  const sel = selector(schema, attr);
  const rule = sel?.type.equality;
  if (sel === undefined || rule === undefined || !schema.validAssertion(sel.type, rule, value)) return UNDEFINED;
  const a = rule.norm(decode(rule, value));
  if (a === undefined) return UNDEFINED;
  const key = valueKeyer(rule);
  if (approx && PHONETIC.has(rule.oid)) {
    const codes = approxCodes(a);
    return (e) => anyValue(schema, e, sel, (v) => {
      const k = key(v);
      return k === undefined ? undefined : approxMatch(approxCodes(k), codes);
    });
  }
  // Also for ~=: objectClass has no approximate rule, and slapd matches it as equality.
  const sub = subclassTest(schema, sel, value);
  if (sub) return (e) => anyValue(schema, e, sel, sub);
  return (e) => anyValue(schema, e, sel, (v) => {
    const k = key(v);
    return k === undefined ? undefined : k === a;
  });
}

/**
 * slapd: `(objectClass=person)` also matches entries that list only a
 * subclass of person (inetOrgPerson), and so does compare; the same holds
 * for structuralObjectClass.
 */
function subclassTest(schema: Schema, sel: Selector, value: Value): ((v: Value) => Tri) | undefined {
  if (!CLASS_TYPES.has(sel.type.name)) return undefined;
  const want = schema.objectClass(value.toString('utf8'));
  if (want === undefined) return undefined;
  return (v) => schema.objectClass(v.toString('utf8'))?.chain.has(want) ?? false;
}

function compileSubstrings(schema: Schema, f: Extract<Filter, { type: 'substrings' }>): Node {
  const sel = selector(schema, f.attr);
  const rule = sel?.type.substr;
  if (sel === undefined || rule === undefined || rule.piece === undefined) return UNDEFINED;
  const piece = (v: Value | undefined, pos: 'initial' | 'any' | 'final'): string | undefined =>
    v === undefined ? '' : rule.piece!(decode(rule, v), pos);
  const initial = piece(f.initial, 'initial');
  const final = piece(f.final, 'final');
  const any = f.any.map((v) => piece(v, 'any'));
  if (initial === undefined || final === undefined || any.some((p) => p === undefined)) return UNDEFINED;
  const middle = (any as string[]).filter((p) => p !== '');
  return (e) => anyValue(schema, e, sel, (v) => {
    const s = rule.norm(decode(rule, v));
    return s === undefined ? undefined : matchesSubstrings(s, initial, middle, final);
  });
}

/** Does `s` begin with `initial`, hold the `any` pieces in order after it, and end with `final`, none overlapping? */
export function matchesSubstrings(s: string, initial: string, any: readonly string[], final: string): boolean {
  if (s.length < initial.length + final.length || !s.startsWith(initial)) return false;
  let at = initial.length;
  const end = s.length - final.length;
  for (const p of any) {
    const i = s.indexOf(p, at);
    if (i < 0 || i + p.length > end) return false;
    at = i + p.length;
  }
  return s.endsWith(final);
}

/** Matches one value under an extensible-match rule: equality, ordering (value < assertion) or a match function. */
function ruleMatcher(rule: MatchingRule, assertion: Value): ((v: Value) => Tri) | undefined {
  if (rule.kind === 'substr') return undefined;
  const a = rule.norm(decode(rule, assertion));
  if (a === undefined) return undefined;
  const key = valueKeyer(rule);
  return (v) => {
    const k = key(v);
    if (k === undefined) return undefined;
    if (rule.match !== undefined) return rule.match(k, a);
    return rule.kind === 'ordering' ? rule.compare!(k, a) < 0 : k === a;
  };
}

function compileExtensible(schema: Schema, f: Extract<Filter, { type: 'extensible' }>): Node {
  const sel = f.attr === undefined ? undefined : selector(schema, f.attr);
  if (f.attr !== undefined && sel === undefined) return UNDEFINED;
  const rule = f.rule === undefined ? sel?.type.equality : schema.matchingRule(f.rule);
  if (rule === undefined || (sel !== undefined && !ruleApplies(rule, sel.type))) return UNDEFINED;
  const m = ruleMatcher(rule, f.value);
  if (m === undefined) return UNDEFINED;
  // slapd: without a rule, `(objectClass:=top)` is the equality filter, subclasses and all.
  const inEntry: Node = sel !== undefined && f.rule === undefined && CLASS_TYPES.has(sel.type.name)
    ? compileEquality(schema, f.attr!, f.value, false)
    : sel !== undefined
    ? (e) => anyValue(schema, e, sel, m)
    : (e) => {
      let r: Tri = false;
      for (const [k, vs] of e.attrs) {
        // entryDN is not among slapd's stored attributes: it is computed when asked for.
        if (k === 'entryDN') continue;
        const d = schema.canonicalDescription(k);
        if (d === undefined || !ruleApplies(rule, d.type)) continue;
        for (const v of vs) {
          const x = m(v);
          if (x === true) return true;
          if (x === undefined) r = undefined;
        }
      }
      return r;
    };
  if (!f.dnAttributes) return inEntry;
  const wanted = (type: string): boolean => {
    const at = schema.attributeType(type);
    return at !== undefined && (sel !== undefined ? sel.types.has(at) && sel.options.length === 0 : ruleApplies(rule, at));
  };
  return (e) => {
    let r = inEntry(e);
    if (r === true) return true;
    for (const rdn of parseDN(e.dn)) {
      for (const ava of rdn) {
        if (ava.raw || !wanted(ava.type)) continue;
        const x = m(Buffer.from(ava.value, 'utf8'));
        if (x === true) return true;
        if (x === undefined) r = undefined;
      }
    }
    return r;
  };
}
