// Turns parsed definitions into linked schema elements: expands OID macros,
// rejects duplicates, resolves SUP/MUST/MAY/rule references after every file
// has been read (so files may refer to each other in any order), and computes
// inherited rules, syntaxes, subtype lists and class chains.
import { parseDefinition, schemaError, type Definition, type MacroStatement, type ParsedFile } from './parse.js';
import { UNIMPLEMENTED_RULES } from './rules.js';
import { SLAPD_ONLY_SYNTAXES, SYNTAXES } from './syntaxes.js';
import type { AttributeType, MatchingRule, ObjectClass, ObjectClassKind, Usage } from './types.js';
import { isNumericOid } from './values.js';

export interface Registry {
  attrs: AttributeType[];
  attrByKey: Map<string, AttributeType>;
  classes: ObjectClass[];
  classByKey: Map<string, ObjectClass>;
  /** ldapsyntax definitions from files (OID → definition). */
  syntaxDefs: Map<string, Definition>;
  warnings: string[];
}

const USAGES = new Set<Usage>(['userApplications', 'directoryOperation', 'distributedOperation', 'dSAOperation']);
/** Syntaxes an attribute type may name without an ldapsyntax definition: ours, and the rest slapd knows. */
const KNOWN_SYNTAXES = new Set([...SYNTAXES.map((s) => s.oid), ...SLAPD_ONLY_SYNTAXES]);
/** slapd's oc_add_sups: which kinds of class each kind may name as SUP. */
const SUP_KINDS: Record<ObjectClassKind, readonly ObjectClassKind[]> = {
  ABSTRACT: ['ABSTRACT'],
  AUXILIARY: ['ABSTRACT', 'AUXILIARY'],
  STRUCTURAL: ['ABSTRACT', 'STRUCTURAL'],
};

function where(d: Definition): string {
  return `${d.file}:${d.line}`;
}

/** OID macro table (OpenLDAP `objectidentifier`), global across files like slapd's. */
class Macros {
  private raw = new Map<string, MacroStatement>();
  private done = new Map<string, string>();

  add(m: MacroStatement): void {
    const key = m.name.toLowerCase();
    const prev = this.raw.get(key);
    // Two files defining the same macro identically (dsee + dyngroup) is harmless.
    if (prev !== undefined && prev.value !== m.value) {
      throw schemaError(m.file, m.line, `objectidentifier ${m.name} already defined as ${prev.value} at ${prev.file}:${prev.line}`);
    }
    this.raw.set(key, m);
  }

  /** Expands `name` or `name:suffix`; numeric OIDs pass; other words (descrs) give undefined. */
  expand(s: string, file: string, line: number, seen: string[] = []): string | undefined {
    if (isNumericOid(s)) return s;
    const colon = s.indexOf(':');
    const name = (colon < 0 ? s : s.slice(0, colon)).toLowerCase();
    const m = this.raw.get(name);
    if (m === undefined) {
      if (colon >= 0) throw schemaError(file, line, `unknown OID macro '${s.slice(0, colon)}' in '${s}'`);
      return undefined;
    }
    let base = this.done.get(name);
    if (base === undefined) {
      if (seen.includes(name)) throw schemaError(m.file, m.line, `objectidentifier ${m.name} refers to itself`);
      base = this.expand(m.value, m.file, m.line, [...seen, name]);
      if (base === undefined) throw schemaError(m.file, m.line, `objectidentifier ${m.name}: '${m.value}' is not an OID`);
      this.done.set(name, base);
    }
    return colon < 0 ? base : `${base}.${s.slice(colon + 1)}`;
  }
}

function names(d: Definition): string[] {
  return d.fields.get('NAME') ?? [];
}

function one(d: Definition, key: string): string | undefined {
  const v = d.fields.get(key);
  if (v !== undefined && v.length > 1) throw schemaError(d.file, d.line, `${d.kind} ${d.oid}: ${key} takes one value`);
  return v?.[0];
}

