// Add, modify, delete and modify DN from clients, with slapd's order of
// checks: the request itself (DN syntax, attribute types and values), then
// naming context, authentication, cn=config, referral objects (RFC 3296),
// referral on read-only replicas, and in one store transaction the target, access control and
// the DIT rules (src/store/update.ts).
import { storedPasswords } from '../../auth/password.js';
import { formatDN, parseDN } from '../../dit/dn.js';
import type { Entry } from '../../dit/entry.js';
import { LdapError, RC } from '../../errors.js';
import { recEntry } from '../../store/record.js';
import type { Txn } from '../../store/write.js';
import { checkClientAttrs, checkClientMods, checkModShapes, checkUserModifiable, localAdd, localDelete, localModify, localModrdn, type ClientMod } from '../../store/update.js';
import type { Session } from '../connection.js';
import type { ServerContext } from '../context.js';
import { CONTROL, findControl, type AddRequest, type Control, type ModDNRequest, type ModifyRequest } from '../pdu/index.js';
import { assertionOf } from '../assertion.js';
import type { WriteKind } from '../access.js';
import { readRequests, readResponse } from '../read-controls.js';
import { SUBSCHEMA_NDN } from './virtual.js';
import { checkReferral, defaultReferral, mastersReferral } from '../referral.js';

function writable(ctx: ServerContext, dn: string): void {
  if (ctx.config.role !== 'master') throw mastersReferral(ctx.schema, ctx.referrals(), 'this replica is read-only; write to a master', dn);
}

function normalize(ctx: ServerContext, dn: string, message = 'invalid DN'): string {
  const n = ctx.schema.normalizeDN(dn);
  if (n === undefined) throw new LdapError(RC.invalidDNSyntax, message);
  return n;
}

function isPassword(ctx: ServerContext, attr: string): boolean {
  return ctx.schema.canonicalDescription(attr)?.type.name === 'userPassword';
}

/**
 * What slapd's frontend checks once the request is well formed: a naming
 * context holds the DN (else the default referral, if any), the client is bound (anonymous updates are refused
 * before anything is looked up), and cn=config is for the rootDn.
 */
function frontend(ctx: ServerContext, who: Session, dn: string, ndn: string, controls: readonly Control[]): 'config' | 'suffix' {
  const config = ctx.configTree.holds(ndn);
  if (!config && !ctx.store.inSuffix(ndn)) {
    throw defaultReferral(ctx.schema, ctx.config.referral, dn) ?? new LdapError(RC.unwillingToPerform, 'no global superior knowledge');
  }
  ctx.access.requireAuthenticated(who);
  if (!config) {
    const refused = ctx.store.localWritesRefused?.();
    if (refused) throw new LdapError(RC.unwillingToPerform, refused);
    return 'suffix';
  }
  if (!ctx.access.isRoot(who)) throw new LdapError(RC.insufficientAccessRights, 'cn=config is writable only by the rootDn');
  if (findControl(controls, CONTROL.noop)) throw new LdapError(RC.unwillingToPerform, 'the noop control is not supported on cn=config');
  return 'config';
}

/** The relax control (OpenLDAP's): the rootDn may set creatorsName, createTimestamp, modifiersName and modifyTimestamp, e.g. in a migration. */
function relaxed(ctx: ServerContext, who: Session, controls: readonly Control[]): boolean {
  return findControl(controls, CONTROL.relax) !== undefined && ctx.access.isRoot(who);
}

/**
 * The write's transaction. Under the noop control (OpenLDAP's
 * 1.3.6.1.4.1.4203.666.5.2, sent by `ldapmodify -e noop`) it runs with
 * every check and is then rolled back: result noOperation, nothing stored
 * or replicated.
 */
function commit(ctx: ServerContext, controls: readonly Control[], fn: (tx: Txn) => unknown, opts: { speculate?: boolean } = {}): Promise<unknown> {
  if (!findControl(controls, CONTROL.noop)) return ctx.store.write(fn, { ...opts, local: true });
  return ctx.store.write((tx) => {
    fn(tx);
    throw new LdapError(RC.noOperation, '');
  });
}

