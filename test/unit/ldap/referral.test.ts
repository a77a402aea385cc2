// slapd's referral_rewrite (servers/slapd/referral.c), value by value; the
// cases are the URLs of OpenLDAP's test016-subref and what slapd 2.5 sent.
import t from 'tap';
import { loadSchemaDir } from '../../../src/schema/load.js';
import { hasOptions } from '../../../src/schema/schema.js';
import { rewriteRefs } from '../../../src/ldap/referral.js';

const s = loadSchemaDir(new URL('../../../schema/', import.meta.url).pathname);
const A = 'ldap://hostA/o=abc,c=us';
const B = 'ldap://hostB';

t.test('a base below the referral object: its RDNs put in front of the URL\'s DN', async (t) => {
  t.same(rewriteRefs(s, [A, B], 'o=ABC,c=US', 'uid=xxx,o=abc,c=US', 'sub'), ['ldap://hostA/uid=xxx,o=abc,c=us??sub', 'ldap://hostB/uid=xxx,o=abc,c=US??sub']);
  t.same(rewriteRefs(s, [A, B], 'o=ABC,c=US', 'o=abc, c=US', 'base'), ['ldap://hostA/o=abc,c=us??base', 'ldap://hostB/o=abc,c=US??base'], 'the base itself; the DN prettied');
  t.same(rewriteRefs(s, [A], 'o=ABC,c=US', 'UID=x,o=abc,c=US', undefined), ['ldap://hostA/uid=x,o=abc,c=us'], 'no scope for an update');
});

t.test('a continuation reference: the URL\'s DN, else the object\'s', async (t) => {
  t.same(rewriteRefs(s, [A, B], 'o=ABC,c=US', undefined, 'base'), ['ldap://hostA/o=abc,c=us??base', 'ldap://hostB/o=ABC,c=US??base']);
});

t.test('URLs: escapes, ports, a scope of their own, other schemes', async (t) => {
  t.same(rewriteRefs(s, ['ldap://w.example:3389/o=West%20Corp,c=US'], 'ou=west,dc=x', 'uid=a b,ou=west,dc=x', 'one'), ['ldap://w.example:3389/uid=a%20b,o=West%20Corp,c=US??one']);
  t.same(rewriteRefs(s, ['ldap://h/o=x??base'], 'o=y', undefined, 'sub'), ['ldap://h/o=x??base'], 'the URL\'s own scope stays');
  t.same(rewriteRefs(s, ['http://example.com/dir'], 'o=y', undefined, 'sub'), ['http://example.com/dir'], 'not LDAP: kept as it is');
  t.same(rewriteRefs(s, ['ldap://h/o=%zz', 'ldap://h/not a dn'], 'o=y', undefined, 'sub'), [], 'unusable URLs are dropped');
});

t.test('language ranges in attribute options (RFC 3866, OpenLDAP\'s test013-language)', async (t) => {
  t.ok(hasOptions(['lang-en-'], ['lang-en-us']));
  t.ok(hasOptions(['lang-en-'], ['lang-en']));
  t.ok(hasOptions(['lang-en-'], ['lang-en-gb', 'lang-en-us']));
  t.notOk(hasOptions(['lang-en-'], ['lang-english']));
  t.notOk(hasOptions(['lang-en'], ['lang-en-us']), 'a tag is not a range');
  t.ok(hasOptions(['lang-'], ['lang-fr']), 'lang- is every language');
  t.notOk(hasOptions(['binary'], []));
});

t.test('DN values: a multi-valued RDN\'s AVAs sorted by type name, as slapd\'s AVA_Sort', async (t) => {
  const member = s.attributeType('member')!;
  t.same(s.pretty(member, [Buffer.from('OU=Sales+CN=J. Smith,DC=example,DC=net')]).map(String), ['cn=J. Smith+ou=Sales,dc=example,dc=net']);
  t.equal(s.prettyDN('uid=x + cn=y,o=z'), 'cn=y+uid=x,o=z');
  t.equal(s.normalizeDN('OID.0.9.2342.19200300.100.1.1=jsmith'), undefined, 'LDAPv2 OID. prefix: not a DN (slapd: 21 for a member value)');
});
