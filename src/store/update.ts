// Client writes: the checks slapd makes before it changes anything
// (existence, parent, leaf, values present or absent, schema), then one
// change record with a fresh CSN, applied through the replication core like
// any replicated change. Runs inside a Store.write() transaction.
import { formatDN, parseDN, type DN } from '../dit/dn.js';
import type { Entry } from '../dit/entry.js';
import { LdapError, RC } from '../errors.js';
import type { Change, Mod } from '../repl/core/change.js';
import { withSubseq } from '../repl/core/csn.js';
import { seenAsDeletes, sumAsDeltas } from '../repl/core/deltas.js';
import type { Ava } from '../repl/core/policy.js';
import { uniqueKey } from '../repl/core/view.js';
import { heldValues } from '../repl/core/merge.js';
import type { Schema } from '../schema/schema.js';
import { SYN } from '../schema/syntaxes.js';
import type { AttrDesc } from '../schema/types.js';
import { FLAG_GLUE, isAlias, recEntry, type EntryRec } from './record.js';
import type { Txn } from './write.js';
import { uuidV7 } from './uuid.js';

/** Who makes the change (creatorsName / modifiersName). */
export interface Actor {
  dn: string;
}

export interface WriteOptions {
  /**
   * The access check, run where slapd's backend runs its ACL check: once the
   * target (for add: its parent) is known to exist. Throws to refuse.
   */
  /** Access check, given the entry as it is (or, for add, as it will be). */
  authorize?: (entry: Entry) => void;
}

export interface AddOptions extends WriteOptions {
  /** Offline import: operational attributes (entryUUID, timestamps …) are taken from the input. */
  import?: boolean;
  /** The relax control, from the rootDn: creation and modification stamps may be given. */
  relax?: boolean;
  /** The entry id to store it under, taken from Store.nextId beforehand (import keeps slapadd's order). */
  id?: number;
  /**
   * With `import`: an entry an export wrote as a replication conflict
   * (`meshdirConflict`), added as replication added it: a merged entry the
   * schema refuses is marked as a conflict again by the replication core,
   * not refused; and for `naming` (the entry was shown as
   * `entryUUID=<uuid>+<rdn>`), so is a DN or unique value another entry holds.
   */
  conflict?: 'naming' | 'schema';
}

/** Operational attributes the server maintains itself; import (and, of IMPORTABLE, an add under relax) may carry them. */
const SERVER_MAINTAINED = new Set([
  'entryUUID', 'entryCSN', 'entryDN', 'createTimestamp', 'modifyTimestamp', 'creatorsName', 'modifiersName',
  'structuralObjectClass', 'hasSubordinates', 'subschemaSubentry', 'contextCSN',
]);
/** Kept with the entry when imported (the rest is recomputed). */
const IMPORTABLE = new Set(['createTimestamp', 'modifyTimestamp', 'creatorsName', 'modifiersName']);

let lastSecond = NaN;
let lastTime = '';

/** YYYYMMDDHHMMSSZ, as slapd writes createTimestamp; writes of the same second share the string. */
export function generalizedTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastTime = new Date(second * 1000).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
  }
  return lastTime;
}

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

function parse(dn: string): DN {
  return parseDN(dn);
}

/** The entry at `dnStr` (normalized: `ndn`); the DN is parsed only to name the matched DN of a miss. */
export function mustGet(tx: Txn, dnStr: string, ndn: string): EntryRec {
  const id = tx.store.idOf(ndn);
  const rec = id === undefined ? undefined : tx.byId(id);
  if (rec) return rec;
  throw new LdapError(RC.noSuchObject, '', tx.store.matchedDN(parse(dnStr)));
}

function describe(schema: Schema, type: string): AttrDesc {
  const d = schema.canonicalDescription(type);
  if (d === undefined) throw new LdapError(RC.undefinedAttributeType, `${type}: ${schema.descriptionProblem(type) ?? 'attribute type undefined'}`);
  return d;
}

const MOD_OP = ['add', 'delete', 'replace', 'increment'] as const;
type ModOp = (typeof MOD_OP)[number];

