// A growable BER writer. Sequences reserve one length octet and are patched
// when they end (shifting the content only when the length needs the long
// form), so lengths are always minimal. Reuse one writer with reset() to
// avoid allocating per message.
import { TAG } from './tags.js';

/** Octets needed to encode `len` as a definite length. */
export function lengthSize(len: number): number {
  return len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : len < 0x1000000 ? 4 : 5;
}

/** Writes a definite length at `pos`; returns the position after it. */
export function putLength(buf: Buffer, pos: number, len: number): number {
  if (len < 0x80) {
    buf[pos++] = len;
  } else if (len < 0x100) {
    buf[pos++] = 0x81;
    buf[pos++] = len;
  } else if (len < 0x10000) {
    buf[pos++] = 0x82;
    buf[pos++] = len >>> 8;
    buf[pos++] = len & 0xff;
  } else if (len < 0x1000000) {
    buf[pos++] = 0x83;
    buf[pos++] = len >>> 16;
    buf[pos++] = (len >>> 8) & 0xff;
    buf[pos++] = len & 0xff;
  } else {
    buf[pos++] = 0x84;
    buf[pos++] = len >>> 24;
    buf[pos++] = (len >>> 16) & 0xff;
    buf[pos++] = (len >>> 8) & 0xff;
    buf[pos++] = len & 0xff;
  }
  return pos;
}

/** Content octets of the minimal two's-complement encoding of a 32-bit signed integer. */
export function intSize(v: number): number {
  return v >= -0x80 && v < 0x80 ? 1 : v >= -0x8000 && v < 0x8000 ? 2 : v >= -0x800000 && v < 0x800000 ? 3 : 4;
}

/** Writes a complete INTEGER-like TLV at `pos`; returns the position after it. */
export function putInt(buf: Buffer, pos: number, tag: number, v: number): number {
  const n = intSize(v);
  buf[pos++] = tag;
  buf[pos++] = n;
  for (let shift = (n - 1) * 8; shift >= 0; shift -= 8) buf[pos++] = (v >> shift) & 0xff;
  return pos;
}

function checkInt(v: number): void {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
    throw new RangeError(`BER integer out of 32-bit range: ${v}`);
  }
}

export class BerWriter {
  buf: Buffer;
  pos = 0;
  private readonly starts: number[] = [];
  private readonly initialSize: number;

  constructor(initialSize = 1024) {
    this.initialSize = initialSize;
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /**
   * Forgets everything written and keeps the buffer for reuse, unless one
   * huge message grew it past `keep` octets: that memory is given back.
   */
  reset(keep = 1 << 20): void {
    this.pos = 0;
    this.starts.length = 0;
    if (this.buf.length > keep) this.buf = Buffer.allocUnsafe(this.initialSize);
  }

  /** Makes room for `n` more octets. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  writeByte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  writeLength(len: number): void {
    this.ensure(5);
    this.pos = putLength(this.buf, this.pos, len);
  }

  startSequence(tag: number = TAG.sequence): void {
    this.ensure(2);
    this.buf[this.pos++] = tag;
    this.starts.push(this.pos);
    this.pos++;
  }

  endSequence(): void {
    const at = this.starts.pop();
    if (at === undefined) throw new RangeError('endSequence without startSequence');
    const len = this.pos - at - 1;
    if (len < 0x80) {
      this.buf[at] = len;
      return;
    }
    const extra = lengthSize(len) - 1;
    this.ensure(extra);
    this.buf.copyWithin(at + 1 + extra, at + 1, this.pos);
    putLength(this.buf, at, len);
    this.pos += extra;
  }

  /** Number of sequences started and not yet ended. */
  get depth(): number {
    return this.starts.length;
  }

  writeInt(v: number, tag: number = TAG.integer): void {
    checkInt(v);
    this.ensure(6);
    this.pos = putInt(this.buf, this.pos, tag, v);
  }

  writeEnum(v: number, tag: number = TAG.enumerated): void {
    this.writeInt(v, tag);
  }

  writeBoolean(b: boolean, tag: number = TAG.boolean): void {
    this.ensure(3);
    this.buf[this.pos++] = tag;
    this.buf[this.pos++] = 1;
    this.buf[this.pos++] = b ? 0xff : 0x00;
  }

  writeNull(tag: number = TAG.null): void {
    this.ensure(2);
    this.buf[this.pos++] = tag;
    this.buf[this.pos++] = 0;
  }

  /** OCTET STRING holding the UTF-8 encoding of `s`. */
  writeString(s: string, tag: number = TAG.octetString): void {
    // Up to 42 UTF-16 units encode to at most 126 octets: write in place
    // behind a one-octet length without measuring first.
    if (s.length <= 42) {
      this.ensure(2 + s.length * 3);
      const buf = this.buf;
      buf[this.pos++] = tag;
      const start = this.pos + 1;
      let end = -1;
      // Short ASCII (attribute names, small DNs) copies faster by hand than
      // through Buffer#write's call overhead.
      if (s.length <= 24) {
        end = start;
        for (let i = 0; i < s.length; i++) {
          const c = s.charCodeAt(i);
          if (c >= 0x80) {
            end = -1;
            break;
          }
          buf[end++] = c;
        }
      }
      if (end === -1) end = start + buf.write(s, start, 'utf8');
      buf[this.pos] = end - start;
      this.pos = end;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.ensure(6 + n);
    this.buf[this.pos++] = tag;
    this.pos = putLength(this.buf, this.pos, n);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  writeOctets(b: Uint8Array, tag: number = TAG.octetString): void {
    this.ensure(6 + b.length);
    this.buf[this.pos++] = tag;
    this.pos = putLength(this.buf, this.pos, b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Appends already-encoded octets as they are. */
  writeRaw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A copy of everything written, safe to keep after reset(). */
  toBuffer(): Buffer {
    if (this.starts.length !== 0) throw new RangeError(`${this.starts.length} unended sequence(s)`);
    const n = this.pos;
    const out = Buffer.allocUnsafe(n);
    if (n <= 32) {
      // Small results (most LDAPResults) copy faster by hand than through Buffer#copy.
      for (let i = 0; i < n; i++) out[i] = this.buf[i]!;
    } else {
      this.buf.copy(out, 0, 0, n);
    }
    return out;
  }
}
