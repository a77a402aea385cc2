import t from 'tap';
import { createRequire } from 'node:module';
import { BerReader } from '../../../src/ber/reader.js';
import { BerWriter } from '../../../src/ber/writer.js';
import { ProtocolError } from '../../../src/errors.js';

const require = createRequire(import.meta.url);
const asn1 = require('@ldapjs/asn1');

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const reader = (s: string) => new BerReader(hex(s));

t.test('primitive types', async (t) => {
  const r = reader('01 01 ff  01 01 00  01 01 01  02 01 7f  02 02 00 80  02 01 80  02 04 7f ff ff ff  02 04 80 00 00 00  0a 01 02  05 00');
  t.equal(r.readBoolean(), true);
  t.equal(r.readBoolean(), false);
  t.equal(r.readBoolean(), true, 'any non-zero octet is TRUE in BER');
  t.equal(r.readInt(), 127);
  t.equal(r.readInt(), 128);
  t.equal(r.readInt(), -128);
  t.equal(r.readInt(), 0x7fffffff);
  t.equal(r.readInt(), -0x80000000);
  t.equal(r.readEnum(), 2);
  r.readNull();
  t.equal(r.hasMore(), false);
  t.equal(r.peek(), -1);
});

t.test('non-minimal integer encodings are accepted (BER, not DER)', async (t) => {
  t.equal(reader('02 03 00 00 05').readInt(), 5);
  t.equal(reader('02 02 ff ff').readInt(), -1);
});

t.test('octet strings as views and as UTF-8', async (t) => {
  const buf = hex('04 05 68 c3 a9 6c 6c  04 00  84 02 61 62');
  const r = new BerReader(buf);
  const v = r.readOctets();
  t.equal(v.toString('hex'), '68c3a96c6c');
  t.equal(v.buffer, buf.buffer, 'a view, not a copy');
  t.equal(r.readString(), '');
  t.equal(r.readString(0x84), 'ab', 'context tag');
});

t.test('long-form lengths: 1 to 4 octets, leading zeros allowed', async (t) => {
  for (const n of [0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000]) {
    const w = new BerWriter(16);
    w.writeOctets(Buffer.alloc(n, 0x61));
    t.equal(new BerReader(w.toBuffer()).readOctets().length, n, `length ${n}`);
  }
  t.equal(reader('04 81 02 61 62').readString(), 'ab');
  t.equal(reader('04 82 00 02 61 62').readString(), 'ab');
  t.equal(reader('04 83 00 00 02 61 62').readString(), 'ab');
  t.equal(reader('04 84 00 00 00 02 61 62').readString(), 'ab');
});

t.test('sequences: enter/leave confine reads to the element', async (t) => {
  const r = reader('30 06 02 01 01 04 01 61  02 01 09');
  const outer = r.enter();
  t.equal(r.readInt(), 1);
  t.equal(r.readString(), 'a');
  t.equal(r.hasMore(), false);
  r.leave(outer);
  t.equal(r.readInt(), 9);

  const nested = reader('30 05 31 03 01 01 ff');
  const o1 = nested.enter(0x30);
  const o2 = nested.enter(0x31);
  t.equal(nested.readBoolean(), true);
  nested.leave(o2);
  nested.leave(o1);
  t.equal(nested.hasMore(), false);
});

t.test('skip and skipRest pass over unknown elements', async (t) => {
  const r = reader('30 09 a7 03 02 01 05 04 02 68 69');
  const outer = r.enter();
  r.skip();
  t.equal(r.readString(), 'hi');
  r.leave(outer);
  const r2 = reader('30 06 02 01 01 04 01 61');
  const o = r2.enter();
  r2.readInt();
  r2.skipRest();
  r2.leave(o);
  t.equal(r2.hasMore(), false);
});

t.test('every violation is a ProtocolError', async (t) => {
  const cases: [string, string, (r: BerReader) => unknown][] = [
    ['empty input', '', (r) => r.readInt()],
    ['tag only', '02', (r) => r.readInt()],
    ['wrong tag', '04 01 01', (r) => r.readInt()],
    ['indefinite length', '30 80 00 00', (r) => r.enter()],
    ['5 length octets', '04 85 00 00 00 00 01 61', (r) => r.readOctets()],
    ['truncated long length', '04 82 01', (r) => r.readOctets()],
    ['length past the end', '04 05 61 62', (r) => r.readOctets()],
    ['forged 4 GiB length', '04 84 ff ff ff ff 61', (r) => r.readOctets()],
    ['empty INTEGER', '02 00', (r) => r.readInt()],
    ['5-octet INTEGER', '02 05 00 80 00 00 00', (r) => r.readInt()],
    ['BOOLEAN of 2 octets', '01 02 00 ff', (r) => r.readBoolean()],
    ['BOOLEAN of 0 octets', '01 00', (r) => r.readBoolean()],
    ['NULL with content', '05 01 00', (r) => r.readNull()],
    ['high tag number form', '1f 81 00 00', (r) => r.readTag()],
    ['inner length past outer end', '30 03 04 05 61 62 63 64 65', (r) => { r.enter(); r.readOctets(); }],
    ['unread octets at leave', '30 04 02 01 01 00', (r) => { const o = r.enter(); r.readInt(); r.leave(o); }],
    ['read past an entered element', '30 03 02 01 01 02 01 02', (r) => { r.enter(); r.readInt(); r.readInt(); }],
    ['skip of a truncated element', '30 02 04 09', (r) => { r.enter(); r.skip(); }],
  ];
  for (const [name, bytes, op] of cases) {
    t.throws(() => op(reader(bytes)), ProtocolError, name);
  }
  t.throws(() => new BerReader(Buffer.alloc(4), 2, 8), ProtocolError, 'bounds past the buffer');
  t.throws(() => new BerReader(Buffer.alloc(4), 3, 2), ProtocolError, 'inverted bounds');
});

t.test('integers agree with @ldapjs/asn1 for the whole 32-bit range', async (t) => {
  const values = [0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769, 0x7fffff, 0x800000, -0x800000,
    -0x800001, 0x7fffffff, -0x80000000, 123456789, -987654321];
  for (const v of values) {
    const ref = new asn1.BerWriter();
    ref.writeInt(v);
    t.equal(new BerReader(ref.buffer).readInt(), v, `${v}`);
  }
});
