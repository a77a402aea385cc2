// Proxied authorization (RFC 4370): one operation carried out as another
// identity. Who may assume whom: the rootDn anyone, anyone bound themselves
// or anonymous, others only where an access rule grants `proxy` on the
// identity's entry (slapd's authzTo). Texts are slapd's.
import { LdapError, RC } from '../errors.js';
import { recEntry } from '../store/record.js';
import type { Session } from './connection.js';
import type { ServerContext } from './context.js';
import { CONTROL, EXOP, type Control, type Request } from './pdu/index.js';

/** Extended operations that act for the bound identity (the others act on the connection). */
const PROXIABLE_EXOPS = new Set<string>([EXOP.whoAmI, EXOP.passwordModify]);

/** The identity `op` runs as: the connection's, or the one its proxied authorization control names. */
export function requester(ctx: ServerContext, conn: Session, op: Request, controls: readonly Control[]): Session {
  const found = controls.filter((c) => c.oid === CONTROL.proxiedAuthz);
  if (found.length === 0) return conn;
  if (found.length > 1) throw new LdapError(RC.protocolError, 'proxied authorization control specified multiple times');
  const c = found[0]!;
  if (op.type === 'extended' && !PROXIABLE_EXOPS.has(op.oid)) throw new LdapError(RC.unavailableCriticalExtension, 'critical extension is not recognized');
  // RFC 4370 §3 wants a critical control, but slapd takes a non-critical
  // one unless told not to (`disallow proxy_authz_non_critical`), and its
  // back-ldap proxy sends it so by default: taken too.
  if (conn.auth === 'anonymous') throw new LdapError(RC.authorizationDenied, 'anonymous proxied authorization not allowed');
  const authzId = c.value?.toString('utf8') ?? '';
  if (authzId === '' || authzId === 'dn:') return as(conn, '', '', 'anonymous');
  // slapd maps `u:<name>` through its SASL rules (to uid=<name>,cn=auth
  // without authz-regexp), an identity nobody is authorized to assume.
  if (/^u:./i.test(authzId)) throw new LdapError(RC.authorizationDenied, 'not authorized to assume identity');
  const ndn = /^dn:/i.test(authzId) ? ctx.schema.normalizeDN(authzId.slice(3)) : undefined;
  if (ndn === undefined || ndn === '') throw new LdapError(RC.authorizationDenied, 'authzId mapping failed');
  if (ndn === conn.bindNdn) return as(conn, ndn, ndn, conn.auth);
  const rec = ctx.store.inSuffix(ndn) ? ctx.store.byNdn(ndn) : undefined;
  const allowed = conn.auth === 'root' || (ndn !== ctx.rootNdn && ctx.access.allows(conn, 'proxy', ndn, rec && recEntry(rec)));
  if (!allowed) throw new LdapError(RC.authorizationDenied, 'not authorized to assume identity');
  return as(conn, ndn, ndn, ndn === ctx.rootNdn ? 'root' : 'user');
}

/** An assumed identity goes by its normalized DN (Who am I?, modifiersName), as in slapd, also oneself. */
function as(conn: Session, bindDn: string, bindNdn: string, auth: Session['auth']): Session {
  return { id: conn.id, peer: conn.peer, tls: conn.tls, bindDn, bindNdn, auth };
}
