// The schema registry: lookups by NAME (case-insensitive) or OID, attribute
// descriptions with options, supertypes, equality keys and DN value
// normalization. Built once at startup from the schema files plus the
// built-ins; immutable afterwards.
import { formatDN, normalizeDN, parseDN, type AVANormalizer } from '../dit/dn.js';
import type { Entry, Value } from '../dit/entry.js';
import { LdapError, RC } from '../errors.js';
import { BUILTIN_ATTRIBUTE_TYPES, BUILTIN_FILE, BUILTIN_OBJECT_CLASSES } from './builtin.js';
import { buildRegistry, builtinFile } from './build.js';
import { checkEntry, checkValues, type CheckOptions, type CheckResult } from './check.js';
import { parseSchemaText, type Definition, type ParsedFile } from './parse.js';
import { buildRules, valueKeyer } from './rules.js';
import { subschemaEntry } from './subschema.js';
import { SYN, SYNTAXES } from './syntaxes.js';
import type { AttrDesc, AttributeType, MatchingRule, ObjectClass, Syntax, SyntaxContext } from './types.js';

const OPTION = /^[A-Za-z0-9-]+$/;
/** Attribute types whose values are object classes, matched with their subclasses. */
export const CLASS_TYPES: ReadonlySet<string> = new Set(['objectClass', 'structuralObjectClass']);

/** Bound on the description cache: client-chosen strings must not grow it forever. */
const DESC_CACHE_MAX = 10_000;
const DN_CACHE_MAX = 10_000;

export interface SchemaText {
  /** Shown in errors, e.g. the file name. */
  name: string;
  text: string;
}

export class Schema {
  /** Non-fatal findings while loading (unknown directives, unknown matching rules), as `file:line: reason`. */
  readonly warnings: string[];
  readonly syntaxes: ReadonlyMap<string, Syntax>;
  /** Syntax definitions read from `ldapsyntax` statements, by OID. */
  readonly syntaxDefs: ReadonlyMap<string, Definition>;
  private readonly attrs: AttributeType[];
  private readonly attrByKey: Map<string, AttributeType>;
  private readonly classes: ObjectClass[];
  private readonly classByKey: Map<string, ObjectClass>;
  private readonly rules: MatchingRule[];
  private readonly ruleByKey = new Map<string, MatchingRule>();
  private readonly descCache = new Map<string, AttrDesc>();
  private readonly dnTypeCache = new Map<string, { lname: string; at: AttributeType }>();
  /**
   * DN strings already normalized (each write normalizes its target and
   * modifiersName), in two generations of DN_CACHE_MAX: a full one becomes
   * the older, read and moved back on a hit. Emptying one full map made a
   * directory of 10,000 hot entries miss half the time.
   */
  private dnCache = new Map<string, string | undefined>();
  private dnCacheOld = new Map<string, string | undefined>();
  private subschema?: Map<string, Value[]>;
  readonly syntaxContext: SyntaxContext;

  /** The parsed files it was built from: another thread builds the same schema from them (store/replace-worker.ts). */
  readonly files: readonly ParsedFile[];

  /** Parses and links `files` (in order) on top of the built-in schema. Throws MeshdirError naming file and line. */
  constructor(files: ParsedFile[]) {
    this.files = files;
    this.rules = buildRules({
      oidOf: (d) => this.oidOf(d),
      normalizeDN: (s) => this.normalizeDN(s),
    });
    for (const r of this.rules) {
      this.ruleByKey.set(r.oid, r);
      for (const n of r.names) this.ruleByKey.set(n.toLowerCase(), r);
    }
    const reg = buildRegistry(
      [builtinFile(BUILTIN_ATTRIBUTE_TYPES, BUILTIN_OBJECT_CLASSES, BUILTIN_FILE), ...files],
      this.ruleByKey,
      makeEqKey,
    );
    this.attrs = reg.attrs;
    this.attrByKey = reg.attrByKey;
    this.classes = reg.classes;
    this.classByKey = reg.classByKey;
    this.warnings = reg.warnings;
    this.syntaxDefs = reg.syntaxDefs;
    this.syntaxes = new Map(SYNTAXES.map((s) => [s.oid, s]));
    this.syntaxContext = { validDN: (s) => this.normalizeDN(s) !== undefined };
  }

