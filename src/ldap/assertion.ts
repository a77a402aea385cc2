// The assertion control (RFC 4528): an operation goes ahead only if a filter
// is true of its target entry (the base of a search, the entry an add would
// make), as slapd's back-mdb tests it; otherwise assertionFailed (122).
import { BerReader } from '../ber/reader.js';
import type { Entry } from '../dit/entry.js';
import { LdapError, RC } from '../errors.js';
import type { Session } from './connection.js';
import type { ServerContext } from './context.js';
import { guardFilter } from './filter-access.js';
import { CONTROL, findControl, readFilter, type Control } from './pdu/index.js';

/** A check of the target entry, or undefined when the request carries no assertion. */
export function assertionOf(ctx: ServerContext, who: Session, controls: readonly Control[]): ((entry: Entry, ndn?: string) => void) | undefined {
  const c = findControl(controls, CONTROL.assertion);
  if (c === undefined) return undefined;
  if (c.value === undefined) throw new LdapError(RC.protocolError, 'assert control value is absent');
  let filter;
  try {
    const r = new BerReader(c.value);
    filter = readFilter(r);
    if (r.hasMore()) throw new Error('trailing octets');
  } catch {
    throw new LdapError(RC.protocolError, 'assertion control value is invalid');
  }
  const test = guardFilter(ctx, who, filter);
  // The rules of the entry's own place decide what the filter may see.
  return (entry, ndn) => {
    if (test(ndn ?? '', entry) !== true) throw new LdapError(RC.assertionFailed, '');
  };
}
