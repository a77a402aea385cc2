import t from 'tap';
import fc from 'fast-check';
import { LdapError, RC } from '../../../src/errors.js';
import type { Filter } from '../../../src/dit/filter-types.js';
import { escapeFilterValue, formatFilter, parseFilter } from '../../../src/dit/filter.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

t.test('simple items', async (t) => {
  t.same(parseFilter('(cn=Babs Jensen)'), { type: 'equality', attr: 'cn', value: b('Babs Jensen') });
  t.same(parseFilter('(age>=21)'), { type: 'ge', attr: 'age', value: b('21') });
  t.same(parseFilter('(age<=21)'), { type: 'le', attr: 'age', value: b('21') });
  t.same(parseFilter('(sn~=jensen)'), { type: 'approx', attr: 'sn', value: b('jensen') });
  t.same(parseFilter('(objectClass=*)'), { type: 'present', attr: 'objectClass' });
  t.same(parseFilter('(cn=)'), { type: 'equality', attr: 'cn', value: b('') }, 'empty assertion value');
  t.same(parseFilter('(cn=x=y)'), { type: 'equality', attr: 'cn', value: b('x=y') });
  t.same(parseFilter('(description=a:=b)'), { type: 'equality', attr: 'description', value: b('a:=b') });
  t.same(parseFilter('(cn;lang-en;x-y=x)'), { type: 'equality', attr: 'cn;lang-en;x-y', value: b('x') });
  t.same(parseFilter('(2.5.4.3=x)'), { type: 'equality', attr: '2.5.4.3', value: b('x') });
  t.same(parseFilter('(cn=x )'), { type: 'equality', attr: 'cn', value: b('x ') }, 'trailing space is value');
});

t.test('substrings', async (t) => {
  t.same(parseFilter('(cn=a*)'), { type: 'substrings', attr: 'cn', initial: b('a'), any: [] });
  t.same(parseFilter('(cn=*z)'), { type: 'substrings', attr: 'cn', any: [], final: b('z') });
  t.same(parseFilter('(cn=*m*)'), { type: 'substrings', attr: 'cn', any: [b('m')] });
  t.same(parseFilter('(cn=a*b*c*d)'), {
    type: 'substrings',
    attr: 'cn',
    initial: b('a'),
    any: [b('b'), b('c')],
    final: b('d'),
  });
  t.same(parseFilter('(cn=*\\2a*)'), { type: 'substrings', attr: 'cn', any: [b('*')] }, 'escaped star is data');
});

t.test('and, or, not', async (t) => {
  const f = parseFilter('(&(objectClass=person)(|(sn=Jensen)(cn=Babs J*))(!(uid=x)))');
  t.same(f, {
    type: 'and',
    filters: [
      { type: 'equality', attr: 'objectClass', value: b('person') },
      {
        type: 'or',
        filters: [
          { type: 'equality', attr: 'sn', value: b('Jensen') },
          { type: 'substrings', attr: 'cn', initial: b('Babs J'), any: [] },
        ],
      },
      { type: 'not', filter: { type: 'equality', attr: 'uid', value: b('x') } },
    ],
  });
  t.same(parseFilter('(&)'), { type: 'and', filters: [] }, 'RFC 4526 absolute true');
  t.same(parseFilter('(|)'), { type: 'or', filters: [] }, 'RFC 4526 absolute false');
  t.same(parseFilter(' ( & (a=b) ( c=d ) ) '), {
    type: 'and',
    filters: [
      { type: 'equality', attr: 'a', value: b('b') },
      { type: 'equality', attr: 'c', value: b('d ') },
    ],
  }, 'spaces where libldap skips them');
});

