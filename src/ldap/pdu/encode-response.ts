// Server side: responses -> PDU. This is the hot path: search entries are
// written around attribute encodings the store keeps pre-encoded, with all
// lengths computed up front so each entry costs one exact allocation and a
// few copies. Every encodeX has a writeX twin that appends to a caller's
// BerWriter, for batching several responses into one socket write.
import { BerWriter, intSize, lengthSize, putInt, putLength } from '../../ber/writer.js';
import { TAG } from '../../ber/tags.js';
import { writeControls } from './controls.js';
import { CTX, OP } from './protocol.js';
import type { Control } from './types.js';

const scratch = new BerWriter(16384);
const NO_CONTROLS: readonly Control[] = [];

function checkId(id: number): void {
  if ((id | 0) !== id || id < 0) throw new RangeError(`bad messageID ${id}`);
}

function writeResultFields(w: BerWriter, code: number, matchedDN: string, message: string, referrals?: readonly string[]): void {
  w.writeEnum(code);
  w.writeString(matchedDN);
  w.writeString(message);
  // referral is SEQUENCE SIZE (1..MAX) OF URI: an empty list is left out.
  if (referrals !== undefined && referrals.length > 0) {
    w.startSequence(CTX.referral);
    for (const url of referrals) w.writeString(url);
    w.endSequence();
  }
}

/**
 * LDAPResult-shaped responses without extra fields: searchResultDone,
 * modify/add/del/modDN/compare responses, and bind responses without
 * serverSaslCreds.
 */
export function writeResult(
  w: BerWriter, id: number, protocolOpTag: number, code: number, matchedDN: string, message: string,
  referrals?: readonly string[], controls: readonly Control[] = NO_CONTROLS,
): void {
  checkId(id);
  w.startSequence(TAG.sequence);
  w.writeInt(id);
  w.startSequence(protocolOpTag);
  writeResultFields(w, code, matchedDN, message, referrals);
  w.endSequence();
  writeControls(w, controls);
  w.endSequence();
}

export function encodeResult(
  id: number, protocolOpTag: number, code: number, matchedDN: string, message: string,
  referrals?: readonly string[], controls?: readonly Control[],
): Buffer {
  scratch.reset();
  writeResult(scratch, id, protocolOpTag, code, matchedDN, message, referrals, controls);
  return scratch.toBuffer();
}

export function writeBindResponse(
  w: BerWriter, id: number, code: number, matchedDN: string, message: string,
  serverSaslCreds?: Buffer, referrals?: readonly string[], controls: readonly Control[] = NO_CONTROLS,
): void {
  checkId(id);
  w.startSequence(TAG.sequence);
  w.writeInt(id);
  w.startSequence(OP.bindResponse);
  writeResultFields(w, code, matchedDN, message, referrals);
  if (serverSaslCreds !== undefined) w.writeOctets(serverSaslCreds, CTX.serverSaslCreds);
  w.endSequence();
  writeControls(w, controls);
  w.endSequence();
}

export function encodeBindResponse(
  id: number, code: number, matchedDN: string, message: string,
  serverSaslCreds?: Buffer, referrals?: readonly string[], controls?: readonly Control[],
): Buffer {
  scratch.reset();
  writeBindResponse(scratch, id, code, matchedDN, message, serverSaslCreds, referrals, controls);
  return scratch.toBuffer();
}

/** ExtendedResponse; with id 0 and EXOP.noticeOfDisconnection it is the unsolicited notice. */
export function writeExtendedResponse(
  w: BerWriter, id: number, code: number, matchedDN: string, message: string,
  oid?: string, value?: Buffer, controls: readonly Control[] = NO_CONTROLS,
): void {
  checkId(id);
  w.startSequence(TAG.sequence);
  w.writeInt(id);
  w.startSequence(OP.extendedResponse);
  writeResultFields(w, code, matchedDN, message);
  if (oid !== undefined) w.writeString(oid, CTX.responseName);
  if (value !== undefined) w.writeOctets(value, CTX.responseValue);
  w.endSequence();
  writeControls(w, controls);
  w.endSequence();
}

