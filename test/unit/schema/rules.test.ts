import t from 'tap';
import { loadSchemaDir } from '../../../src/schema/load.js';
import { soundex } from '../../../src/schema/approx.js';
import type { MatchingRule } from '../../../src/schema/types.js';
import { canonicalTime } from '../../../src/schema/values.js';

const s = loadSchemaDir(new URL('../../../schema/', import.meta.url).pathname);
const rule = (n: string): MatchingRule => {
  const r = s.matchingRule(n);
  if (r === undefined) throw new Error(`no rule ${n}`);
  return r;
};
const norm = (n: string, v: string): string | undefined => rule(n).norm(v);
const same = (n: string, a: string, b: string): boolean => {
  const x = norm(n, a);
  return x !== undefined && x === norm(n, b);
};

t.test('caseIgnoreMatch: RFC 4518 spaces, case folding, mapping, NFKC', async (t) => {
  t.equal(norm('caseIgnoreMatch', '  Hello   World  '), 'hello world');
  t.equal(norm('caseIgnoreMatch', '   '), ' ', 'all spaces is one space');
  t.equal(norm('caseIgnoreMatch', ''), undefined);
  t.ok(same('caseIgnoreMatch', 'Straße', 'STRASSE'), 'full case folding');
  t.ok(same('caseIgnoreMatch', 'ÉCOLE', 'école'));
  t.ok(same('caseIgnoreMatch', 'e\u0301cole', 'école'), 'NFKC composes');
  t.ok(same('caseIgnoreMatch', 'a\u00a0b', 'a b'), 'no-break space maps to space');
  t.ok(same('caseIgnoreMatch', 'a\u00adb', 'ab'), 'soft hyphen maps to nothing');
  t.ok(same('caseIgnoreMatch', 'ﬁle', 'FILE'), 'compatibility ligature');
  t.notOk(same('caseIgnoreMatch', 'ab', 'a b'));
  // The byte fast path agrees with the string path.
  const cn = s.attributeType('cn')!;
  for (const v of ['Simple', '  lead', 'trail  ', 'in  side', 'UPPER lower', 'ÜBER', 'x\ty', 'a']) {
    t.equal(cn.eqKey(Buffer.from(v)), norm('caseIgnoreMatch', v), JSON.stringify(v));
  }
});

t.test('caseExactMatch and the ordering and substrings rules', async (t) => {
  t.equal(norm('caseExactMatch', '  Hello   World '), 'Hello World');
  t.notOk(same('caseExactMatch', 'Hello', 'hello'));
  const ci = rule('caseIgnoreOrderingMatch');
  t.ok(ci.compare!(ci.norm('apple')!, ci.norm('Banana')!) < 0);
  const ce = rule('caseExactOrderingMatch');
  t.ok(ce.compare!(ce.norm('Banana')!, ce.norm('apple')!) < 0, 'upper case sorts first exactly');
  const sub = rule('caseIgnoreSubstringsMatch');
  t.equal(sub.piece!('  Jo  hn ', 'initial'), 'jo hn ');
  t.equal(sub.piece!(' DOE  ', 'final'), ' doe');
  t.equal(sub.piece!(' x ', 'any'), ' x ');
  // Spaces only (slapd's UTF8StringNormalize): an initial one stays a space
  // no value begins with, a final one is insignificant.
  t.equal(sub.piece!('   ', 'initial'), ' ');
  t.equal(sub.piece!('   ', 'any'), ' ');
  t.equal(sub.piece!('   ', 'final'), '');
  t.equal(rule('caseExactSubstringsMatch').piece!('AbC', 'any'), 'AbC');
});

t.test('IA5 rules', async (t) => {
  t.equal(norm('caseIgnoreIA5Match', ' User@Example.COM '), 'user@example.com');
  t.equal(norm('caseIgnoreIA5Match', 'é@x'), undefined, 'non-ASCII is not IA5');
  t.notOk(same('caseExactIA5Match', 'A', 'a'));
  t.ok(same('caseExactIA5Match', 'a  b', 'a b'));
  t.equal(rule('caseIgnoreIA5SubstringsMatch').piece!('EXAMPLE', 'any'), 'example');
  t.equal(rule('caseExactIA5SubstringsMatch').piece!('EXAMPLE', 'any'), 'EXAMPLE');
  t.equal(rule('caseIgnoreIA5SubstringsMatch').piece!('  ', 'initial'), '', '(mail= *) is (mail=*), as in slapd');
  t.equal(s.attributeType('mail')!.eqKey(Buffer.from('A@B.C')), 'a@b.c');
});

