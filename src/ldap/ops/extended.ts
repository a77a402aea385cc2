// Extended operations: StartTLS (RFC 4511 §4.14), Who am I? (RFC 4532),
// Password Modify (RFC 3062), Cancel (RFC 3909), and any registered by
// replication.
import { randomBytes } from 'node:crypto';
import { BerReader } from '../../ber/reader.js';
import { TAG } from '../../ber/tags.js';
import { hashPassword, verifyPassword } from '../../auth/password.js';
import type { Entry } from '../../dit/entry.js';
import { LdapError, RC } from '../../errors.js';
import { localModify } from '../../store/update.js';
import { recEntry, type EntryRec } from '../../store/record.js';
import type { Connection, Session } from '../connection.js';
import type { ServerContext } from '../context.js';
import { decodePasswdModifyRequest, encodePasswdModifyResponse, EXOP, type ExtendedRequest } from '../pdu/index.js';
import { mastersReferral } from '../referral.js';

export interface ExtendedResult {
  oid?: string;
  value?: Buffer;
  /** Run after the response is written (StartTLS begins the handshake here). */
  after?: () => void;
}

export async function extended(ctx: ServerContext, conn: Connection, who: Session, id: number, req: ExtendedRequest): Promise<ExtendedResult | 'handled'> {
  switch (req.oid) {
    case EXOP.whoAmI:
      if (req.value !== undefined) throw new LdapError(RC.protocolError, 'no request data expected');
      return { value: Buffer.from(who.auth === 'anonymous' ? '' : `dn:${who.bindDn}`, 'utf8') };
    case EXOP.startTls:
      return startTls(ctx, conn, req.value);
    case EXOP.passwordModify:
      return passwordModify(ctx, who, req.value);
    case EXOP.cancel:
      return cancel(conn, id, req.value);
    default: {
      const h = ctx.extended.get(req.oid);
      if (!h) throw new LdapError(RC.protocolError, 'unsupported extended operation');
      await h.handle(ctx, conn, id, req.value);
      return 'handled';
    }
  }
}

/** Operations RFC 3909 §2 says cannot be canceled (abandon and unbind are never outstanding). */
const UNCANCELABLE = new Set<string>(['bind', EXOP.startTls, EXOP.cancel]);

/**
 * Cancel (RFC 3909). Only a search can still be stopped once it runs: it
 * ends with result `canceled`, and the cancel succeeds after that response.
 * A write or compare in progress has gone too far (its transaction is
 * queued or done): tooLate, and it completes.
 */
async function cancel(conn: Connection, id: number, value: Buffer | undefined): Promise<ExtendedResult> {
  if (value === undefined) throw new LdapError(RC.protocolError, 'no message ID supplied');
  let target: number;
  try {
    const r = new BerReader(value);
    const seq = r.enter(TAG.sequence);
    target = r.readInt();
    r.leave(seq);
    if (r.hasMore()) throw new Error('trailing octets');
  } catch {
    throw new LdapError(RC.protocolError, 'message ID parse failed');
  }
  const st = conn.outstanding.get(target);
  if (st === undefined || (st.abandoned && !st.canceled)) throw new LdapError(RC.noSuchOperation, 'message ID not found');
  if (target === id || UNCANCELABLE.has(st.kind)) throw new LdapError(RC.cannotCancel, 'operation cannot be canceled');
  if (st.kind !== 'search') throw new LdapError(RC.tooLate, 'too late to cancel');
  if (st.canceled) throw new LdapError(RC.noSuchOperation, 'operation is already being canceled');
  const ended = new Promise<void>((resolve) => (st.onEnd = resolve));
  st.canceled = true;
  st.abandoned = true;
  await ended;
  return {};
}

