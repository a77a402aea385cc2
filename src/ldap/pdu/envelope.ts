// The LDAPMessage envelope (RFC 4511 §4.1.1): SEQUENCE { messageID,
// protocolOp, [0] Controls OPTIONAL }. Checks framing only; the operation and
// controls are decoded by the caller, so a bad body can still be answered
// with the message's id.
import { ProtocolError } from '../../errors.js';
import { BerReader } from '../../ber/reader.js';
import { TAG } from '../../ber/tags.js';
import { CTX } from './protocol.js';

export interface Envelope {
  id: number;
  /** protocolOp tag */
  tag: number;
  /** The protocolOp element, header included: [opStart, opEnd). */
  opStart: number;
  opEnd: number;
  /** Start of the [0] Controls element, or -1; it ends where the message does. */
  controlsStart: number;
}

/** Frames one LDAPMessage that must fill `r`'s bounds exactly. */
export function readEnvelope(r: BerReader): Envelope {
  const outer = r.enter(TAG.sequence);
  if (r.end !== outer) throw new ProtocolError(`${outer - r.end} octets after the LDAPMessage`);
  if (r.peek() !== TAG.integer) throw new ProtocolError('messageID missing');
  const id = r.readInt();
  if (id < 0) throw new ProtocolError(`messageID ${id} out of range`);
  const opStart = r.pos;
  const tag = r.readTag();
  const len = r.readLength();
  r.pos += len;
  const opEnd = r.pos;
  let controlsStart = -1;
  if (r.hasMore()) {
    if (r.peek() !== CTX.controls) throw new ProtocolError(`unexpected element 0x${r.peek().toString(16)} after protocolOp`);
    controlsStart = r.pos;
    r.skip();
    if (r.hasMore()) throw new ProtocolError('octets after controls');
  }
  return { id, tag, opStart, opEnd, controlsStart };
}
