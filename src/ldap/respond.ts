// The one place where errors become LDAP results.
import { LdapError, RC, resultName } from '../errors.js';
import type { Logger } from '../log.js';
import { OP, encodeBindResponse, encodeExtendedResponse, encodeResult, type Control } from './pdu/index.js';
import type { Connection } from './connection.js';

/** Response tag for each request type. */
export const RESPONSE_TAG: Record<string, number> = {
  bind: OP.bindResponse,
  search: OP.searchResultDone,
  modify: OP.modifyResponse,
  add: OP.addResponse,
  delete: OP.delResponse,
  modrdn: OP.modDNResponse,
  compare: OP.compareResponse,
  extended: OP.extendedResponse,
  invalid: OP.extendedResponse,
};

export interface Outcome {
  code: number;
  matchedDN: string;
  message: string;
  referrals?: string[];
}

export function outcomeOf(e: unknown, log: Logger): Outcome {
  if (e instanceof LdapError) return { code: e.code, matchedDN: e.matchedDN, message: e.message === resultName(e.code) ? '' : e.message, referrals: e.referrals.length ? e.referrals : undefined };
  log.error({ err: e }, 'operation failed with an internal error');
  return { code: RC.other, matchedDN: '', message: 'internal error' };
}

export function sendOutcome(conn: Connection, id: number, type: string, o: Outcome, controls?: Control[], extra?: { oid?: string; value?: Buffer }): void {
  if (type === 'bind') conn.send(encodeBindResponse(id, o.code, o.matchedDN, o.message, undefined, o.referrals, controls));
  else if (type === 'extended' || type === 'invalid') conn.send(encodeExtendedResponse(id, o.code, o.matchedDN, o.message, extra?.oid, extra?.value, controls));
  else conn.send(encodeResult(id, RESPONSE_TAG[type]!, o.code, o.matchedDN, o.message, o.referrals, controls));
}

export const SUCCESS: Outcome = { code: RC.success, matchedDN: '', message: '' };
