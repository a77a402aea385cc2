// The matched values control (RFC 3876): a search returns, of each
// attribute, only the values some item of the control's filter matches, and
// leaves out attributes none of whose values match (as slapd does). Items
// are simple filters (equality, substrings, >=, <=, present, approx,
// extensible) with the attribute's own matching rules and subtypes
// (`(name=Alice)` matches a `cn` value).
import { BerReader } from '../ber/reader.js';
import { TAG } from '../ber/tags.js';
import type { Filter } from '../dit/filter-types.js';
import { LdapError, RC } from '../errors.js';
import { compileFilter, type CompiledFilter } from '../schema/filter.js';
import type { Schema } from '../schema/schema.js';
import { CONTROL, findControl, readFilter, type Control } from './pdu/index.js';

/** Keeps the values of one attribute (by its stored key) that the request asks for. */
export type ValueFilter = (key: string, values: Buffer[]) => Buffer[];

export function matchedValues(schema: Schema, controls: readonly Control[]): ValueFilter | undefined {
  const c = findControl(controls, CONTROL.matchedValues);
  if (c === undefined) return undefined;
  const items: Filter[] = [];
  try {
    const r = new BerReader(c.value ?? Buffer.alloc(0));
    const seq = r.enter(TAG.sequence);
    while (r.hasMore()) items.push(readFilter(r));
    r.leave(seq);
    if (r.hasMore()) throw new Error('trailing octets');
  } catch {
    throw new LdapError(RC.protocolError, 'matched values control value is invalid');
  }
  if (items.length === 0 || items.some((f) => f.type === 'and' || f.type === 'or' || f.type === 'not')) {
    throw new LdapError(RC.protocolError, 'matched values filter needs simple items (not and, or, not), at least one');
  }
  const tests: CompiledFilter[] = items.map((f) => compileFilter(f, schema));
  return (key, values) => values.filter((v) => {
    // Each value is tested alone, so an item matches that value and not its neighbours.
    const one = { dn: '', attrs: new Map([[key, [v]]]) };
    return tests.some((test) => test(one) === true);
  });
}
