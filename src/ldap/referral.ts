// Referral objects (RFC 3296): an entry of class `referral` stands for a
// part of the tree held elsewhere, named by its `ref` URLs. Without the
// ManageDsaIT control a client is referred there, as slapd does (its
// back-mdb referral checks and servers/slapd/referral.c): an operation on
// the object or below it gets referral (10), and a search meets it as a
// continuation reference. With the control it is an ordinary entry.
import { parseDN } from '../dit/dn.js';
import { LdapError, RC } from '../errors.js';
import type { Schema } from '../schema/schema.js';
import { hasClass, recEntry, type EntryRec } from '../store/record.js';
import type { Store } from '../store/store.js';
import type { Access } from './access.js';
import type { Session } from './connection.js';
import { CONTROL, findControl, type Control } from './pdu/index.js';

function manageDsaIT(controls: readonly Control[]): boolean {
  return findControl(controls, CONTROL.manageDsaIT) !== undefined;
}

function isReferral(schema: Schema, rec: EntryRec): boolean {
  return hasClass(schema, rec, 'referral');
}

/** May any entry be a referral object? (True without an objectClass index: then every lookup checks.) */
function mayRefer(store: Store): boolean {
  const ids = store.classIds('referral');
  return ids === undefined || ids.length > 0;
}

/** The `ref` values of a referral object, each without its label (slapd's get_entry_referrals). */
function entryRefs(rec: EntryRec): string[] {
  const values = rec.attrs.find(([k]) => k === 'ref')?.[1] ?? [];
  const out: string[] = [];
  for (const v of values) {
    const url = v.toString('utf8').split(/\s/, 1)[0]!;
    if (url !== '') out.push(url);
  }
  return out;
}

type RefScope = 'base' | 'one' | 'sub' | 'subordinate' | undefined;
const SCOPES: RefScope[] = ['base', 'one', 'sub', 'subordinate'];

/** The referral's scope for a search of `scope` (RFC 4511 numbering; 3 = children). */
function searchScope(scope: number): RefScope {
  return SCOPES[scope];
}

/**
 * slapd's referral_dn_muck: the DN a URL is rewritten to. `target` is the
 * DN the client asked for (undefined for a continuation reference), `base`
 * the referral object's DN.
 */
function muck(schema: Schema, refDn: string | undefined, base: string | undefined, target: string | undefined): string | undefined {
  const pretty = (dn: string): string | undefined => schema.prettyDN(dn);
  // The default referral: the request's DN, whatever the URL names.
  if (base === undefined) return target === undefined ? undefined : pretty(target);
  const ref = refDn === undefined ? undefined : pretty(refDn);
  if (refDn !== undefined && ref === undefined) return undefined;
  if (target === undefined) return ref || base;
  const t = pretty(target);
  if (t === undefined) return undefined;
  if (!ref) return t;
  const b = pretty(base);
  if (b === undefined) return undefined;
  if (b === ref || t.length < b.length) return t;
  if (t.slice(t.length - b.length).toLowerCase() !== b.toLowerCase()) return t;
  return t.slice(0, t.length - b.length) + ref;
}

