// Add, modify, delete and modify DN from clients: referral on read-only
// replicas, cn=config for the rootDn, access control, password hashing,
// then one store transaction (src/store/update.ts does the DIT checks).
import { hashSshaSync, isSupportedHash } from '../../auth/password.js';
import { LdapError, RC } from '../../errors.js';
import { localAdd, localDelete, localModify, localModrdn, type ClientMod } from '../../store/update.js';
import type { Connection } from '../connection.js';
import type { ServerContext } from '../context.js';
import type { AddRequest, ModDNRequest, ModifyRequest } from '../pdu/index.js';

function writable(ctx: ServerContext): void {
  if (ctx.config.role !== 'master') {
    throw new LdapError(RC.referral, 'this replica is read-only; write to a master', '', ctx.referrals());
  }
}

function normalize(ctx: ServerContext, dn: string): string {
  return ctx.store.normalize(dn);
}

function isPassword(ctx: ServerContext, attr: string): boolean {
  return ctx.schema.canonicalDescription(attr)?.type.name === 'userPassword';
}

/** Cleartext passwords are stored as {SSHA} hashes (as 389-DS does); hashes are kept as given. */
function hashValues(values: Buffer[]): Buffer[] {
  return values.map((v) => (isSupportedHash(v.toString('utf8')) ? v : Buffer.from(hashSshaSync(v), 'utf8')));
}

function rootOnly(ctx: ServerContext, conn: Connection): void {
  if (!ctx.access.isRoot(conn)) throw new LdapError(RC.insufficientAccessRights, 'cn=config is writable only by the rootDn');
}

export async function add(ctx: ServerContext, conn: Connection, req: AddRequest): Promise<void> {
  const ndn = normalize(ctx, req.dn);
  const attrs = req.attrs.map((a) => (isPassword(ctx, a.type) ? { type: a.type, values: hashValues(a.values) } : a));
  if (ctx.configTree.holds(ndn)) {
    rootOnly(ctx, conn);
    ctx.configTree.add(conn.bindDn, req.dn, attrs);
    return;
  }
  writable(ctx);
  ctx.access.checkWrite(conn, 'add', ndn);
  await ctx.store.write((tx) => localAdd(tx, { dn: conn.bindDn }, req.dn, attrs));
}

export async function modify(ctx: ServerContext, conn: Connection, req: ModifyRequest): Promise<void> {
  const ndn = normalize(ctx, req.dn);
  const mods: ClientMod[] = req.changes.map((m) => (isPassword(ctx, m.attr) && m.op !== 1 ? { ...m, values: hashValues(m.values) } : m));
  if (ctx.configTree.holds(ndn)) {
    rootOnly(ctx, conn);
    ctx.configTree.modify(req.dn, mods);
    return;
  }
  writable(ctx);
  ctx.access.checkWrite(conn, 'modify', ndn, mods.map((m) => ctx.schema.canonicalDescription(m.attr)?.type.name ?? m.attr));
  await ctx.store.write((tx) => localModify(tx, { dn: conn.bindDn }, req.dn, mods));
}

export async function del(ctx: ServerContext, conn: Connection, dn: string): Promise<void> {
  const ndn = normalize(ctx, dn);
  if (ctx.configTree.holds(ndn)) {
    rootOnly(ctx, conn);
    ctx.configTree.delete(dn);
    return;
  }
  writable(ctx);
  ctx.access.checkWrite(conn, 'delete', ndn);
  await ctx.store.write((tx) => localDelete(tx, dn));
}

export async function modrdn(ctx: ServerContext, conn: Connection, req: ModDNRequest): Promise<void> {
  const ndn = normalize(ctx, req.dn);
  if (ctx.configTree.holds(ndn)) throw new LdapError(RC.unwillingToPerform, 'entries under cn=config cannot be renamed');
  writable(ctx);
  ctx.access.checkWrite(conn, 'modrdn', ndn);
  await ctx.store.write((tx) => localModrdn(tx, { dn: conn.bindDn }, req.dn, req.newRdn, req.deleteOldRdn, req.newSuperior));
}
