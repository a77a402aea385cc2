// LDAP result codes (RFC 4511 §4.1.9 and Appendix A) and the one error type
// that carries them. Every layer throws LdapError; the front end turns it into
// an LDAPResult in exactly one place (src/ldap/respond.ts).

export const RC = {
  success: 0,
  operationsError: 1,
  protocolError: 2,
  timeLimitExceeded: 3,
  sizeLimitExceeded: 4,
  compareFalse: 5,
  compareTrue: 6,
  authMethodNotSupported: 7,
  strongerAuthRequired: 8,
  referral: 10,
  adminLimitExceeded: 11,
  unavailableCriticalExtension: 12,
  confidentialityRequired: 13,
  saslBindInProgress: 14,
  noSuchAttribute: 16,
  undefinedAttributeType: 17,
  inappropriateMatching: 18,
  constraintViolation: 19,
  attributeOrValueExists: 20,
  invalidAttributeSyntax: 21,
  noSuchObject: 32,
  aliasProblem: 33,
  invalidDNSyntax: 34,
  aliasDereferencingProblem: 36,
  inappropriateAuthentication: 48,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  busy: 51,
  unavailable: 52,
  unwillingToPerform: 53,
  loopDetect: 54,
  namingViolation: 64,
  objectClassViolation: 65,
  notAllowedOnNonLeaf: 66,
  notAllowedOnRDN: 67,
  entryAlreadyExists: 68,
  objectClassModsProhibited: 69,
  affectsMultipleDSAs: 71,
  other: 80,
  // RFC 3909 / 4533 codes used by cancel and sync; listed so logs can name them.
  canceled: 118,
  noSuchOperation: 119,
  tooLate: 120,
  cannotCancel: 121,
  // RFC 4528: the assertion control's filter was not true of the target entry.
  assertionFailed: 122,
  // RFC 4370: the proxied authorization control named an identity the requester may not assume.
  authorizationDenied: 123,
  // OpenLDAP's LDAP_X_NO_OPERATION: a write under the noop control was checked, not made.
  noOperation: 16654,
} as const;

export type ResultCode = (typeof RC)[keyof typeof RC];

const NAMES = new Map<number, string>(Object.entries(RC).map(([k, v]) => [v, k]));

export function resultName(code: number): string {
  return NAMES.get(code) ?? `code${code}`;
}

/** An error that maps to one LDAP result. `matchedDN` follows RFC 4511 §4.1.9. */
export class LdapError extends Error {
  readonly code: number;
  readonly matchedDN: string;
  /** Referral URLs, only with code `referral`. */
  readonly referrals: string[];

  constructor(code: number, message = '', matchedDN = '', referrals: string[] = []) {
    super(message || resultName(code));
    this.name = 'LdapError';
    this.code = code;
    this.matchedDN = matchedDN;
    this.referrals = referrals;
  }
}

export function isLdapError(e: unknown): e is LdapError {
  return e instanceof LdapError;
}

/**
 * Internal faults that are not an LDAP result (config, store, replication).
 * `code` is a stable machine-readable string, e.g. MESHDIR_CONFIG_INVALID.
 */
export class MeshdirError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MeshdirError';
    this.code = code;
  }
}

/** Thrown by the BER/PDU decoder: the connection that sent it is closed. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/**
 * A request whose encoding is sound but whose content the protocol does not
 * allow (a search scope of 7, a modify operation of 9): answered with
 * protocolError under its message ID, and the connection stays, as in slapd.
 * A request whose encoding is broken (RFC 4511 §4.1.1: "the encoding
 * structures or lengths of data fields are found to be incorrect") throws
 * a plain ProtocolError and ends the connection.
 */
export class BadRequestContent extends ProtocolError {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestContent';
  }
}

/** A well-formed request longer than the connection may send (limits.maxPduBytes, or 256 KiB before a bind). */
export class PduTooLarge extends ProtocolError {
  constructor(message: string) {
    super(message);
    this.name = 'PduTooLarge';
  }
}
