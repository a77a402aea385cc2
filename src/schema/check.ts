// Entry and value checks, in slapd's order and with slapd's messages
// (servers/slapd/schema_check.c and the value checks of add/modify): syntax,
// single-value, duplicate values, objectClass and structural chain, naming
// (RDN values present), MUST, and allowed attributes. Operational attributes
// are exempt from the class rules.
import { parseDN } from '../dit/dn.js';
import type { Entry, Value } from '../dit/entry.js';
import { LdapError, RC } from '../errors.js';
import type { Schema } from './schema.js';
import type { AttrDesc, AttributeType, ObjectClass } from './types.js';

export interface CheckOptions {
  /**
   * The entry is being added: like slapd, RDN values missing from the entry
   * are added to it (entry.attrs is modified) instead of failing, and the
   * single-value message is the one slapd gives for add.
   */
  add?: boolean;
  /**
   * The values were checked when they were written (a replicated merge):
   * skip per-value syntax and duplicate checks, check only the entry's shape.
   */
  trusted?: boolean;
  /**
   * The entry may be a glue placeholder: one the server keeps for orphaned
   * children, or one re-imported from an export. Only such an entry is
   * exempt from content rules; a client writing `objectClass: glue` is
   * checked like any other (slapd hides the class from clients).
   */
  placeholder?: boolean;
  /**
   * OBSOLETE object classes are allowed: the relax control (slapd's
   * entry_schema_check lets "manage" requests use them), and replicated
   * merges, which take what the originating master accepted.
   */
  relax?: boolean;
}

export interface CheckResult {
  /** Canonical name of the entry's structural object class. */
  structuralObjectClass: string;
}

const fail = (code: number, text: string): never => {
  throw new LdapError(code, text);
};

/**
 * Per-value checks of one attribute: syntax, objectClass values known,
 * single-value, and no two values equal under the equality rule. Returns the
 * equality keys in value order.
 */
export function checkValues(schema: Schema, desc: AttrDesc, values: Value[], add = true): string[] {
  const name = desc.key;
  const at = desc.type;
  if (values.length === 0) fail(RC.protocolError, 'no values for attribute type');
  const syntax = at.syntax === undefined ? undefined : schema.syntaxes.get(at.syntax);
  const isObjectClass = at.oid === '2.5.4.0';
  for (let i = 0; i < values.length; i++) {
    const ok = isObjectClass
      ? schema.objectClass(values[i].toString('utf8')) !== undefined
      : syntax?.validate === undefined || syntax.validate(values[i], schema.syntaxContext);
    if (!ok) fail(RC.invalidAttributeSyntax, `${name}: value #${i} invalid per syntax`);
  }
  if (at.singleValue && values.length > 1) {
    fail(RC.constraintViolation, add ? `${name}: multiple values provided` : `attribute '${name}' cannot have multiple values`);
  }
  const keys: string[] = new Array(values.length);
  const seen = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    let k: string;
    try {
      k = at.eqKey(values[i]);
    } catch {
      return fail(RC.invalidAttributeSyntax, `${name}: value #${i} invalid per syntax`);
    }
    const first = seen.get(k);
    if (first !== undefined) fail(RC.attributeOrValueExists, `${name}: value #${first} provided more than once`);
    seen.set(k, i);
    keys[i] = k;
  }
  return keys;
}

/** RFC 4512 §2.4.2 / slapd structural_class(): the most specific structural class of one chain. */
function structuralClass(classes: ObjectClass[], written: string[]): ObjectClass {
  let sc: ObjectClass | undefined;
  let scn = -1;
  for (let i = 0; i < classes.length; i++) {
    const oc = classes[i];
    if (oc.kind !== 'STRUCTURAL') continue;
    if (sc === undefined || oc.chain.has(sc)) {
      sc = oc;
      scn = i;
    } else if (!sc.chain.has(oc)) {
      // Two unrelated structural classes are fine only if a later one is a subclass of both.
      const common = classes.slice(i + 1).find((x) => x.kind === 'STRUCTURAL' && x.chain.has(sc!) && x.chain.has(oc));
      if (common === undefined) {
        fail(RC.objectClassViolation, `invalid structural object class chain (${written[scn]}/${written[i]})`);
      }
    }
  }
  return sc ?? fail(RC.objectClassViolation, 'no structural object class provided');
}

