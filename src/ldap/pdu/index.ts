export * from './types.js';
export { OP, CTX, FILTER, EXOP, CONTROL, FEATURE, SCOPE, DEREF, MOD_OP, MAX_INT } from './protocol.js';
export { decodeMessage } from './decode-request.js';
export { decodeResponse } from './decode-response.js';
export { encodeRequest, writeRequest } from './encode-request.js';
export {
  encodeResult, writeResult, encodeBindResponse, writeBindResponse, encodeExtendedResponse, writeExtendedResponse,
  encodeIntermediate, writeIntermediate, encodeSearchReference, writeSearchReference,
  encodeAttribute, encodeSearchEntry, writeSearchEntry,
} from './encode-response.js';
export { readFilter, writeFilter, MAX_FILTER_DEPTH } from './filter.js';
export { readControls, writeControls, decodePagedResults, encodePagedResults, pagedResultsControl, findControl } from './controls.js';
export type { PagedResults } from './controls.js';
export {
  decodePasswdModifyRequest, encodePasswdModifyRequest, decodePasswdModifyResponse, encodePasswdModifyResponse,
} from './password-modify.js';
export type { PasswdModifyRequest } from './password-modify.js';