t.test('extensible match', async (t) => {
  t.same(parseFilter('(cn:dn:2.5.13.5:=x)'), { type: 'extensible', attr: 'cn', rule: '2.5.13.5', value: b('x'), dnAttributes: true });
  t.same(parseFilter('(cn:DN:=x)'), { type: 'extensible', attr: 'cn', value: b('x'), dnAttributes: true });
  t.same(parseFilter('(:caseExactMatch:=x)'), { type: 'extensible', rule: 'caseExactMatch', value: b('x'), dnAttributes: false });
  t.same(parseFilter('(:dn:2.5.13.5:=Jensen)'), { type: 'extensible', rule: '2.5.13.5', value: b('Jensen'), dnAttributes: true });
  t.same(parseFilter('(cn:=x)'), { type: 'extensible', attr: 'cn', value: b('x'), dnAttributes: false });
  t.same(parseFilter('(o:caseIgnoreMatch:=a:=b)'), { type: 'extensible', attr: 'o', rule: 'caseIgnoreMatch', value: b('a:=b'), dnAttributes: false });
});

t.test('escapes and UTF-8 (RFC 4515 §4 examples)', async (t) => {
  t.same(parseFilter('(o=Parens R Us \\28for all your parenthetical needs\\29)').type, 'equality');
  t.same((parseFilter('(o=Parens R Us \\28for all your parenthetical needs\\29)') as { value: Buffer }).value, b('Parens R Us (for all your parenthetical needs)'));
  t.same(parseFilter('(cn=*\\2A*)'), { type: 'substrings', attr: 'cn', any: [b('*')] });
  t.same(parseFilter('(filename=C:\\5cMyFile)'), { type: 'equality', attr: 'filename', value: b('C:\\MyFile') });
  t.same(parseFilter('(bin=\\00\\00\\00\\04)'), { type: 'equality', attr: 'bin', value: Buffer.from([0, 0, 0, 4]) });
  t.same(parseFilter('(sn=Lu\\c4\\8di\\c4\\87)'), { type: 'equality', attr: 'sn', value: b('Lučić') });
  t.same(parseFilter('(sn=Lučić)'), { type: 'equality', attr: 'sn', value: b('Lučić') }, 'literal UTF-8');
  t.same(parseFilter('(1.3.6.1.4.1.1466.0=\\04\\02\\48\\69)'), { type: 'equality', attr: '1.3.6.1.4.1.1466.0', value: Buffer.from([4, 2, 0x48, 0x69]) });
  t.same(parseFilter('(cn=\\ff\\fe)'), { type: 'equality', attr: 'cn', value: Buffer.from([0xff, 0xfe]) }, 'non-UTF-8 octets');
  t.same(parseFilter('(cn=a\\*b\\(\\)\\\\)'), { type: 'equality', attr: 'cn', value: b('a*b()\\') }, 'RFC 1960 escapes');
  t.same(parseFilter('(cn=é\\c3\\a9x)'), { type: 'equality', attr: 'cn', value: b('ééx') });
});

t.test('without outer parentheses, as ldapsearch allows', async (t) => {
  t.same(parseFilter('uid=x'), { type: 'equality', attr: 'uid', value: b('x') });
  t.same(parseFilter('cn=a*'), { type: 'substrings', attr: 'cn', initial: b('a'), any: [] });
  t.same(parseFilter('objectClass=*'), { type: 'present', attr: 'objectClass' });
});

t.test('bad filters give protocolError', async (t) => {
  const bad = [
    '', '   ', '()', '(cn)', '(=x)', '(cn=a(b)', '(cn=a)b)', '(cn=**)', '(cn=a**b)', '(cn_x=1)', '(cn =x)',
    '(cn=a)(sn=b)', '(&(a=b)', '(cn=\\zz)', '(cn=\\4)', '(cn=x\\)', '((cn=x))', '(!(a=b)(c=d))', '(!)',
    '(cn>=*)', '(cn>=a*)', '(cn~=*x)', '(:=x)', '(:dn:=x)', '(cn:foo:bar:=x)', '(cn:xx:rule:=x)', '(cn:dn::=x)',
    '(:1.2.:=x)', '(cn:=a*)', '(1.=x)', '(cn;=x)', '(cn=x', 'cn=x)', '(&(a=b)))', '(cn=\0)', '(|(a=b)x)',
  ];
  for (const s of bad) {
    let err: unknown;
    try {
      parseFilter(s);
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof LdapError && err.code === RC.protocolError && err.message.startsWith('bad filter'), JSON.stringify(s));
  }
});

