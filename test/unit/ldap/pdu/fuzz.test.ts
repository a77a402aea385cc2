// Seeded mutation fuzzing: whatever the bytes, the decoders either return or
// throw ProtocolError, and what decodeMessage accepts re-encodes to a message
// that decodes to the same value.
import t from 'tap';
import { isDeepStrictEqual } from 'node:util';
import { decodeMessage } from '../../../../src/ldap/pdu/decode-request.js';
import { decodeResponse } from '../../../../src/ldap/pdu/decode-response.js';
import { encodeRequest } from '../../../../src/ldap/pdu/encode-request.js';
import {
  encodeResult, encodeBindResponse, encodeExtendedResponse, encodeIntermediate, encodeSearchReference,
  encodeAttribute, encodeSearchEntry,
} from '../../../../src/ldap/pdu/encode-response.js';
import { OP } from '../../../../src/ldap/pdu/protocol.js';
import { frameLength } from '../../../../src/ber/frame.js';
import { ProtocolError } from '../../../../src/errors.js';
import { REQUESTS, b } from './samples.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x4511);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function mutator(rand: () => number, corpus: Buffer[]) {
  const int = (n: number) => Math.floor(rand() * n);
  const LENGTHY = [0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x85, 0xff];
  return (src: Buffer): Buffer => {
    let buf = Buffer.from(src);
    const rounds = 1 + int(4);
    for (let k = 0; k < rounds; k++) {
      const at = buf.length === 0 ? 0 : int(buf.length);
      switch (int(8)) {
        case 0: if (buf.length) buf[at] = int(256); break;
        case 1: if (buf.length) buf[at] ^= 1 << int(8); break;
        case 2: if (buf.length) buf[at] = LENGTHY[int(LENGTHY.length)]!; break;
        case 3: buf = Buffer.concat([buf.subarray(0, at), Buffer.from([int(256)]), buf.subarray(at)]); break;
        case 4: buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1 + int(4))]); break;
        case 5: buf = buf.subarray(0, at); break;
        case 6: { const end = at + int(16); buf = Buffer.concat([buf.subarray(0, end), buf.subarray(at, end), buf.subarray(end)]); break; }
        default: {
          const other = corpus[int(corpus.length)]!;
          const from = int(other.length);
          buf = Buffer.concat([buf.subarray(0, at), other.subarray(from, from + 1 + int(24)), buf.subarray(at + int(8))]);
        }
      }
    }
    return buf;
  };
}

t.test(`decodeMessage on 50,000 mutated requests (seed ${SEED})`, async (t) => {
  const corpus = REQUESTS.map(({ op, controls = [] }, i) => encodeRequest(i * 37 + 1, op, controls));
  const rand = mulberry32(SEED);
  const mutate = mutator(rand, corpus);
  const tally = { decoded: 0, invalid: 0, protocolError: 0 };
  const failures: string[] = [];
  for (let i = 0; i < 50_000 && failures.length < 5; i++) {
    const pdu = mutate(corpus[Math.floor(rand() * corpus.length)]!);
    try {
      frameLength(pdu, 0, 1 << 20);
    } catch (e) {
      if (!(e instanceof ProtocolError)) failures.push(`frameLength ${pdu.toString('hex')}: ${String(e)}`);
    }
    let m;
    try {
      m = decodeMessage(pdu);
    } catch (e) {
      if (e instanceof ProtocolError) tally.protocolError++;
      else failures.push(`${pdu.toString('hex')}: ${String(e)}`);
      continue;
    }
    if (m.op.type === 'invalid') {
      tally.invalid++;
      continue;
    }
    tally.decoded++;
    const again = decodeMessage(encodeRequest(m.id, m.op, m.controls));
    if (!isDeepStrictEqual(again, m)) failures.push(`re-encoding changed ${pdu.toString('hex')}`);
  }
  t.same(failures, [], 'only ProtocolError, and accepted messages re-encode faithfully');
  t.ok(tally.decoded > 1000 && tally.invalid > 1000 && tally.protocolError > 1000, JSON.stringify(tally));
});

t.test(`decodeResponse on 20,000 mutated responses (seed ${SEED})`, async (t) => {
  const chunks = [encodeAttribute('cn', [b('a'), b('b')]), encodeAttribute('jpegPhoto', [Buffer.alloc(130, 1)])];
  const corpus = [
    encodeResult(1, OP.searchResultDone, 10, 'dc=x', 'see', ['ldap://a/']),
    encodeResult(2, OP.compareResponse, 6, '', ''),
    encodeBindResponse(3, 14, '', '', b('c')),
    encodeExtendedResponse(4, 0, '', '', '1.2', b('v')),
    encodeIntermediate(5, '1.2', b('v')),
    encodeSearchReference(6, ['ldap://a/', 'ldap://b/']),
    encodeSearchEntry(7, 'cn=a', chunks, [{ oid: '1.2', critical: true, value: b('x') }]),
  ];
  const rand = mulberry32(SEED + 1);
  const mutate = mutator(rand, corpus);
  const failures: string[] = [];
  let decoded = 0;
  for (let i = 0; i < 20_000 && failures.length < 5; i++) {
    const pdu = mutate(corpus[Math.floor(rand() * corpus.length)]!);
    try {
      decodeResponse(pdu);
      decoded++;
    } catch (e) {
      if (!(e instanceof ProtocolError)) failures.push(`${pdu.toString('hex')}: ${String(e)}`);
    }
  }
  t.same(failures, []);
  t.ok(decoded > 500, `${decoded} mutated responses still decoded`);
});