/**
 * slapd's slap_mods_check for one attribute of a client's add or modify:
 * increment syntax, value syntax, single-value, repeated values. Messages
 * name the attribute as the client typed it, except for repeats (as slapd).
 */
function checkModValues(schema: Schema, typed: string, d: AttrDesc, op: ModOp, values: Buffer[]): void {
  if (op === 'increment' && d.type.syntax !== SYN.integer) {
    throw new LdapError(RC.constraintViolation, `${typed}: attribute syntax inappropriate for increment`);
  }
  const syntax = d.type.syntax === undefined ? undefined : schema.syntaxes.get(d.type.syntax);
  const isObjectClass = d.type.oid === '2.5.4.0';
  values.forEach((v, i) => {
    const ok = isObjectClass
      ? schema.objectClass(v.toString('utf8')) !== undefined
      : syntax?.validate === undefined || syntax.validate(v, schema.syntaxContext);
    if (!ok) throw new LdapError(RC.invalidAttributeSyntax, `${typed}: value #${i} invalid per syntax`);
  });
  if ((op === 'add' || op === 'replace') && d.type.singleValue && values.length > 1) {
    throw new LdapError(RC.constraintViolation, `${typed}: multiple values provided`);
  }
  if (op === 'delete' || values.length < 2) return;
  const seen = new Map<string, number>();
  values.forEach((v, i) => {
    let k: string;
    try {
      k = schema.eqKey(d.type, v);
    } catch {
      throw new LdapError(RC.invalidAttributeSyntax, `${typed}: value #${i} invalid per syntax`);
    }
    const first = seen.get(k);
    if (first !== undefined) throw new LdapError(RC.attributeOrValueExists, `${d.key}: value #${first} provided more than once`);
    seen.set(k, i);
  });
}

function checkUserType(schema: Schema, typed: string, relax = false): AttrDesc {
  const d = describeClientType(schema, typed);
  if (serverKept(d, relax)) throw new LdapError(RC.constraintViolation, `${typed}: no user modification allowed`);
  return d;
}

/** A type in a request, with the `;binary` rules of slapd's slap_bv2ad. */
function describeClientType(schema: Schema, typed: string): AttrDesc {
  const d = describe(schema, typed);
  // `;binary` on other syntaxes is no description at all (describe); these need it.
  if (schema.binaryTransfer(d.type) && !d.options.includes('binary')) throw new LdapError(RC.undefinedAttributeType, `${typed}: requires ;binary transfer`);
  return d;
}

/**
 * Types the server keeps (19). slapd checks them after the naming context
 * and the client's binding (slap_mods_no_user_mod_check in fe_op_add and
 * fe_op_modify), so an anonymous client or a DN outside the suffix gets 8
 * or 53 first; checkClientAttrs / checkClientMods check everything else
 * before that.
 */
export function checkUserModifiable(schema: Schema, types: readonly string[], relax = false): void {
  for (const typed of types) checkUserType(schema, typed, relax);
}

/** Kept by the server, not the client: under relax the rootDn may still set the IMPORTABLE stamps. */
function serverKept(d: AttrDesc, relax = false): boolean {
  return (SERVER_MAINTAINED.has(d.type.name) || d.type.noUserModification) && !(relax && IMPORTABLE.has(d.type.name));
}

/**
 * The modify request's shape, checked by slapd while decoding it (before
 * even the DN): add needs values, increment exactly one.
 */
export function checkModShapes(mods: readonly ClientMod[]): void {
  for (const m of mods) {
    if (m.op === 0 && m.values.length === 0) throw new LdapError(RC.protocolError, 'modify/add operation requires values');
    if (m.op === 3 && m.values.length === 0) throw new LdapError(RC.protocolError, 'modify/increment operation requires value');
    if (m.op === 3 && m.values.length > 1) throw new LdapError(RC.protocolError, 'modify/increment operation requires single value');
  }
}

/**
 * slapd (2.5): an obsolete attribute type may only be removed (a delete, or
 * a replace with no values); under the relax control anything goes.
 */