export function encodeExtendedResponse(
  id: number, code: number, matchedDN: string, message: string,
  oid?: string, value?: Buffer, controls?: readonly Control[],
): Buffer {
  scratch.reset();
  writeExtendedResponse(scratch, id, code, matchedDN, message, oid, value, controls);
  return scratch.toBuffer();
}

export function writeIntermediate(
  w: BerWriter, id: number, oid?: string, value?: Buffer, controls: readonly Control[] = NO_CONTROLS,
): void {
  checkId(id);
  w.startSequence(TAG.sequence);
  w.writeInt(id);
  w.startSequence(OP.intermediateResponse);
  if (oid !== undefined) w.writeString(oid, CTX.intermediateName);
  if (value !== undefined) w.writeOctets(value, CTX.intermediateValue);
  w.endSequence();
  writeControls(w, controls);
  w.endSequence();
}

export function encodeIntermediate(id: number, oid?: string, value?: Buffer, controls?: readonly Control[]): Buffer {
  scratch.reset();
  writeIntermediate(scratch, id, oid, value, controls);
  return scratch.toBuffer();
}

export function writeSearchReference(w: BerWriter, id: number, urls: readonly string[], controls: readonly Control[] = NO_CONTROLS): void {
  checkId(id);
  w.startSequence(TAG.sequence);
  w.writeInt(id);
  w.startSequence(OP.searchResultReference);
  for (const url of urls) w.writeString(url);
  w.endSequence();
  writeControls(w, controls);
  w.endSequence();
}

export function encodeSearchReference(id: number, urls: readonly string[], controls?: readonly Control[]): Buffer {
  scratch.reset();
  writeSearchReference(scratch, id, urls, controls);
  return scratch.toBuffer();
}

/**
 * One PartialAttribute: SEQUENCE { type, SET OF value }; with typesOnly the
 * SET is empty (RFC 4511 §4.5.1.8). The store keeps these per entry.
 */
export function encodeAttribute(name: string, values: readonly Uint8Array[], typesOnly = false): Buffer {
  const out = Buffer.allocUnsafe(attributeSize(name, values, typesOnly));
  writeAttribute(out, 0, name, values, typesOnly);
  return out;
}

/** Octets of the values' SET content. */
function setLength(values: readonly Uint8Array[], typesOnly: boolean): number {
  let n = 0;
  if (!typesOnly) for (const v of values) n += 1 + lengthSize(v.length) + v.length;
  return n;
}

/** Octets of the SEQUENCE content: the type and the SET. */
function seqLength(nameLen: number, setLen: number): number {
  return 1 + lengthSize(nameLen) + nameLen + 1 + lengthSize(setLen) + setLen;
}

/** The octets encodeAttribute takes for this attribute. */
export function attributeSize(name: string, values: readonly Uint8Array[], typesOnly = false): number {
  const seqLen = seqLength(Buffer.byteLength(name, 'utf8'), setLength(values, typesOnly));
  return 1 + lengthSize(seqLen) + seqLen;
}

/** encodeAttribute into `out` at `p` (room for attributeSize octets); returns the offset after it. */
export function writeAttribute(out: Buffer, p: number, name: string, values: readonly Uint8Array[], typesOnly = false): number {
  const nameLen = Buffer.byteLength(name, 'utf8');
  const setLen = setLength(values, typesOnly);
  const seqLen = seqLength(nameLen, setLen);
  out[p++] = TAG.sequence;
  p = putLength(out, p, seqLen);
  out[p++] = TAG.octetString;
  p = putLength(out, p, nameLen);
  p += out.write(name, p, 'utf8');
  out[p++] = TAG.set;
  p = putLength(out, p, setLen);
  if (!typesOnly) {
    for (const v of values) {
      out[p++] = TAG.octetString;
      p = putLength(out, p, v.length);
      out.set(v, p);
      p += v.length;
    }
  }
  return p;
}

function controlsBytes(controls: readonly Control[] | undefined): Buffer | undefined {
  if (controls === undefined || controls.length === 0) return undefined;
  const w = new BerWriter(256);
  writeControls(w, controls);
  return w.toBuffer();
}

