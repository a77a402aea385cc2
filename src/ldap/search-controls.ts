// Controls that narrow where a search or compare may look: subentries
// (RFC 3672) and dontUseCopy (RFC 6171). domainScope (an Active Directory
// control: no referrals) is honoured where referral objects are met
// (referral.ts).
import { BerReader } from '../ber/reader.js';
import type { Filter } from '../dit/filter-types.js';
import { LdapError, RC } from '../errors.js';
import type { ServerContext } from './context.js';
import { mastersReferral } from './referral.js';
import { CONTROL, findControl, type Control } from './pdu/index.js';

const SUBENTRY: Filter = { type: 'equality', attr: 'objectClass', value: Buffer.from('subentry') };

/**
 * The filter a search runs with the subentries control: only subentries
 * (objectClass subentry) when its value is TRUE, only other entries when
 * FALSE. Without the control, the filter as it is.
 */
export function withSubentries(controls: readonly Control[], filter: Filter): Filter {
  const c = findControl(controls, CONTROL.subentries);
  if (c === undefined) return filter;
  let visible: boolean;
  try {
    const r = new BerReader(c.value ?? Buffer.alloc(0));
    visible = r.readBoolean();
    if (r.hasMore()) throw new Error('trailing octets');
  } catch {
    throw new LdapError(RC.protocolError, 'subentries control value encoding is bogus');
  }
  return { type: 'and', filters: [visible ? SUBENTRY : { type: 'not', filter: SUBENTRY }, filter] };
}

/** dontUseCopy: a consumer or hub holds copies only, so it refers the client to the masters. */
export function requireOriginal(ctx: ServerContext, controls: readonly Control[], dn: string, scope?: number): void {
  const c = findControl(controls, CONTROL.dontUseCopy);
  if (c === undefined) return;
  if (c.value !== undefined) throw new LdapError(RC.protocolError, 'dontUseCopy control value not absent');
  if (ctx.config.role !== 'master') throw mastersReferral(ctx.schema, ctx.referrals(), 'this replica holds copies; ask a master', dn, scope);
}