function checkObsolete(d: AttrDesc, typed: string, op: string, values: readonly Buffer[], relax: boolean): void {
  if (d.type.obsolete && !relax && (values.length > 0 || (op !== 'delete' && op !== 'replace'))) {
    throw new LdapError(RC.constraintViolation, `${typed}: attribute is obsolete`);
  }
}

/** A client's modifications as slapd checks them before looking for the entry. */
export function checkClientMods(schema: Schema, mods: readonly ClientMod[], relax = false): void {
  for (const m of mods) {
    const d = describeClientType(schema, m.attr);
    checkObsolete(d, m.attr, MOD_OP[m.op]!, m.values, relax);
    checkModValues(schema, m.attr, d, MOD_OP[m.op], m.values);
  }
}

/** A client's add request attributes as slapd checks them before looking for the entry. */
export function checkClientAttrs(schema: Schema, attrs: readonly { type: string; values: Buffer[] }[], relax = false): void {
  const seen = new Set<string>();
  for (const a of attrs) {
    const d = describeClientType(schema, a.type);
    checkObsolete(d, a.type, 'add', a.values, relax);
    // `cn` and `commonName` (or an OID) in one request: one attribute given twice.
    if (seen.has(d.key)) throw new LdapError(RC.attributeOrValueExists, `attribute '${d.type.name}' provided more than once`);
    seen.add(d.key);
    checkModValues(schema, a.type, d, 'add', a.values);
  }
}

/** The RDN's AVAs by schema type name, in slapd's order (AVA_Sort: by type name, strcmp). */
function rdnAvas(schema: Schema, dn: DN): Ava[] {
  const avas = dn[0]!.map((a) => [describe(schema, a.type).type.name, b(a.value)] as Ava);
  return avas.length === 1 ? avas : avas.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}

/**
 * No other entry holds a value of a unique attribute (`uniqueAttributes`)
 * that `attrs` holds; with `only`, of the attributes a modify wrote (as
 * slapd's unique overlay and 389-DS' attribute uniqueness check only those:
 * an entry's other values were checked when they were written).
 */
function checkUnique(tx: Txn, attrs: ReadonlyMap<string, Buffer[]>, self?: string, only?: readonly Mod[]): void {
  if (!tx.store.anyUnique) return;
  const rules = tx.store.rules;
  const names = only ? only.filter((m) => m.op !== 'delete').map((m) => m.attr) : attrs.keys();
  for (const attr of names) {
    if (rules.info(attr).unique === undefined) continue;
    for (const v of attrs.get(attr) ?? []) {
      for (const holder of tx.lookup(uniqueKey(attr, rules.keyOf(attr, v)))) {
        if (holder !== self) throw new LdapError(RC.constraintViolation, `some attributes not unique: ${attr}`);
      }
    }
  }
}

function ensureInSuffix(tx: Txn, ndn: string): void {
  if (!tx.store.inSuffix(ndn)) throw new LdapError(RC.unwillingToPerform, 'no global superior knowledge');
}

