// LDAP messages as plain values: requests as the server receives them and
// responses as a client receives them. Buffers in decoded messages are views
// of the PDU they came from (no copies): the caller must not reuse the PDU's
// memory while it holds the message.
import type { Filter } from '../../dit/filter-types.js';

export interface Control {
  oid: string;
  critical: boolean;
  value?: Buffer;
}

export interface BindRequest {
  type: 'bind';
  version: number;
  name: string;
  auth: { kind: 'simple'; password: Buffer } | { kind: 'sasl'; mechanism: string; credentials?: Buffer };
}

export interface SearchRequest {
  type: 'search';
  base: string;
  scope: 0 | 1 | 2 | 3;
  deref: number;
  sizeLimit: number;
  timeLimit: number;
  typesOnly: boolean;
  filter: Filter;
  attributes: string[];
}

export interface Modification {
  /** 0 add, 1 delete, 2 replace, 3 increment (RFC 4525) */
  op: 0 | 1 | 2 | 3;
  attr: string;
  values: Buffer[];
}

export interface ModifyRequest {
  type: 'modify';
  dn: string;
  changes: Modification[];
}

export interface AddRequest {
  type: 'add';
  dn: string;
  attrs: { type: string; values: Buffer[] }[];
}

export interface ModDNRequest {
  type: 'modrdn';
  dn: string;
  newRdn: string;
  deleteOldRdn: boolean;
  newSuperior?: string;
}

export interface CompareRequest {
  type: 'compare';
  dn: string;
  attr: string;
  value: Buffer;
}

export interface ExtendedRequest {
  type: 'extended';
  oid: string;
  value?: Buffer;
}

/** A well-framed message whose operation is unknown or malformed: answer protocolError, or hang up (decode-request.ts). */
export interface InvalidRequest {
  type: 'invalid';
  tag: number;
  reason: string;
  /** Its encoding is broken, not only its content: Notice of Disconnection, then close. */
  disconnect: boolean;
}

export type Request =
  | BindRequest
  | { type: 'unbind' }
  | SearchRequest
  | ModifyRequest
  | AddRequest
  | { type: 'delete'; dn: string }
  | ModDNRequest
  | CompareRequest
  | { type: 'abandon'; id: number }
  | ExtendedRequest
  | InvalidRequest;

/** Every request a client can put on the wire. */
export type ClientRequest = Exclude<Request, InvalidRequest>;

export interface LdapMessage {
  id: number;
  op: Request;
  controls: Control[];
}

export interface LdapResult {
  code: number;
  matchedDN: string;
  message: string;
  /** Present only when the result carried a referral field. */
  referrals?: string[];
}

export interface PartialAttribute {
  type: string;
  values: Buffer[];
}

export type Response =
  | ({ type: 'result'; tag: number; serverSaslCreds?: Buffer } & LdapResult)
  | ({ type: 'extended'; name?: string; value?: Buffer } & LdapResult)
  | { type: 'entry'; dn: string; attrs: PartialAttribute[] }
  | { type: 'reference'; urls: string[] }
  | { type: 'intermediate'; name?: string; value?: Buffer };

export interface LdapResponse {
  id: number;
  op: Response;
  controls: Control[];
}