/** In slapd's order (servers/slapd/starttls.c); like slapd, a bound connection becomes anonymous. */
function startTls(ctx: ServerContext, conn: Connection, value: Buffer | undefined): ExtendedResult {
  const tls = ctx.tlsContext();
  // Without a certificate slapd does not offer StartTLS at all.
  if (!tls) throw new LdapError(RC.protocolError, 'unsupported extended operation');
  if (value !== undefined) throw new LdapError(RC.protocolError, 'no request data expected');
  if (conn.tls) throw new LdapError(RC.operationsError, 'TLS already started');
  // Requests sent behind it, in the clear, are outstanding too: refused, and they run in the clear (never inside TLS).
  if (conn.outstanding.size > 1 || conn.pendingInput) throw new LdapError(RC.operationsError, 'cannot start TLS when operations are outstanding');
  conn.bindDn = '';
  conn.bindNdn = '';
  conn.auth = 'anonymous';
  const requestCert = ctx.config.tls?.clientCert !== undefined && ctx.config.tls.clientCert !== 'none';
  return {
    oid: EXOP.startTls,
    after: () =>
      conn.startTls(tls, requestCert, ctx.config.tls?.clientCert === 'require', (err) => {
        if (err) {
          ctx.log.info({ conn: conn.id, err: err.message }, 'StartTLS handshake failed');
          conn.close();
        }
      }),
  };
}

/** RFC 3062, in slapd's order of checks (servers/slapd/passwd.c). */
async function passwordModify(ctx: ServerContext, who: Session, value: Buffer | undefined): Promise<ExtendedResult> {
  if (who.auth === 'anonymous') throw new LdapError(RC.strongerAuthRequired, 'only authenticated users may change passwords');
  let req;
  try {
    req = decodePasswdModifyRequest(value);
  } catch {
    throw new LdapError(RC.protocolError, 'data decoding error');
  }
  // slapd's slap_passwd_parse: an empty password is never hashed and stored.
  if (req.oldPasswd !== undefined && req.oldPasswd.length === 0) throw new LdapError(RC.unwillingToPerform, 'old password value is empty');
  if (req.newPasswd !== undefined && req.newPasswd.length === 0) throw new LdapError(RC.unwillingToPerform, 'new password value is empty');
  let targetDn = who.bindDn;
  let ndn = who.bindNdn;
  if (req.userIdentity !== undefined && req.userIdentity !== '') {
    targetDn = req.userIdentity.replace(/^dn:/i, '');
    const n = ctx.schema.normalizeDN(targetDn);
    // slapd passes on dnPrettyNormal's invalidAttributeSyntax here.
    if (n === undefined) throw new LdapError(RC.invalidAttributeSyntax, 'Invalid DN');
    ndn = n;
  }
  if (!ctx.store.inSuffix(ndn)) throw new LdapError(RC.unwillingToPerform, req.oldPasswd !== undefined ? 'unwilling to verify old password' : 'no global superior knowledge');
  if (ctx.config.role !== 'master') throw mastersReferral(ctx.schema, ctx.referrals(), 'this replica is read-only; write to a master');
  const rec = ctx.store.byNdn(ndn);
  const authorize = (entry: Entry): void => ctx.access.checkWrite(who, 'modify', ndn, ['userPassword'], entry);
  if (req.oldPasswd !== undefined) {
    // The old password is checked with the requester's rights on it, as
    // slapd checks it with "auth" access: someone who may not change this
    // password learns nothing about it, not even that it was wrong.
    let ok = false;
    if (rec && mayWrite(authorize, rec)) {
      const stored = rec.attrs.find(([k]) => k === 'userPassword')?.[1] ?? [];
      for (const s of stored) if (await verifyPassword(req.oldPasswd, s, ctx.config.access.allowCleartextPasswords)) ok = true;
    }
    if (!ok) throw new LdapError(RC.unwillingToPerform, 'unwilling to verify old password');
  }
  const generated = req.newPasswd === undefined ? randomBytes(9).toString('base64') : undefined;
  const newPw = req.newPasswd ?? Buffer.from(generated!, 'utf8');
  if (!rec) throw new LdapError(RC.noSuchObject, '');
  const hash = Buffer.from(await hashPassword(newPw, 'SSHA'), 'utf8');
  const refused = ctx.store.localWritesRefused?.();
  if (refused) throw new LdapError(RC.unwillingToPerform, refused);
  await ctx.store.write((tx) => localModify(tx, { dn: who.bindDn }, targetDn, [{ op: 2, attr: 'userPassword', values: [hash] }], { authorize }), { speculate: true, local: true });
  return { value: encodePasswdModifyResponse(generated === undefined ? undefined : Buffer.from(generated, 'utf8')) };
}

function mayWrite(authorize: (entry: Entry) => void, rec: EntryRec): boolean {
  try {
    authorize(recEntry(rec));
    return true;
  } catch (e) {
    if (e instanceof LdapError && e.code === RC.insufficientAccessRights) return false;
    throw e;
  }
}