export function localAdd(tx: Txn, actor: Actor, dnStr: string, input: { type: string; values: Buffer[] }[], opts: AddOptions = {}): string {
  const store = tx.store;
  const schema = store.schema;
  const dn = parse(dnStr);
  const ndn = store.normalize(dnStr);
  ensureInSuffix(tx, ndn);
  const attrs = new Map<string, Buffer[]>();
  let uuid: string | undefined;
  let suppliedSoc: Buffer[] | undefined;
  for (const { type, values } of input) {
    const d = describe(schema, type);
    if (values.length === 0) throw new LdapError(RC.protocolError, `${type}: no values for attribute type`);
    const name = d.type.name;
    if (serverKept(d, opts.relax)) {
      if (!opts.import) throw new LdapError(RC.constraintViolation, `${type}: no user modification allowed`);
      if (name === 'entryUUID') {
        // Checked before the parent is looked for: an import holds an entry
        // whose parent comes later, and an error found only when it is added
        // again would come after entries the file gives later were written.
        if (values.length > 1) throw new LdapError(RC.constraintViolation, 'entryUUID: multiple values provided');
        uuid = values[0]!.toString('utf8').toLowerCase();
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uuid)) throw new LdapError(RC.invalidAttributeSyntax, 'entryUUID: value invalid per syntax');
      }
      if (name === 'structuralObjectClass') suppliedSoc = values;
      if (!IMPORTABLE.has(name)) continue;
    }
    // slapadd keeps values as the LDIF spells them; ldapadd's are re-spelled.
    attrs.set(d.key, [...(attrs.get(d.key) ?? []), ...(opts.import ? values : schema.pretty(d.type, values))]);
  }
  const entry: Entry = { dn: dnStr, attrs };
  // slapd (back-mdb) checks the schema before it looks in the database.
  // Adds RDN values the client left out, as slapd does.
  // An imported structuralObjectClass must be the one the classes give (slapadd: 69).
  if (suppliedSoc) attrs.set('structuralObjectClass', suppliedSoc);
  const conflict = opts.import === true ? opts.conflict : undefined;
  let structuralObjectClass: string | undefined;
  try {
    structuralObjectClass = schema.checkEntry(entry, { add: true, placeholder: opts.import === true, relax: opts.relax === true }).structuralObjectClass;
  } catch (e) {
    // A merge's schema conflict, exported: the core marks it again.
    if (!(conflict !== undefined && e instanceof LdapError && e.code === RC.objectClassViolation)) throw e;
  }
  attrs.delete('structuralObjectClass');
  if (tx.idOf(ndn) !== undefined && conflict !== 'naming') throw new LdapError(RC.entryAlreadyExists, '');
  let parentUuid = '';
  if (ndn !== store.suffixNdn) {
    const parentNdn = store.normalize(formatDN(dn.slice(1)));
    const parent = tx.byNdn(parentNdn);
    if (!parent) throw new LdapError(RC.noSuchObject, '', store.matchedDN(dn));
    if (isAlias(schema, parent)) throw new LdapError(RC.aliasProblem, 'parent is an alias');
    parentUuid = parent.uuid;
  }
  opts.authorize?.(entry);
  if (conflict !== 'naming') checkUnique(tx, attrs);
  const now = generalizedTime(tx.now);
  // An exported schema conflict keeps the structural class it was written with.
  const soc = structuralObjectClass !== undefined ? [b(structuralObjectClass)] : suppliedSoc;
  if (soc) attrs.set('structuralObjectClass', soc);
  if (!attrs.has('creatorsName')) attrs.set('creatorsName', [b(actor.dn)]);
  if (!attrs.has('createTimestamp')) attrs.set('createTimestamp', [b(now)]);
  if (!attrs.has('modifiersName')) attrs.set('modifiersName', [b(actor.dn)]);
  if (!attrs.has('modifyTimestamp')) attrs.set('modifyTimestamp', [b(now)]);
  if (uuid !== undefined && (!/^[0-9a-f-]{36}$/.test(uuid) || tx.get(uuid))) {
    if (!/^[0-9a-f-]{36}$/.test(uuid)) throw new LdapError(RC.invalidAttributeSyntax, 'entryUUID: value invalid per syntax');
    throw new LdapError(RC.entryAlreadyExists, `entryUUID ${uuid} already exists`);
  }
  const ch: Change = {
    op: 'add',
    csn: tx.nextCsn(),
    uuid: uuid ?? uuidV7(),
    parent: parentUuid,
    rdn: rdnAvas(schema, dn),
    attrs: [...attrs],
  };
  priority(tx, ch);
  if (opts.id !== undefined) tx.presetId(ch.uuid, opts.id);
  tx.apply(ch, { schemaChecked: structuralObjectClass !== undefined });
  return ch.uuid;
}

function priority(tx: Txn, ch: Change): void {
  const p = tx.store.priority;
  if (p) ch.pri = p;
}

export function localDelete(tx: Txn, dnStr: string, opts: WriteOptions = {}): void {
  const store = tx.store;
  const ndn = store.normalize(dnStr);
  const rec = mustGet(tx, dnStr, ndn);
  opts.authorize?.(recEntry(rec));
  if (store.hasChildren(rec.id)) throw new LdapError(RC.notAllowedOnNonLeaf, 'subordinate objects must be deleted first');
  const ch: Change = { op: 'delete', csn: tx.nextCsn(), uuid: rec.uuid };
  priority(tx, ch);
  tx.apply(ch);
}

