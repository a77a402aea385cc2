import t from 'tap';
import fc from 'fast-check';
import { LdapError, RC } from '../../../src/errors.js';
import {
  type AVANormalizer,
  type DN,
  Scope,
  escapeDNValue,
  formatDN,
  formatRDN,
  inScope,
  isDescendant,
  normalizeDN,
  parentDN,
  parseDN,
  rdnOf,
} from '../../../src/dit/dn.js';

const lower: AVANormalizer = (type, value) => ({
  type: type.toLowerCase(),
  value: value.toLowerCase().replace(/ +/g, ' ').trim(),
});

t.test('parses the common form', async (t) => {
  t.same(parseDN('uid=user5,ou=people,dc=example,dc=com'), [
    [{ type: 'uid', value: 'user5' }],
    [{ type: 'ou', value: 'people' }],
    [{ type: 'dc', value: 'example' }],
    [{ type: 'dc', value: 'com' }],
  ]);
  t.same(parseDN(''), [], 'empty DN is the root');
  t.throws(() => parseDN('   '), { code: 34 }, 'spaces alone name nothing (slapd: invalid DN)');
  t.same(parseDN('cn=Anna Berg+uid=aberg,dc=x'), [
    [
      { type: 'cn', value: 'Anna Berg' },
      { type: 'uid', value: 'aberg' },
    ],
    [{ type: 'dc', value: 'x' }],
  ]);
});

t.test('escapes and hex pairs', async (t) => {
  const one = (s: string): string => parseDN(s)[0][0].value;
  t.equal(one('cn=a\\,b'), 'a,b');
  t.equal(one('cn=\\+\\"\\\\\\<\\>\\;\\='), '+"\\<>;=');
  t.equal(one('cn=caf\\c3\\a9'), 'café', 'hex pairs are UTF-8');
  t.equal(one('cn=caf\\C3\\A9'), 'café', 'hex digits in either case');
  t.equal(one('cn=\\e6\\b5\\8b\\e8\\af\\95'), '测试');
  t.equal(one('cn=é\\c3\\a9'), 'éé', 'literal and escaped UTF-8 mixed');
  t.equal(one('cn=a\\2cb'), 'a,b');
  t.equal(one('cn=a=b'), 'a=b', 'an unescaped = is allowed in a value');
  t.equal(one('cn=a#b'), 'a#b');
  t.equal(one('cn=a\\0ab'), 'a\nb');
});

t.test('leading and trailing spaces', async (t) => {
  const one = (s: string): string => parseDN(s)[0][0].value;
  t.equal(one('cn= a '), 'a', 'unescaped spaces around a value are dropped');
  t.equal(one('cn=\\ a\\ '), ' a ', 'escaped spaces are kept');
  t.equal(one('cn=a\\20'), 'a ', 'hex-escaped trailing space is kept');
  t.equal(one('cn=a\\ \\ '), 'a  ');
  t.equal(one('cn=a  b'), 'a  b', 'inner spaces are kept');
  t.same(parseDN(' cn = a , dc = x '), [[{ type: 'cn', value: 'a' }], [{ type: 'dc', value: 'x' }]]);
  t.same(parseDN('cn=a + sn=b'), [
    [
      { type: 'cn', value: 'a' },
      { type: 'sn', value: 'b' },
    ],
  ]);
});

t.test('types: OIDs, options; no LDAPv2 OID. prefix', async (t) => {
  t.equal(parseDN('2.5.4.3=foo')[0][0].type, '2.5.4.3');
  // slapd 2.5: an entry named so is 34, a member value so 21 (OpenLDAP's test026-dn).
  t.throws(() => parseDN('OID.2.5.4.3=foo'));
  t.throws(() => parseDN('oid.0.9.2342.19200300.100.1.1=jsmith'));
  t.equal(parseDN('cn;lang-en=x')[0][0].type, 'cn', 'options are dropped, as slapd does');
  t.equal(parseDN('CN=x')[0][0].type, 'CN', 'case is kept');
  t.equal(parseDN('x-my-attr=1')[0][0].type, 'x-my-attr');
});

t.test('legacy forms slapd accepts', async (t) => {
  t.same(parseDN('cn=a;dc=x'), parseDN('cn=a,dc=x'), '; separates RDNs');
  t.same(parseDN('dc=x ; dc=y'), parseDN('dc=x,dc=y'));
  t.equal(parseDN('cn="a, b",dc=x')[0][0].value, 'a, b', 'quoted value');
  t.equal(parseDN('cn=" a+b ",dc=x')[0][0].value, ' a+b ', 'spaces inside quotes are kept');
  t.equal(parseDN('cn="a \\" b"')[0][0].value, 'a " b');
});