/**
 * Writes a SearchResultEntry at `pos` of `buf` (which must have room for
 * `size` octets, as computed by the caller from the same arguments).
 */
function putEntry(
  buf: Buffer, pos: number, id: number, dn: string | Uint8Array, dnLen: number,
  attrs: readonly Uint8Array[] | Uint8Array, attrsLen: number, ctl: Buffer | undefined, msgLen: number, opLen: number,
): number {
  let p = pos;
  buf[p++] = TAG.sequence;
  p = putLength(buf, p, msgLen);
  p = putInt(buf, p, TAG.integer, id);
  buf[p++] = OP.searchResultEntry;
  p = putLength(buf, p, opLen);
  buf[p++] = TAG.octetString;
  p = putLength(buf, p, dnLen);
  if (typeof dn === 'string') {
    p += buf.write(dn, p, 'utf8');
  } else {
    buf.set(dn, p);
    p += dnLen;
  }
  buf[p++] = TAG.sequence;
  p = putLength(buf, p, attrsLen);
  if (attrs instanceof Uint8Array) {
    buf.set(attrs, p);
    p += attrs.length;
  } else {
    for (let i = 0; i < attrs.length; i++) {
      const c = attrs[i]!;
      buf.set(c, p);
      p += c.length;
    }
  }
  if (ctl !== undefined) {
    buf.set(ctl, p);
    p += ctl.length;
  }
  return p;
}

interface EntryLayout { dnLen: number; attrsLen: number; opLen: number; msgLen: number; total: number; ctl: Buffer | undefined }

// Reused: encodeSearchEntry is synchronous and not re-entrant.
const layout: EntryLayout = { dnLen: 0, attrsLen: 0, opLen: 0, msgLen: 0, total: 0, ctl: undefined };

function planEntry(id: number, dn: string | Uint8Array, attrs: readonly Uint8Array[] | Uint8Array, controls?: readonly Control[]): EntryLayout {
  checkId(id);
  const dnLen = typeof dn === 'string' ? Buffer.byteLength(dn, 'utf8') : dn.length;
  let attrsLen = 0;
  if (attrs instanceof Uint8Array) attrsLen = attrs.length;
  else for (let i = 0; i < attrs.length; i++) attrsLen += attrs[i]!.length;
  const opLen = 1 + lengthSize(dnLen) + dnLen + 1 + lengthSize(attrsLen) + attrsLen;
  const ctl = controlsBytes(controls);
  const msgLen = 2 + intSize(id) + 1 + lengthSize(opLen) + opLen + (ctl === undefined ? 0 : ctl.length);
  layout.dnLen = dnLen;
  layout.attrsLen = attrsLen;
  layout.opLen = opLen;
  layout.msgLen = msgLen;
  layout.total = 1 + lengthSize(msgLen) + msgLen;
  layout.ctl = ctl;
  return layout;
}

/**
 * SearchResultEntry around pre-encoded attributes: `attrs` is a list of
 * encodeAttribute() results, or one Buffer holding their concatenation.
 * `dn` may be given pre-encoded (UTF-8 octets) too.
 */
export function encodeSearchEntry(
  id: number, dn: string | Uint8Array, attrs: readonly Uint8Array[] | Uint8Array, controls?: readonly Control[],
): Buffer {
  const l = planEntry(id, dn, attrs, controls);
  const out = Buffer.allocUnsafe(l.total);
  putEntry(out, 0, id, dn, l.dnLen, attrs, l.attrsLen, l.ctl, l.msgLen, l.opLen);
  return out;
}

export function writeSearchEntry(
  w: BerWriter, id: number, dn: string | Uint8Array, attrs: readonly Uint8Array[] | Uint8Array, controls?: readonly Control[],
): void {
  const l = planEntry(id, dn, attrs, controls);
  w.ensure(l.total);
  w.pos = putEntry(w.buf, w.pos, id, dn, l.dnLen, attrs, l.attrsLen, l.ctl, l.msgLen, l.opLen);
}
