// A filter CHOICE the server does not know (RFC 4511's Filter is
// extensible) is Undefined, as slapd 2.5 evaluates it: the search succeeds,
// and the item counts as Undefined inside and/or/not. ldapsearch cannot send
// one, so the requests are written octet by octet. slapd's answers, run
// 2026-12-06 with the same raw requests: success and no entries for the
// item alone, in an AND and under a NOT; every entry for (|(objectClass=*)…).
import { connect } from 'node:net';
import t from 'tap';
import { frameLength } from '../../src/ber/frame.js';
import { decodeResponse } from '../../src/ldap/pdu/decode-response.js';
import { cleanup, startServer, SUFFIX } from '../helpers/server.js';

const server = await startServer({ seed: true });
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});

const tlv = (tag: number, body: Buffer): Buffer => {
  const n = body.length;
  const len = n < 128 ? [n] : n < 256 ? [0x81, n] : [0x82, n >> 8, n & 255];
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
};
const octets = (s: string): Buffer => tlv(0x04, Buffer.from(s));
/** A subtree search of the suffix for `filter` (its BER), asking for no attributes. */
const searchPdu = (id: number, filter: Buffer): Buffer =>
  tlv(0x30, Buffer.concat([tlv(0x02, Buffer.from([id])), tlv(0x63, Buffer.concat([octets(SUFFIX), tlv(0x0a, Buffer.from([2])), tlv(0x0a, Buffer.from([0])), tlv(0x02, Buffer.from([0])), tlv(0x02, Buffer.from([0])), tlv(0x01, Buffer.from([0])), filter, tlv(0x30, octets('1.1'))]))]));

const unknown = tlv(0x8a, Buffer.from('foo')); // [10] foo
const anyClass = tlv(0x87, Buffer.from('objectClass'));

/** Entries and result code of each search, sent together on one connection. */
function run(pdus: Buffer[]): Promise<{ entries: number; code: number }[]> {
  return new Promise((resolve, reject) => {
    const out = pdus.map(() => ({ entries: 0, code: -1 }));
    let buf = Buffer.alloc(0);
    let done = 0;
    const s = connect({ host: '127.0.0.1', port: server.port }, () => s.write(Buffer.concat(pdus)));
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer to every search: ${JSON.stringify(out)}`));
    }, 5000);
    s.on('error', reject);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (let n = frameLength(buf, 0, 1 << 20); n > 0; n = frameLength(buf, 0, 1 << 20)) {
        const m = decodeResponse(buf.subarray(0, n));
        buf = buf.subarray(n);
        const slot = out[m.id - 1]!;
        if (m.op.type === 'entry') slot.entries++;
        else if (m.op.type === 'result') {
          slot.code = m.op.code;
          if (++done === pdus.length) {
            clearTimeout(timer);
            s.destroy();
            resolve(out);
          }
        }
      }
    });
  });
}

t.test('an unknown filter choice is Undefined, as slapd has it', async (t) => {
  const filters: [string, Buffer, number][] = [
    ['[10] alone', unknown, 0],
    ['a universal OCTET STRING as a filter', octets('foo'), 0],
    ['(&(objectClass=*)[10])', tlv(0xa0, Buffer.concat([anyClass, unknown])), 0],
    ['(|(objectClass=*)[10])', tlv(0xa1, Buffer.concat([anyClass, unknown])), 12],
    ['(![10])', tlv(0xa2, unknown), 0],
    ['(!(&(objectClass=*)[10]))', tlv(0xa2, tlv(0xa0, Buffer.concat([anyClass, unknown]))), 0],
    ['(objectClass=*), to compare', anyClass, 12],
  ];
  const got = await run(filters.map(([, f], i) => searchPdu(i + 1, f)));
  filters.forEach(([name, , entries], i) => t.same(got[i], { entries, code: 0 }, name));
});