t.test('#hexstring values (BER)', async (t) => {
  t.same(parseDN('cn=#04024869')[0][0], { type: 'cn', value: 'Hi', hex: true }, 'OCTET STRING');
  t.same(parseDN('cn=#0c03616263')[0][0], { type: 'cn', value: 'abc', hex: true }, 'UTF8String');
  t.same(parseDN('cn=#0C02C3A9')[0][0], { type: 'cn', value: 'é', hex: true }, 'UTF8String, upper-case hex');
  t.same(parseDN('cn=#1303414243')[0][0], { type: 'cn', value: 'ABC', hex: true }, 'PrintableString');
  t.same(parseDN('cn=#16026869 , dc=x')[0][0], { type: 'cn', value: 'hi', hex: true }, 'IA5String, then spaces');
  const long = '04' + '8181' + '61'.repeat(129);
  t.equal(parseDN(`cn=#${long}`)[0][0].value, 'a'.repeat(129), 'long-form length');
  t.same(parseDN('cn=#020101')[0][0], { type: 'cn', value: '#020101', raw: true, hex: true }, 'INTEGER kept raw');
  t.same(parseDN('cn=#0402FF')[0][0], { type: 'cn', value: '#0402ff', raw: true, hex: true }, 'non-UTF-8 octets kept raw');
  t.same(parseDN('cn=#040548')[0][0], { type: 'cn', value: '#040548', raw: true, hex: true }, 'bad length kept raw');
  t.equal(formatDN(parseDN('cn=#020101,dc=x')), 'cn=#020101,dc=x', 'raw values print back as hex');
});

t.test('invalid DNs', async (t) => {
  const bad = [
    'cn', 'cn=a,', 'cn=a,,dc=x', '=a', ',cn=a', 'cn=a+', 'cn=a"b', 'cn=a<b', 'cn=a>b', 'cn=\\c3',
    'cn=\\zz', 'cn=a\\', 'cn=#', 'cn=#0', 'cn=#zz', 'cn=#0401 x', 'cn="abc', 'cn="a"b', '1.=x', '1..2=x',
    'c_n=x', '-cn=x', 'cn=a\0b', 'cn=a,dc', 'oid.=x', 'cn=\\ff\\fe',
  ];
  for (const s of bad) {
    t.throws(() => parseDN(s), new LdapError(RC.invalidDNSyntax, 'invalid DN'), JSON.stringify(s));
  }
  const e = (() => {
    try {
      parseDN('cn=a,');
    } catch (err) {
      return err;
    }
  })();
  t.ok(e instanceof LdapError && e.code === 34);
});

t.test('formatDN prints what slapd prints (slapdn -v "pretty" output)', async (t) => {
  // Pairs taken from `slapdn -v` of OpenLDAP 2.5, except that slapd also
  // renames types to their schema names and sorts multi-valued RDNs.
  const pairs: [string, string][] = [
    ['cn=a\\=b,dc=example,dc=com', 'cn=a\\3Db,dc=example,dc=com'],
    ['cn=\\ a ,dc=x', 'cn=\\20a,dc=x'],
    ['cn=caf\\c3\\a9+sn=Ä ,dc=x', 'cn=café+sn=Ä,dc=x'],
    ['cn=a\\,b;dc=x', 'cn=a\\2Cb,dc=x'],
    ['cn="a, b",dc=x', 'cn=a\\2C b,dc=x'],
    ['cn=\\#a,dc=x', 'cn=\\23a,dc=x'],
    ['cn=a#,dc=x', 'cn=a#,dc=x'],
    ['cn=Foo  Bar , dc=Example', 'cn=Foo  Bar,dc=Example'],
    ['cn=x\\<y\\>\\;\\"\\+', 'cn=x\\3Cy\\3E\\3B\\22\\2B'],
    ['cn=a=b', 'cn=a\\3Db'],
    ['cn=a\\\\b', 'cn=a\\5Cb'],
    ['cn=a\\ \\ ', 'cn=a \\20'],
    ['cn= a', 'cn=a'],
    ['cn=é\\c3\\a9', 'cn=éé'],
    ['cn=a\\0ab', 'cn=a\nb'],
    ['cn=tab\tx', 'cn=tab\tx'],
    ['cn=a\\2cb', 'cn=a\\2Cb'],
  ];
  for (const [input, pretty] of pairs) t.equal(formatDN(parseDN(input)), pretty, input);
  t.equal(escapeDNValue(' '), '\\20');
  t.equal(escapeDNValue('#'), '\\23');
  t.equal(escapeDNValue('a\0'), 'a\\00');
  t.equal(escapeDNValue(''), '');
  t.equal(formatDN([]), '');
  t.equal(
    formatRDN([
      { type: 'uid', value: 'a' },
      { type: 'cn', value: 'b,c' },
    ]),
    'uid=a+cn=b\\2Cc',
  );
});