/**
 * What a write checks on its target entry, inside its transaction (access
 * rules, an assertion control), and the response controls it owes (pre-read
 * of that entry, post-read of the entry at `postNdn` after the commit).
 */
function targetChecks(ctx: ServerContext, who: Session, kind: WriteKind, ndn: string, types: string[], controls: readonly Control[], also?: () => void) {
  const asserted = assertionOf(ctx, who, controls);
  const reads = readRequests(ctx, controls);
  let pre: Entry | undefined;
  return {
    authorize(entry: Entry): void {
      ctx.access.checkWrite(who, kind, ndn, types, entry);
      also?.();
      asserted?.(entry, ndn);
      // An add's entry is the one it makes: there is nothing before it. A
      // copy: the write goes on to change this entry's attributes in place.
      if (reads.pre && kind !== 'add') pre = { dn: entry.dn, attrs: new Map(entry.attrs) };
    },
    // After a delete nothing is at `ndn`: no post-read.
    respond: (postNdn = ndn): Control[] => readResponse(ctx, who, reads, pre, ndn, postNdn),
  };
}

export async function add(ctx: ServerContext, who: Session, req: AddRequest, controls: readonly Control[] = []): Promise<Control[]> {
  const ndn = normalize(ctx, req.dn);
  // slapd's do_add, once the DN is read (OpenLDAP's test004-modify expects it).
  if (req.attrs.length === 0) throw new LdapError(RC.protocolError, 'no attributes provided');
  // slapd's do_add refuses the server's own entries before it reads a type.
  if (ndn === '') throw new LdapError(RC.entryAlreadyExists, 'root DSE already exists');
  if (ndn === SUBSCHEMA_NDN) throw new LdapError(RC.entryAlreadyExists, 'subschema subentry already exists');
  const relax = relaxed(ctx, who, controls);
  checkClientAttrs(ctx.schema, req.attrs, relax);
  const where = frontend(ctx, who, req.dn, ndn, controls);
  checkUserModifiable(ctx.schema, req.attrs.map((a) => a.type), relax);
  const attrs = req.attrs.map((a) => (isPassword(ctx, a.type) ? { type: a.type, values: storedPasswords(a.values) } : a));
  if (where === 'config') {
    ctx.configTree.add(who.bindDn, req.dn, attrs);
    return [];
  }
  checkReferral(ctx.schema, ctx.store, req.dn, controls);
  writable(ctx, req.dn);
  const target = targetChecks(ctx, who, 'add', ndn, [], controls);
  await commit(ctx, controls, (tx) => localAdd(tx, { dn: who.bindDn }, req.dn, attrs, { authorize: target.authorize, relax }), { speculate: true });
  return target.respond();
}

export async function modify(ctx: ServerContext, who: Session, req: ModifyRequest, controls: readonly Control[] = []): Promise<Control[]> {
  checkModShapes(req.changes);
  const ndn = normalize(ctx, req.dn);
  const relax = relaxed(ctx, who, controls);
  checkClientMods(ctx.schema, req.changes, relax);
  if (ndn === '') throw new LdapError(RC.unwillingToPerform, 'modify upon the root DSE not supported');
  if (ndn === SUBSCHEMA_NDN) throw new LdapError(RC.unwillingToPerform, 'modification of subschema subentry not supported');
  const where = frontend(ctx, who, req.dn, ndn, controls);
  checkUserModifiable(ctx.schema, req.changes.map((m) => m.attr), relax);
  const mods: ClientMod[] = req.changes.map((m) => (isPassword(ctx, m.attr) && m.op !== 1 ? { ...m, values: storedPasswords(m.values) } : m));
  if (where === 'config') {
    ctx.configTree.modify(req.dn, mods);
    return [];
  }
  checkReferral(ctx.schema, ctx.store, req.dn, controls);
  writable(ctx, req.dn);
  const types = mods.map((m) => ctx.schema.canonicalDescription(m.attr)!.type.name);
  const target = targetChecks(ctx, who, 'modify', ndn, types, controls);
  const permissive = findControl(controls, CONTROL.permissiveModify) !== undefined;
  await commit(ctx, controls, (tx) => localModify(tx, { dn: who.bindDn }, req.dn, mods, { authorize: target.authorize, relax, permissive }), { speculate: true });
  return target.respond();
}

