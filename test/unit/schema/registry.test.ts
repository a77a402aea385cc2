import t from 'tap';
import { normalizeDN, parseDN } from '../../../src/dit/dn.js';
import { LdapError, RC } from '../../../src/errors.js';
import { loadSchemaDir } from '../../../src/schema/load.js';

const s = loadSchemaDir(new URL('../../../schema/', import.meta.url).pathname);
const b = (x: string): Buffer => Buffer.from(x, 'utf8');

t.test('lookups by any NAME (any case) or OID; canonical name is the first NAME', async (t) => {
  const cn = s.attributeType('cn')!;
  t.equal(s.attributeType('commonName'), cn);
  t.equal(s.attributeType('COMMONNAME'), cn);
  t.equal(s.attributeType('2.5.4.3'), cn);
  t.equal(cn.name, 'cn');
  t.equal(s.attributeType('rfc822Mailbox')?.name, 'mail');
  t.equal(s.attributeType('nosuch'), undefined);
  t.equal(s.objectClass('INETORGPERSON')?.name, 'inetOrgPerson');
  t.equal(s.objectClass('2.16.840.1.113730.3.2.2')?.name, 'inetOrgPerson');
  t.equal(s.objectClass('newPilotPerson')?.name, 'pilotPerson');
  t.equal(s.matchingRule('2.5.13.2')?.name, 'caseIgnoreMatch');
  t.equal(s.matchingRule('CASEIGNOREMATCH')?.oid, '2.5.13.2');
  t.equal(s.oidOf('person'), '2.5.6.6');
  t.equal(s.oidOf('sn'), '2.5.4.4');
});

t.test('canonicalDescription: canonical type plus lower-case sorted options', async (t) => {
  t.same(
    (({ key, options }) => ({ key, options }))(s.canonicalDescription('userCertificate;Lang-EN;binary')!),
    { key: 'userCertificate;binary;lang-en', options: ['binary', 'lang-en'] },
  );
  t.equal(s.canonicalDescription('userCertificate;binary')?.key, 'userCertificate;binary');
  t.equal(s.canonicalDescription('2.5.4.3')?.key, 'cn');
  t.equal(s.canonicalDescription('cn;lang-a;LANG-A')?.key, 'cn;lang-a', 'repeated options collapse');
  t.equal(s.canonicalDescription('telephonenumber')?.key, 'telephoneNumber');
  t.equal(s.canonicalDescription('nosuch'), undefined);
  t.equal(s.canonicalDescription('cn;bad_option'), undefined);
  t.equal(s.canonicalDescription('cn;'), undefined);
  t.equal(s.canonicalDescription('cn')!.type, s.attributeType('cn'));
});

t.test("options slapd knows unconfigured: lang- tags, and binary where the syntax is transferred so (slap_bv2ad's texts)", async (t) => {
  for (const ok of ['cn;lang-en', 'cn;lang-en-', 'CN;LANG-EN-US;lang-fr', 'userCertificate;binary', 'cACertificate;binary;lang-de']) {
    t.ok(s.canonicalDescription(ok), ok);
    t.equal(s.descriptionProblem(ok), undefined, ok);
  }
  t.equal(s.canonicalDescription('cn;x-foo'), undefined);
  t.equal(s.descriptionProblem('cn;x-foo'), 'unrecognized option');
  t.equal(s.descriptionProblem('cn;lang-en;x-foo'), 'unrecognized option');
  t.equal(s.canonicalDescription('cn;binary'), undefined);
  t.equal(s.descriptionProblem('jpegPhoto;binary'), 'option "binary" not supported with type');
  t.equal(s.descriptionProblem('nosuch;lang-en'), 'attribute type undefined');
});

t.test('supertypes: subtypes(), inherited rules and syntax', async (t) => {
  const names = s.subtypes('name').map((a) => a.name);
  for (const n of ['name', 'cn', 'sn', 'givenName', 'ou', 'o', 'title', 'initials']) t.ok(names.includes(n), n);
  t.notOk(names.includes('uid'), 'uid has no SUP');
  t.same(s.subtypes('cn').map((a) => a.name), ['cn']);
  t.same(s.subtypes('nosuch'), []);
  t.ok(s.subtypes('distinguishedName').some((a) => a.name === 'member'));
  const cn = s.attributeType('cn')!;
  t.equal(cn.sup, s.attributeType('name'));
  t.equal(cn.equality?.name, 'caseIgnoreMatch');
  t.equal(cn.substr?.name, 'caseIgnoreSubstringsMatch');
  t.equal(cn.syntax, '1.3.6.1.4.1.1466.115.121.1.15');
  const seeAlso = s.attributeType('seeAlso')!;
  t.equal(seeAlso.equality?.name, 'distinguishedNameMatch');
  t.equal(s.attributeType('uid')?.ordering, undefined);
  t.equal(s.attributeType('uidNumber')?.ordering?.name, 'integerOrderingMatch');
});

t.test('operational attributes', async (t) => {
  for (const n of ['entryUUID', 'createTimestamp', 'namingContexts', 'ref', 'subschemaSubentry', 'entryCSN']) {
    t.ok(s.isOperational(n), n);
  }
  for (const n of ['cn', 'objectClass', 'userPassword', 'meshdirConflict', 'nosuch']) t.notOk(s.isOperational(n), n);
  t.ok(s.isOperational(s.attributeType('modifiersName')!));
});

