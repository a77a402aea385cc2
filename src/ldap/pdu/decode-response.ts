// Client side: one framed response PDU -> LdapResponse. Used by our tests,
// the replication client and benchmarks; anything malformed throws
// ProtocolError.
import { ProtocolError } from '../../errors.js';
import { BerReader } from '../../ber/reader.js';
import { TAG } from '../../ber/tags.js';
import { readEnvelope } from './envelope.js';
import { readAttribute } from './attribute.js';
import { readControls } from './controls.js';
import { CTX, OP } from './protocol.js';
import type { Control, LdapResponse, LdapResult, PartialAttribute, Response } from './types.js';

/** The LDAPResult fields; the reader is inside the response's SEQUENCE. */
function readResultFields(r: BerReader): LdapResult {
  const code = r.readEnum();
  const matchedDN = r.readString();
  const message = r.readString();
  if (r.peek() !== CTX.referral) return { code, matchedDN, message };
  const ref = r.enter(CTX.referral);
  const referrals: string[] = [];
  while (r.hasMore()) referrals.push(r.readString());
  r.leave(ref);
  return { code, matchedDN, message, referrals };
}

function readEntry(r: BerReader): Response {
  const outer = r.enter(OP.searchResultEntry);
  const dn = r.readString();
  const list = r.enter(TAG.sequence);
  const attrs: PartialAttribute[] = [];
  while (r.hasMore()) attrs.push(readAttribute(r));
  r.leave(list);
  r.leave(outer);
  return { type: 'entry', dn, attrs };
}

function readOp(r: BerReader, tag: number): Response {
  switch (tag) {
    case OP.searchResultEntry:
      return readEntry(r);
    case OP.searchResultReference: {
      const outer = r.enter(tag);
      const urls: string[] = [];
      while (r.hasMore()) urls.push(r.readString());
      r.leave(outer);
      return { type: 'reference', urls };
    }
    case OP.bindResponse:
    case OP.searchResultDone:
    case OP.modifyResponse:
    case OP.addResponse:
    case OP.delResponse:
    case OP.modDNResponse:
    case OP.compareResponse: {
      const outer = r.enter(tag);
      const res: Response = { type: 'result', tag, ...readResultFields(r) };
      if (tag === OP.bindResponse && r.peek() === CTX.serverSaslCreds) res.serverSaslCreds = r.readOctets(CTX.serverSaslCreds);
      r.leave(outer);
      return res;
    }
    case OP.extendedResponse: {
      const outer = r.enter(tag);
      const res: Response = { type: 'extended', ...readResultFields(r) };
      if (r.peek() === CTX.responseName) res.name = r.readString(CTX.responseName);
      if (r.peek() === CTX.responseValue) res.value = r.readOctets(CTX.responseValue);
      r.leave(outer);
      return res;
    }
    case OP.intermediateResponse: {
      const outer = r.enter(tag);
      const res: Response = { type: 'intermediate' };
      if (r.peek() === CTX.intermediateName) res.name = r.readString(CTX.intermediateName);
      if (r.peek() === CTX.intermediateValue) res.value = r.readOctets(CTX.intermediateValue);
      r.leave(outer);
      return res;
    }
    default:
      throw new ProtocolError(`unknown response 0x${tag.toString(16).padStart(2, '0')}`);
  }
}

/** Decodes exactly one response LDAPMessage filling `pdu`; Buffers are views of it. */
export function decodeResponse(pdu: Buffer): LdapResponse {
  const r = new BerReader(pdu);
  const env = readEnvelope(r);
  let controls: Control[] = [];
  if (env.controlsStart !== -1) {
    r.pos = env.controlsStart;
    controls = readControls(r);
  }
  r.pos = env.opStart;
  r.end = env.opEnd;
  return { id: env.id, op: readOp(r, env.tag), controls };
}
