// cn=config: a small tree of entries local to one server (Replication
// Manager entries and the like). Never replicated, no changelog; only the
// rootDn reads or writes it. Lives in the same LMDB environment.
import { formatDN, parseDN } from '../dit/dn.js';
import type { Entry } from '../dit/entry.js';
import { LdapError, RC } from '../errors.js';
import type { Schema } from '../schema/schema.js';
import type { Dbs } from './db.js';
import { applyMods, generalizedTime, type ClientMod } from './update.js';

export const CONFIG_DN = 'cn=config';

export interface LocalEntry {
  dn: string;
  ndn: string;
  attrs: [string, Buffer[]][];
}

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

export class LocalTree {
  readonly #dbs: Dbs;
  readonly #schema: Schema;
  readonly rootNdn: string;

  constructor(dbs: Dbs, schema: Schema) {
    this.#dbs = dbs;
    this.#schema = schema;
    this.rootNdn = schema.normalizeDN(CONFIG_DN)!;
    if (!this.#dbs.config.get(this.rootNdn)) {
      this.#dbs.config.putSync(this.rootNdn, {
        dn: CONFIG_DN,
        ndn: this.rootNdn,
        attrs: [['cn', [b('config')]], ['objectClass', [b('top'), b('applicationProcess')]]],
      } satisfies LocalEntry);
    }
  }

  /** True for cn=config and below. */
  holds(ndn: string): boolean {
    return ndn === this.rootNdn || ndn.endsWith(',' + this.rootNdn);
  }

  get(ndn: string): LocalEntry | undefined {
    return this.#dbs.config.get(ndn);
  }

  *all(): Iterable<LocalEntry> {
    // The UTF-8 key encoder cannot write lmdb's default start key; '\0' sorts before every DN.
    for (const { value } of this.#dbs.config.getRange({ start: '\u0000' })) yield value as LocalEntry;
  }

  children(ndn: string): LocalEntry[] {
    const out: LocalEntry[] = [];
    for (const e of this.all()) if (e.ndn !== ndn && e.ndn.endsWith(',' + ndn) && e.ndn.slice(0, -ndn.length - 1).indexOf(',') < 0) out.push(e);
    return out;
  }

  #check(dn: string, attrs: Map<string, Buffer[]>, add: boolean): void {
    const entry: Entry = { dn, attrs };
    this.#schema.checkEntry(entry, { add });
  }

  #canonical(input: { type: string; values: Buffer[] }[]): Map<string, Buffer[]> {
    const attrs = new Map<string, Buffer[]>();
    for (const { type, values } of input) {
      const d = this.#schema.canonicalDescription(type);
      if (!d) throw new LdapError(RC.undefinedAttributeType, `${type}: attribute type undefined`);
      attrs.set(d.key, [...(attrs.get(d.key) ?? []), ...values]);
    }
    return attrs;
  }

  add(actorDn: string, dn: string, input: { type: string; values: Buffer[] }[]): void {
    const ndn = this.#norm(dn);
    if (this.get(ndn)) throw new LdapError(RC.entryAlreadyExists, '');
    const parsed = parseDN(dn);
    const parentNdn = this.#norm(formatDN(parsed.slice(1)));
    if (!this.get(parentNdn)) throw new LdapError(RC.noSuchObject, '', CONFIG_DN);
    const attrs = this.#canonical(input);
    this.#check(dn, attrs, true);
    const now = generalizedTime(Date.now());
    attrs.set('creatorsName', [b(actorDn)]);
    attrs.set('createTimestamp', [b(now)]);
    this.#dbs.config.putSync(ndn, { dn, ndn, attrs: [...attrs] } satisfies LocalEntry);
  }

  modify(dn: string, mods: ClientMod[]): void {
    const ndn = this.#norm(dn);
    const e = this.get(ndn);
    if (!e) throw new LdapError(RC.noSuchObject, '', CONFIG_DN);
    const attrs = new Map(e.attrs);
    applyMods(this.#schema, attrs, mods);
    this.#check(e.dn, attrs, false);
    this.#dbs.config.putSync(ndn, { ...e, attrs: [...attrs] });
  }

  delete(dn: string): void {
    const ndn = this.#norm(dn);
    if (ndn === this.rootNdn) throw new LdapError(RC.unwillingToPerform, 'cn=config cannot be deleted');
    if (!this.get(ndn)) throw new LdapError(RC.noSuchObject, '', CONFIG_DN);
    if (this.children(ndn).length) throw new LdapError(RC.notAllowedOnNonLeaf, 'subordinate objects must be deleted first');
    this.#dbs.config.removeSync(ndn);
  }

  #norm(dn: string): string {
    const n = this.#schema.normalizeDN(dn);
    if (n === undefined) throw new LdapError(RC.invalidDNSyntax, 'invalid DN');
    return n;
  }
}