function cmpName(schema: Schema, x: string, y: string): number {
  const a = schema.attributeType(x)?.name ?? x;
  const b = schema.attributeType(y)?.name ?? y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The RDN's values must be values of the attribute itself: `cn;lang-en:
 * staff` does not name `cn=staff` (slapd's attr_find of the AVA's plain
 * description). An add gets the values it lacks added (`plain` and `types`
 * too), as slapd's entry_naming_check does for adds.
 */
function namingCheck(schema: Schema, entry: Entry, types: Map<AttributeType, Value[]>, plain: Map<AttributeType, Value[]>, add: boolean): void {
  const dn = parseDN(entry.dn);
  if (dn.length === 0) return;
  // In slapd's RDN order (AVA_Sort, by type name): an add's missing values go in that order.
  const avas = dn[0].length === 1 ? dn[0] : [...dn[0]].sort((x, y) => cmpName(schema, x.type, y.type));
  for (const ava of avas) {
    const name = ava.type;
    if (ava.raw) fail(RC.namingViolation, `value of naming attribute '${name}' in unsupported BER form`);
    const at = schema.attributeType(name) ?? fail(RC.undefinedAttributeType, `${name}: attribute type undefined (in RDN)`);
    // Stored conflict entries are named entryUUID=<uuid>+<rdn> (DESIGN.md); clients still may not do that.
    if (at.operational && (add || at.name !== 'entryUUID')) fail(RC.namingViolation, `naming attribute '${name}' is operational`);
    if (at.collective) fail(RC.namingViolation, `naming attribute '${name}' is collective`);
    const rule = at.equality ?? fail(RC.namingViolation, `naming attribute '${name}' has no equality matching rule`);
    const key = (rule.valueNorm ?? rule.norm)(rule.text ? ava.value : Buffer.from(ava.value).toString('latin1'));
    if (key === undefined) fail(RC.namingViolation, `value of naming attribute '${name}' is invalid`);
    const values = plain.get(at);
    if (values !== undefined && values.some((v) => at.eqKey(v) === key)) continue;
    if (!add) {
      fail(RC.namingViolation, values === undefined
        ? `naming attribute '${name}' is not present in entry`
        : `value of naming attribute '${name}' is not present in entry`);
    }
    if (values !== undefined && at.singleValue) {
      fail(RC.namingViolation, `value of single-valued naming attribute '${name}' conflicts with value present in entry`);
    }
    const v = Buffer.from(ava.value, 'utf8');
    const list = entry.attrs.get(at.name);
    if (list === undefined) entry.attrs.set(at.name, [v]);
    else list.push(v);
    plain.set(at, [...(values ?? []), v]);
    if (types !== plain) types.set(at, [...(types.get(at) ?? []), v]);
  }
}

/** Types the structural class allows, when no auxiliary class adds any: built once per class, not per write. */
const allowedByClass = new WeakMap<ObjectClass, Set<AttributeType>>();

function allowedTypes(sc: ObjectClass, classes: readonly ObjectClass[]): Set<AttributeType> {
  const aux = classes.filter((oc) => oc.kind === 'AUXILIARY');
  let allowed = aux.length === 0 ? allowedByClass.get(sc) : undefined;
  if (allowed !== undefined) return allowed;
  allowed = new Set<AttributeType>([...sc.must, ...sc.may]);
  for (const oc of aux) for (const at of [...oc.must, ...oc.may]) allowed.add(at);
  if (aux.length === 0) allowedByClass.set(sc, allowed);
  return allowed;
}

/** Checks a whole entry; throws LdapError with slapd's result code and text. */
export function checkEntry(schema: Schema, entry: Entry, opts: CheckOptions): CheckResult {
  const add = opts.add === true;
  // Values of each type, options merged: MUST looks at the type only. Naming
  // looks at the values without options (`plain`).
  const types = new Map<AttributeType, Value[]>();
  const descs: AttrDesc[] = [];
  let options = false;
  for (const [key, values] of entry.attrs) {
    const desc = schema.canonicalDescription(key) ?? fail(RC.undefinedAttributeType, `${key}: attribute type undefined`);
    if (opts.trusted !== true) checkValues(schema, desc, values, add);
    else if (desc.type.singleValue && values.length > 1) fail(RC.constraintViolation, `attribute '${desc.key}' cannot have multiple values`);
    descs.push(desc);
    const prev = types.get(desc.type);
    types.set(desc.type, prev === undefined ? values : [...prev, ...values]);
    options ||= desc.options.length > 0;
  }
  // Most entries have no attribute with options: their plain values are all of them (one map, not two).
  let plain = types;
  if (options) {
    plain = new Map();
    let i = 0;
    for (const values of entry.attrs.values()) {
      const d = descs[i++]!;
      if (d.options.length > 0) continue;
      const p = plain.get(d.type);
      plain.set(d.type, p === undefined ? values : [...p, ...values]);
    }
  }
  const ocValues = entry.attrs.get('objectClass') ?? fail(RC.objectClassViolation, 'no objectClass attribute');
  const written = ocValues.map((v) => v.toString('utf8'));
  const classes = written.map((w) => schema.objectClass(w) ?? fail(RC.objectClassViolation, `unrecognized objectClass '${w}'`));
  const collectiveSubentry = schema.objectClass('collectiveAttributeSubentry');
  for (const d of descs) {
    if (d.type.collective && !classes.some((c) => c === collectiveSubentry)) {
      fail(RC.objectClassViolation, `'${d.key}' can only appear in collectiveAttributeSubentry`);
    }
  }

  // Glue entries are placeholders replication keeps for orphaned children
  // (DESIGN.md); like slapd, they are exempt from naming and content rules.
  const glue = schema.objectClass('glue');
  if (opts.placeholder === true && glue !== undefined && classes.includes(glue)) return { structuralObjectClass: glue.name };
  const sc = structuralClass(classes, written);
  const socValue = entry.attrs.get('structuralObjectClass')?.[0]?.toString('utf8');
  if (socValue !== undefined) {
    const current = schema.objectClass(socValue) ?? fail(RC.objectClassViolation, `unrecognized structuralObjectClass '${socValue}'`);
    if (current !== sc && current !== glue) {
      fail(RC.objectClassModsProhibited, `structural object class modification from '${socValue}' to '${sc.name}' not allowed`);
    }
  }
  if (sc.obsolete && opts.relax !== true) fail(RC.objectClassViolation, `structuralObjectClass '${sc.name}' is OBSOLETE`);

  namingCheck(schema, entry, types, plain, add);

  let extensible = false;
  const extensibleObject = schema.objectClass('extensibleObject');
  for (let i = 0; i < classes.length; i++) {
    const oc = classes[i];
    if (oc.obsolete && opts.relax !== true) fail(RC.objectClassViolation, `objectClass '${written[i]}' is OBSOLETE`);
    if (oc.kind === 'ABSTRACT') {
      const top = oc.name === 'top';
      if (!top && !sc.chain.has(oc) && !classes.some((x) => x.kind === 'AUXILIARY' && x.chain.has(oc))) {
        fail(RC.objectClassViolation, `instantiation of abstract objectClass '${written[i]}' not allowed`);
      }
    } else if (oc.kind !== 'STRUCTURAL' || oc === sc) {
      for (const at of oc.must) {
        if (!types.has(at)) fail(RC.objectClassViolation, `object class '${written[i]}' requires attribute '${at.name}'`);
      }
      if (oc === extensibleObject) extensible = true;
    }
  }
  if (!extensible) {
    const objectClass = schema.attributeType('objectClass');
    // Replication marks conflict entries of any class with meshdirConflict (schema/meshdir.schema).
    const conflict = schema.attributeType('meshdirConflict');
    const allowed = allowedTypes(sc, classes);
    const ok = (at: AttributeType) => at.operational || at === objectClass || at === conflict || allowed.has(at);
    for (const d of descs) if (!ok(d.type)) fail(RC.objectClassViolation, `attribute '${d.key}' not allowed`);
    // Types the naming check added from the RDN (an add's `uid=x` under class person) must be allowed too.
    for (const at of types.keys()) if (!ok(at)) fail(RC.objectClassViolation, `attribute '${at.name}' not allowed`);
  }
  return { structuralObjectClass: sc.name };
}