/** RFC 4516 escaping of a URL's DN, as libldap's ldap_url_desc2str writes it. */
function escapeUrlDn(dn: string): string {
  return Buffer.from(dn, 'utf8')
    .toString('latin1')
    .replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * slapd's referral_rewrite: each LDAP URL with its DN rewritten and, when
 * the URL names no scope, `scope`; other schemes are kept as they are, and
 * URLs that do not parse are dropped.
 */
export function rewriteRefs(schema: Schema, urls: string[], base: string | undefined, target: string | undefined, scope: RefScope): string[] {
  const out: string[] = [];
  for (const url of urls) {
    const m = /^(ldaps?|ldapi):\/\/([^/?]*)(?:\/([^?]*)(?:\?(.*))?)?$/i.exec(url);
    if (m === null) {
      if (!/^ldap[si]?:/i.test(url)) out.push(url);
      continue;
    }
    let refDn: string;
    try {
      refDn = decodeURIComponent(m[3] ?? '');
    } catch {
      continue;
    }
    const dn = muck(schema, refDn === '' ? undefined : refDn, base, target);
    if (dn === undefined) continue;
    const parts = (m[4] ?? '').split('?');
    if (!parts[1] && scope !== undefined) parts[1] = scope;
    while (parts.length > 0 && !parts[parts.length - 1]) parts.pop();
    out.push(`${m[1]}://${m[2]}/${escapeUrlDn(dn)}${parts.length ? '?' + parts.join('?') : ''}`);
  }
  return out;
}

/**
 * Active Directory's domainScope control (slapd honours it on searches):
 * no referral leaves, a referral result becomes noSuchObject.
 */
function domainScope(controls: readonly Control[]): boolean {
  return findControl(controls, CONTROL.domainScope) !== undefined;
}

/** The referral (10) a referral object answers with `refs`; slapd's error for an object whose URLs are all unusable. */
function referral(rec: EntryRec, refs: string[]): LdapError {
  return refs.length === 0 ? new LdapError(RC.other, 'bad referral object', rec.dn) : new LdapError(RC.referral, '', rec.dn, refs);
}

/** The object's URLs rewritten for an operation on `target` (slapd's referral_rewrite). */
function rewritten(schema: Schema, rec: EntryRec, target: string, scope: RefScope): LdapError {
  return referral(rec, rewriteRefs(schema, entryRefs(rec), rec.dn, target, scope));
}

/**
 * The `hidden` test of checkReferral and checkSearchBase for `who`: a
 * referral object it may not find (slapd's "disclose"); undefined when no
 * rule can hide one from it.
 */
export function hiddenFrom(access: Access, who: Session): ((rec: EntryRec) => boolean) | undefined {
  return access.ruled && !access.isRoot(who) ? (rec) => !access.discloses(who, rec.ndn, recEntry(rec)) : undefined;
}

/**
 * `hidden`: the requester may not find this referral object (an access
 * rule): a search or compare answers noSuchObject, as slapd's
 * send_search_reference and mdb_referrals check "disclose" first; its
 * URLs are not for such a client.
 *
 * An update or compare of `dn` without ManageDsaIT: a referral object there
 * refers the client to its URLs as they are (slapd's mdb_modify and the
 * others); one as the nearest existing superior, to its URLs rewritten for
 * `dn` (slapd's mdb_referrals). No scope either way.
 */
export function checkReferral(schema: Schema, store: Store, dn: string, controls: readonly Control[], hidden?: (rec: EntryRec) => boolean): void {
  if (manageDsaIT(controls) || !mayRefer(store)) return;
  const rec = store.nearest(parseDN(dn));
  if (rec === undefined || !isReferral(schema, rec)) return;
  if (hidden?.(rec)) throw new LdapError(RC.noSuchObject, '');
  throw rec.ndn === store.normalize(dn) ? referral(rec, entryRefs(rec)) : rewritten(schema, rec, dn, undefined);
}

/**
 * A search base (`id` if it exists): one that is a referral object refers
 * the client unless it sent ManageDsaIT; a missing one whose nearest
 * superior is a referral object refers it in any case (as slapd's
 * mdb_search).
 */
export function checkSearchBase(schema: Schema, store: Store, dn: string, id: number | undefined, scope: number, controls: readonly Control[], hidden?: (rec: EntryRec) => boolean): void {
  if (!mayRefer(store)) return;
  const rec = id === undefined ? store.nearest(parseDN(dn)) : manageDsaIT(controls) ? undefined : store.byId(id);
  if (rec === undefined || !isReferral(schema, rec)) return;
  if (hidden?.(rec)) throw new LdapError(RC.noSuchObject, '');
  throw domainScope(controls) ? new LdapError(RC.noSuchObject, '', rec.dn) : rewritten(schema, rec, dn, searchScope(scope));
}

/**
 * How a one-level or subtree search without ManageDsaIT tells referral
 * objects (sent as continuation references whatever the filter, as
 * slapd): by id, or without an objectClass index by their classes;
 * undefined when there are none.
 */
export function referralsInSearch(schema: Schema, store: Store, scope: number, controls: readonly Control[]): ((rec: EntryRec) => boolean) | undefined {
  if (scope === 0 || manageDsaIT(controls)) return undefined;
  const ids = store.classIds('referral');
  if (ids === undefined) return (rec) => isReferral(schema, rec);
  if (ids.length === 0) return undefined;
  const set = new Set(ids);
  return (rec) => set.has(rec.id);
}

/** The URLs of the continuation reference a referral object in a search's scope stands for (none: send nothing). */
export function continuation(schema: Schema, rec: EntryRec, scope: number, controls: readonly Control[]): string[] {
  if (domainScope(controls)) return [];
  return rewriteRefs(schema, entryRefs(rec), rec.dn, undefined, scope === 1 ? 'base' : 'sub');
}

/**
 * A DN in no naming context here: slapd's default referral (its `referral`
 * directive, the server file's `referral`), each URL with the request's DN
 * and, for a search, its scope; undefined when none is configured.
 */
export function defaultReferral(schema: Schema, urls: readonly string[], dn: string, scope?: number): LdapError | undefined {
  const refs = withTarget(schema, urls, dn, scope);
  return refs.length === 0 ? undefined : new LdapError(RC.referral, '', '', refs);
}

function withTarget(schema: Schema, urls: readonly string[], dn: string, scope?: number): string[] {
  return urls.length === 0 ? [] : rewriteRefs(schema, [...urls], undefined, dn, scope === undefined ? undefined : searchScope(scope));
}

/**
 * A hub or consumer refusing a write, or a read with dontUseCopy: referral
 * (10) to the masters, each URL with the request's DN and, for a search,
 * its scope, as slapd's shadow databases answer with their `updateref`
 * URLs. Without a DN (password modify) the URLs go as they are, as there.
 */
export function mastersReferral(schema: Schema, urls: readonly string[], message: string, dn?: string, scope?: number): LdapError {
  // A referral names at least one URL (RFC 4511 4.1.10): a replica that
  // knows no master yet (none configured, no supplier seen) says so instead.
  if (urls.length === 0) return new LdapError(RC.unwillingToPerform, `${message}: no master is known here yet (set replication.referrals in the server file)`);
  return new LdapError(RC.referral, message, '', dn === undefined ? [...urls] : withTarget(schema, urls, dn, scope));
}
