import t from 'tap';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { readFilter, writeFilter, MAX_FILTER_DEPTH } from '../../../../src/ldap/pdu/filter.js';
import { BerReader } from '../../../../src/ber/reader.js';
import { BerWriter } from '../../../../src/ber/writer.js';
import { BadRequestContent, ProtocolError } from '../../../../src/errors.js';
import type { Filter } from '../../../../src/dit/filter-types.js';
import { FILTERS, b } from './samples.js';

const require = createRequire(import.meta.url);
const ldapFilter = require('@ldapjs/filter');

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function encode(f: Filter): Buffer {
  const w = new BerWriter(16);
  writeFilter(w, f);
  return w.toBuffer();
}

function decode(buf: Buffer): Filter {
  const r = new BerReader(buf);
  const f = readFilter(r);
  if (r.hasMore()) throw new Error('filter did not fill its buffer');
  return f;
}

t.test('filters match @ldapjs/filter encodings byte for byte', async (t) => {
  const strings = [
    '(objectClass=*)', '(uid=jdoe)', '(uidNumber>=1000)', '(modifyTimestamp<=20240101000000Z)', '(cn~=jon)',
    '(cn=J*o*h*n)', '(mail=*@example*)', '(sn=*son)', '(ou:dn:2.5.13.5:=Sales)', '(cn:=x)', '(:caseIgnoreMatch:=y)',
    '(&(objectClass=person)(|(mail=*)(!(sn=Ünïcode))))',
  ];
  t.equal(strings.length, FILTERS.length - 3, 'one string per sample that has a string form ldapjs encodes');
  strings.forEach((s, i) => {
    const ref: Buffer = ldapFilter.parseString(s).toBer().buffer;
    t.equal(encode(FILTERS[i]!).toString('hex'), ref.toString('hex'), s);
    t.same(decode(ref), FILTERS[i], `${s} decodes`);
  });
});

t.test('every sample filter round-trips', async (t) => {
  for (const f of FILTERS) t.same(decode(encode(f)), f);
});

t.test('RFC 4526 absolute true and false', async (t) => {
  t.same(decode(hex('a0 00')), { type: 'and', filters: [] });
  t.same(decode(hex('a1 00')), { type: 'or', filters: [] });
});

t.test('malformed filters throw ProtocolError', async (t) => {
  const cases: [string, string][] = [
    ['unknown choice', '8b 01 61'],
    ['present as constructed', 'a7 00'],
    ['equality as primitive', '83 00'],
    ['not without a filter', 'a2 00'],
    ['not with two filters', 'a2 06 87 01 61 87 01 62'],
    ['equality without value', 'a3 04 04 02 63 6e'],
    ['equality with extra element', 'a3 08 04 02 63 6e 04 00 04 00'],
    ['substrings without substrings', 'a4 06 04 02 63 6e 30 00'],
    ['initial not first', 'a4 0c 04 02 63 6e 30 06 81 01 61 80 01 62'],
    ['two initials', 'a4 0c 04 02 63 6e 30 06 80 01 61 80 01 62'],
    ['any after final', 'a4 0c 04 02 63 6e 30 06 82 01 61 81 01 62'],
    ['two finals', 'a4 0c 04 02 63 6e 30 06 82 01 61 82 01 62'],
    ['bad substring choice', 'a4 09 04 02 63 6e 30 03 83 01 61'],
    ['extensible without rule or type', 'a9 03 83 01 61'],
    ['extensible without value', 'a9 04 82 02 63 6e'],
    ['extensible with the fields out of order', 'a9 07 83 01 61 82 02 63 6e'],
    ['dnAttributes of 2 octets', 'a9 0a 82 02 63 6e 83 01 61 84 02 00 ff'],
    ['and holding junk', 'a0 02 04 00'],
    ['truncated inside an and', 'a0 05 a3 07 04 02 63'],
    ['empty input', ''],
  ];
  for (const [name, bytes] of cases) {
    // ProtocolError, or its BadRequestContent (answered instead of hanging up: decode-request.ts).
    const e = (() => {
      try {
        decode(hex(bytes));
      } catch (err) {
        return err;
      }
    })();
    t.ok(e instanceof ProtocolError, `${name}: ${String(e)}`);
  }
});