t.test('object class chains and kinds', async (t) => {
  const iop = s.objectClass('inetOrgPerson')!;
  t.same([...iop.chain].map((c) => c.name), ['inetOrgPerson', 'organizationalPerson', 'person', 'top']);
  t.equal(iop.kind, 'STRUCTURAL');
  t.ok(iop.must.some((a) => a.name === 'sn'), 'MUST inherited from person');
  t.ok(iop.must.some((a) => a.name === 'objectClass'), 'MUST inherited from top');
  t.ok(iop.may.some((a) => a.name === 'mail'));
  t.ok(iop.may.some((a) => a.name === 'telephoneNumber'), 'MAY inherited from person');
  t.equal(s.objectClass('top')?.kind, 'ABSTRACT');
  t.equal(s.objectClass('posixAccount')?.kind, 'AUXILIARY');
});

t.test('eqKey: equality-rule keys, octets without a rule, errors', async (t) => {
  t.equal(s.eqKey('cn', b('  Hello   World ')), 'hello world');
  t.equal(s.eqKey('CN', b('hello world')), s.eqKey('name', b('HELLO WORLD')));
  t.equal(s.eqKey('sn', b('Straße')), s.eqKey('sn', b('STRASSE')));
  t.equal(s.eqKey('objectClass', b('inetOrgPerson')), '2.16.840.1.113730.3.2.2');
  t.equal(s.eqKey('objectClass', b('2.16.840.1.113730.3.2.2')), '2.16.840.1.113730.3.2.2');
  // No equality rule (photo): the exact octets, one char per byte.
  t.equal(s.eqKey('photo', Buffer.from([0xff, 0x00, 0x41])), '\u00ff\u0000A');
  t.equal(s.eqKey('userPassword', b('Secret')), 'Secret');
  t.throws(() => s.eqKey('uidNumber', b('12a')), { code: RC.invalidAttributeSyntax, message: 'uidNumber: value invalid per syntax' });
  t.throws(() => s.eqKey('nosuch', b('x')), { code: RC.undefinedAttributeType });
  t.equal(s.assertionKey('cn', b('A  B')), 'a b');
  t.equal(s.assertionKey('uidNumber', b('x')), undefined);
  t.equal(s.assertionKey('photo', b('x')), undefined, 'no equality rule');
});

t.test('dnValueNormalizer for the DN code', async (t) => {
  const n = s.dnValueNormalizer;
  t.same(n('CN', ' John  SMITH '), { type: 'cn', value: 'john smith' });
  t.same(n('2.5.4.3', 'x'), { type: 'cn', value: 'x' });
  t.same(n('telephoneNumber', '+1 555-0100'), { type: 'telephonenumber', value: '+15550100' });
  t.same(n('uidNumber', '42'), { type: 'uidnumber', value: '42' });
  // Values are checked by their syntax, as slapd does: 34, not 21 later.
  t.throws(() => n('uidNumber', '0042'), { code: RC.invalidDNSyntax });
  t.throws(() => n('c', 'USA'), { code: RC.invalidDNSyntax });
  t.throws(() => n('member', 'xyz'), { code: RC.invalidDNSyntax });
  t.same(n('member', 'CN=A,DC=X'), { type: 'member', value: 'cn=a,dc=x' });
  t.same(n('entryUUID', '4A4A4A4A-1111-2222-3333-444455556666'), {
    type: 'entryuuid', value: '4a4a4a4a-1111-2222-3333-444455556666',
  });
  t.throws(() => n('nosuch', 'x'), new LdapError(RC.invalidDNSyntax, 'invalid DN'));
  t.throws(() => n('uidNumber', 'abc'), { code: RC.invalidDNSyntax });
  t.equal(
    normalizeDN(parseDN('UID=JDoe+CN=John  Doe, OU=People,DC=Example,DC=COM'), n),
    'cn=john doe+uid=jdoe,ou=people,dc=example,dc=com',
  );
  t.equal(s.normalizeDN('uid=a,dc=x'), 'uid=a,dc=x');
  t.equal(s.normalizeDN('nosuch=a'), undefined);
  t.equal(s.normalizeDN('cn=#0403616263,dc=x'), undefined, 'a value in its BER form is refused, as slapd');
  t.equal(s.normalizeDN('not a dn'), undefined);
});

t.test('normalizeDN keeps answering right past its cache bound, and the cache stays bounded', async (t) => {
  const fresh = loadSchemaDir(new URL('../../../schema/', import.meta.url).pathname);
  const caches = fresh as unknown as { dnCache: Map<string, unknown>; dnCacheOld: Map<string, unknown> };
  const dn = (i: number): string => `UID=User${i},OU=People,DC=Example,DC=COM`;
  // 25,000 distinct DNs: more than both generations hold (10,000 each).
  for (let i = 0; i < 25_000; i++) fresh.normalizeDN(dn(i));
  t.ok(caches.dnCache.size <= 10_000 && caches.dnCacheOld.size <= 10_000, `bounded (${caches.dnCache.size} + ${caches.dnCacheOld.size})`);
  t.ok(caches.dnCacheOld.has(dn(14_999)), 'the generation before is kept');
  t.notOk(caches.dnCacheOld.has(dn(4_999)) || caches.dnCache.has(dn(4_999)), 'the one before that is dropped');
  // Answers from either generation, or from neither, are the same.
  t.equal(fresh.normalizeDN(dn(14_999)), 'uid=user14999,ou=people,dc=example,dc=com', 'from the older generation');
  t.ok(caches.dnCache.has(dn(14_999)), 'and kept in the newer one again');
  t.equal(fresh.normalizeDN(dn(24_999)), 'uid=user24999,ou=people,dc=example,dc=com', 'from the newer generation');
  t.equal(fresh.normalizeDN(dn(3)), 'uid=user3,ou=people,dc=example,dc=com', 'dropped: worked out again');
  fresh.normalizeDN('nosuch=a');
  t.equal(fresh.normalizeDN('nosuch=a'), undefined, 'an invalid DN is cached as invalid');
});
