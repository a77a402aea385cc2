// RFC 3062 password modify extended operation values.
import { ProtocolError } from '../../errors.js';
import { BerReader } from '../../ber/reader.js';
import { BerWriter } from '../../ber/writer.js';
import { TAG } from '../../ber/tags.js';

const USER_IDENTITY = 0x80;
const OLD_PASSWD = 0x81;
const NEW_PASSWD = 0x82;
const GEN_PASSWD = 0x80;

export interface PasswdModifyRequest {
  userIdentity?: string;
  oldPasswd?: Buffer;
  newPasswd?: Buffer;
}

/** An absent requestValue means "my own password, server generates the new one". */
export function decodePasswdModifyRequest(value: Buffer | undefined): PasswdModifyRequest {
  const out: PasswdModifyRequest = {};
  if (value === undefined) return out;
  const r = new BerReader(value);
  const outer = r.enter(TAG.sequence);
  if (r.peek() === USER_IDENTITY) out.userIdentity = r.readString(USER_IDENTITY);
  if (r.peek() === OLD_PASSWD) out.oldPasswd = r.readOctets(OLD_PASSWD);
  if (r.peek() === NEW_PASSWD) out.newPasswd = r.readOctets(NEW_PASSWD);
  r.leave(outer);
  if (r.hasMore()) throw new ProtocolError('trailing octets after password modify request');
  return out;
}

export function encodePasswdModifyRequest(req: PasswdModifyRequest): Buffer {
  const w = new BerWriter(64);
  w.startSequence(TAG.sequence);
  if (req.userIdentity !== undefined) w.writeString(req.userIdentity, USER_IDENTITY);
  if (req.oldPasswd !== undefined) w.writeOctets(req.oldPasswd, OLD_PASSWD);
  if (req.newPasswd !== undefined) w.writeOctets(req.newPasswd, NEW_PASSWD);
  w.endSequence();
  return w.toBuffer();
}

/** The response value, or undefined when no password was generated (slapd then omits it). */
export function encodePasswdModifyResponse(genPasswd: Buffer | undefined): Buffer | undefined {
  if (genPasswd === undefined) return undefined;
  const w = new BerWriter(16 + genPasswd.length);
  w.startSequence(TAG.sequence);
  w.writeOctets(genPasswd, GEN_PASSWD);
  w.endSequence();
  return w.toBuffer();
}

export function decodePasswdModifyResponse(value: Buffer | undefined): { genPasswd?: Buffer } {
  if (value === undefined) return {};
  const r = new BerReader(value);
  const outer = r.enter(TAG.sequence);
  const genPasswd = r.peek() === GEN_PASSWD ? r.readOctets(GEN_PASSWD) : undefined;
  r.leave(outer);
  if (r.hasMore()) throw new ProtocolError('trailing octets after password modify response');
  return genPasswd === undefined ? {} : { genPasswd };
}
