// Framing for the connection loop: how long is the LDAPMessage that starts
// here? Checks only the outer header, so a forged length is refused before
// any of its content is buffered.
import { PduTooLarge, ProtocolError } from '../errors.js';
import { TAG } from './tags.js';

/**
 * Total octets (header + content) the LDAPMessage at `offset` declares, or -1
 * while its header is incomplete. Throws ProtocolError for a tag other than
 * SEQUENCE, an indefinite or over-long length, or a total above `maxPdu`.
 */
export function declaredFrameLength(buf: Buffer, offset: number, maxPdu: number): number {
  const avail = buf.length - offset;
  if (avail < 1) return -1;
  if (buf[offset] !== TAG.sequence) {
    throw new ProtocolError(`LDAPMessage must be a SEQUENCE, got tag 0x${buf[offset]!.toString(16).padStart(2, '0')}`);
  }
  if (avail < 2) return -1;
  const first = buf[offset + 1]!;
  let header = 2;
  let len = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0) throw new ProtocolError('indefinite length is not allowed in LDAP');
    if (n > 4) throw new ProtocolError(`length of ${n} octets is too long`);
    if (avail < 2 + n) return -1;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i]!;
    header += n;
  }
  const total = header + len;
  if (total > maxPdu) throw new PduTooLarge(`PDU of ${total} octets exceeds the limit of ${maxPdu}`);
  return total;
}

/**
 * Octets of the complete LDAPMessage at `offset`, or -1 if `buf` does not hold
 * all of it yet. Same errors as declaredFrameLength.
 */
export function frameLength(buf: Buffer, offset: number, maxPdu: number): number {
  const total = declaredFrameLength(buf, offset, maxPdu);
  return total !== -1 && total <= buf.length - offset ? total : -1;
}
