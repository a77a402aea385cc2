// Compare (RFC 4511 §4.10) with the attribute's equality rule.
import { parseDN } from '../../dit/dn.js';
import { LdapError, RC } from '../../errors.js';
import { compareAssertion } from '../../schema/filter.js';
import { recEntry } from '../../store/record.js';
import type { Connection } from '../connection.js';
import type { ServerContext } from '../context.js';
import type { CompareRequest } from '../pdu/index.js';

export function compare(ctx: ServerContext, conn: Connection, req: CompareRequest): number {
  const ndn = ctx.store.normalize(req.dn);
  let entry;
  if (ctx.configTree.holds(ndn)) {
    if (!ctx.access.isRoot(conn)) throw new LdapError(RC.insufficientAccessRights, '');
    const e = ctx.configTree.get(ndn);
    if (!e) throw new LdapError(RC.noSuchObject, '');
    entry = { dn: e.dn, attrs: new Map(e.attrs) };
  } else {
    ctx.access.checkRead(conn);
    const rec = ctx.store.byNdn(ndn);
    if (!rec) throw new LdapError(RC.noSuchObject, '', ctx.store.inSuffix(ndn) ? ctx.store.matchedDN(parseDN(req.dn)) : '');
    entry = recEntry(rec);
  }
  const d = ctx.schema.canonicalDescription(req.attr);
  if (!d) throw new LdapError(RC.undefinedAttributeType, `${req.attr}: attribute type undefined`);
  if (d.type.name === 'userPassword' && !ctx.access.passwordVisible(conn)) throw new LdapError(RC.insufficientAccessRights, '');
  const types = new Set(d.type.subtypes);
  const present = [...entry.attrs.keys()].some((k) => {
    const t = ctx.schema.canonicalDescription(k)?.type;
    return t !== undefined && types.has(t);
  });
  if (!present) throw new LdapError(RC.noSuchAttribute, '');
  return compareAssertion(ctx.schema, entry, req.attr, req.value) ? RC.compareTrue : RC.compareFalse;
}
