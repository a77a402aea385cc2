// RFC 4511 protocolOp tags and the object identifiers of the extended
// operations, controls and features a directory server names.

/** protocolOp CHOICE tags (RFC 4511 §4.2 ff.): [APPLICATION n], constructed unless primitive. */
export const OP = {
  bindRequest: 0x60,
  bindResponse: 0x61,
  unbindRequest: 0x42,
  searchRequest: 0x63,
  searchResultEntry: 0x64,
  searchResultDone: 0x65,
  searchResultReference: 0x73,
  modifyRequest: 0x66,
  modifyResponse: 0x67,
  addRequest: 0x68,
  addResponse: 0x69,
  delRequest: 0x4a,
  delResponse: 0x6b,
  modDNRequest: 0x6c,
  modDNResponse: 0x6d,
  compareRequest: 0x6e,
  compareResponse: 0x6f,
  abandonRequest: 0x50,
  extendedRequest: 0x77,
  extendedResponse: 0x78,
  intermediateResponse: 0x79,
} as const;

/** Tags inside operations that are not universal. */
export const CTX = {
  controls: 0xa0,
  /** LDAPResult.referral [3] */
  referral: 0xa3,
  /** BindRequest authentication choice */
  authSimple: 0x80,
  authSasl: 0xa3,
  /** BindResponse.serverSaslCreds [7] */
  serverSaslCreds: 0x87,
  /** ModifyDNRequest.newSuperior [0] */
  newSuperior: 0x80,
  /** ExtendedRequest name [0] and value [1] */
  requestName: 0x80,
  requestValue: 0x81,
  /** ExtendedResponse name [10] and value [11] */
  responseName: 0x8a,
  responseValue: 0x8b,
  /** IntermediateResponse name [0] and value [1] */
  intermediateName: 0x80,
  intermediateValue: 0x81,
} as const;

/** Filter CHOICE tags (RFC 4511 §4.5.1.7). */
export const FILTER = {
  and: 0xa0,
  or: 0xa1,
  not: 0xa2,
  equality: 0xa3,
  substrings: 0xa4,
  ge: 0xa5,
  le: 0xa6,
  present: 0x87,
  approx: 0xa8,
  extensible: 0xa9,
} as const;

/** Extended operations and unsolicited notifications. */
export const EXOP = {
  startTls: '1.3.6.1.4.1.1466.20037',
  noticeOfDisconnection: '1.3.6.1.4.1.1466.20036',
  whoAmI: '1.3.6.1.4.1.4203.1.11.3',
  passwordModify: '1.3.6.1.4.1.4203.1.11.1',
  cancel: '1.3.6.1.1.8',
} as const;

/** Controls (the ones slapd advertises in supportedControl, and ours). */
export const CONTROL = {
  pagedResults: '1.2.840.113556.1.4.319',
  manageDsaIT: '2.16.840.1.113730.3.4.2',
  proxiedAuthz: '2.16.840.1.113730.3.4.18',
  subentries: '1.3.6.1.4.1.4203.1.10.1',
  matchedValues: '1.2.826.0.1.3344810.2.3',
  assertion: '1.3.6.1.1.12',
  preRead: '1.3.6.1.1.13.1',
  postRead: '1.3.6.1.1.13.2',
  serverSideSort: '1.2.840.113556.1.4.473',
  serverSideSortResponse: '1.2.840.113556.1.4.474',
  vlvRequest: '2.16.840.1.113730.3.4.9',
  vlvResponse: '2.16.840.1.113730.3.4.10',
  syncRequest: '1.3.6.1.4.1.4203.1.9.1.1',
  passwordPolicy: '1.3.6.1.4.1.42.2.27.8.5.1',
  dontUseCopy: '1.3.6.1.1.22',
  domainScope: '1.2.840.113556.1.4.1339',
  noop: '1.3.6.1.4.1.4203.666.5.2',
  relax: '1.3.6.1.4.1.4203.666.5.12',
  permissiveModify: '1.2.840.113556.1.4.1413',
  treeDelete: '1.2.840.113556.1.4.805',
} as const;

/** supportedFeatures values (RFC 4512 §5.1, RFC 3674). */
export const FEATURE = {
  modifyIncrement: '1.3.6.1.1.14',
  allOperationalAttributes: '1.3.6.1.4.1.4203.1.5.1',
  objectClassAttributes: '1.3.6.1.4.1.4203.1.5.2',
  absoluteTrueFalse: '1.3.6.1.4.1.4203.1.5.3',
  languageTagOptions: '1.3.6.1.4.1.4203.1.5.4',
  languageRangeOptions: '1.3.6.1.4.1.4203.1.5.5',
} as const;

/** RFC 4511 §4.5.1.3 scope and §4.5.1.4 derefAliases. */
export const SCOPE = { base: 0, one: 1, sub: 2 } as const;
export const DEREF = { never: 0, inSearching: 1, findingBaseObj: 2, always: 3 } as const;

/** RFC 4511 §4.6 ModifyRequest operation, with increment from RFC 4525. */
export const MOD_OP = { add: 0, delete: 1, replace: 2, increment: 3 } as const;

/** MessageID ::= INTEGER (0 .. maxInt), maxInt = 2^31 - 1. */
export const MAX_INT = 0x7fffffff;