export interface ClientMod {
  op: 0 | 1 | 2 | 3;
  attr: string;
  values: Buffer[];
}

/**
 * Applies a client's modifications to an entry's attributes (canonical
 * keys), with slapd's backend checks (servers/slapd/mods.c) and messages,
 * which name the canonical type. Returns them as replication mods.
 */
export function applyMods(schema: Schema, attrs: Map<string, Buffer[]>, mods: readonly ClientMod[], relax = false, permissive = false): Mod[] {
  const out: Mod[] = [];
  // Kept across the request's changes: 8,000 adds of one value each to an
  // attribute normalized and copied all its values 8,000 times (7.8 s).
  const keyCache = new Map<string, Set<string>>();
  const own = new Set<Buffer[]>();
  for (let m of mods) {
    const d = checkUserType(schema, m.attr, relax);
    const name = d.key;
    const cur = attrs.get(d.key) ?? [];
    const keysOf = (): Set<string> => {
      let k = keyCache.get(d.key);
      if (k === undefined) keyCache.set(d.key, (k = new Set(cur.map((v) => schema.eqKey(d.type, v)))));
      return k;
    };
    // A replace, an increment or a delete of the whole attribute makes other values: the cached keys go.
    if (m.op === 2 || m.op === 3 || (m.op === 1 && m.values.length === 0)) keyCache.delete(d.key);
    if (m.op === 0 || m.op === 2) m = { ...m, values: schema.pretty(d.type, m.values) };
    switch (m.op) {
      case 0: {
        if (m.values.length === 0) throw new LdapError(RC.protocolError, 'modify/add operation requires values');
        schema.checkValues(d, m.values);
        if (cur.length > 0 && d.type.equality === undefined) throw new LdapError(RC.inappropriateMatching, `modify/add: ${name}: no equality matching rule`);
        const have = keysOf();
        // Permissive modify (1.2.840.113556.1.4.1413, as slapd's mods.c):
        // values the attribute already holds are left out, not refused.
        if (permissive) {
          m = { ...m, values: m.values.filter((v) => !have.has(schema.eqKey(d.type, v))) };
          if (m.values.length === 0) break;
        }
        const added = m.values.map((v, i) => {
          const k = schema.eqKey(d.type, v);
          if (have.has(k)) throw new LdapError(RC.attributeOrValueExists, `modify/add: ${name}: value #${i} already exists`);
          return k;
        });
        for (const k of added) have.add(k);
        // The entry's own arrays may be shared with the stored record: copied once, then grown.
        const list = own.has(cur) ? cur : [...cur];
        own.add(list);
        for (const v of m.values) list.push(v);
        attrs.set(d.key, list);
        out.push({ op: 'add', attr: d.key, values: m.values });
        break;
      }
      case 1: {
        if (m.values.length > 0 && d.type.equality === undefined) throw new LdapError(RC.inappropriateMatching, `modify/delete: ${name}: no equality matching rule`);
        // Permissive: deleting an attribute the entry lacks is a no-op (slapd
        // 2.5 still refuses a missing value of an attribute it holds).
        if (cur.length === 0 && permissive) break;
        if (cur.length === 0) throw new LdapError(RC.noSuchAttribute, `modify/delete: ${name}: no such attribute`);
        if (m.values.length === 0) {
          attrs.delete(d.key);
        } else {
          const have = keysOf();
          const del = new Set<string>();
          for (const v of m.values) {
            const k = schema.deleteKey(d.type, v);
            if (k === undefined || !have.has(k)) throw new LdapError(RC.noSuchAttribute, `modify/delete: ${name}: no such value`);
            del.add(k);
          }
          const rest = cur.filter((v) => !del.has(schema.eqKey(d.type, v)));
          for (const k of del) have.delete(k);
          own.add(rest);
          if (rest.length) attrs.set(d.key, rest);
          else attrs.delete(d.key);
        }
        out.push({ op: 'delete', attr: d.key, values: m.values });
        break;
      }
      case 2: {
        if (m.values.length) schema.checkValues(d, m.values);
        if (m.values.length) attrs.set(d.key, m.values);
        else attrs.delete(d.key);
        out.push({ op: 'replace', attr: d.key, values: m.values });
        break;
      }
      case 3: {
        if (m.values.length !== 1) throw new LdapError(RC.protocolError, 'modify/increment operation requires single value');
        checkModValues(schema, m.attr, d, 'increment', m.values);
        if (cur.length === 0) throw new LdapError(RC.noSuchAttribute, `modify/increment: ${name}: no such attribute`);
        const delta = m.values[0]!.toString('latin1');
        // slapd reads both as a C long (lutil_atol): past 64 bits, 21.
        const inc = /^[-+]?\d+$/.test(delta) ? BigInt(delta) : undefined;
        if (inc === undefined || !isLong(inc)) throw new LdapError(RC.invalidAttributeSyntax, 'modify/increment: invalid syntax of increment');
        const olds = cur.map((v) => BigInt(v.toString('latin1')));
        if (!olds.every(isLong)) throw new LdapError(RC.invalidAttributeSyntax, 'modify/increment: invalid syntax of original value');
        attrs.set(d.key, olds.map((v) => b((v + inc).toString())));
        out.push({ op: 'increment', attr: d.key, delta: inc.toString() });
        break;
      }
      default:
        throw new LdapError(RC.protocolError, `unknown modify operation ${String(m.op)}`);
    }
  }
  return out;
}