  /** For tests and tools: schema from in-memory texts, read in the given order. */
  static fromTexts(texts: Array<string | SchemaText>): Schema {
    return new Schema(
      texts.map((t, i) => (typeof t === 'string' ? parseSchemaText(t, `text${i + 1}`) : parseSchemaText(t.text, t.name))),
    );
  }

  attributeType(nameOrOid: string): AttributeType | undefined {
    return this.attrByKey.get(nameOrOid) ?? this.attrByKey.get(nameOrOid.toLowerCase());
  }

  objectClass(nameOrOid: string): ObjectClass | undefined {
    return this.classByKey.get(nameOrOid) ?? this.classByKey.get(nameOrOid.toLowerCase());
  }

  matchingRule(nameOrOid: string): MatchingRule | undefined {
    return this.ruleByKey.get(nameOrOid) ?? this.ruleByKey.get(nameOrOid.toLowerCase());
  }

  allAttributeTypes(): readonly AttributeType[] {
    return this.attrs;
  }

  allObjectClasses(): readonly ObjectClass[] {
    return this.classes;
  }

  allMatchingRules(): readonly MatchingRule[] {
    return this.rules;
  }

  /**
   * Resolves `type[;option…]` (type by NAME or OID, any case). The key is the
   * Entry attrs key: canonical name plus lower-case options, sorted, no repeats.
   */
  canonicalDescription(desc: string): AttrDesc | undefined {
    const hit = this.descCache.get(desc);
    if (hit !== undefined) return hit;
    const parts = desc.split(';');
    const type = this.attributeType(parts[0]);
    if (type === undefined) return undefined;
    let options: string[] = [];
    if (parts.length > 1) {
      for (const o of parts.slice(1)) if (this.#optionProblem(type, o) !== undefined) return undefined;
      options = [...new Set(parts.slice(1).map((o) => o.toLowerCase()))].sort();
    }
    const ad: AttrDesc = { key: options.length === 0 ? type.name : `${type.name};${options.join(';')}`, type, options };
    if (this.descCache.size >= DESC_CACHE_MAX) this.descCache.clear();
    this.descCache.set(desc, ad);
    return ad;
  }

  /**
   * Why `desc` is no attribute description, in slapd's words (its
   * slap_bv2ad, after the type and its options): undefined when it is one.
   */
  descriptionProblem(desc: string): string | undefined {
    const parts = desc.split(';');
    const type = this.attributeType(parts[0]);
    if (type === undefined) return 'attribute type undefined';
    for (const o of parts.slice(1)) {
      const why = this.#optionProblem(type, o);
      if (why !== undefined) return why;
    }
    return undefined;
  }

  /**
   * Options slapd knows without configuration: language tags (`lang-…`,
   * RFC 3866) and `binary` on the syntaxes transferred in binary; any other
   * is refused, not stored as a subtype nobody asked for.
   */
  #optionProblem(type: AttributeType, option: string): string | undefined {
    if (!OPTION.test(option)) return 'attribute type undefined';
    const o = option.toLowerCase();
    if (o === 'binary') return this.binaryTransfer(type) ? undefined : 'option "binary" not supported with type';
    return o.startsWith('lang-') ? undefined : 'unrecognized option';
  }

  /** The type's syntax is marked X-BINARY-TRANSFER-REQUIRED (certificates, supported algorithms). */
  binaryTransfer(type: AttributeType): boolean {
    return type.syntax !== undefined && (this.syntaxes.get(type.syntax)?.ext.includes('X-BINARY-TRANSFER-REQUIRED') ?? false);
  }

  private resolve(type: AttributeType | string): AttributeType | undefined {
    return typeof type === 'string' ? this.canonicalDescription(type)?.type : type;
  }

  /** The type and every type below it (`name` → name, cn, sn, …); [] for an unknown name. */
  subtypes(type: AttributeType | string): AttributeType[] {
    return this.resolve(type)?.subtypes ?? [];
  }

  /** True for USAGE other than userApplications. Unknown names are not operational. */
  isOperational(type: AttributeType | string): boolean {
    return this.resolve(type)?.operational ?? false;
  }

  /**
   * The normalized equality key of a stored value: equal keys ⇔ equal values
   * under the type's equality rule. Used by indexes, value uniqueness, DN
   * normalization and replication identity. A type without an equality rule
   * keys by exact octets. Throws invalidAttributeSyntax if the value cannot
   * be normalized.
   */
  eqKey(type: AttributeType | string, value: Value): string {
    const at = this.resolve(type);
    if (at === undefined) throw new LdapError(RC.undefinedAttributeType, `${String(type)}: attribute type undefined`);
    return at.eqKey(value);
  }

