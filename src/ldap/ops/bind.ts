// Simple bind (RFC 4513 §5.1): anonymous, rootDn, an entry's userPassword,
// or a cn=config entry (Replication Managers). A failed bind leaves the
// connection anonymous.
import { verifyPassword } from '../../auth/password.js';
import { formatDN, parseDN } from '../../dit/dn.js';
import { LdapError, RC } from '../../errors.js';
import type { Connection } from '../connection.js';
import type { ServerContext } from '../context.js';
import type { BindRequest } from '../pdu/index.js';

export async function bind(ctx: ServerContext, conn: Connection, req: BindRequest): Promise<void> {
  conn.bindDn = '';
  conn.bindNdn = '';
  conn.auth = 'anonymous';
  if (req.version !== 3) throw new LdapError(RC.protocolError, 'historical protocol version requested, use LDAPv3 instead');
  if (req.auth.kind === 'sasl') throw new LdapError(RC.authMethodNotSupported, 'SASL(-4): no mechanism available: ');
  const password = req.auth.password;
  if (req.name === '') {
    // A password without a name is not an anonymous bind (RFC 4513 §5.1.1): slapd answers 49 with no text.
    if (password.length > 0) throw new LdapError(RC.invalidCredentials, '');
    return;
  }
  let ndn: string;
  try {
    ndn = ctx.store.normalize(req.name);
  } catch {
    throw new LdapError(RC.invalidDNSyntax, 'invalid DN');
  }
  if (password.length === 0) throw new LdapError(RC.unwillingToPerform, 'unauthenticated bind (DN with no password) disallowed');
  if (ctx.config.access.requireTlsForBind && !conn.tls) throw new LdapError(RC.confidentialityRequired, 'TLS confidentiality required');
  const guard = ctx.bindGuard;
  const release = await guard?.admit(ndn);
  let level: 'root' | 'user' = 'user';
  // The identity is the entry's own DN, or the rootDn as the client wrote it
  // with canonical type names (slapd's o_dn, which Who am I? returns).
  let identity = '';
  let ok = false;
  try {
    let stored: Buffer[] = [];
    if (ndn === ctx.rootNdn) {
      stored = [Buffer.from(ctx.config.rootPasswordHash, 'utf8')];
      level = 'root';
      identity = formatDN(parseDN(req.name).map((rdn) => rdn.map((a) => ({ ...a, type: ctx.schema.attributeType(a.type)?.name ?? a.type }))));
    } else if (ctx.configTree.holds(ndn)) {
      const e = ctx.configTree.get(ndn);
      stored = e?.attrs.find(([k]) => k === 'userPassword')?.[1] ?? [];
      identity = e?.dn ?? '';
    } else if (ctx.store.inSuffix(ndn)) {
      const rec = ctx.store.byNdn(ndn);
      stored = rec?.attrs.find(([k]) => k === 'userPassword')?.[1] ?? [];
      identity = rec?.dn ?? '';
    }
    const allowClear = ctx.config.access.allowCleartextPasswords;
    for (const s of stored) {
      if (await verifyPassword(password, s, allowClear)) {
        ok = true;
        break;
      }
    }
    if (ok) guard?.succeeded(ndn);
    else guard?.failed(ndn, conn.peer);
  } finally {
    // Whatever happened, the next attempt for this DN may go on.
    release?.();
  }
  if (ok) {
    conn.bindDn = identity;
    conn.bindNdn = ndn;
    conn.auth = level;
    return;
  }
  const delay = guard?.delayMs?.(ndn) ?? 0;
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  throw new LdapError(RC.invalidCredentials, '');
}