const isLong = (n: bigint): boolean => n >= -(2n ** 63n) && n < 2n ** 63n;

export function localModify(tx: Txn, actor: Actor, dnStr: string, mods: ClientMod[], opts: WriteOptions & { relax?: boolean; permissive?: boolean } = {}): void {
  const store = tx.store;
  const schema = store.schema;
  const ndn = store.normalize(dnStr);
  const rec = mustGet(tx, dnStr, ndn);
  const entry = recEntry(rec);
  opts.authorize?.(entry);
  // The core keeps a glue entry as a placeholder and ignores changes to it.
  if (rec.flags & FLAG_GLUE) throw new LdapError(RC.unwillingToPerform, 'glue entry: kept only as the parent of its children; add it again or delete its children');
  const out = applyMods(schema, entry.attrs, mods, opts.relax, opts.permissive);
  // Removing an RDN value fails here with slapd's namingViolation. Values
  // are trusted: applyMods checked the new ones, the others were checked
  // when they were written (slapd, too, checks only the modified values).
  schema.checkEntry(entry, { trusted: true, relax: opts.relax === true });
  checkUnique(tx, entry.attrs, rec.uuid, out);
  const now = generalizedTime(tx.now);
  // The record holds the entry before the change (entry.attrs is the copy applyMods changed).
  const recorded = seenAsDeletes(tx.get(rec.uuid)?.state, sumAsDeltas(rec, out, store.rules), store.rules);
  // Stamps the client set itself (only possible under the relax control) stand.
  const given = opts.relax ? new Set(out.map((m) => m.attr)) : undefined;
  if (!given?.has('modifiersName')) recorded.push({ op: 'replace', attr: 'modifiersName', values: [b(actor.dn)] });
  if (!given?.has('modifyTimestamp')) recorded.push({ op: 'replace', attr: 'modifyTimestamp', values: [b(now)] });
  const ch: Change = { op: 'modify', csn: tx.nextCsn(), uuid: rec.uuid, mods: recorded };
  priority(tx, ch);
  tx.apply(ch);
}