export async function del(ctx: ServerContext, who: Session, dn: string, controls: readonly Control[] = []): Promise<Control[]> {
  const ndn = normalize(ctx, dn);
  // slapd gives cn=Subschema the root DSE's text too.
  if (ndn === '' || ndn === SUBSCHEMA_NDN) throw new LdapError(RC.unwillingToPerform, 'cannot delete the root DSE');
  if (frontend(ctx, who, dn, ndn, controls) === 'config') {
    ctx.configTree.delete(dn);
    return [];
  }
  checkReferral(ctx.schema, ctx.store, dn, controls);
  writable(ctx, dn);
  const target = targetChecks(ctx, who, 'delete', ndn, [], controls);
  await commit(ctx, controls, (tx) => localDelete(tx, dn, { authorize: target.authorize }));
  return target.respond();
}

export async function modrdn(ctx: ServerContext, who: Session, req: ModDNRequest, controls: readonly Control[] = []): Promise<Control[]> {
  const ndn = normalize(ctx, req.dn);
  const rdnNdn = normalize(ctx, req.newRdn, 'invalid new RDN');
  if (parseDN(req.newRdn).length !== 1) throw new LdapError(RC.invalidDNSyntax, 'invalid new RDN');
  const supNdn = req.newSuperior === undefined ? undefined : normalize(ctx, req.newSuperior, 'invalid newSuperior');
  if (ndn === '') throw new LdapError(RC.unwillingToPerform, 'cannot rename the root DSE');
  if (ndn === SUBSCHEMA_NDN) throw new LdapError(RC.unwillingToPerform, 'cannot rename subschema subentry');
  const oldParentNdn = normalize(ctx, formatDN(parseDN(req.dn).slice(1)));
  const parentNdn = supNdn ?? oldParentNdn;
  const destNdn = parentNdn === '' ? rdnNdn : `${rdnNdn},${parentNdn}`;
  if (destNdn.length > ndn.length && destNdn.endsWith(',' + ndn)) throw new LdapError(RC.unwillingToPerform, 'cannot place an entry below itself');
  if (destNdn.length < ndn.length && ndn.endsWith(',' + destNdn)) throw new LdapError(RC.unwillingToPerform, 'cannot place an entry above itself');
  const where = frontend(ctx, who, req.dn, ndn, controls);
  const destWhere = ctx.configTree.holds(destNdn) ? 'config' : ctx.store.inSuffix(destNdn) ? 'suffix' : undefined;
  if (destWhere !== where) throw new LdapError(RC.affectsMultipleDSAs, 'cannot rename between DSAs');
  if (where === 'config') throw new LdapError(RC.unwillingToPerform, 'entries under cn=config cannot be renamed');
  // A new RDN puts its values in the entry: not of a type the server keeps (slapd 2.5 crashes on one).
  checkUserModifiable(ctx.schema, parseDN(req.newRdn)[0]!.map((a) => a.type));
  checkReferral(ctx.schema, ctx.store, req.dn, controls);
  writable(ctx, req.dn);
  // A rename gives its parent a child of a new name, and moving an entry
  // adds a child to its new superior: either needs the right to add there
  // (slapd: write on the parent's "children", "no write access to new
  // superior's children"). Write on the entry alone let a user with a
  // `self` write rule rename itself to any free DN, one of access.writers
  // or a dn: rule's among them.
  const newParent = (): void => {
    const rec = ctx.store.byNdn(parentNdn);
    if (rec && !ctx.access.allows(who, 'add', parentNdn, recEntry(rec))) {
      throw new LdapError(RC.insufficientAccessRights, parentNdn === oldParentNdn ? "no write access to parent's children" : "no write access to new superior's children");
    }
  };
  const target = targetChecks(ctx, who, 'modrdn', ndn, [], controls, newParent);
  await commit(ctx, controls, (tx) => localModrdn(tx, { dn: who.bindDn }, req.dn, req.newRdn, req.deleteOldRdn, req.newSuperior, { authorize: target.authorize }));
  return target.respond(destNdn);
}