export function buildRegistry(
  files: ParsedFile[],
  rules: Map<string, MatchingRule>,
  eqKeyOf: (at: AttributeType) => AttributeType['eqKey'],
): Registry {
  const macros = new Macros();
  for (const f of files) for (const m of f.macros) macros.add(m);
  const reg: Registry = {
    attrs: [], attrByKey: new Map(), classes: [], classByKey: new Map(), syntaxDefs: new Map(),
    warnings: files.flatMap((f) => f.warnings),
  };
  const oidOf = (d: Definition): string => {
    const oid = macros.expand(d.oid, d.file, d.line);
    if (oid === undefined) throw schemaError(d.file, d.line, `${d.kind} ${d.oid}: OID is neither numeric nor a known macro`);
    return oid;
  };
  const register = <T extends { oid: string; names: string[]; def: Definition }>(
    map: Map<string, T>, list: T[], el: T, what: string,
  ): void => {
    for (const key of [el.oid, ...el.names.map((n) => n.toLowerCase())]) {
      const prev = map.get(key);
      if (prev !== undefined) {
        throw schemaError(el.def.file, el.def.line, `duplicate ${what} '${key === el.oid ? key : el.names.find((n) => n.toLowerCase() === key)}' (already defined at ${where(prev.def)})`);
      }
      map.set(key, el);
    }
    list.push(el);
  };

  const defs = files.flatMap((f) => f.definitions);
  for (const d of defs) {
    if (d.kind === 'attributetype') register(reg.attrByKey, reg.attrs, newAttr(d, oidOf(d)), 'attributeType');
    else if (d.kind === 'objectclass') register(reg.classByKey, reg.classes, newClass(d, oidOf(d)), 'objectClass');
    else if (d.kind === 'ldapsyntax') reg.syntaxDefs.set(oidOf(d), d);
    else reg.warnings.push(`${where(d)}: ditcontentrule ${d.oid} ignored: DIT content rules are not enforced`);
  }

  const findAttr = (ref: string, d: Definition, field: string): AttributeType => {
    const at = reg.attrByKey.get(macros.expand(ref, d.file, d.line) ?? ref.toLowerCase());
    if (at === undefined) throw schemaError(d.file, d.line, `${d.kind} ${d.oid}: ${field} attribute type '${ref}' not found`);
    return at;
  };
  const findRule = (at: AttributeType, key: 'EQUALITY' | 'ORDERING' | 'SUBSTR'): MatchingRule | undefined => {
    const ref = one(at.def, key);
    if (ref === undefined) return undefined;
    const rule = rules.get(macros.expand(ref, at.def.file, at.def.line) ?? ref.toLowerCase());
    if (rule === undefined && !UNIMPLEMENTED_RULES.has(ref.toLowerCase())) {
      reg.warnings.push(`${where(at.def)}: attributeType ${at.name}: unknown matching rule '${ref}'; ${key} matching unavailable`);
    }
    return rule;
  };

  for (const at of reg.attrs) {
    const sup = one(at.def, 'SUP');
    if (sup !== undefined) at.sup = findAttr(sup, at.def, 'SUP');
    const syntax = one(at.def, 'SYNTAX');
    if (syntax !== undefined) {
      const bare = syntax.replace(/\{\d*\}$/, '');
      at.syntax = macros.expand(bare, at.def.file, at.def.line) ?? bare;
      // As slapd: a value of a syntax nobody knows could never be checked.
      if (!KNOWN_SYNTAXES.has(at.syntax) && !reg.syntaxDefs.has(at.syntax)) {
        throw schemaError(at.def.file, at.def.line, `attributeType ${at.name}: syntax '${syntax}' not found`);
      }
    } else if (at.sup === undefined) {
      throw schemaError(at.def.file, at.def.line, `attributeType ${at.name}: needs SYNTAX or SUP`);
    }
  }
  for (const at of reg.attrs) {
    const seen = new Set<AttributeType>();
    for (let p: AttributeType | undefined = at; p !== undefined; p = p.sup) {
      if (seen.has(p)) throw schemaError(at.def.file, at.def.line, `attributeType ${at.name}: SUP chain loops`);
      seen.add(p);
    }
  }
  // Own rules first, then inherit top-down so every ancestor is complete before its subtypes.
  for (const at of reg.attrs) {
    at.equality = findRule(at, 'EQUALITY');
    at.ordering = findRule(at, 'ORDERING');
    at.substr = findRule(at, 'SUBSTR');
  }
  const done = new Set<AttributeType>();
  const inherit = (at: AttributeType): void => {
    if (done.has(at)) return;
    done.add(at);
    const sup = at.sup;
    if (sup !== undefined) {
      inherit(sup);
      const own = at.def.fields;
      if (!own.has('EQUALITY')) at.equality = sup.equality;
      if (!own.has('ORDERING')) at.ordering = sup.ordering;
      if (!own.has('SUBSTR')) at.substr = sup.substr;
      at.syntax ??= sup.syntax;
      if (!own.has('USAGE')) at.usage = sup.usage;
      else if (at.usage !== sup.usage) {
        throw schemaError(at.def.file, at.def.line, `attributeType ${at.name}: USAGE ${at.usage} differs from its SUP ${sup.name}'s (${sup.usage})`);
      }
      at.operational = at.usage !== 'userApplications';
      for (let p: AttributeType | undefined = sup; p !== undefined; p = p.sup) p.subtypes.push(at);
    }
    at.eqKey = eqKeyOf(at);
  };
  for (const at of reg.attrs) inherit(at);
  for (const at of reg.attrs) {
    // slapd: an ordering needs an equality to go with it (own or inherited, by name).
    const ordering = named(at, 'ORDERING');
    if (ordering !== undefined && named(at, 'EQUALITY') === undefined) {
      throw schemaError(at.def.file, at.def.line, `attributeType ${at.name}: ORDERING ${ordering} without an EQUALITY rule`);
    }
  }
  // A type that names a rule for another syntax makes that syntax one the
  // rule applies to (slapd's mr_make_syntax_compat_with_mr): extensible
  // match and matchingRuleUse then accept every type of that syntax.
  for (const at of reg.attrs) {
    for (const rule of [at.equality, at.ordering, at.substr]) {
      if (rule !== undefined && at.syntax !== undefined && rule.syntax !== at.syntax && !rule.compat.includes(at.syntax)) rule.compat.push(at.syntax);
    }
  }

  for (const oc of reg.classes) {
    oc.sups = (oc.def.fields.get('SUP') ?? []).map((ref) => {
      const sup = reg.classByKey.get(macros.expand(ref, oc.def.file, oc.def.line) ?? ref.toLowerCase());
      if (sup === undefined) throw schemaError(oc.def.file, oc.def.line, `objectClass ${oc.name}: SUP class '${ref}' not found`);
      if (!SUP_KINDS[oc.kind].includes(sup.kind)) {
        throw schemaError(oc.def.file, oc.def.line, `objectClass ${oc.name}: ${oc.kind} class cannot have the ${sup.kind} class '${ref}' as SUP`);
      }
      return sup;
    });
    oc.must = (oc.def.fields.get('MUST') ?? []).map((r) => findAttr(r, oc.def, 'MUST'));
    oc.may = (oc.def.fields.get('MAY') ?? []).map((r) => findAttr(r, oc.def, 'MAY'));
  }
  const chained = new Set<ObjectClass>();
  const chain = (oc: ObjectClass, path: ObjectClass[]): void => {
    if (chained.has(oc)) return;
    if (path.includes(oc)) throw schemaError(oc.def.file, oc.def.line, `objectClass ${oc.name}: SUP chain loops`);
    const must = new Set(oc.must), may = new Set(oc.may);
    for (const sup of oc.sups) {
      chain(sup, [...path, oc]);
      for (const c of sup.chain) oc.chain.add(c);
      for (const a of sup.must) must.add(a);
      for (const a of sup.may) may.add(a);
    }
    oc.must = [...must];
    oc.may = [...may].filter((a) => !must.has(a));
    chained.add(oc);
  };
  for (const oc of reg.classes) chain(oc, []);
  return reg;
}

