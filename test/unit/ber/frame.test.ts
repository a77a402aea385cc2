import t from 'tap';
import { frameLength, declaredFrameLength } from '../../../src/ber/frame.js';
import { BerWriter } from '../../../src/ber/writer.js';
import { PduTooLarge, ProtocolError } from '../../../src/errors.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function message(contentLen: number): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeInt(1);
  w.writeOctets(Buffer.alloc(contentLen), 0x4a);
  w.endSequence();
  return w.toBuffer();
}

t.test('complete messages of each length form', async (t) => {
  for (const n of [0, 100, 200, 70000]) {
    const m = message(n);
    t.equal(frameLength(m, 0, 1 << 20), m.length, `content ${n}`);
    t.equal(declaredFrameLength(m, 0, 1 << 20), m.length);
  }
});

t.test('every strict prefix needs more bytes', async (t) => {
  for (const n of [5, 200, 300]) {
    const m = message(n);
    for (let i = 0; i < m.length; i++) {
      t.equal(frameLength(m.subarray(0, i), 0, 1 << 20), -1);
    }
  }
  const long = message(300);
  t.equal(long.subarray(0, 2).toString('hex'), '3082');
  t.equal(declaredFrameLength(long.subarray(0, 4), 0, 1 << 20), long.length, 'declared length known from the header alone');
  t.equal(declaredFrameLength(long.subarray(0, 3), 0, 1 << 20), -1, 'header incomplete');
});

t.test('back-to-back messages at an offset', async (t) => {
  const a = message(3);
  const b = message(500);
  const buf = Buffer.concat([a, b, b.subarray(0, 10)]);
  t.equal(frameLength(buf, 0, 4096), a.length);
  t.equal(frameLength(buf, a.length, 4096), b.length);
  t.equal(frameLength(buf, a.length + b.length, 4096), -1);
  t.equal(frameLength(buf, buf.length, 4096), -1);
});

t.test('bad headers throw ProtocolError', async (t) => {
  t.throws(() => frameLength(hex('04 00'), 0, 100), ProtocolError, 'not a SEQUENCE');
  t.throws(() => frameLength(hex('63'), 0, 100), ProtocolError, 'not a SEQUENCE, one byte is enough to tell');
  t.throws(() => frameLength(hex('30 80 02 01 01 00 00'), 0, 100), ProtocolError, 'indefinite');
  t.throws(() => frameLength(hex('30 85 00 00 00 00 01'), 0, 100), ProtocolError, '5 length octets');
  t.throws(() => frameLength(hex('30 84 7f ff ff ff'), 0, 1 << 20), PduTooLarge, 'oversize refused from the header');
  t.throws(() => frameLength(message(200), 0, 100), PduTooLarge, 'over maxPdu');
  const m = message(93);
  t.equal(frameLength(m, 0, m.length), m.length, 'exactly maxPdu is allowed');
  t.throws(() => frameLength(m, 0, m.length - 1), PduTooLarge);
});
