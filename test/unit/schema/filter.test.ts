import t from 'tap';
import { newEntry, val, type Entry } from '../../../src/dit/entry.js';
import type { Filter } from '../../../src/dit/filter-types.js';
import { RC } from '../../../src/errors.js';
import { compareAssertion, compileFilter, evaluate, filterTypes, type Tri } from '../../../src/schema/filter.js';
import { parseFilter } from '../../../src/dit/filter.js';
import { buildRec, decodeRec, encodeRec } from '../../../src/store/record.js';
import { loadSchemaDir } from '../../../src/schema/load.js';

const s = loadSchemaDir(new URL('../../../schema/', import.meta.url).pathname);

const jdoe: Entry = newEntry('uid=jdoe,ou=People,dc=example,dc=com', [
  ['objectClass', ['top', 'person', 'organizationalPerson', 'inetOrgPerson'].map(val)],
  ['cn', [val('John  Doe'), val('Johnny')]],
  ['cn;lang-fr', [val('Jean Biche')]],
  ['sn', [val('Doe')]],
  ['uid', [val('jdoe')]],
  ['mail', [val('JDoe@Example.com')]],
  ['telephoneNumber', [val('+1 555-0100')]],
  ['employeeNumber', [val('42')]],
  ['createTimestamp', [val('20240101123000Z')]],
  ['jpegPhoto', [Buffer.from([0xff, 0xd8])]],
]);

const eq = (attr: string, value: string): Filter => ({ type: 'equality', attr, value: val(value) });
const sub = (attr: string, initial?: string, any: string[] = [], final?: string): Filter => ({
  type: 'substrings', attr, any: any.map(val),
  ...(initial === undefined ? {} : { initial: val(initial) }),
  ...(final === undefined ? {} : { final: val(final) }),
});
const ext = (value: string, o: { rule?: string; attr?: string; dn?: boolean }): Filter => ({
  type: 'extensible', value: val(value), dnAttributes: o.dn === true,
  ...(o.rule === undefined ? {} : { rule: o.rule }), ...(o.attr === undefined ? {} : { attr: o.attr }),
});
const T: Filter = eq('uid', 'JDOE');
const F: Filter = eq('uid', 'nobody');
const U: Filter = eq('noSuchAttr', 'x');
const ev = (f: Filter, e: Entry = jdoe): Tri => compileFilter(f, s)(e);

t.test('equality through the equality rule, subtypes and options', async (t) => {
  t.equal(ev(T), true);
  t.equal(ev(F), false);
  t.equal(ev(eq('cn', 'john doe')), true);
  t.equal(ev(eq('commonName', 'JOHNNY')), true);
  t.equal(ev(eq('2.5.4.3', 'johnny')), true, 'OID as attribute');
  t.equal(ev(eq('name', 'doe')), true, 'name covers sn');
  t.equal(ev(eq('name', 'jean biche')), true, 'name covers cn;lang-fr');
  t.equal(ev(eq('cn', 'jean biche')), true, 'no options: all option variants');
  t.equal(ev(eq('cn;lang-fr', 'jean biche')), true);
  t.equal(ev(eq('cn;lang-fr', 'johnny')), false, 'options narrow the values');
  t.equal(ev(eq('name;lang-fr', 'Jean Biche')), true, 'supertype with options');
  t.equal(ev(eq('cn;lang-de', 'jean biche')), false);
  t.equal(ev(eq('telephoneNumber', '+15550100')), true);
  t.equal(ev(eq('mail', 'jdoe@example.COM')), true);
  t.equal(ev(eq('employeeNumber', '42')), true);
  t.equal(ev(eq('objectClass', 'inetorgperson')), true);
  t.equal(ev(eq('objectClass', '2.16.840.1.113730.3.2.2')), true, 'OID of the class');
  t.equal(ev(eq('objectClass', '2.5.6.6')), true);
  t.equal(ev(eq('objectClass', 'groupOfNames')), false);
  t.equal(ev(eq('createTimestamp', '20240101133000+0100')), true);
});