/** The rule a type names for `key`, itself or through its SUP chain. */
function named(at: AttributeType, key: 'EQUALITY' | 'ORDERING'): string | undefined {
  for (let p: AttributeType | undefined = at; p !== undefined; p = p.sup) {
    const r = one(p.def, key);
    if (r !== undefined) return r;
  }
  return undefined;
}

function newAttr(d: Definition, oid: string): AttributeType {
  const n = names(d);
  const usage = (one(d, 'USAGE') ?? 'userApplications') as Usage;
  if (!USAGES.has(usage)) throw schemaError(d.file, d.line, `attributeType ${d.oid}: unknown USAGE '${usage}'`);
  const at: AttributeType = {
    oid, names: n, name: n[0] ?? oid,
    singleValue: d.fields.has('SINGLE-VALUE'),
    collective: d.fields.has('COLLECTIVE'),
    noUserModification: d.fields.has('NO-USER-MODIFICATION'),
    obsolete: d.fields.has('OBSOLETE'),
    usage, operational: usage !== 'userApplications',
    subtypes: [], def: d,
    eqKey: () => '',
  };
  at.subtypes.push(at);
  return at;
}

function newClass(d: Definition, oid: string): ObjectClass {
  const n = names(d);
  const kinds = (['ABSTRACT', 'STRUCTURAL', 'AUXILIARY'] as const).filter((k) => d.fields.has(k));
  if (kinds.length > 1) throw schemaError(d.file, d.line, `objectClass ${d.oid}: more than one of ABSTRACT, STRUCTURAL, AUXILIARY`);
  const kind: ObjectClassKind = kinds[0] ?? 'STRUCTURAL';
  const oc: ObjectClass = {
    oid, names: n, name: n[0] ?? oid, kind, obsolete: d.fields.has('OBSOLETE'),
    sups: [], must: [], may: [], chain: new Set(), def: d,
  };
  oc.chain.add(oc);
  return oc;
}

/** Parses the built-in definitions as if they were a file. */
export function builtinFile(attrs: readonly string[], classes: readonly string[], file: string): ParsedFile {
  return {
    definitions: [
      ...attrs.map((t, i) => parseDefinition(t, 'attributetype', file, i + 1)),
      ...classes.map((t, i) => parseDefinition(t, 'objectclass', file, attrs.length + i + 1)),
    ],
    macros: [],
    warnings: [],
  };
}
