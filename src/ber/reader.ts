// A bounds-checked BER reader for the X.690 subset LDAP uses (RFC 4511 §5.1:
// definite lengths only, low tag numbers only). Every read is checked against
// the end of the innermost element entered, so a forged length can neither
// read past its parent nor make us allocate: values are views of the input.
// Any violation throws ProtocolError and nothing else.
import { ProtocolError } from '../errors.js';
import { TAG } from './tags.js';

function hex(tag: number): string {
  return '0x' + tag.toString(16).padStart(2, '0');
}

export class BerReader {
  readonly buf: Buffer;
  /** Offset of the next unread octet. */
  pos: number;
  /** End (exclusive) of the innermost element entered; reads never pass it. */
  end: number;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    if (!(start >= 0 && start <= end && end <= buf.length)) {
      throw new ProtocolError(`bad reader bounds ${start}..${end} of ${buf.length}`);
    }
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  hasMore(): boolean {
    return this.pos < this.end;
  }

  /** The next tag octet without consuming it, or -1 at the end of the element. */
  peek(): number {
    return this.pos < this.end ? this.buf[this.pos]! : -1;
  }

  readTag(): number {
    if (this.pos >= this.end) throw new ProtocolError('truncated: tag expected');
    const tag = this.buf[this.pos++]!;
    // LDAP uses tag numbers below 31 only; the high-tag-number form would
    // need a multi-octet tag that no LDAP element has.
    if ((tag & 0x1f) === 0x1f) throw new ProtocolError(`unsupported high tag number form ${hex(tag)}`);
    return tag;
  }

  /** Reads a definite length and checks that the content fits the element. */
  readLength(): number {
    if (this.pos >= this.end) throw new ProtocolError('truncated: length expected');
    const first = this.buf[this.pos++]!;
    let len = first;
    if (first & 0x80) {
      const n = first & 0x7f;
      if (n === 0) throw new ProtocolError('indefinite length is not allowed in LDAP');
      if (n > 4) throw new ProtocolError(`length of ${n} octets is too long`);
      if (this.end - this.pos < n) throw new ProtocolError('truncated: long-form length');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + this.buf[this.pos++]!;
    }
    if (len > this.end - this.pos) {
      throw new ProtocolError(`length ${len} exceeds the ${this.end - this.pos} octets left`);
    }
    return len;
  }

  /** Reads the header of an element that must carry `tag`; returns its content length. */
  expect(tag: number): number {
    const got = this.readTag();
    if (got !== tag) throw new ProtocolError(`expected tag ${hex(tag)}, got ${hex(got)}`);
    return this.readLength();
  }

  /**
   * Enters a constructed element (SEQUENCE, SET or a tagged one): later reads
   * are confined to its content. Returns the outer bound to hand to leave().
   */
  enter(tag: number = TAG.sequence): number {
    const len = this.expect(tag);
    const outer = this.end;
    this.end = this.pos + len;
    return outer;
  }

  /** Leaves the element entered last; its whole content must have been read. */
  leave(outer: number): void {
    if (this.pos !== this.end) throw new ProtocolError(`${this.end - this.pos} unexpected octets at end of element`);
    this.end = outer;
  }

  /** Skips whatever is left of the current element (unknown extension fields). */
  skipRest(): void {
    this.pos = this.end;
  }

  /** Skips one element of any tag. */
  skip(): void {
    this.readTag();
    const len = this.readLength();
    this.pos += len;
  }

  /** INTEGER (or ENUMERATED under its own tag) of at most 4 octets, signed. */
  readInt(tag: number = TAG.integer): number {
    const len = this.expect(tag);
    if (len === 0) throw new ProtocolError('empty INTEGER');
    if (len > 4) throw new ProtocolError(`INTEGER of ${len} octets is out of range`);
    const buf = this.buf;
    let p = this.pos;
    let v = (buf[p++]! << 24) >> 24;
    for (let i = 1; i < len; i++) v = (v << 8) | buf[p++]!;
    this.pos = p;
    return v;
  }

  readEnum(tag: number = TAG.enumerated): number {
    return this.readInt(tag);
  }

  readBoolean(tag: number = TAG.boolean): boolean {
    const len = this.expect(tag);
    if (len !== 1) throw new ProtocolError(`BOOLEAN of ${len} octets`);
    return this.buf[this.pos++] !== 0;
  }

  readNull(tag: number = TAG.null): void {
    const len = this.expect(tag);
    if (len !== 0) throw new ProtocolError(`NULL with ${len} content octets`);
  }

  /** OCTET STRING content as a view of the input buffer (no copy). */
  readOctets(tag: number = TAG.octetString): Buffer {
    const len = this.expect(tag);
    const start = this.pos;
    this.pos = start + len;
    return this.buf.subarray(start, start + len);
  }

  /** OCTET STRING content decoded as UTF-8. */
  readString(tag: number = TAG.octetString): string {
    const len = this.expect(tag);
    const start = this.pos;
    this.pos = start + len;
    return len === 0 ? '' : this.buf.toString('utf8', start, start + len);
  }
}