export function localModrdn(
  tx: Txn, actor: Actor, dnStr: string, newRdnStr: string, deleteOldRdn: boolean, newSuperior?: string, opts: WriteOptions = {},
): void {
  const store = tx.store;
  const schema = store.schema;
  const dn = parse(dnStr);
  const ndn = store.normalize(dnStr);
  let newRdn: DN;
  try {
    newRdn = parse(newRdnStr);
  } catch {
    throw new LdapError(RC.invalidDNSyntax, 'invalid new RDN');
  }
  if (newRdn.length !== 1 || schema.normalizeDN(newRdnStr) === undefined) throw new LdapError(RC.invalidDNSyntax, 'invalid new RDN');
  // slapd's back-mdb looks up the parent first: without one there is no matched DN to give.
  if (ndn !== store.suffixNdn && dn.length > 1 && store.idOf(store.normalize(formatDN(dn.slice(1)))) === undefined) {
    throw new LdapError(RC.noSuchObject, '');
  }
  const rec = mustGet(tx, dnStr, ndn);
  // Only a rename of the suffix entry to its own name gets here (any other
  // name is outside the naming context: affectsMultipleDSAs before this).
  if (ndn === store.suffixNdn) throw new LdapError(RC.namingViolation, 'cannot rename suffix entry');
  opts.authorize?.(recEntry(rec));
  let parentDn: DN = dn.slice(1);
  let parentUuid: string | undefined;
  if (newSuperior !== undefined) {
    parentDn = parse(newSuperior);
    const pndn = store.normalize(newSuperior);
    ensureInSuffix(tx, pndn);
    if (pndn === ndn || pndn.endsWith(',' + ndn)) throw new LdapError(RC.unwillingToPerform, 'cannot place an entry below itself');
    const parent = store.byNdn(pndn);
    if (!parent) throw new LdapError(RC.noSuchObject, 'new superior not found');
    if (isAlias(schema, parent)) throw new LdapError(RC.aliasProblem, 'new superior is an alias');
    parentUuid = parent.uuid;
  }
  // The rename names its parent even when it stays: "the greater CSN sets
  // name and parent" (DESIGN.md), so a concurrent move with a smaller CSN
  // cannot combine its parent with this RDN.
  parentUuid ??= store.byId(rec.parent)?.uuid;
  const targetDn = formatDN([newRdn[0]!, ...parentDn]);
  const targetNdn = store.normalize(targetDn);
  const existing = store.byNdn(targetNdn);
  if (existing && existing.id !== rec.id) throw new LdapError(RC.entryAlreadyExists, '');
  const entry = recEntry(rec);
  const oldAvas = rdnAvas(schema, dn);
  const newAvas = rdnAvas(schema, newRdn);
  const key = ([a, v]: Ava) => `${a}\0${schema.eqKey(a, v)}`;
  const newKeys = new Set(newAvas.map(key));
  if (deleteOldRdn) {
    for (const ava of oldAvas) {
      if (newKeys.has(key(ava))) continue;
      const [a, v] = ava;
      const k = schema.eqKey(a, v);
      const rest = (entry.attrs.get(a) ?? []).filter((x) => schema.eqKey(a, x) !== k);
      if (rest.length) entry.attrs.set(a, rest);
      else entry.attrs.delete(a);
    }
  }
  for (const [a, v] of newAvas) {
    const cur = entry.attrs.get(a) ?? [];
    const k = schema.eqKey(a, v);
    if (!cur.some((x) => schema.eqKey(a, x) === k)) entry.attrs.set(a, [...cur, v]);
  }
  entry.dn = targetDn;
  schema.checkEntry(entry);
  checkUnique(tx, entry.attrs, rec.uuid);
  const csn = tx.nextCsn();
  const ch: Change = { op: 'modrdn', csn, uuid: rec.uuid, rdn: newAvas, oldRdn: oldAvas, deleteOldRdn };
  if (parentUuid !== undefined) ch.parent = parentUuid;
  const held = heldValues(tx.get(rec.uuid)?.state, newAvas, store.rules, deleteOldRdn ? oldAvas : []);
  if (held) ch.held = held;
  priority(tx, ch);
  tx.apply(ch);
  const stamp: Change = {
    op: 'modify',
    csn: withSubseq(csn, 1),
    uuid: rec.uuid,
    mods: [
      { op: 'replace', attr: 'modifiersName', values: [b(actor.dn)] },
      { op: 'replace', attr: 'modifyTimestamp', values: [b(generalizedTime(tx.now))] },
    ],
  };
  priority(tx, stamp);
  tx.apply(stamp);
}