function nestNot(n: number): Filter {
  let f: Filter = { type: 'present', attr: 'cn' };
  for (let i = 0; i < n; i++) f = { type: 'not', filter: f };
  return f;
}

t.test(`nesting deeper than ${MAX_FILTER_DEPTH} is malformed`, async (t) => {
  t.same(decode(encode(nestNot(MAX_FILTER_DEPTH - 1))), nestNot(MAX_FILTER_DEPTH - 1), `${MAX_FILTER_DEPTH} filters deep`);
  t.throws(() => decode(encode(nestNot(MAX_FILTER_DEPTH))), BadRequestContent, `${MAX_FILTER_DEPTH + 1} filters deep`);
  // A hostile 50,000-deep AND chain stops at the limit instead of overflowing the stack.
  const depth = 50_000;
  const parts: Buffer[] = [hex('87 01 61')];
  let len = 3;
  for (let i = 0; i < depth; i++) {
    const w = new BerWriter(8);
    w.writeByte(0xa0);
    w.writeLength(len);
    parts.push(w.toBuffer());
    len += w.pos;
  }
  const deep = Buffer.concat(parts.reverse());
  t.throws(() => decode(deep), { name: 'BadRequestContent', message: /nested deeper/ });
});

const octets = fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u));
const attr = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9-]{0,15}(;[a-z-]{1,8})?$/);
const filterArb = fc.letrec<{ filter: Filter }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    attr.map((a): Filter => ({ type: 'present', attr: a })),
    fc.tuple(fc.constantFrom('equality', 'ge', 'le', 'approx' as const), attr, octets)
      .map(([type, a, value]): Filter => ({ type, attr: a, value })),
    fc.record({ attr, initial: fc.option(octets, { nil: undefined }), any: fc.array(octets, { maxLength: 3 }), final: fc.option(octets, { nil: undefined }) })
      .filter((s) => s.initial !== undefined || s.any.length > 0 || s.final !== undefined)
      .map((s): Filter => {
        const f: Filter = { type: 'substrings', attr: s.attr, any: s.any };
        if (s.initial !== undefined) f.initial = s.initial;
        if (s.final !== undefined) f.final = s.final;
        return f;
      }),
    fc.record({ rule: fc.option(fc.constantFrom('2.5.13.2', 'caseExactMatch'), { nil: undefined }), attr: fc.option(attr, { nil: undefined }), value: octets, dnAttributes: fc.boolean() })
      .filter((e) => e.rule !== undefined || e.attr !== undefined)
      .map((e): Filter => {
        const f: Filter = { type: 'extensible', value: e.value, dnAttributes: e.dnAttributes };
        if (e.rule !== undefined) f.rule = e.rule;
        if (e.attr !== undefined) f.attr = e.attr;
        return f;
      }),
    fc.array(tie('filter'), { maxLength: 4 }).map((filters): Filter => ({ type: 'and', filters })),
    fc.array(tie('filter'), { maxLength: 4 }).map((filters): Filter => ({ type: 'or', filters })),
    tie('filter').map((filter): Filter => ({ type: 'not', filter })),
  ),
}));

t.test('property: any filter round-trips', async (t) => {
  let runs = 0;
  fc.assert(fc.property(filterArb.filter, (f) => {
    runs++;
    return isDeepStrictEqual(decode(encode(f)), f);
  }), { numRuns: 500, seed: 4511 });
  t.equal(runs, 500);
});

t.test('UTF-8 attribute descriptions and binary values survive', async (t) => {
  const f: Filter = { type: 'equality', attr: 'cn;lang-fr', value: b('Élodie\u0000') };
  t.same(decode(encode(f)), f);
});
