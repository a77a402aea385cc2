// RFC 4511 §4.1.11 Controls, and the values of the controls we interpret.
import { ProtocolError } from '../../errors.js';
import { BerReader } from '../../ber/reader.js';
import { BerWriter } from '../../ber/writer.js';
import { TAG } from '../../ber/tags.js';
import { CONTROL, CTX } from './protocol.js';
import type { Control } from './types.js';

/** Reads the `[0] Controls` element; the reader must be positioned on it. */
export function readControls(r: BerReader): Control[] {
  const outer = r.enter(CTX.controls);
  const out: Control[] = [];
  while (r.hasMore()) {
    const seq = r.enter(TAG.sequence);
    const oid = r.readString();
    const critical = r.peek() === TAG.boolean ? r.readBoolean() : false;
    const value = r.peek() === TAG.octetString ? r.readOctets() : undefined;
    r.leave(seq);
    out.push(value === undefined ? { oid, critical } : { oid, critical, value });
  }
  r.leave(outer);
  return out;
}

/** Writes `[0] Controls`, or nothing for an empty list. */
export function writeControls(w: BerWriter, controls: readonly Control[]): void {
  if (controls.length === 0) return;
  w.startSequence(CTX.controls);
  for (const c of controls) {
    w.startSequence(TAG.sequence);
    w.writeString(c.oid);
    // criticality is BOOLEAN DEFAULT FALSE: omitted when false, as slapd does.
    if (c.critical) w.writeBoolean(true);
    if (c.value !== undefined) w.writeOctets(c.value);
    w.endSequence();
  }
  w.endSequence();
}

/** RFC 2696 realSearchControlValue: the same shape in requests and responses. */
export interface PagedResults {
  /** Request: page size wanted. Response: estimated total, 0 if unknown. */
  size: number;
  /** Empty on the first request and on the last response. */
  cookie: Buffer;
}

export function decodePagedResults(value: Buffer | undefined): PagedResults {
  if (value === undefined) throw new ProtocolError('paged results control without a value');
  const r = new BerReader(value);
  const outer = r.enter(TAG.sequence);
  const size = r.readInt();
  const cookie = r.readOctets();
  r.leave(outer);
  if (r.hasMore()) throw new ProtocolError('trailing octets after paged results value');
  if (size < 0) throw new ProtocolError(`paged results size ${size} out of range`);
  return { size, cookie };
}

export function encodePagedResults(size: number, cookie: Uint8Array): Buffer {
  const w = new BerWriter(16 + cookie.length);
  w.startSequence(TAG.sequence);
  w.writeInt(size);
  w.writeOctets(cookie);
  w.endSequence();
  return w.toBuffer();
}

export function pagedResultsControl(size: number, cookie: Uint8Array, critical = false): Control {
  return { oid: CONTROL.pagedResults, critical, value: encodePagedResults(size, cookie) };
}

export function findControl(controls: readonly Control[], oid: string): Control | undefined {
  for (const c of controls) if (c.oid === oid) return c;
  return undefined;
}
