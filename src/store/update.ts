// Client writes: the checks slapd makes before it changes anything
// (existence, parent, leaf, values present or absent, schema), then one
// change record with a fresh CSN, applied through the replication core like
// any replicated change. Runs inside a Store.write() transaction.
import { randomUUID } from 'node:crypto';
import { formatDN, parseDN, type DN } from '../dit/dn.js';
import type { Entry } from '../dit/entry.js';
import { LdapError, RC } from '../errors.js';
import type { Change, Mod } from '../repl/core/change.js';
import { withSubseq } from '../repl/core/csn.js';
import { sumAsDeltas } from '../repl/core/deltas.js';
import type { Ava } from '../repl/core/policy.js';
import { uniqueKey } from '../repl/core/view.js';
import type { Schema } from '../schema/schema.js';
import type { AttrDesc } from '../schema/types.js';
import { recEntry, type EntryRec } from './record.js';
import type { Txn } from './write.js';

/** Who makes the change (creatorsName / modifiersName). */
export interface Actor {
  dn: string;
}

export interface AddOptions {
  /** Offline import: operational attributes (entryUUID, timestamps …) are taken from the input. */
  import?: boolean;
}

/** Operational attributes the server maintains itself; import may carry them. */
const SERVER_MAINTAINED = new Set([
  'entryUUID', 'entryCSN', 'entryDN', 'createTimestamp', 'modifyTimestamp', 'creatorsName', 'modifiersName',
  'structuralObjectClass', 'hasSubordinates', 'subschemaSubentry', 'contextCSN',
]);
/** Kept with the entry when imported (the rest is recomputed). */
const IMPORTABLE = new Set(['createTimestamp', 'modifyTimestamp', 'creatorsName', 'modifiersName']);

export function generalizedTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

function parse(dn: string): DN {
  return parseDN(dn);
}

/** The entry at `dn`, or noSuchObject with the matched DN. */
export function mustGet(tx: Txn, dn: DN, ndn: string): EntryRec {
  const rec = tx.store.byNdn(ndn);
  if (rec) return rec;
  throw new LdapError(RC.noSuchObject, '', tx.store.matchedDN(dn));
}

function describe(schema: Schema, type: string): AttrDesc {
  const d = schema.canonicalDescription(type);
  if (d === undefined) throw new LdapError(RC.undefinedAttributeType, `${type}: attribute type undefined`);
  return d;
}

function rdnAvas(schema: Schema, dn: DN): Ava[] {
  return dn[0]!.map((a) => [describe(schema, a.type).type.name, b(a.value)] as Ava);
}