const attrType = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/),
  fc.stringMatching(/^[0-9]{1,3}(\.[0-9]{1,3}){0,4}$/),
);
const plain = { noNullPrototype: true };
const ava = fc.record({ type: attrType, value: fc.string({ unit: 'binary', maxLength: 12 }) }, plain);
// An RDN names each type once (normalizeDN refuses one type twice).
const rdnArb = fc.uniqueArray(ava, { minLength: 1, maxLength: 3, selector: (a) => a.type.toLowerCase() });
const dnArb: fc.Arbitrary<DN> = fc.array(rdnArb, { maxLength: 5 });

t.test('formatDN/parseDN round trip (property)', async (t) => {
  fc.assert(
    fc.property(dnArb, (dn) => {
      t.strictSame(parseDN(formatDN(dn)), dn);
      return true;
    }),
    { numRuns: 500 },
  );
});

t.test('normalizeDN', async (t) => {
  const n = (s: string): string => normalizeDN(parseDN(s), lower);
  t.equal(n('CN=Foo  Bar , DC=Example,dc=COM'), 'cn=foo bar,dc=example,dc=com');
  t.equal(n('uid=A+cn=B,dc=x'), n('cn=b+uid=a,dc=x'), 'multi-valued RDN order does not matter');
  t.equal(n('uid=A+cn=B,dc=x'), 'cn=b+uid=a,dc=x');
  t.equal(n('cn=Smith\\, John,dc=x'), 'cn=smith\\2C john,dc=x');
  t.equal(n('cn=a\\+b,dc=x'), 'cn=a\\2Bb,dc=x');
  t.equal(n(''), '');
  t.equal(n('cn=#020101'), 'cn=#020101', 'raw BER values are kept');
  const oid: AVANormalizer = (type, value) => ({ type: type === '2.5.4.3' ? 'cn' : type, value });
  t.equal(normalizeDN(parseDN('2.5.4.3=x'), oid), 'cn=x', 'the normalizer names the type');
  t.throws(() => n('cn=a+cn=b,dc=x'), { code: 34 }, 'one type twice in an RDN is not a DN (RFC 4512 §2.3.1)');
  t.throws(() => normalizeDN(parseDN('cn=a+2.5.4.3=b'), oid), { code: 34 }, 'also under two names');
  t.equal(n('cn=a+cna=b'), 'cn=a+cna=b', 'a type whose name starts with another is another type');
});

t.test('normalized DNs: parent, rdn, descendants (property)', async (t) => {
  fc.assert(
    fc.property(dnArb.filter((d) => d.length > 0), (dn) => {
      const ndn = normalizeDN(dn, lower);
      t.equal(parentDN(ndn), normalizeDN(dn.slice(1), lower));
      t.equal(rdnOf(ndn), normalizeDN(dn.slice(0, 1), lower));
      for (let k = 1; k <= dn.length; k++) t.ok(isDescendant(ndn, normalizeDN(dn.slice(k), lower)));
      t.notOk(isDescendant(ndn, ndn));
      t.same(normalizeDN(parseDN(ndn), lower), ndn, 'a normalized DN parses back to itself');
      return true;
    }),
    { numRuns: 300 },
  );
});

t.test('string helpers with escaped separators', async (t) => {
  const ndn = 'cn=a\\2Cb,ou=x\\2Cy,dc=z';
  t.equal(parentDN(ndn), 'ou=x\\2Cy,dc=z');
  t.equal(rdnOf(ndn), 'cn=a\\2Cb');
  t.equal(parentDN('dc=z'), '');
  t.equal(parentDN(''), null);
  t.equal(rdnOf('dc=z'), 'dc=z');
  t.ok(isDescendant('dc=z', ''));
  t.notOk(isDescendant('', ''));
  t.notOk(isDescendant('cn=a,dc=xz', 'dc=z'), 'a suffix that is not a whole RDN');
  t.notOk(isDescendant('dc=z', 'cn=a,dc=z'));
});

t.test('inScope', async (t) => {
  const base = 'ou=p,dc=x';
  const cases: [string, Scope, boolean][] = [
    ['ou=p,dc=x', Scope.base, true],
    ['cn=a,ou=p,dc=x', Scope.base, false],
    ['ou=p,dc=x', Scope.one, false],
    ['cn=a,ou=p,dc=x', Scope.one, true],
    ['cn=b,cn=a,ou=p,dc=x', Scope.one, false],
    ['ou=p,dc=x', Scope.sub, true],
    ['cn=b,cn=a,ou=p,dc=x', Scope.sub, true],
    ['dc=x', Scope.sub, false],
    ['cn=a,ou=pp,dc=x', Scope.sub, false],
    ['ou=p,dc=x', Scope.children, false],
    ['cn=b,cn=a,ou=p,dc=x', Scope.children, true],
  ];
  for (const [dn, scope, want] of cases) t.equal(inScope(dn, base, scope), want, `${dn} scope ${scope}`);
  t.ok(inScope('dc=x', '', Scope.one), 'one level under the root');
  t.notOk(inScope('', '', Scope.one));
  t.ok(inScope('', '', Scope.sub));
  t.ok(inScope('cn=a,dc=x', '', Scope.sub));
});