t.test('nesting is bounded', async (t) => {
  const nest = (n: number): string => '(!'.repeat(n) + '(a=b)' + ')'.repeat(n);
  t.equal(parseFilter(nest(200)).type, 'not');
  t.throws(() => parseFilter(nest(100_000)), { code: RC.protocolError });
});

t.test('formatFilter is canonical', async (t) => {
  const pairs: [string, string][] = [
    [' ( & (a=b) (c=d)) ', '(&(a=b)(c=d))'],
    ['uid=x', '(uid=x)'],
    ['(cn=a\\2A\\28\\29\\5C\\00)', '(cn=a\\2a\\28\\29\\5c\\00)'],
    ['(cn=\\*)', '(cn=\\2a)'],
    ['(sn=Lu\\c4\\8di\\c4\\87)', '(sn=Lučić)'],
    ['(cn=\\ff)', '(cn=\\ff)'],
    ['(cn=\\0a\\7f)', '(cn=\\0a\\7f)'],
    ['(cn=a*b*c)', '(cn=a*b*c)'],
    ['(cn=*b*)', '(cn=*b*)'],
    ['(cn:DN:2.5.13.5:=x)', '(cn:dn:2.5.13.5:=x)'],
    ['(:rule:=x)', '(:rule:=x)'],
    ['(|)', '(|)'],
  ];
  for (const [input, out] of pairs) t.equal(formatFilter(parseFilter(input)), out, input);
  t.equal(escapeFilterValue(Buffer.from([0x61, 0xc3])), 'a\\c3', 'invalid UTF-8 is escaped octet by octet');
});

const attr = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,6}(;[A-Za-z0-9-]{1,4})?$/),
  fc.stringMatching(/^[0-9]{1,3}(\.[0-9]{1,3}){0,3}$/),
);
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }).map((s) => Buffer.from(s, 'utf8')),
  fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a)),
);
const plain = { noNullPrototype: true };
const nonEmpty = value.filter((v) => v.length > 0);
const leaf: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ type: fc.constantFrom('equality' as const, 'ge' as const, 'le' as const, 'approx' as const), attr, value }, plain),
  fc.record({ type: fc.constant('present' as const), attr }, plain),
  fc
    .record({
      type: fc.constant('substrings' as const),
      attr,
      initial: fc.option(nonEmpty, { nil: undefined }),
      any: fc.array(nonEmpty, { maxLength: 3 }),
      final: fc.option(nonEmpty, { nil: undefined }),
    })
    .filter((f) => f.initial !== undefined || f.any.length > 0 || f.final !== undefined)
    .map((f) => {
      const out: Filter = { type: 'substrings', attr: f.attr, any: f.any };
      if (f.initial) out.initial = f.initial;
      if (f.final) out.final = f.final;
      return out;
    }),
  fc
    .record({
      attr: fc.option(attr, { nil: undefined }),
      rule: fc.option(fc.constantFrom('caseExactMatch', '2.5.13.5', 'x-rule'), { nil: undefined }),
      value,
      dnAttributes: fc.boolean(),
    })
    .filter((f) => f.attr !== undefined || f.rule !== undefined)
    .map((f) => {
      const out: Filter = { type: 'extensible', value: f.value, dnAttributes: f.dnAttributes };
      if (f.attr) out.attr = f.attr;
      if (f.rule) out.rule = f.rule;
      return out;
    }),
);
const filterArb = fc.letrec<{ f: Filter }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ type: fc.constant('and' as const), filters: fc.array(tie('f'), { maxLength: 3 }) }, plain),
    fc.record({ type: fc.constant('or' as const), filters: fc.array(tie('f'), { maxLength: 3 }) }, plain),
    fc.record({ type: fc.constant('not' as const), filter: tie('f') }, plain),
  ),
})).f;

t.test('parseFilter(formatFilter(f)) = f (property)', async (t) => {
  fc.assert(
    fc.property(filterArb, (f) => {
      t.strictSame(parseFilter(formatFilter(f)), f);
      return true;
    }),
    { numRuns: 500 },
  );
});