t.test('Undefined: unknown attribute, no matching rule, invalid assertion', async (t) => {
  t.equal(ev(U), undefined);
  t.equal(ev(eq('jpegPhoto', 'x')), undefined, 'jpegPhoto has no equality rule');
  t.equal(ev(eq('uidNumber', 'abc')), undefined, 'assertion not an integer');
  t.equal(ev({ type: 'present', attr: 'noSuchAttr' }), undefined);
  t.equal(ev({ type: 'ge', attr: 'uid', value: val('a') }), undefined, 'uid has no ORDERING');
  t.equal(ev(sub('createTimestamp', '2024')), undefined, 'no SUBSTR rule');
  t.equal(ev({ type: 'approx', attr: 'jpegPhoto', value: val('x') }), undefined);
  t.equal(ev(ext('x', { rule: 'noSuchMatch', attr: 'cn' })), undefined, 'unknown matching rule');
  t.equal(ev(ext('x', { rule: 'integerMatch', attr: 'cn' })), undefined, 'rule not for this syntax');
});

t.test('and / or / not truth tables (RFC 4511 §4.5.1.7)', async (t) => {
  const and = (...filters: Filter[]): Filter => ({ type: 'and', filters });
  const or = (...filters: Filter[]): Filter => ({ type: 'or', filters });
  const not = (filter: Filter): Filter => ({ type: 'not', filter });
  const vals: Array<[Filter, Tri]> = [[T, true], [F, false], [U, undefined]];
  const andT = (a: Tri, b: Tri): Tri => (a === false || b === false ? false : a === undefined || b === undefined ? undefined : true);
  const orT = (a: Tri, b: Tri): Tri => (a === true || b === true ? true : a === undefined || b === undefined ? undefined : false);
  for (const [fa, a] of vals) {
    t.equal(ev(not(fa)), a === undefined ? undefined : !a, `NOT ${a}`);
    for (const [fb, b] of vals) {
      t.equal(ev(and(fa, fb)), andT(a, b), `${a} AND ${b}`);
      t.equal(ev(or(fa, fb)), orT(a, b), `${a} OR ${b}`);
    }
  }
  t.equal(ev(and()), true, 'empty AND is TRUE');
  t.equal(ev(or()), false, 'empty OR is FALSE');
  t.equal(ev(not(not(U))), undefined);
});

t.test('present', async (t) => {
  t.equal(ev({ type: 'present', attr: 'objectClass' }), true);
  t.equal(ev({ type: 'present', attr: 'objectclass' }, newEntry('cn=x')), true, 'objectClass=* is always true');
  t.equal(ev({ type: 'present', attr: 'mail' }), true);
  t.equal(ev({ type: 'present', attr: 'description' }), false);
  t.equal(ev({ type: 'present', attr: 'name' }), true, 'subtypes');
  t.equal(ev({ type: 'present', attr: 'cn;lang-fr' }), true);
  t.equal(ev({ type: 'present', attr: 'sn;lang-fr' }), false);
  t.equal(ev({ type: 'present', attr: 'jpegPhoto' }), true, 'no rule needed');
});

t.test('substrings', async (t) => {
  t.equal(ev(sub('cn', 'jo')), true);
  t.equal(ev(sub('cn', undefined, [], 'DOE')), true);
  t.equal(ev(sub('cn', 'john', ['  '], 'doe')), true, 'space pieces collapse');
  t.equal(ev(sub('cn', 'j', ['h', 'n'], 'y')), true, 'Johnny');
  t.equal(ev(sub('cn', 'j', ['y'], 'y')), false, 'pieces may not overlap');
  t.equal(ev(sub('cn', 'johnny', [], 'y')), false, 'initial and final may not overlap');
  t.equal(ev(sub('name', undefined, ['biche'])), true);
  t.equal(ev(sub('mail', 'jdoe@')), true);
  t.equal(ev(sub('telephoneNumber', '+1555', ['01'])), true, 'telephone pieces ignore spaces and hyphens');
  t.equal(ev(sub('uid', 'x')), false);
});

t.test('ordering (>= and <=)', async (t) => {
  t.equal(ev({ type: 'ge', attr: 'createTimestamp', value: val('20240101000000Z') }), true);
  t.equal(ev({ type: 'le', attr: 'createTimestamp', value: val('20240101000000Z') }), false);
  t.equal(ev({ type: 'le', attr: 'createTimestamp', value: val('20240101123000Z') }), true, 'equal counts');
  const n = newEntry('cn=n', [['uidNumber', [val('9')]]]);
  t.equal(ev({ type: 'ge', attr: 'uidNumber', value: val('10') }, n), false, 'numeric, not string, order');
  t.equal(ev({ type: 'le', attr: 'uidNumber', value: val('10') }, n), true);
});