function checkUnique(tx: Txn, attrs: ReadonlyMap<string, Buffer[]>, self?: string): void {
  const rules = tx.store.rules;
  for (const [attr, values] of attrs) {
    if (rules.info(attr).unique === undefined) continue;
    for (const v of values) {
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
  if (store.byNdn(ndn)) throw new LdapError(RC.entryAlreadyExists, '');
  let parentUuid = '';
  if (ndn !== store.suffixNdn) {
    const parentNdn = store.normalize(formatDN(dn.slice(1)));
    const parent = store.byNdn(parentNdn);
    if (!parent) throw new LdapError(RC.noSuchObject, '', store.matchedDN(dn));
    parentUuid = parent.uuid;
  }
  const attrs = new Map<string, Buffer[]>();
  let uuid: string | undefined;
  for (const { type, values } of input) {
    const d = describe(schema, type);
    if (values.length === 0) throw new LdapError(RC.protocolError, `${type}: no values for attribute type`);
    const name = d.type.name;
    if (SERVER_MAINTAINED.has(name) || d.type.noUserModification) {
      if (!opts.import) throw new LdapError(RC.constraintViolation, `${type}: no user modification allowed`);
      if (name === 'entryUUID') uuid = values[0]!.toString('utf8').toLowerCase();
      if (!IMPORTABLE.has(name)) continue;
    }
    attrs.set(d.key, [...(attrs.get(d.key) ?? []), ...values]);
  }
  const entry: Entry = { dn: dnStr, attrs };
  // Adds RDN values the client left out, as slapd does.
  schema.checkEntry(entry, { add: true });
  checkUnique(tx, attrs);
  const now = generalizedTime(tx.now);
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
    uuid: uuid ?? randomUUID(),
    parent: parentUuid,
    rdn: rdnAvas(schema, dn),
    attrs: [...attrs],
  };
  priority(tx, ch);
  tx.apply(ch);
  return ch.uuid;
}

function priority(tx: Txn, ch: Change): void {
  const p = tx.store.priority;
  if (p) ch.pri = p;
}

export function localDelete(tx: Txn, dnStr: string): void {
  const store = tx.store;
  const dn = parse(dnStr);
  const ndn = store.normalize(dnStr);
  const rec = mustGet(tx, dn, ndn);
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

export function localModify(tx: Txn, actor: Actor, dnStr: string, mods: ClientMod[]): void {
  const store = tx.store;
  const schema = store.schema;
  const dn = parse(dnStr);
  const ndn = store.normalize(dnStr);
  const rec = mustGet(tx, dn, ndn);
  const entry = recEntry(rec);
  const rdnKeys = new Map<string, Set<string>>();
  for (const [attr, v] of rdnAvas(schema, dn)) {
    const s = rdnKeys.get(attr) ?? new Set();
    s.add(schema.eqKey(attr, v));
    rdnKeys.set(attr, s);
  }
  const out: Mod[] = [];
  for (const m of mods) {
    const d = describe(schema, m.attr);
    const name = d.type.name;
    if (SERVER_MAINTAINED.has(name) || d.type.noUserModification) throw new LdapError(RC.constraintViolation, `${m.attr}: no user modification allowed`);
    const cur = entry.attrs.get(d.key) ?? [];
    const keys = (vs: Buffer[]) => vs.map((v) => schema.eqKey(d.type, v));
    switch (m.op) {
      case 0: {
        if (m.values.length === 0) throw new LdapError(RC.protocolError, `modify/add: ${m.attr}: no values given`);
        schema.checkValues(d, m.values);
        const have = new Set(keys(cur));
        m.values.forEach((v, i) => {
          if (have.has(schema.eqKey(d.type, v))) throw new LdapError(RC.attributeOrValueExists, `modify/add: ${m.attr}: value #${i} already exists`);
        });
        entry.attrs.set(d.key, [...cur, ...m.values]);
        out.push({ op: 'add', attr: d.key, values: m.values });
        break;
      }
      case 1: {
        if (cur.length === 0) throw new LdapError(RC.noSuchAttribute, `modify/delete: ${m.attr}: no such attribute`);
        const rdn = d.options.length === 0 ? rdnKeys.get(name) : undefined;
        if (m.values.length === 0) {
          if (rdn) throw new LdapError(RC.notAllowedOnRDN, `modify/delete: ${m.attr}: cannot delete the RDN attribute`);
          entry.attrs.delete(d.key);
        } else {
          const del = new Set<string>();
          m.values.forEach((v, i) => {
            const k = schema.assertionKey(d.type, v) ?? v.toString('latin1');
            if (!keys(cur).includes(k)) throw new LdapError(RC.noSuchAttribute, `modify/delete: ${m.attr}: no such value`);
            if (rdn?.has(k)) throw new LdapError(RC.notAllowedOnRDN, `modify/delete: ${m.attr}: value #${i} is in the RDN`);
            del.add(k);
          });
          const rest = cur.filter((v) => !del.has(schema.eqKey(d.type, v)));
          if (rest.length) entry.attrs.set(d.key, rest);
          else entry.attrs.delete(d.key);
        }
        out.push({ op: 'delete', attr: d.key, values: m.values });
        break;
      }
      case 2: {
        if (m.values.length) schema.checkValues(d, m.values);
        const rdn = d.options.length === 0 ? rdnKeys.get(name) : undefined;
        if (rdn) {
          const nk = new Set(keys(m.values));
          for (const k of rdn) if (!nk.has(k)) throw new LdapError(RC.notAllowedOnRDN, `modify/replace: ${m.attr}: cannot remove the RDN value`);
        }
        if (m.values.length) entry.attrs.set(d.key, m.values);
        else entry.attrs.delete(d.key);
        out.push({ op: 'replace', attr: d.key, values: m.values });
        break;
      }
      case 3: {
        if (m.values.length !== 1) throw new LdapError(RC.protocolError, `modify/increment: ${m.attr}: requires one value`);
        const delta = m.values[0]!.toString('latin1');
        if (!/^[-+]?\d+$/.test(delta)) throw new LdapError(RC.invalidAttributeSyntax, `modify/increment: ${m.attr}: value #0 invalid per syntax`);
        if (d.type.equality?.name !== 'integerMatch') throw new LdapError(RC.constraintViolation, `modify/increment: ${m.attr}: increment not supported for value syntax`);
        if (cur.length === 0) throw new LdapError(RC.noSuchAttribute, `modify/increment: ${m.attr}: no such attribute`);
        const bumped = cur.map((v) => b((BigInt(v.toString('latin1')) + BigInt(delta)).toString()));
        entry.attrs.set(d.key, bumped);
        out.push({ op: 'increment', attr: d.key, delta: BigInt(delta).toString() });
        break;
      }
      default:
        throw new LdapError(RC.protocolError, `unknown modify operation ${String(m.op)}`);
    }
  }
  schema.checkEntry(entry);
  checkUnique(tx, entry.attrs, rec.uuid);
  const now = generalizedTime(tx.now);
  const recorded = sumAsDeltas(recEntry(rec).attrs, out, store.rules);
  recorded.push({ op: 'replace', attr: 'modifiersName', values: [b(actor.dn)] }, { op: 'replace', attr: 'modifyTimestamp', values: [b(now)] });
  const ch: Change = { op: 'modify', csn: tx.nextCsn(), uuid: rec.uuid, mods: recorded };
  priority(tx, ch);
  tx.apply(ch);
}

export function localModrdn(tx: Txn, actor: Actor, dnStr: string, newRdnStr: string, deleteOldRdn: boolean, newSuperior?: string): void {
  const store = tx.store;
  const schema = store.schema;
  const dn = parse(dnStr);
  const ndn = store.normalize(dnStr);
  const rec = mustGet(tx, dn, ndn);
  const newRdn = parse(newRdnStr);
  if (newRdn.length !== 1) throw new LdapError(RC.invalidDNSyntax, 'invalid new RDN');
  if (ndn === store.suffixNdn) throw new LdapError(RC.unwillingToPerform, 'cannot rename the suffix entry');
  let parentDn: DN = dn.slice(1);
  let parentUuid: string | undefined;
  if (newSuperior !== undefined) {
    parentDn = parse(newSuperior);
    const pndn = store.normalize(newSuperior);
    ensureInSuffix(tx, pndn);
    const parent = store.byNdn(pndn);
    if (!parent) throw new LdapError(RC.noSuchObject, 'newSuperior does not exist', store.matchedDN(parentDn));
    if (pndn === ndn || pndn.endsWith(',' + ndn)) throw new LdapError(RC.unwillingToPerform, 'newSuperior is the entry or below it');
    if (parent.uuid !== store.byId(rec.parent)?.uuid) parentUuid = parent.uuid;
  }
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