  /** Key of an assertion value under the type's equality rule; undefined = no rule or invalid assertion (filter Undefined). */
  assertionKey(type: AttributeType | string, value: Value): string | undefined {
    const t = this.resolve(type);
    const rule = t?.equality;
    if (rule === undefined || !this.validAssertion(t!, rule, value)) return undefined;
    return rule.norm(rule.text ? value.toString('utf8') : value.toString('latin1'));
  }

  /**
   * slapd's asserted_value_validate_normalize, before the normalizer: the
   * value is of the rule's assertion syntax (`telephoneNumber=abc_`,
   * `entryCSN=x` are not), and an objectClass value names a class this
   * schema has, spelled exactly (no spaces around it).
   */
  validAssertion(type: AttributeType, rule: MatchingRule, value: Value): boolean {
    if (CLASS_TYPES.has(type.name)) return this.objectClass(value.toString('utf8')) !== undefined;
    const syntax = this.syntaxes.get(rule.syntax);
    return syntax?.validate === undefined || syntax.validate(value, this.syntaxContext);
  }

  /**
   * Key of a value named in a modify's delete: an assertion, or else a value
   * of the type's syntax where the rule reads values differently (a DER
   * certificate under certificateExactMatch, a whole description under a
   * first-component rule), as slapd normalizes delete values as values.
   */
  deleteKey(type: AttributeType, value: Value): string | undefined {
    const k = this.assertionKey(type, value);
    if (k !== undefined || type.equality?.valueNorm === undefined) return k;
    const syntax = type.syntax === undefined ? undefined : this.syntaxes.get(type.syntax);
    if (syntax?.validate !== undefined && !syntax.validate(value, this.syntaxContext)) return undefined;
    try {
      return type.eqKey(value);
    } catch {
      return undefined;
    }
  }

  /**
   * The AVA normalizer for src/dit/dn.ts: lower-case canonical type name and
   * the value's equality key. Unknown types and invalid values make the DN
   * invalid, as in slapd.
   */
  readonly dnValueNormalizer: AVANormalizer = (type, value, hex) => {
    // slapd takes no value in its BER form (`cn=#0403616263`): "invalid DN".
    if (hex) throw new LdapError(RC.invalidDNSyntax, 'invalid DN');
    let t = this.dnTypeCache.get(type);
    if (t === undefined) {
      const at = this.attributeType(type);
      if (at === undefined) throw new LdapError(RC.invalidDNSyntax, 'invalid DN');
      t = { lname: at.name.toLowerCase(), at };
      if (this.dnTypeCache.size >= DESC_CACHE_MAX) this.dnTypeCache.clear();
      this.dnTypeCache.set(type, t);
    }
    // slapd validates each RDN value by its attribute's syntax while it
    // normalizes the DN: `c=USA` is an invalid DN (34), not a bad value (21).
    const syntax = t.at.syntax === undefined ? undefined : this.syntaxes.get(t.at.syntax);
    if (syntax?.validate !== undefined && !syntax.validate(Buffer.from(value, 'utf8'), this.syntaxContext)) {
      throw new LdapError(RC.invalidDNSyntax, 'invalid DN');
    }
    const rule = t.at.equality;
    if (rule === undefined) return { type: t.lname, value };
    const k = (rule.valueNorm ?? rule.norm)(rule.text ? value : Buffer.from(value, 'utf8').toString('latin1'));
    if (k === undefined) throw new LdapError(RC.invalidDNSyntax, 'invalid DN');
    return { type: t.lname, value: k };
  };

  /** distinguishedNameMatch form of a DN string; undefined if it is not a valid DN here. */
  normalizeDN(s: string): string | undefined {
    if (this.dnCache.has(s)) return this.dnCache.get(s);
    let n: string | undefined;
    if (this.dnCacheOld.has(s)) n = this.dnCacheOld.get(s);
    else {
      try {
        n = normalizeDN(parseDN(s), this.dnValueNormalizer);
      } catch (e) {
        if (!(e instanceof LdapError)) throw e;
      }
    }
    if (this.dnCache.size >= DN_CACHE_MAX) {
      this.dnCacheOld = this.dnCache;
      this.dnCache = new Map();
    }
    this.dnCache.set(s, n);
    return n;
  }