t.test('approx: word-wise soundex on directory strings, equality otherwise', async (t) => {
  t.equal(ev({ type: 'approx', attr: 'cn', value: val('Jon Doh') }), true);
  t.equal(ev({ type: 'approx', attr: 'cn', value: val('Doe') }), true, 'one word of the value');
  t.equal(ev({ type: 'approx', attr: 'cn', value: val('Doe John') }), false, 'word order matters');
  t.equal(ev({ type: 'approx', attr: 'cn', value: val('Smith') }), false);
  t.equal(ev({ type: 'approx', attr: 'employeeNumber', value: val('42') }), true);
  t.equal(ev({ type: 'approx', attr: 'employeeNumber', value: val('7') }), true, 'numbers all sound alike (as slapd: no letters, no code)');
  t.equal(ev({ type: 'approx', attr: 'cn', value: val('John 7') }), false, 'but a number is no name');
  t.equal(ev({ type: 'approx', attr: 'telephoneNumber', value: val('+15550100') }), true, 'telephone: equality');
});

t.test('extensible match', async (t) => {
  t.equal(ev(ext('John  Doe', { rule: 'caseExactMatch', attr: 'cn' })), true);
  t.equal(ev(ext('john doe', { rule: 'caseExactMatch', attr: 'cn' })), false);
  t.equal(ev(ext('john doe', { rule: '2.5.13.2', attr: 'cn' })), true, 'rule by OID');
  t.equal(ev(ext('JOHNNY', { attr: 'cn' })), true, 'no rule: the equality rule');
  t.equal(ev(ext('Doe', { rule: 'caseExactMatch' })), true, 'no attribute: every attribute the rule applies to');
  t.equal(ev(ext('doe', { rule: 'caseExactMatch' })), false);
  t.equal(ev(ext('people', { attr: 'ou' })), false, 'ou is only in the DN');
  t.equal(ev(ext('people', { attr: 'ou', dn: true })), true, 'dnAttributes');
  t.equal(ev(ext('EXAMPLE', { rule: 'caseIgnoreIA5Match', dn: true })), true, 'dnAttributes without attribute (dc)');
  t.equal(ev(ext('example', { rule: 'caseExactIA5Match', dn: true })), true);
  t.equal(ev(ext('Example', { rule: 'caseExactIA5Match', dn: true })), false);
  const n = newEntry('cn=n', [['uidNumber', [val('13')]]]);
  t.equal(ev(ext('5', { rule: 'integerBitAndMatch', attr: 'uidNumber' }), n), true);
  t.equal(ev(ext('6', { rule: '1.2.840.113556.1.4.803', attr: 'uidNumber' }), n), false);
  t.equal(ev(ext('2', { rule: 'integerBitOrMatch', attr: 'uidNumber' }), n), false);
  t.equal(ev(ext('20', { rule: 'integerOrderingMatch', attr: 'uidNumber' }), n), true, 'ordering rule: value < assertion');
  t.equal(ev(ext('x', { rule: 'caseIgnoreSubstringsMatch', attr: 'cn' })), undefined);
});

t.test('evaluate() caches the compiled form per filter and schema', async (t) => {
  const f = eq('sn', 'DOE');
  t.equal(evaluate(f, jdoe, s), true);
  t.equal(evaluate(f, newEntry('cn=x', [['sn', [val('x')]]]), s), false);
  t.equal(evaluate(f, jdoe, s), true);
});

t.test('option keys are found per entry, not carried over between entries', async (t) => {
  const c = compileFilter(eq('cn', 'b'), s);
  const a = newEntry('cn=a', [['cn;lang-x1', [val('b')]]]);
  const b = newEntry('cn=b', [['cn', [val('z')]]]);
  t.equal(c(a), true);
  t.equal(c(b), false);
  a.attrs.delete('cn;lang-x1');
  t.equal(c(a), false, 'same entry object, changed attributes');
});