t.test('telephoneNumberMatch ignores spaces and hyphens', async (t) => {
  t.ok(same('telephoneNumberMatch', '+1 555-0100', '+15550100'));
  t.ok(same('telephoneNumberMatch', '+1 (555) 01-00', '+1(555)0100'));
  t.notOk(same('telephoneNumberMatch', '+1 555 0100', '+1 555 0101'));
  t.equal(rule('telephoneNumberSubstringsMatch').piece!('555- 01', 'any'), '55501');
  // As slapd: a piece of spaces and hyphens only matches no number.
  t.equal(rule('telephoneNumberSubstringsMatch').piece!(' - ', 'initial'), ' ');
});

t.test('numericString rules', async (t) => {
  t.ok(same('numericStringMatch', '12 34', '1234'));
  t.equal(norm('numericStringMatch', '12a'), undefined);
  const o = rule('numericStringOrderingMatch');
  t.ok(o.compare!(o.norm('9')!, o.norm('10')!) > 0, 'character order, not numeric');
});

t.test('integer rules', async (t) => {
  // Stored values: surrounding spaces and leading zeros are read by value.
  const value = (v: string) => rule('integerMatch').valueNorm!(v);
  t.equal(value('  42 '), '42');
  t.equal(value('-007'), '-7');
  t.equal(value('-0'), '0');
  t.equal(value('4x'), undefined);
  t.equal(value('+4'), undefined);
  // Assertions must be written as INTEGERs (slapd: otherwise Undefined, or 21 for compare).
  t.equal(norm('integerMatch', '42'), '42');
  t.equal(norm('integerMatch', '-7'), '-7');
  t.equal(norm('integerMatch', '0'), '0');
  for (const bad of ['  42 ', '42 ', '01001', '-007', '-0', '4x', '+4', ''])
    t.equal(norm('integerMatch', bad), undefined, `assertion ${JSON.stringify(bad)} is not an INTEGER`);
  t.equal(norm('integerOrderingMatch', '01001'), undefined, 'nor for ordering');
  const o = rule('integerOrderingMatch');
  const cmp = (a: string, b: string): number => Math.sign(o.compare!(o.valueNorm!(a)!, o.valueNorm!(b)!));
  t.equal(cmp('9', '10'), -1);
  t.equal(cmp('-10', '-9'), -1);
  t.equal(cmp('-1', '0'), -1);
  t.equal(cmp('123456789012345678901234567890', '99'), 1, 'big integers');
  t.equal(cmp('5', '005'), 0);
  t.ok(rule('integerBitAndMatch').match!('13', '5'));
  t.notOk(rule('integerBitAndMatch').match!('13', '6'));
  t.ok(rule('integerBitOrMatch').match!('8', '12'));
  t.notOk(rule('integerBitOrMatch').match!('1', '6'));
});

t.test('generalizedTime rules', async (t) => {
  t.equal(canonicalTime('20240101123000Z'), '20240101123000Z');
  t.equal(canonicalTime('202401011230Z'), '20240101123000Z');
  t.equal(canonicalTime('2024010112Z'), '20240101120000Z');
  t.equal(canonicalTime('20240101123000+0100'), '20240101113000Z');
  t.equal(canonicalTime('20240101003000-0130'), '20240101020000Z');
  t.equal(canonicalTime('20240101123000.500Z'), '20240101123000.5Z');
  t.equal(canonicalTime('20240101123000,25Z'), '20240101123000.25Z');
  t.equal(canonicalTime('2024010112.5Z'), '20240101123000Z', 'fraction of an hour');
  t.equal(canonicalTime('202401011230.25Z'), '20240101123015Z', 'fraction of a minute');
  t.equal(canonicalTime('20231231233000-0100'), '20240101003000Z', 'zone crosses the year');
  t.equal(canonicalTime('00500101000000Z'), '00500101000000Z', 'years below 100 stay as written');
  for (const bad of ['20240101123000', '20241301123000Z', '20240230123000Z', '2024010125Z', '2024Z', '20240101123000+2500']) {
    t.equal(canonicalTime(bad), undefined, bad);
  }
  t.ok(same('generalizedTimeMatch', '20240101123000Z', '20240101133000+0100'));
  const o = rule('generalizedTimeOrderingMatch');
  const cmp = (a: string, b: string): number => Math.sign(o.compare!(o.norm(a)!, o.norm(b)!));
  t.equal(cmp('20240101123000Z', '20240101123000.5Z'), -1);
  t.equal(cmp('20240101123001Z', '20240101123000.999Z'), 1);
  t.equal(cmp('20240101133000+0100', '20240101123000Z'), 0);
});