  /** OID of an object class, attribute type or matching rule named `descr`. */
  oidOf(descr: string): string | undefined {
    const k = descr.toLowerCase();
    return this.classByKey.get(k)?.oid ?? this.attrByKey.get(k)?.oid ?? this.ruleByKey.get(k)?.oid;
  }

  /** Checks an entry against the schema (see check.ts); returns its structural object class. */
  checkEntry(entry: Entry, opts: CheckOptions = {}): CheckResult {
    return checkEntry(this, entry, opts);
  }

  /**
   * Values as they are stored: a DN is re-spelled the way slapd's dnPretty
   * does (types by their schema name, no spaces around separators, values
   * escaped as dn.ts prints them), so `UID=Alice , OU=People,…` is kept as
   * `uid=Alice,ou=People,…`, and the AVAs of a multi-valued RDN are sorted
   * by type name as slapd's AVA_Sort does (`ou=Sales+cn=J. Smith` →
   * `cn=J. Smith+ou=Sales`). An object class, given by OID or in another
   * case, is kept by its schema name (`2.5.6.7` → organizationalPerson).
   * Other values, and DNs that do not parse (the syntax check refuses
   * those), are kept as given.
   */
  pretty(type: AttributeType, values: Value[]): Value[] {
    if (type.name === 'objectClass') return values.map((v) => {
      const oc = this.objectClass(v.toString('utf8').trim());
      return oc ? Buffer.from(oc.name, 'utf8') : v;
    });
    const uid = type.syntax === SYN.nameAndOptionalUID;
    if (type.syntax !== SYN.dn && !uid) return values;
    return values.map((v) => {
      const s = v.toString('utf8');
      // uniqueMember: the DN part, then an optional #'bits'B kept as it is (slapd's uniqueMemberPretty).
      const m = uid ? /#'[01]*'B$/.exec(s) : null;
      const dnPart = m === null ? s : s.slice(0, m.index);
      const pretty = this.prettyDN(dnPart);
      return pretty === undefined ? v : Buffer.from(m === null ? pretty : pretty + m[0], 'utf8');
    });
  }

  /** A DN as slapd's dnPretty spells it (see pretty()); undefined if it does not parse. */
  prettyDN(s: string): string | undefined {
    try {
      return formatDN(parseDN(s).map((rdn) => sortAvas(rdn.map((ava) => ({ ...ava, type: this.attributeType(ava.type)?.name ?? ava.type })))));
    } catch {
      return undefined;
    }
  }

  /**
   * Syntax, single-value and uniqueness checks of one attribute's values
   * (add/modify input), with slapd's add messages; returns their equality keys.
   */
  checkValues(desc: AttrDesc, values: Value[]): string[] {
    return checkValues(this, desc, values);
  }

  /** The attributes of cn=Subschema (a fresh copy; built once). */
  subschemaEntry(): Map<string, Value[]> {
    this.subschema ??= subschemaEntry(this);
    return new Map([...this.subschema].map(([k, vs]) => [k, vs.slice()]));
  }
}

function makeEqKey(at: AttributeType): AttributeType['eqKey'] {
  if (at.equality === undefined) return (v) => v.toString('latin1');
  const key = valueKeyer(at.equality);
  return (v) => key(v) ?? fail(at);
}

function fail(at: AttributeType): never {
  throw new LdapError(RC.invalidAttributeSyntax, `${at.name}: value invalid per syntax`);
}

/** slapd's AVA_Sort: a multi-valued RDN's AVAs by type name (strcmp). */
function sortAvas<T extends { type: string }>(rdn: T[]): T[] {
  return rdn.length === 1 ? rdn : rdn.sort((x, y) => (x.type < y.type ? -1 : x.type > y.type ? 1 : 0));
}

/**
 * Whether an attribute holding options `held` has every option `asked`
 * names (all lower case). An asked option ending in `-` is a language range
 * (RFC 3866 §2.3): `lang-en-` is had by lang-en, lang-en-us, lang-en-gb….
 */
export function hasOptions(asked: readonly string[], held: readonly string[]): boolean {
  return asked.every((o) => (o.endsWith('-') ? held.some((h) => h === o.slice(0, -1) || h.startsWith(o)) : held.includes(o)));
}
