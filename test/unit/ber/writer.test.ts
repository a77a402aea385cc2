import t from 'tap';
import { createRequire } from 'node:module';
import { BerWriter, lengthSize, intSize } from '../../../src/ber/writer.js';
import { BerReader } from '../../../src/ber/reader.js';

const require = createRequire(import.meta.url);
const asn1 = require('@ldapjs/asn1');

const INTS = [0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769, 0x7fffff, 0x800000,
  -0x800000, -0x800001, 0x7fffffff, -0x80000000, 123456789, -987654321];
const LENGTHS = [0, 1, 41, 42, 43, 126, 127, 128, 255, 256, 65535, 65536, 70000];

t.test('integers, enums and booleans match @ldapjs/asn1 byte for byte', async (t) => {
  const ours = new BerWriter(8);
  const ref = new asn1.BerWriter();
  for (const v of INTS) {
    ours.writeInt(v);
    ref.writeInt(v);
    ours.writeEnum(v & 0xff);
    ref.writeEnumeration(v & 0xff);
    ours.writeInt(v, 0x50);
    ref.writeInt(v, 0x50);
  }
  ours.writeBoolean(true);
  ref.writeBoolean(true);
  ours.writeBoolean(false, 0x84);
  ref.writeBoolean(false, 0x84);
  ours.writeNull();
  ref.writeNull();
  t.equal(ours.toBuffer().toString('hex'), ref.buffer.toString('hex'));
  for (const v of INTS) t.equal(intSize(v) + 2, (() => { const w = new BerWriter(); w.writeInt(v); return w.pos; })());
});

t.test('strings and octets of every length class match @ldapjs/asn1', async (t) => {
  for (const n of LENGTHS) {
    for (const unit of ['a', 'é', '€', '😀']) {
      const s = unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
      const ours = new BerWriter(4);
      const ref = new asn1.BerWriter();
      ours.writeString(s);
      ref.writeString(s);
      ours.writeString(s, 0x80);
      ref.writeString(s, 0x80);
      const octets = Buffer.from(s, 'utf8');
      ours.writeOctets(octets, 0x04);
      if (octets.length > 0) ref.writeBuffer(octets, 0x04);
      else ref.writeString('');
      t.ok(ours.toBuffer().equals(ref.buffer), `${n} x ${unit}`);
    }
  }
});

t.test('sequences of every length class get minimal lengths, nested too', async (t) => {
  for (const n of LENGTHS) {
    const ours = new BerWriter(2);
    const ref = new asn1.BerWriter();
    for (const w of [ours, ref]) {
      w.startSequence(0x30);
      w.startSequence(0x63);
      w.writeString('x'.repeat(n));
      w.endSequence();
      w.startSequence(0xa0);
      w.endSequence();
      w.endSequence();
    }
    t.ok(ours.toBuffer().equals(ref.buffer), `content ${n}`);
    const r = new BerReader(ours.toBuffer());
    const o = r.enter(0x30);
    const o2 = r.enter(0x63);
    t.equal(r.readString().length, n);
    r.leave(o2);
    const o3 = r.enter(0xa0);
    r.leave(o3);
    r.leave(o);
  }
});

t.test('lengths above 16 MiB use four octets', async (t) => {
  const w = new BerWriter(16);
  w.writeOctets(Buffer.alloc(0x1000000));
  t.equal(w.buf.subarray(0, 6).toString('hex'), '048401000000');
  t.equal(lengthSize(0x1000000), 5);
  t.equal(new BerReader(w.toBuffer()).readOctets().length, 0x1000000);
});

t.test('raw bytes, reset, and misuse', async (t) => {
  const w = new BerWriter(4);
  w.writeRaw(Buffer.from('3000', 'hex'));
  w.writeByte(0x42);
  w.writeLength(0);
  t.equal(w.toBuffer().toString('hex'), '30004200');
  w.reset();
  t.equal(w.toBuffer().length, 0);
  w.startSequence();
  t.equal(w.depth, 1);
  t.throws(() => w.toBuffer(), RangeError, 'unended sequence');
  w.endSequence();
  t.throws(() => w.endSequence(), RangeError, 'end without start');
  t.throws(() => w.writeInt(2 ** 31), RangeError);
  t.throws(() => w.writeInt(1.5), RangeError);
});

t.test('reset gives back a buffer grown past the keep limit', async (t) => {
  const w = new BerWriter(64);
  w.writeOctets(Buffer.alloc(4096));
  t.ok(w.buf.length >= 4096);
  w.reset(1 << 20);
  t.ok(w.buf.length >= 4096, 'kept below the limit');
  w.reset(1024);
  t.equal(w.buf.length, 64, 'shrunk to the initial size');
});