t.test('compare: equality rule and subtypes, slapd errors', async (t) => {
  t.equal(compareAssertion(s, jdoe, 'cn', val('JOHN DOE')), true);
  t.equal(compareAssertion(s, jdoe, 'name', val('doe')), true, 'subtypes');
  t.equal(compareAssertion(s, jdoe, 'sn', val('Smith')), false);
  t.equal(compareAssertion(s, jdoe, 'description', val('x')), false, 'absent attribute');
  t.throws(() => compareAssertion(s, jdoe, 'jpegPhoto', val('x')), { code: RC.inappropriateMatching, message: 'inappropriate matching request' });
  t.throws(() => compareAssertion(s, jdoe, 'uidNumber', val('abc')), {
    code: RC.invalidAttributeSyntax, message: 'value does not conform to assertion syntax',
  });
  t.throws(() => compareAssertion(s, jdoe, 'foo', val('abc')), { code: RC.undefinedAttributeType });
});

// slapd 2.5, found by a seeded random comparison of searches (bench/compat t1_filters.sh).
t.test('objectClass: an extensible match without a rule and ~= are its equality filter', async (t) => {
  const only = newEntry('uid=o,dc=example,dc=com', [['objectClass', [val('inetOrgPerson')]], ['uid', [val('o')]]]);
  t.equal(ev(ext('top', { attr: 'objectClass' }), only), true, 'top: every entry, by subclass');
  t.equal(ev(ext('person', { attr: '2.5.4.0' }), only), true);
  t.equal(ev(ext('nonexistentOC', { attr: 'objectClass' })), undefined, 'an unknown class is Undefined');
  t.equal(ev({ type: 'approx', attr: 'objectClass', value: val('person') }, only), true);
});

t.test('an extensible match without a type does not look at entryDN', async (t) => {
  const e = newEntry('uid=a,dc=example,dc=com', [['objectClass', [val('top')]], ['uid', [val('a')]], ['entryDN', [val('uid=a,dc=example,dc=com')]]]);
  t.equal(ev(ext('uid=a,dc=example,dc=com', { rule: 'distinguishedNameMatch' }), e), false);
  t.equal(ev(ext('uid=a,dc=example,dc=com', { rule: 'distinguishedNameMatch' }), { ...e, attrs: new Map([...e.attrs, ['seeAlso', [val('uid=a,dc=example,dc=com')]]]) }), true);
});

t.test('a filter reads only the types filterTypes names: an entry record decoded for those alone gets the same verdicts', async (t) => {
  // Long values take BER's long length form (in the attribute and its SEQUENCE).
  const withPw: [string, Buffer[]][] = [...jdoe.attrs, ['userPassword', [val('{SSHA}x')]], ['description', [val('d'.repeat(300)), val('x'.repeat(70_000))]]];
  const rec = decodeRec(7, encodeRec(buildRec(s, 7, 'u-7', jdoe.dn, jdoe.dn.toLowerCase(), 1, withPw, 0), undefined));
  const full: Entry = { dn: jdoe.dn, attrs: new Map(withPw) };
  const filters = [
    '(name=Johnny)', '(cn;lang-fr=Jean Biche)', '(cn=jean biche)', '(objectClass=person)', '(!(mail=*))', '(|(sn=Doe)(uid=x))',
    '(uid:dn:=jdoe)', '(ou:dn:=people)', '(&(employeeNumber>=40)(createTimestamp<=20250101000000Z))', '(cn~=jon doe)',
    '(userPassword=*)', '(!(description=*))', '(description=*xxx*)', '(description=dd*)', '(cn:caseExactMatch:=Johnny)', '(&(objectClass=*)(jpegPhoto=*))',
  ];
  for (const text of filters) {
    const f = parseFilter(text);
    const types = filterTypes(f, s);
    if (!t.ok(types, `${text}: names its types`)) continue;
    const picked = rec.pick(types!);
    t.ok([...picked.keys()].every((k) => types!.has(k.split(';')[0]!)), `${text}: only those decoded (${[...picked.keys()].join(' ')})`);
    t.equal(ev(f, { dn: jdoe.dn, attrs: picked }), ev(f, full), `${text}: same verdict`);
  }
  const names = filterTypes(parseFilter('(name=x)'), s)!;
  t.ok(['name', 'cn', 'sn'].every((n) => names.has(n)) && !names.has('uid'), 'name: itself and its subtypes cn and sn, not uid');
  t.equal(filterTypes(parseFilter('(:caseExactMatch:=Johnny)'), s), undefined, 'an extensible match without a type reads every type');
  t.equal(filterTypes(parseFilter('(|(uid=a)(:dn:caseIgnoreMatch:=x))'), s), undefined, 'also inside an or');
});