t.test('distinguishedNameMatch and uniqueMemberMatch', async (t) => {
  t.ok(same('distinguishedNameMatch', 'CN=John  Doe,OU=People, DC=Example,DC=com', 'cn=john doe,ou=people,dc=example,dc=com'));
  t.ok(same('distinguishedNameMatch', 'cn=a+sn=b,dc=x', 'SN=B+CN=A,DC=X'), 'multi-valued RDN order');
  t.ok(same('distinguishedNameMatch', '2.5.4.3=x,dc=y', 'cn=X,dc=y'), 'OID types');
  t.equal(norm('distinguishedNameMatch', 'foo=bar'), undefined, 'unknown attribute type');
  t.equal(norm('distinguishedNameMatch', ''), '', 'the root DN');
  t.ok(same('uniqueMemberMatch', "CN=A,DC=X#'0101'B", "cn=a,dc=x#'0101'B"));
  t.notOk(same('uniqueMemberMatch', "cn=a,dc=x#'0101'B", 'cn=a,dc=x'));
});

t.test('objectIdentifierMatch: names and OIDs of schema elements compare equal', async (t) => {
  t.ok(same('objectIdentifierMatch', 'inetOrgPerson', '2.16.840.1.113730.3.2.2'));
  t.ok(same('objectIdentifierMatch', 'INETORGPERSON', 'inetorgperson'));
  t.ok(same('objectIdentifierMatch', 'cn', '2.5.4.3'));
  t.ok(same('objectIdentifierMatch', 'unknownThing', 'UNKNOWNTHING'));
  t.notOk(same('objectIdentifierMatch', 'person', 'organizationalPerson'));
  t.equal(norm('objectIdentifierMatch', 'not an oid'), undefined);
  const fc = rule('objectIdentifierFirstComponentMatch');
  t.equal(fc.valueNorm!("( 2.5.4.3 NAME 'cn' SUP name )"), '2.5.4.3');
  t.equal(fc.norm('cn'), '2.5.4.3');
  t.equal(rule('integerFirstComponentMatch').valueNorm!('( 007 NAME x )'), '7');
});

t.test('octetString, boolean, bitString, UUID, CSN rules', async (t) => {
  const o = s.attributeType('userPassword')!;
  t.not(o.eqKey(Buffer.from('Secret')), o.eqKey(Buffer.from('secret')));
  t.equal(o.eqKey(Buffer.from([0xc3, 0xa9])), '\u00c3\u00a9', 'one char per octet');
  const oo = rule('octetStringOrderingMatch');
  t.ok(oo.compare!('\u0001', '\u00ff') < 0);
  t.equal(norm('booleanMatch', 'TRUE'), 'TRUE');
  t.equal(norm('booleanMatch', 'true'), undefined);
  t.equal(norm('bitStringMatch', "'0101'B"), "'0101'B");
  t.equal(norm('bitStringMatch', "'0102'B"), undefined);
  t.ok(same('UUIDMatch', '4A4A4A4A-1111-2222-3333-444455556666', '4a4a4a4a-1111-2222-3333-444455556666'));
  t.equal(norm('UUIDMatch', '4a4a4a4a11112222333344445555666'), undefined);
  const csn = rule('CSNOrderingMatch');
  t.ok(csn.compare!('20261122024500.123456Z#000000#001#000000', '20261122024500.123457Z#000000#000#000000') < 0);
  t.ok(same('CSNMatch', '20261122024500.123456Z#000000#001#000000', '20261122024500.123456Z#000000#001#000000'));
});

t.test('caseIgnoreList (postal address)', async (t) => {
  t.ok(same('caseIgnoreListMatch', '1 Main  St$Springfield', '1 main st $ SPRINGFIELD'));
  t.notOk(same('caseIgnoreListMatch', 'a$b', 'ab'));
  t.ok(same('caseIgnoreListMatch', 'a\\24b$c', 'A\\24B$C'), 'escaped dollar');
  t.equal(rule('caseIgnoreListSubstringsMatch').norm('A$B c'), 'ab c');
});

t.test('soundex for approximate matching', async (t) => {
  t.equal(soundex('Robert'), 'R163');
  t.equal(soundex('Rupert'), 'R163');
  t.equal(soundex('Ashcraft'), 'A261');
  t.equal(soundex('Tymczak'), 'T522');
  t.equal(soundex('Pfister'), 'P236');
  t.equal(soundex('42'), '', 'no letters: the empty code (slapd phonetic())');
  t.equal(soundex('Ünïcödé'), soundex('unicode'), 'accents dropped (as slapd)');
  t.equal(soundex('Zoë'), 'Z000');
});
