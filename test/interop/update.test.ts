// ldapadd, ldapmodify, ldapdelete and ldapmodrdn against a real server:
// exit codes, stdout and stderr exactly as with slapd 2.5 for the same data
// and requests (the stderr texts are slapd's).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { cleanup, startServer, SUFFIX } from '../helpers/server.js';
import { as, dns, entryLines, people, tool } from './tools.js';

const server = await startServer({ seed: true });
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});
const url = server.url;

const ldif = (...lines: string[]): string => lines.join('\n') + '\n';
const add = (input: string, who = 'root') => tool('ldapadd', as(url, who), { input });
const modify = (input: string, who = 'root') => tool('ldapmodify', as(url, who), { input });
const del = (dn: string, who = 'root') => tool('ldapdelete', [...as(url, who), dn]);
const modrdn = (args: string[], who = 'root') => tool('ldapmodrdn', [...as(url, who), ...args]);
const read = (filter: string, ...attrs: string[]) =>
  entryLines(tool('ldapsearch', [...as(url, 'root'), '-LLL', '-o', 'ldif-wrap=no', '-b', SUFFIX, filter, ...attrs]).stdout);

const ZED = people('zed');
const zed = (...lines: string[]) => ldif(`dn: ${ZED}`, ...lines);
const change = (...lines: string[]) => zed('changetype: modify', ...lines);

/** stderr of a failed ldapadd/ldapmodify/ldapdelete: the result line and slapd's text. */
const failure = (tool: string, result: string, info?: string, matched?: string): string =>
  `ldap_${tool}: ${result}\n` + (info ? `\tadditional info: ${info}\n` : '') + (matched ? `\tmatched DN: ${matched}\n` : '');

t.test('add', async (t) => {
  const entry = ['objectClass: inetOrgPerson', 'objectClass: posixAccount', 'uid: zed', 'cn: Zed Zero', 'sn: Zero',
    'uidNumber: 1000', 'gidNumber: 1000', 'homeDirectory: /home/zed'];
  const ok = add(zed(...entry));
  t.equal(ok.code, 0);
  t.equal(ok.stdout, `adding new entry "${ZED}"\n\n`);
  t.equal(ok.stderr, '');
  t.same(read('(uid=zed)', 'cn', 'uidNumber').get(ZED), ['cn: Zed Zero', 'uidNumber: 1000']);

  const cases: [string, string, number, string][] = [
    ['entryAlreadyExists', zed(...entry), 68, failure('add', 'Already exists (68)')],
    ['noSuchObject with the matched DN', ldif('dn: uid=y,ou=nowhere,dc=example,dc=com', 'objectClass: account', 'uid: y'), 32,
      failure('add', 'No such object (32)', undefined, SUFFIX)],
    ['objectClassViolation', ldif('dn: uid=y,ou=people,dc=example,dc=com', 'objectClass: inetOrgPerson', 'uid: y', 'cn: y'), 65,
      failure('add', 'Object class violation (65)', "object class 'inetOrgPerson' requires attribute 'sn'")],
    ['objectClassViolation before entryAlreadyExists (as slapd)', zed('objectClass: inetOrgPerson', 'uid: zed', 'cn: y'), 65,
      failure('add', 'Object class violation (65)', "object class 'inetOrgPerson' requires attribute 'sn'")],
    ['an RDN type the classes do not allow (taken from the DN)', ldif('dn: uid=y,ou=people,dc=example,dc=com', 'objectClass: person', 'cn: y', 'sn: y'), 65,
      failure('add', 'Object class violation (65)', "attribute 'uid' not allowed")],
    ['the same, before entryAlreadyExists (as slapd)', zed('objectClass: person', 'cn: y', 'sn: y'), 65,
      failure('add', 'Object class violation (65)', "attribute 'uid' not allowed")],
    ['undefinedAttributeType', ldif('dn: uid=y,ou=people,dc=example,dc=com', 'objectClass: account', 'uid: y', 'fooBar: 1'), 17,
      failure('add', 'Undefined attribute type (17)', 'fooBar: attribute type undefined')],
    ['undefinedAttributeType before noSuchObject (as slapd)', ldif('dn: uid=y,ou=nowhere,dc=example,dc=com', 'objectClass: account', 'uid: y', 'fooBar: 1'), 17,
      failure('add', 'Undefined attribute type (17)', 'fooBar: attribute type undefined')],
    ['no attributes at all: protocolError (as slapd; OpenLDAP\'s test004-modify)', ldif('dn: cn=Foo Bar,dc=example,dc=com', 'changetype: add'), 2,
      failure('add', 'Protocol error (2)', 'no attributes provided')],
    ['invalidDNSyntax', ldif('dn: uid=y,,ou=people,dc=example,dc=com', 'objectClass: account', 'uid: y'), 34,
      failure('add', 'Invalid DN syntax (34)', 'invalid DN')],
    ['an RDN value its syntax refuses makes the DN invalid (as slapd)', ldif('dn: c=USA,dc=example,dc=com', 'objectClass: country', 'c: USA'), 34,
      failure('add', 'Invalid DN syntax (34)', 'invalid DN')],
    ['constraintViolation: entryUUID is NO-USER-MODIFICATION', ldif('dn: uid=y,ou=people,dc=example,dc=com', 'objectClass: account', 'uid: y',
      'entryUUID: 8f7a2d9e-7a78-1041-8155-31ef789b08f3'), 19, failure('add', 'Constraint violation (19)', 'entryUUID: no user modification allowed')],
    ['constraintViolation: createTimestamp', ldif('dn: uid=y,ou=people,dc=example,dc=com', 'objectClass: account', 'uid: y',
      'createTimestamp: 20200101000000Z'), 19, failure('add', 'Constraint violation (19)', 'createTimestamp: no user modification allowed')],
    ['single-valued type with two values', ldif('dn: uid=y,ou=people,dc=example,dc=com', 'objectClass: inetOrgPerson', 'uid: y', 'cn: y', 'sn: y',
      'employeeNumber: 1', 'employeeNumber: 2'), 19, failure('add', 'Constraint violation (19)', 'employeeNumber: multiple values provided')],
    ['invalidAttributeSyntax', ldif('dn: cn=g,dc=example,dc=com', 'objectClass: posixGroup', 'cn: g', 'gidNumber: abc'), 21,
      failure('add', 'Invalid syntax (21)', 'gidNumber: value #0 invalid per syntax')],
    ['outside the naming context', ldif('dn: dc=other', 'objectClass: dcObject', 'objectClass: organization', 'dc: other', 'o: x'), 53,
      failure('add', 'Server is unwilling to perform (53)', 'no global superior knowledge')],
  ];
  for (const [what, input, code, stderr] of cases) {
    const r = add(input);
    t.equal(r.code, code, `${what}: exit ${code}`);
    t.equal(r.stderr, stderr, what);
  }
  const y = ldif('dn: uid=y,ou=people,dc=example,dc=com', 'objectClass: account', 'uid: y');
  const anon = add(y, 'anonymous');
  t.equal(anon.code, 8, 'anonymous: strongerAuthRequired');
  t.equal(anon.stderr, failure('add', 'Strong(er) authentication required (8)', 'modifications require authentication'));
  const user = add(y, 'alice');
  t.equal(user.code, 50, 'a user who is not a writer');
  t.equal(user.stderr, failure('add', 'Insufficient access (50)', 'no write access to parent'));
  t.same(dns(tool('ldapsearch', [...as(url, 'root'), '-LLL', '-b', SUFFIX, '(uid=y)', '1.1']).stdout), [], 'nothing was added');
});

t.test('modify: add, delete, replace, increment', async (t) => {
  const r = modify(change('add: mail', 'mail: zed@example.com', '-', 'replace: givenName', 'givenName: Zed', '-',
    'delete: homeDirectory', '-', 'add: homeDirectory', 'homeDirectory: /srv/zed', '-', 'increment: uidNumber', 'uidNumber: 5', '-',
    'increment: gidNumber', 'gidNumber: -10'));
  t.equal(r.code, 0);
  t.equal(r.stdout, `modifying entry "${ZED}"\n\n`);
  t.same(read('(uid=zed)', 'mail', 'givenName', 'homeDirectory', 'uidNumber', 'gidNumber').get(ZED),
    ['gidNumber: 990', 'givenName: Zed', 'homeDirectory: /srv/zed', 'mail: zed@example.com', 'uidNumber: 1005']);
  t.equal(modify(change('delete: mail', 'mail: ZED@EXAMPLE.COM')).code, 0, 'delete by value under the equality rule');
  t.same(read('(uid=zed)', 'mail').get(ZED), []);
});

t.test('modify errors', async (t) => {
  t.equal(modify(change('add: mail', 'mail: zed@example.com', '-', 'add: description', 'description: x')).code, 0);
  t.equal(modify(change('add: facsimileTelephoneNumber', 'facsimileTelephoneNumber: +1 555 1')).code, 0);
  const cases: [string, string, number, string][] = [
    ['attributeOrValueExists', change('add: MAIL', 'MAIL: ZED@example.com'), 20,
      failure('modify', 'Type or value exists (20)', 'modify/add: mail: value #0 already exists')],
    ['a value given twice', change('add: description', 'description: a', 'description: A'), 20,
      failure('modify', 'Type or value exists (20)', 'description: value #0 provided more than once')],
    ['noSuchAttribute: value', change('delete: mail', 'mail: nope@example.com'), 16,
      failure('modify', 'No such attribute (16)', 'modify/delete: mail: no such value')],
    ['noSuchAttribute: type', change('delete: telephoneNumber'), 16,
      failure('modify', 'No such attribute (16)', 'modify/delete: telephoneNumber: no such attribute')],
    ['single-valued: two values in one replace', change('replace: EMPLOYEENUMBER', 'EMPLOYEENUMBER: 8', 'EMPLOYEENUMBER: 9'), 19,
      failure('modify', 'Constraint violation (19)', 'EMPLOYEENUMBER: multiple values provided')],
    ['single-valued: a second value', change('add: employeeNumber', 'employeeNumber: 8', '-', 'add: employeeNumber', 'employeeNumber: 9'), 19,
      failure('modify', 'Constraint violation (19)', "attribute 'employeeNumber' cannot have multiple values")],
    ['request checks come before the entry (slapd order)', change('add: mail', 'mail: zed@example.com', '-', 'replace: employeeNumber', 'employeeNumber: 1', 'employeeNumber: 2'), 19,
      failure('modify', 'Constraint violation (19)', 'employeeNumber: multiple values provided')],
    ['no equality rule: add to present values', change('add: facsimileTelephoneNumber', 'facsimileTelephoneNumber: +1 555 2'), 18,
      failure('modify', 'Inappropriate matching (18)', 'modify/add: facsimileTelephoneNumber: no equality matching rule')],
    ['no equality rule: delete a value', change('delete: facsimileTelephoneNumber', 'facsimileTelephoneNumber: +1 555 1'), 18,
      failure('modify', 'Inappropriate matching (18)', 'modify/delete: facsimileTelephoneNumber: no equality matching rule')],
    ['increment on a non-integer type', change('increment: employeeNumber', 'employeeNumber: 5'), 19,
      failure('modify', 'Constraint violation (19)', 'employeeNumber: attribute syntax inappropriate for increment')],
    ['increment by a non-integer', change('increment: uidNumber', 'uidNumber: x'), 21,
      failure('modify', 'Invalid syntax (21)', 'uidNumber: value #0 invalid per syntax')],
    ['increment past 64 bits (slapd reads a C long)', change('increment: uidNumber', 'uidNumber: 99999999999999999999'), 21,
      failure('modify', 'Invalid syntax (21)', 'modify/increment: invalid syntax of increment')],
    ['increment of a value past 64 bits', change('replace: uidNumber', 'uidNumber: 99999999999999999999', '-', 'increment: uidNumber', 'uidNumber: 1'), 21,
      failure('modify', 'Invalid syntax (21)', 'modify/increment: invalid syntax of original value')],
    ['removing the RDN value', change('delete: uid'), 64,
      failure('modify', 'Naming violation (64)', "naming attribute 'uid' is not present in entry")],
    ['replacing the RDN value', change('replace: uid', 'uid: other'), 64,
      failure('modify', 'Naming violation (64)', "value of naming attribute 'uid' is not present in entry")],
    ['objectClassViolation', change('delete: sn'), 65,
      failure('modify', 'Object class violation (65)', "object class 'inetOrgPerson' requires attribute 'sn'")],
    ['no structural class left', change('delete: objectClass', 'objectClass: inetOrgPerson'), 65,
      failure('modify', 'Object class violation (65)', 'no structural object class provided')],
    ['objectClassModsProhibited', ldif(`dn: ${people('alice')}`, 'changetype: modify', 'delete: objectClass', 'objectClass: inetOrgPerson'), 69,
      failure('modify', 'Cannot modify object class (69)', "structural object class modification from 'inetOrgPerson' to 'organizationalPerson' not allowed")],
    ['NO-USER-MODIFICATION', change('replace: entryUUID', 'entryUUID: 8f7a2d9e-7a78-1041-8155-31ef789b08f3'), 19,
      failure('modify', 'Constraint violation (19)', 'entryUUID: no user modification allowed')],
    ['undefinedAttributeType', change('replace: fooBar', 'fooBar: 1'), 17,
      failure('modify', 'Undefined attribute type (17)', 'fooBar: attribute type undefined')],
    ['noSuchObject', ldif('dn: uid=nobody,ou=people,dc=example,dc=com', 'changetype: modify', 'replace: sn', 'sn: x'), 32,
      failure('modify', 'No such object (32)', undefined, `ou=people,${SUFFIX}`)],
    ['outside the naming context', ldif('dn: dc=other', 'changetype: modify', 'replace: sn', 'sn: x'), 53,
      failure('modify', 'Server is unwilling to perform (53)', 'no global superior knowledge')],
    ['the root DSE', ldif('dn:', 'changetype: modify', 'replace: description', 'description: x'), 53,
      failure('modify', 'Server is unwilling to perform (53)', 'modify upon the root DSE not supported')],
  ];
  for (const [what, input, code, stderr] of cases) {
    const r = modify(input);
    t.equal(r.code, code, `${what}: exit ${code}`);
    t.equal(r.stderr, stderr, what);
  }
  t.same(read('(uid=zed)', 'mail', 'uid', 'sn', 'employeeNumber').get(ZED), ['mail: zed@example.com', 'sn: Zero', 'uid: zed'], 'no failed modify changed anything');
  const anon = modify(change('replace: sn', 'sn: x'), 'anonymous');
  t.equal(anon.code, 8);
  t.equal(anon.stderr, failure('modify', 'Strong(er) authentication required (8)', 'modifications require authentication'));
  const user = modify(change('replace: sn', 'sn: x'), 'alice');
  t.equal(user.code, 50, 'a user who is not a writer');
  t.equal(user.stderr, failure('modify', 'Insufficient access (50)'));
  const missing = modify(ldif('dn: uid=nobody,ou=people,dc=example,dc=com', 'changetype: modify', 'replace: sn', 'sn: x'), 'alice');
  t.equal(missing.code, 32, 'noSuchObject comes before access control');
});

t.test('a user changes its own password with ldapmodify', async (t) => {
  const r = modify(ldif(`dn: ${people('erin')}`, 'changetype: modify', 'replace: userPassword', 'userPassword: n3w-pass'), 'erin');
  t.equal(r.code, 0);
  t.equal(tool('ldapwhoami', as(url, 'erin', 'n3w-pass')).stdout, `dn:${people('erin')}\n`);
  t.equal(tool('ldapwhoami', as(url, 'erin')).code, 49, 'the old password no longer works');
  const stored = read('(uid=erin)', 'userPassword').get(people('erin'))![0]!;
  t.match(Buffer.from(stored.replace('userPassword:: ', ''), 'base64').toString(), /^\{SSHA\}/, 'stored hashed');
  const other = tool('ldapmodify', as(url, 'erin', 'n3w-pass'), { input: ldif(`dn: ${people('erin')}`, 'changetype: modify', 'replace: mail', 'mail: e@example.com') });
  t.equal(other.code, 50, 'but nothing else');
});

t.test('modrdn', async (t) => {
  const r = modrdn(['-r', ZED, 'uid=zed2']);
  t.equal(r.code, 0);
  t.equal(r.stdout, '');
  const zed2 = people('zed2');
  t.same(read('(cn=Zed Zero)', 'uid').get(zed2), ['uid: zed2'], '-r removes the old RDN value');
  t.equal(modrdn(['-s', `ou=groups,${SUFFIX}`, zed2, 'uid=zed3']).code, 0, '-s newSuperior');
  const zed3 = `uid=zed3,ou=groups,${SUFFIX}`;
  t.same(read('(cn=Zed Zero)', 'uid').get(zed3), ['uid: zed2', 'uid: zed3'], 'without -r the old value stays');
  t.same(dns(tool('ldapsearch', [...as(url), '-LLL', '-b', `ou=people,${SUFFIX}`, '(cn=Zed Zero)', '1.1']).stdout), [], 'gone from ou=people');

  const cases: [string, string[], number, string][] = [
    ['newSuperior missing', ['-s', `ou=nowhere,${SUFFIX}`, zed3, 'uid=zed4'], 32, 'Rename Result: No such object (32)\nAdditional info: new superior not found\n'],
    ['below itself', ['-s', `uid=x,ou=people,${SUFFIX}`, `ou=people,${SUFFIX}`, 'ou=p2'], 53,
      'Rename Result: Server is unwilling to perform (53)\nAdditional info: cannot place an entry below itself\n'],
    ['target exists', [zed3, 'cn=engineering'], 68, 'Rename Result: Already exists (68)\n'],
    ['entry missing', [`uid=nobody,ou=people,${SUFFIX}`, 'uid=x'], 32, 'Rename Result: No such object (32)\nMatched DN: ou=people,dc=example,dc=com\n'],
    // slapd looks up the parent first: no parent, no matched DN (delete and modify give one).
    ['parent missing', [`uid=nobody,ou=nowhere,ou=people,${SUFFIX}`, 'uid=x'], 32, 'Rename Result: No such object (32)\n'],
    ['bad new RDN', [zed3, 'uid'], 34, 'Rename Result: Invalid DN syntax (34)\nAdditional info: invalid new RDN\n'],
    ['renaming the suffix', [SUFFIX, 'dc=example2'], 71, 'Rename Result: Operation affects multiple DSAs (71)\nAdditional info: cannot rename between DSAs\n'],
    ['renaming the suffix to its own name', [SUFFIX, 'DC=EXAMPLE'], 64, 'Rename Result: Naming violation (64)\nAdditional info: cannot rename suffix entry\n'],
    ['objectClassViolation', [zed3, 'dc=x'], 65, "Rename Result: Object class violation (65)\nAdditional info: attribute 'dc' not allowed\n"],
    ['a second value of a single-valued type', [zed3, 'gidNumber=5'], 19,
      "Rename Result: Constraint violation (19)\nAdditional info: attribute 'gidNumber' cannot have multiple values\n"],
    // (slapd 2.5 crashes on this one.)
    ['a type the server keeps', [zed3, 'createTimestamp=20200101000000Z'], 19,
      'Rename Result: Constraint violation (19)\nAdditional info: createTimestamp: no user modification allowed\n'],
  ];
  for (const [what, args, code, stdout] of cases) {
    const x = modrdn(args);
    t.equal(x.code, code, `${what}: exit ${code}`);
    t.equal(x.stdout, stdout, what);
  }
  const anon = modrdn([zed3, 'uid=zed4'], 'anonymous');
  t.equal(anon.code, 8);
  t.equal(anon.stdout, 'Rename Result: Strong(er) authentication required (8)\nAdditional info: modifications require authentication\n');
  const user = modrdn([zed3, 'uid=zed4'], 'alice');
  t.equal(user.code, 50);
  t.equal(user.stdout, "Rename Result: Insufficient access (50)\nAdditional info: no write access to parent's children\n");
});

t.test('delete', async (t) => {
  const nonLeaf = del(`ou=groups,${SUFFIX}`);
  t.equal(nonLeaf.code, 66);
  t.equal(nonLeaf.stderr, failure('delete', 'Operation not allowed on non-leaf (66)', 'subordinate objects must be deleted first'));
  const missing = del(`uid=nobody,ou=nowhere,${SUFFIX}`);
  t.equal(missing.code, 32);
  t.equal(missing.stderr, failure('delete', 'No such object (32)', undefined, SUFFIX));
  t.equal(del('uid=a,,b').code, 34);
  t.equal(del('dc=other').stderr, failure('delete', 'Server is unwilling to perform (53)', 'no global superior knowledge'));
  t.equal(del('').stderr, failure('delete', 'Server is unwilling to perform (53)', 'cannot delete the root DSE'));
  t.equal(del('cn=Subschema').stderr, failure('delete', 'Server is unwilling to perform (53)', 'cannot delete the root DSE'), "slapd's text for cn=Subschema too");
  const zed3 = `uid=zed3,ou=groups,${SUFFIX}`;
  t.equal(del(zed3, 'anonymous').stderr, failure('delete', 'Strong(er) authentication required (8)', 'modifications require authentication'));
  t.equal(del(zed3, 'alice').stderr, failure('delete', 'Insufficient access (50)', 'no write access to parent'));
  const ok = del(zed3);
  t.equal(ok.code, 0);
  t.equal(ok.stdout + ok.stderr, '');
  t.same(dns(tool('ldapsearch', [...as(url), '-LLL', '-b', SUFFIX, '(cn=Zed Zero)', '1.1']).stdout), []);
  t.equal(del(zed3).code, 32, 'and it is gone');
});

t.test('(objectClass=person) matches entries whose class chain includes person (as slapd)', async (t) => {
  t.equal(add(ldif(`dn: ${people('ivan')}`, 'objectClass: inetOrgPerson', 'uid: ivan', 'cn: Ivan', 'sn: Ivanov')).code, 0);
  const found = dns(tool('ldapsearch', [...as(url), '-LLL', '-b', SUFFIX, '(objectClass=person)', '1.1']).stdout);
  t.ok(found.includes(people('ivan')), 'an inetOrgPerson is a person');
  t.equal(tool('ldapcompare', [...as(url), people('ivan'), 'objectClass:person']).code, 6, 'compare too');
});

t.test('cn=config: the rootDn adds and changes local entries', async (t) => {
  const rm = 'cn=replication manager,cn=config';
  const entry = ldif(`dn: ${rm}`, 'objectClass: applicationProcess', 'objectClass: simpleSecurityObject', 'cn: replication manager', 'userPassword: rm-secret');
  t.equal(add(entry, 'anonymous').code, 8);
  t.equal(add(entry, 'alice').code, 50);
  t.equal(add(entry).code, 0);
  t.equal(add(entry).code, 68);
  t.equal(tool('ldapwhoami', ['-x', '-H', url, '-D', rm, '-w', 'rm-secret']).stdout, `dn:${rm}\n`, 'it can bind');
  const mod = (...lines: string[]) => modify(ldif(`dn: ${rm}`, 'changetype: modify', ...lines));
  t.equal(mod('add: description', 'description: pushes to m2').code, 0);
  const dup = mod('add: description', 'description: PUSHES to m2');
  t.equal(dup.code, 20);
  t.equal(dup.stderr, failure('modify', 'Type or value exists (20)', 'modify/add: description: value #0 already exists'));
  t.equal(mod('delete: description', 'description: nothing like it').code, 16);
  t.equal(mod('delete: cn').code, 64, 'the RDN value stays');
  t.same(entryLines(tool('ldapsearch', [...as(url, 'root'), '-LLL', '-b', rm, '-s', 'base', 'description']).stdout).get(rm), ['description: pushes to m2']);
  t.equal(modrdn([rm, 'cn=rm2']).code, 53, 'cn=config entries are not renamed');
  t.equal(del(rm, 'alice').code, 50);
  t.equal(del(rm).code, 0);
  t.equal(del(rm).code, 32);
});

t.test('attribute options (cn;lang-en) in entries, attribute lists and filters', async (t) => {
  const olga = people('olga');
  t.equal(add(ldif(`dn: ${olga}`, 'objectClass: inetOrgPerson', 'uid: olga', 'cn: Olga', 'cn;lang-ru: Ольга', 'sn: Petrova')).code, 0);
  t.same(read('(uid=olga)', 'cn;lang-ru').get(olga), ['cn;lang-ru:: 0J7Qu9GM0LPQsA=='], 'only the tagged values');
  t.same(read('(uid=olga)', 'cn').get(olga), ['cn: Olga', 'cn;lang-ru:: 0J7Qu9GM0LPQsA=='], 'the type covers its tagged values');
  t.same(read('(uid=olga)', 'name;lang-ru').get(olga), ['cn;lang-ru:: 0J7Qu9GM0LPQsA=='], 'supertype with an option');
  t.same(read('(uid=olga)', 'cn;lang-fr').get(olga), []);
  t.same([...read('(cn;lang-ru=ольга)', '1.1').keys()], [olga], 'filters match tagged values under the equality rule');
  t.same([...read('(&(uid=olga)(cn;lang-ru=Olga))', '1.1').keys()], [], 'but not untagged ones');
  // Other options are refused, as slapd refuses them without `attributeoptions`.
  const tagged = (desc: string) => modify(ldif(`dn: ${olga}`, 'changetype: modify', `add: ${desc}`, `${desc}: x`));
  t.equal(tagged('cn;x-foo').stderr, failure('modify', 'Undefined attribute type (17)', 'cn;x-foo: unrecognized option'));
  t.equal(tagged('cn;lang-en;x-foo').stderr, failure('modify', 'Undefined attribute type (17)', 'cn;lang-en;x-foo: unrecognized option'));
  t.equal(tagged('cn;binary').stderr, failure('modify', 'Undefined attribute type (17)', 'cn;binary: option "binary" not supported with type'));
  t.equal(add(ldif(`dn: ${people('opt')}`, 'objectClass: account', 'uid: opt', 'description;x-a: x')).stderr,
    failure('add', 'Undefined attribute type (17)', 'description;x-a: unrecognized option'));
  t.equal(tool('ldapcompare', [...as(url, 'root'), olga, 'cn;x-foo:Olga']).stdout, 'Compare Result: Undefined attribute type (17)\nUNDEFINED\n');
  t.equal(tool('ldapcompare', [...as(url, 'root'), olga, 'cn;binary:Olga']).code, 17);
  t.same([...read('(&(uid=olga)(!(cn;x-foo=*)))', '1.1').keys()], [], 'in a filter: Undefined, so its negation too');
});

t.test('an INTEGER assertion must be written as one (slapd: filter Undefined, compare 21)', async (t) => {
  const ike = people('ike');
  t.equal(add(ldif(`dn: ${ike}`, 'objectClass: inetOrgPerson', 'objectClass: posixAccount', 'uid: ike', 'cn: Ike', 'sn: I',
    'uidNumber: 1001', 'gidNumber: 100', 'homeDirectory: /home/ike')).code, 0);
  const found = (filter: string) => dns(tool('ldapsearch', [...as(url, 'root'), '-LLL', '-b', SUFFIX, filter, '1.1']).stdout);
  t.same(found('(uidNumber=1001)'), [ike]);
  t.same(found('(uidNumber>=1001)'), [ike]);
  for (const f of ['(uidNumber=01001)', '(uidNumber=1001 )', '(uidNumber=+1001)', '(uidNumber>=01000)', '(!(uidNumber=01001))'])
    t.same(found(f), [], `${f}: Undefined`);
  const cmp = tool('ldapcompare', [...as(url, 'root'), ike, 'uidNumber:01001']);
  t.equal(cmp.code, 21);
  t.equal(cmp.stdout, 'Compare Result: Invalid syntax (21)\nAdditional info: value does not conform to assertion syntax\nUNDEFINED\n');
  t.equal(tool('ldapcompare', [...as(url, 'root'), ike, 'uidNumber:1001']).code, 6);
});

t.test('a modify with no changes succeeds for whoever may write the entry (as slapd)', async (t) => {
  const r = modify(ldif(`dn: ${people('alice')}`, 'changetype: modify'));
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, `modifying entry "${people('alice')}"\n\n`);
  const anon = modify(ldif(`dn: ${people('alice')}`, 'changetype: modify'), 'anonymous');
  t.equal(anon.code, 8, 'anonymous: strongerAuthRequired, as any update');
});

t.test("scope walks list entries in slapd's order: children by RDN length then octets, a subtree as mdb_dn2id_walk goes", async (t) => {
  // What slapd 2.5 (back-mdb) answered for the same adds (bench/compat).
  const base = `ou=order,${SUFFIX}`;
  const entry = (rdn: string, parent = base) => ldif(`dn: ${rdn},${parent}`, 'objectClass: organizationalUnit', `ou: ${rdn.slice(3)}`);
  t.equal(add(ldif(`dn: ${base}`, 'objectClass: organizationalUnit', 'ou: order')).code, 0);
  for (const rdn of ['ou=o3', 'ou=o1', 'ou=o2']) t.equal(add(entry(rdn)).code, 0);
  t.equal(add(entry('ou=o3a', `ou=o3,${base}`)).code, 0);
  t.equal(add(entry('ou=o1a', `ou=o1,${base}`)).code, 0);
  for (const rdn of ['ou=zz', 'ou=a']) t.equal(add(entry(rdn)).code, 0);
  t.equal(add(entry('ou=o1aa', `ou=o1a,ou=o1,${base}`)).code, 0);
  const walk = (scope: string, filter = '(objectClass=*)') => dns(tool('ldapsearch', [...as(url), '-LLL', '-b', base, '-s', scope, filter, '1.1']).stdout);
  const children = ['ou=a', 'ou=o1', 'ou=o2', 'ou=o3', 'ou=zz'].map((r) => `${r},${base}`);
  t.same(walk('one'), children);
  // A node's children, then each child's subtree in turn: o1aa before o3a (slapd 2.5; level by level would swap them).
  const subtree = [base, ...children, ...['ou=o1a,ou=o1', 'ou=o1aa,ou=o1a,ou=o1', 'ou=o3a,ou=o3'].map((r) => `${r},${base}`)];
  t.same(walk('sub'), subtree);
  // An indexed filter with more candidates than the scope holds: slapd walks the scope, in its order.
  t.same(walk('one', '(objectClass=organizationalUnit)'), children, 'one-level, objectClass indexed');
  t.same(walk('sub', '(objectClass=organizationalUnit)'), subtree, 'subtree, objectClass indexed');
  // Fewer candidates than the scope holds: the index's answer, in id order (o3 was added before o1).
  t.same(walk('one', '(|(ou=o1)(ou=o3))'), [`ou=o1,${base}`, `ou=o3,${base}`], 'unindexed ou: the walk');
  t.same(walk('one', '(|(objectClass=alias)(objectClass=organizationalUnit))'), children, 'an or of indexed classes');
  // From the suffix without an index: id order while ids have no gaps, the walk once one was deleted (back-mdb's candidates are an id range).
  const fromSuffix = () => dns(tool('ldapsearch', [...as(url), '-LLL', '-b', SUFFIX, '-s', 'sub', '(ou=o*)', '1.1']).stdout).filter((d) => d.endsWith(base));
  for (const r of ['ou=gap1', 'ou=gap2']) t.equal(add(entry(r)).code, 0);
  t.equal(del(`ou=gap1,${base}`).code, 0);
  t.same(fromSuffix(), [base, ...['ou=o1', 'ou=o2', 'ou=o3', 'ou=o1a,ou=o1', 'ou=o1aa,ou=o1a,ou=o1', 'ou=o3a,ou=o3'].map((r) => `${r},${base}`)], 'from the suffix, with a gap: the walk');
  t.equal(del(`ou=gap2,${base}`).code, 0);
  // Fewer candidates than the scope holds: the index's answer, in id order (r2 was added before r1).
  for (const r of ['cn=r2', 'cn=r1']) t.equal(add(ldif(`dn: ${r},${base}`, 'objectClass: organizationalRole', `cn: ${r.slice(3)}`)).code, 0);
  t.same(walk('one', '(objectClass=organizationalRole)'), [`cn=r2,${base}`, `cn=r1,${base}`], 'two candidates, seven children: id order');
  t.same(walk('one', '(|(cn=r1)(cn=r2)(ou=zz))'), [`cn=r1,${base}`, `cn=r2,${base}`, `ou=zz,${base}`], 'unindexed (ou): the walk, RDN order');
});

t.test('DN values are stored re-spelled as slapd does (dnPretty)', async (t) => {
  const dn = `cn=pretty,${SUFFIX}`;
  t.equal(add(ldif(`dn: ${dn}`, 'objectClass: groupOfNames', 'cn: pretty', 'member: UID=Alice , OU=People,dc=example,dc=com',
    'seeAlso: 2.5.4.3=Some One+UID=x, dc=example, dc=com')).code, 0);
  const get = () => entryLines(tool('ldapsearch', [...as(url, 'root'), '-LLL', '-o', 'ldif-wrap=no', '-b', dn, '-s', 'base', 'member', 'seeAlso']).stdout).get(dn);
  t.same(get(), ['member: uid=Alice,ou=People,dc=example,dc=com', 'seeAlso: cn=Some One+uid=x,dc=example,dc=com']);
  t.equal(modify(ldif(`dn: ${dn}`, 'changetype: modify', 'add: member', 'member: uid=Bob,  ou=people,dc=example,dc=com', '-',
    'replace: seeAlso', 'seeAlso: OU=Groups , DC=example,DC=com')).code, 0);
  t.same(get(), ['member: uid=Alice,ou=People,dc=example,dc=com', 'member: uid=Bob,ou=people,dc=example,dc=com', 'seeAlso: ou=Groups,dc=example,dc=com']);
  t.equal(modify(ldif(`dn: ${dn}`, 'changetype: modify', 'delete: member', 'member: UID=ALICE,OU=PEOPLE,DC=EXAMPLE,DC=COM')).code, 0, 'deleted by value under distinguishedNameMatch');

  // uniqueMember (Name And Optional UID): the DN part too, the #'bits'B kept (OpenLDAP's test004-modify).
  const u = `cn=upretty,${SUFFIX}`;
  t.equal(add(ldif(`dn: ${u}`, 'objectClass: groupOfUniqueNames', 'cn: upretty', 'uniqueMember: cn=Dorothy Stevens, ou=People, DC=example, dc=com',
    "uniqueMember: UID=x , dc=example,dc=com#'0101'B", 'uniqueMember: cn=x#y,dc=example,dc=com')).code, 0);
  t.equal(tool('ldapsearch', [...as(url, 'root'), '-LLL', '-b', u, '-s', 'base', 'uniqueMember']).stdout,
    `dn: ${u}\nuniqueMember: cn=Dorothy Stevens,ou=People,dc=example,dc=com\nuniqueMember: uid=x,dc=example,dc=com#'0101'B\nuniqueMember: cn=x#y,dc=example,dc=com\n\n`);
});

t.test('the assertion control (RFC 4528): writes, compare and search go ahead only if the filter holds', async (t) => {
  const heidi = people('heidi');
  const ok = modify(ldif(`dn: ${heidi}`, 'changetype: modify', 'replace: description', 'description: first'));
  t.equal(ok.code, 0);
  const asserting = (name: string, filter: string, args: string[], input?: string) =>
    tool(name, ['-e', `!assert=${filter}`, ...as(url, 'root'), ...args], { input });
  const set = (v: string) => ldif(`dn: ${heidi}`, 'changetype: modify', 'replace: description', `description: ${v}`);
  const failed = asserting('ldapmodify', '(description=nope)', [], set('second'));
  t.equal(failed.code, 122);
  t.equal(failed.stderr, 'ldap_modify: Assertion Failed (122)\n');
  t.same(read(`(uid=heidi)`, 'description').get(heidi), ['description: first'], 'nothing changed');
  t.equal(asserting('ldapmodify', '(description=first)', [], set('second')).code, 0, 'test and set');
  t.same(read(`(uid=heidi)`, 'description').get(heidi), ['description: second']);

  const search = (filter: string) => asserting('ldapsearch', filter, ['-LLL', '-b', heidi, '-s', 'base', '1.1']);
  t.same(dns(search('(uid=heidi)').stdout), [heidi]);
  const s = search('(uid=bob)');
  t.equal(s.code, 122);
  t.equal(s.stdout, '');
  t.equal(asserting('ldapcompare', '(uid=bob)', [heidi, 'uid:heidi']).code, 122);
  t.equal(asserting('ldapcompare', '(uid=heidi)', [heidi, 'uid:heidi']).code, 6);
  t.equal(asserting('ldapmodrdn', '(uid=bob)', [heidi, 'uid=heidi2']).code, 122);
  t.equal(asserting('ldapdelete', '(uid=bob)', [heidi]).code, 122);
  t.ok(read('(uid=heidi)').get(heidi), 'neither renamed nor deleted');
  const entry = ldif(`dn: ${people('ann')}`, 'objectClass: inetOrgPerson', 'uid: ann', 'cn: Ann', 'sn: A');
  t.equal(asserting('ldapadd', '(sn=B)', [], entry).code, 122, 'an add: tested on the entry it would make');
  t.equal(asserting('ldapadd', '(sn=A)', [], entry).code, 0);
  // Only the rootDn reads userPassword: for anyone else it is not there to assert on.
  const pw = (who: string) => tool('ldapsearch', ['-e', '!assert=(userPassword=*)', ...as(url, who), '-LLL', '-b', people('alice'), '-s', 'base', '1.1']).code;
  t.equal(pw('root'), 0);
  t.equal(pw('alice'), 122);
  const dse = (filter: string) => tool('ldapsearch', ['-e', `!assert=${filter}`, ...as(url), '-LLL', '-b', '', '-s', 'base', '1.1']).code;
  t.equal(dse('(objectClass=*)'), 0, 'the root DSE: tested too');
  t.equal(dse('(cn=x)'), 122);
  t.equal(tool('ldapsearch', ['-e', '!assert=(objectClass=*)', ...as(url), '-b', 'cn=nothing here', '-s', 'base']).code, 32, 'a base that is not there');
  const bad = tool('ldapsearch', ['-e', '!assert=(uid=', ...as(url, 'root'), '-b', heidi]);
  t.not(bad.code, 0, 'a filter ldapsearch cannot parse is refused before it is sent');
});

t.test('userCertificate;binary holds DER certificates only (as slapd: 21 otherwise)', async (t) => {
  const pem = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', '/dev/null',
    '-days', '1', '-subj', '/CN=meshdir cert test'], { encoding: 'utf8' }).stdout;
  const der = new X509Certificate(pem).raw.toString('base64');
  const entry = (uid: string, value: string) => ldif(`dn: ${people(uid)}`, 'objectClass: inetOrgPerson', `uid: ${uid}`, 'cn: C', 'sn: C', value);
  t.equal(add(entry('cert1', `userCertificate;binary:: ${der}`)).code, 0, 'a DER certificate');
  const bad = add(entry('cert2', `userCertificate;binary:: ${Buffer.from('not a certificate').toString('base64')}`));
  t.equal(bad.code, 21);
  t.equal(bad.stderr, failure('add', 'Invalid syntax (21)', 'userCertificate;binary: value #0 invalid per syntax'));
  t.equal(add(entry('cert3', `userCertificate;binary:: ${Buffer.from(pem).toString('base64')}`)).code, 21, 'PEM is not the stored form');
  // ;binary goes with the certificate syntaxes, and only with them (slapd's slap_bv2ad).
  const plain = add(entry('cert4', `userCertificate:: ${der}`));
  t.same([plain.code, plain.stderr], [17, failure('add', 'Undefined attribute type (17)', 'userCertificate: requires ;binary transfer')]);
  const jpeg = add(entry('cert5', 'jpegPhoto;binary:: /9j/4AAQ'));
  t.same([jpeg.code, jpeg.stderr], [17, failure('add', 'Undefined attribute type (17)', 'jpegPhoto;binary: option "binary" not supported with type')]);
  const desc = modify(ldif(`dn: ${people('cert1')}`, 'changetype: modify', 'add: description;binary', 'description;binary: x'));
  t.same([desc.code, desc.stderr], [17, failure('modify', 'Undefined attribute type (17)', 'description;binary: option "binary" not supported with type')]);
});

t.test('objectClass values are kept by their schema names (as slapd)', async (t) => {
  t.equal(add(ldif(`dn: cn=oc,${SUFFIX}`, 'objectClass: PERSON', 'objectClass: 2.5.6.7', 'cn: oc', 'sn: x')).code, 0);
  t.same(read('(cn=oc)', 'objectClass').get(`cn=oc,${SUFFIX}`), ['objectClass: organizationalPerson', 'objectClass: person']);
  t.equal(modify(ldif(`dn: cn=oc,${SUFFIX}`, 'changetype: modify', 'add: objectClass', 'objectClass: 1.3.6.1.1.1.2.1', '-', 'add: uid', 'uid: oc')).code, 0);
  t.same(read('(cn=oc)', 'objectClass').get(`cn=oc,${SUFFIX}`), ['objectClass: organizationalPerson', 'objectClass: person', 'objectClass: shadowAccount']);
});

t.test('multi-valued RDNs: one type once, AVAs stored in slapd\'s order', async (t) => {
  const twice = add(ldif(`dn: cn=ra+cn=rb,${SUFFIX}`, 'objectClass: person', 'cn: ra', 'cn: rb', 'sn: x'));
  t.same([twice.code, twice.stderr], [34, failure('add', 'Invalid DN syntax (34)', 'invalid DN')]);
  t.equal(add(ldif(`dn: cn=rc+commonName=rd,${SUFFIX}`, 'objectClass: person', 'cn: rc', 'cn: rd', 'sn: x')).code, 34, 'also by another name');
  t.equal(tool('ldapsearch', [...as(url), '-b', `cn=ra+cn=rb,${SUFFIX}`, '-s', 'base']).code, 34, 'nor as a search base');
  t.equal(tool('ldapsearch', [...as(url), '-b', `cn=#0403616263,${SUFFIX}`, '-s', 'base']).code, 34, 'a value in its BER form is an invalid DN (as slapd)');
  t.equal(add(ldif(`dn: uid=u3+sn=s3+cn=c3,${SUFFIX}`, 'objectClass: inetOrgPerson', 'cn: c3', 'sn: s3', 'uid: u3')).code, 0);
  t.same([...read('(uid=u3)', '1.1').keys()], [`cn=c3+sn=s3+uid=u3,${SUFFIX}`], 'sorted by type name');
  t.equal(modrdn([`cn=c3+sn=s3+uid=u3,${SUFFIX}`, 'uid=u4+cn=c4']).code, 0);
  t.same([...read('(uid=u4)', '1.1').keys()], [`cn=c4+uid=u4,${SUFFIX}`], 'a new RDN too');
});

t.test('pre-read and post-read controls (RFC 4527): the entry before and after, as this client may read it', async (t) => {
  const dave = people('dave');
  t.equal(modify(ldif(`dn: ${dave}`, 'changetype: modify', 'replace: description', 'description: before')).code, 0);
  const r = tool('ldapmodify', ['-e', 'preread=description', '-e', 'postread=description,sn', ...as(url, 'root')],
    { input: ldif(`dn: ${dave}`, 'changetype: modify', 'replace: description', 'description: after') });
  t.equal(r.code, 0, r.stderr);
  // ldapmodify prints each response control's value, then the entry it carries.
  const blocks = r.stdout.split('\n').filter((l) => !l.startsWith('control: ') && !l.startsWith(' ')).join('\n');
  t.equal(blocks, `modifying entry "${dave}"\n# ==> preread\ndn: ${dave}\ndescription: before\n# <== preread\n# ==> postread\ndn: ${dave}\nsn: Brown\ndescription: after\n# <== postread\n\n`);
  const renamed = tool('ldapmodrdn', ['-e', 'postread=uid', '-e', 'preread=uid', ...as(url, 'root'), dave, 'uid=dave2']);
  t.match(renamed.stdout, `# ==> preread\ndn: ${dave}\nuid: dave\n# <== preread`);
  t.match(renamed.stdout, `# ==> postread\ndn: ${people('dave2')}\nuid: dave\nuid: dave2\n# <== postread`);
  const gone = tool('ldapdelete', ['-e', 'preread=cn', ...as(url, 'root'), people('dave2')]);
  t.match(gone.stdout, `# ==> preread\ndn: ${people('dave2')}\ncn: Dave Brown\n# <== preread`);
  const made = tool('ldapadd', ['-e', 'postread=entryUUID', ...as(url, 'root')], { input: ldif(`dn: ${people('dave')}`, 'objectClass: account', 'uid: dave') });
  t.match(made.stdout, /# ==> postread\ndn: uid=dave,ou=people,dc=example,dc=com\nentryUUID: [0-9a-f-]{36}\n# <== postread/, 'an add returns what the server set');
  // userPassword only for the rootDn, as in a search.
  // (Alice may change only her password: she sets it to what it is.)
  const pw = (who: string) => tool('ldapmodify', ['-e', 'preread=userPassword,cn', ...as(url, who)],
    { input: ldif(`dn: ${people('alice')}`, 'changetype: modify', 'replace: userPassword', 'userPassword: secret') }).stdout;
  t.match(pw('root'), /# ==> preread\ndn: [^\n]+\ncn: Alice Smith\nuserPassword:/);
  const self = pw('alice');
  t.match(self, /# ==> preread\ndn: [^\n]+\ncn: Alice Smith\n# <== preread/, 'her own entry, without the password');
  t.equal(tool('ldapadd', ['-e', '!preread=cn', ...as(url, 'root')], { input: ldif(`dn: ${people('dave3')}`, 'objectClass: account', 'uid: dave3') }).code, 12,
    'pre-read on an add: unavailableCriticalExtension');
  // The attributes a search computes come too, as from slapd.
  const ou = `ou=people,${SUFFIX}`;
  const computed = tool('ldapmodify', ['-e', 'preread=hasSubordinates,subschemaSubentry', '-e', 'postread=entryDN,hasSubordinates', ...as(url, 'root')],
    { input: ldif(`dn: ${ou}`, 'changetype: modify', 'replace: description', 'description: x') });
  t.match(computed.stdout, `# ==> preread\ndn: ${ou}\nsubschemaSubentry: cn=Subschema\nhasSubordinates: TRUE\n# <== preread`);
  t.match(computed.stdout, `# ==> postread\ndn: ${ou}\nentryDN: ${ou}\nhasSubordinates: TRUE\n# <== postread`);
  const leaf = tool('ldapdelete', ['-e', 'preread=+', ...as(url, 'root'), people('dave')]);
  t.match(leaf.stdout, /entryDN: uid=dave,ou=people,dc=example,dc=com\nsubschemaSubentry: cn=Subschema\nhasSubordinates: FALSE\n# <== preread/, 'pre-read of a delete: + as a search lists it');
});

t.test('the noop control: a write is checked, answered noOperation (16654), and not made', async (t) => {
  const bob = people('bob');
  const noop = (name: string, args: string[], input?: string, who = 'root') => tool(name, ['-e', '!noop', ...as(url, who), ...args], { input });
  const state = () => read(`(|(uid=bob)(uid=bob2)(uid=noop))`, '*', 'entryCSN', 'modifyTimestamp');
  const before = state();
  const m = noop('ldapmodify', [], ldif(`dn: ${bob}`, 'changetype: modify', 'replace: description', 'description: noop'));
  t.same(m, { code: 14, stdout: `modifying entry "${bob}"\n\n`, stderr: 'ldap_modify: No Operation (X) (16654)\n' }, "ldapmodify exits with the code's low byte, as with slapd");
  t.equal(noop('ldapadd', [], ldif(`dn: ${people('noop')}`, 'objectClass: account', 'uid: noop')).code, 14);
  t.same(noop('ldapdelete', [bob]), { code: 14, stdout: '', stderr: 'ldap_delete: No Operation (X) (16654)\n' });
  t.equal(noop('ldapmodrdn', [bob, 'uid=bob2']).stdout, 'Rename Result: No Operation (X) (16654)\n');
  t.same(state(), before, 'bob is as he was (entryCSN, modifyTimestamp), no uid=noop, no uid=bob2');
  t.equal(noop('ldapmodify', [], ldif(`dn: ${bob}`, 'changetype: modify', 'add: uid', 'uid: bob')).code, 20, 'a write that would fail in its transaction fails as it would');
  t.equal(noop('ldapmodify', [], ldif(`dn: ${bob}`, 'changetype: modify', 'replace: description', 'description: x'), 'carol').code, 50, 'so does one that may not be made');
  t.equal(noop('ldapdelete', [`ou=people,${SUFFIX}`]).code, 66, 'a delete of a non-leaf: notAllowedOnNonLeaf');
  const config = noop('ldapadd', [], ldif('dn: cn=noop,cn=config', 'objectClass: applicationProcess', 'cn: noop'));
  t.equal(config.code, 53, 'not on cn=config');
  t.equal(noop('ldapmodify', [], ldif(`dn: ${bob}`, 'changetype: modify', 'replace: description', 'description: noop')).code, 14, 'the server goes on');
});

t.test('more of what slapd refuses or allows on an add (side-by-side findings)', async (t) => {
  const person = (cn: string, ...more: string[]) => ldif(`dn: cn=${cn},${SUFFIX}`, 'objectClass: inetOrgPerson', `cn: ${cn}`, 'sn: x', ...more);
  t.equal(add(person('i1', 'x500UniqueIdentifier: \'0101\'B')).code, 0);
  // INTEGER values: no spaces (base64 " 12"), as slapd's integerValidate.
  const posix = (uid: string, value: string) => ldif(`dn: uid=${uid},${SUFFIX}`, 'objectClass: account', 'objectClass: posixAccount', `uid: ${uid}`, `cn: ${uid}`,
    'gidNumber: 1', 'homeDirectory: /', value);
  const spaced = add(posix('i2', 'uidNumber:: IDEy'));
  t.same([spaced.code, spaced.stderr], [21, failure('add', 'Invalid syntax (21)', 'uidNumber: value #0 invalid per syntax')]);
  t.equal(add(posix('i3', 'uidNumber: 12')).code, 0);
  // postalAddress: a backslash only as \24 or \5C.
  t.equal(add(person('pa1', 'postalAddress: 1 Main St$Town \\24 5')).code, 0);
  t.equal(add(person('pa2', 'postalAddress: a\\xz$b')).code, 21);
  t.equal(add(person('pa3', 'postalAddress: a$$b')).code, 0, 'an empty line passes, as in slapd');
  // One attribute under two names.
  const twice = add(person('tw1', 'commonName: other name'));
  t.same([twice.code, twice.stderr], [20, failure('add', 'Type or value exists (20)', "attribute 'cn' provided more than once")]);
  t.equal(add(person('tw2', 'displayName: one', '2.16.840.1.113730.3.1.241: two')).stderr,
    failure('add', 'Type or value exists (20)', "attribute 'displayName' provided more than once"), 'also before single-value');
  // Nothing below an alias.
  t.equal(add(ldif(`dn: cn=al,${SUFFIX}`, 'objectClass: alias', 'objectClass: extensibleObject', 'cn: al', `aliasedObjectName: ${people('alice')}`)).code, 0);
  const under = add(ldif(`dn: cn=ua,cn=al,${SUFFIX}`, 'objectClass: person', 'cn: ua', 'sn: x'));
  t.same([under.code, under.stderr], [33, failure('add', 'Alias problem (33)', 'parent is an alias')]);
  const moved = modrdn(['-s', `cn=al,${SUFFIX}`, `cn=i1,${SUFFIX}`, 'cn=i1']);
  t.same([moved.code, moved.stdout], [33, 'Rename Result: Alias problem (33)\nAdditional info: new superior is an alias\n']);
});

t.test('the relax control: the rootDn may give an entry its creation and modification stamps', async (t) => {
  const stamped = (cn: string, ...more: string[]) => ldif(`dn: cn=${cn},${SUFFIX}`, 'objectClass: person', `cn: ${cn}`, 'sn: x', ...more);
  const relaxed = (input: string, who = 'root') => tool('ldapadd', ['-e', '!relax', ...as(url, who)], { input });
  t.equal(relaxed(stamped('rx1', 'createTimestamp: 20200101000000Z', 'creatorsName: cn=migration', 'modifyTimestamp: 20210101000000Z')).code, 0);
  t.same(read('(cn=rx1)', 'createTimestamp', 'creatorsName', 'modifyTimestamp').get(`cn=rx1,${SUFFIX}`),
    ['createTimestamp: 20200101000000Z', 'creatorsName: cn=migration', 'modifyTimestamp: 20210101000000Z']);
  t.equal(relaxed(stamped('rx2', 'createTimestamp: yesterday')).stderr, failure('add', 'Invalid syntax (21)', 'createTimestamp: value #0 invalid per syntax'));
  t.equal(relaxed(stamped('rx3', 'entryUUID: 0193a1b2-0000-7000-8000-000000000001')).code, 19, 'not entryUUID');
  t.equal(add(stamped('rx4', 'createTimestamp: 20200101000000Z')).code, 19, 'not without the control');
  t.equal(relaxed(stamped('rx5', 'createTimestamp: 20200101000000Z'), 'alice').code, 19, 'not for others');
  const relaxedModify = (who: string, ...lines: string[]) =>
    tool('ldapmodify', ['-e', '!relax', ...as(url, who)], { input: ldif(`dn: cn=rx1,${SUFFIX}`, 'changetype: modify', ...lines) });
  t.equal(relaxedModify('root', 'replace: description', 'description: relaxed').code, 0);
  t.equal(relaxedModify('root', 'replace: createTimestamp', 'createTimestamp: 20190101000000Z', '-', 'replace: modifiersName', 'modifiersName: cn=fixer').code, 0);
  t.same(read('(cn=rx1)', 'createTimestamp', 'modifiersName').get(`cn=rx1,${SUFFIX}`), ['createTimestamp: 20190101000000Z', 'modifiersName: cn=fixer'],
    'on a modify too; a stamp the client set is not overwritten');
  t.match(read('(cn=rx1)', 'modifyTimestamp').get(`cn=rx1,${SUFFIX}`)![0]!, /^modifyTimestamp: 20[2-9]\d{11}Z$/, 'the one it did not set is the server\'s');
  t.equal(modify(ldif(`dn: cn=rx1,${SUFFIX}`, 'changetype: modify', 'replace: createTimestamp', 'createTimestamp: 20180101000000Z')).code, 19, 'not without the control');
  t.equal(relaxedModify('root', 'replace: entryUUID', 'entryUUID: 0193a1b2-0000-7000-8000-000000000002').code, 19, 'never entryUUID');
});

t.test("which refusal comes first: slapd's frontend order (side by side with slapd 2.5)", async (t) => {
  const stamp = 'createTimestamp: 20200101000000Z';
  const addStamp = (dn: string, who: string) => add(ldif(`dn: ${dn}`, 'objectClass: account', 'uid: new', stamp), who);
  const modStamp = (dn: string, who: string) => modify(ldif(`dn: ${dn}`, 'changetype: modify', 'add: createTimestamp', stamp), who);
  const cases: [string, string, string, string][] = [
    // A DN outside the suffix, then an anonymous client, before a type the server keeps.
    ['uid=new,o=nowhere', 'root', 'Server is unwilling to perform (53)', 'no global superior knowledge'],
    [people('new'), 'anonymous', 'Strong(er) authentication required (8)', 'modifications require authentication'],
    [people('new'), 'root', 'Constraint violation (19)', 'createTimestamp: no user modification allowed'],
  ];
  for (const [dn, who, result, info] of cases) {
    t.equal(addStamp(dn, who).stderr, failure('add', result, info), `add ${dn} as ${who}`);
    t.equal(modStamp(dn, who).stderr, failure('modify', result, info), `modify ${dn} as ${who}`);
  }
  // The root DSE and cn=Subschema: an add is refused before its types are read, a modify after.
  t.equal(add(ldif('dn:', 'objectClass: top', 'fooBar: x')).stderr, failure('add', 'Already exists (68)', 'root DSE already exists'));
  t.equal(add(ldif('dn: cn=Subschema', 'objectClass: top', 'fooBar: x')).stderr, failure('add', 'Already exists (68)', 'subschema subentry already exists'));
  t.equal(modify(ldif('dn:', 'changetype: modify', 'add: fooBar', 'fooBar: x')).stderr, failure('modify', 'Undefined attribute type (17)', 'fooBar: attribute type undefined'));
  // cn=Subschema is the server's own, for anyone.
  for (const who of ['root', 'anonymous']) {
    t.equal(addStamp('cn=Subschema', who).stderr, failure('add', 'Already exists (68)', 'subschema subentry already exists'), `add as ${who}`);
    t.equal(modify(ldif('dn: cn=Subschema', 'changetype: modify', 'replace: description', 'description: x'), who).stderr,
      failure('modify', 'Server is unwilling to perform (53)', 'modification of subschema subentry not supported'), `modify as ${who}`);
    t.equal(modrdn(['cn=Subschema', 'cn=foo'], who).stdout, 'Rename Result: Server is unwilling to perform (53)\nAdditional info: cannot rename subschema subentry\n', `modrdn as ${who}`);
  }
});

// Outputs of slapd 2.5 for the same requests (bench/compat t3_write.sh).
t.test('attribute order after modifies and renames, and naming values under an option', async (t) => {
  const dn = `cn=order1,ou=people,${SUFFIX}`;
  const entry = (d: string) => tool('ldapsearch', [...as(url, 'root'), '-LLL', '-b', d, '-s', 'base']).stdout;
  const mod = (...lines: string[]) => modify(ldif(`dn: ${dn}`, 'changetype: modify', ...lines));
  t.equal(add(ldif(`dn: ${dn}`, 'objectClass: inetOrgPerson', 'cn: order1', 'telephoneNumber: +1 555 0100', 'sn: One', 'description: d')).code, 0);
  t.equal(mod('add: telephoneNumber', 'telephoneNumber: +1 555 0001', '-', 'delete: telephoneNumber', 'telephoneNumber: +1 555 0100').code, 0);
  t.equal(mod('add: sn', 'sn: Two').code, 0);
  t.equal(mod('delete: sn', 'sn: One').code, 0);
  t.equal(entry(dn), `dn: ${dn}\nobjectClass: inetOrgPerson\ncn: order1\ntelephoneNumber: +1 555 0001\nsn: Two\ndescription: d\n\n`, 'a value added and the first one deleted: in place');

  t.equal(mod('delete: telephoneNumber', 'telephoneNumber: +1 555 0001', '-', 'add: telephoneNumber', 'telephoneNumber: +1 555 0002').code, 0);
  t.equal(mod('add: cn;lang-en', 'cn;lang-en: order1').code, 0);
  for (const lines of [['delete: cn'], ['replace: cn']]) {
    const r = mod(...lines);
    t.same([r.code, r.stderr], [64, failure('modify', 'Naming violation (64)', "naming attribute 'cn' is not present in entry")], `${lines[0]}: cn;lang-en does not hold the RDN value`);
  }
  t.equal(entry(dn), `dn: ${dn}\nobjectClass: inetOrgPerson\ncn: order1\nsn: Two\ndescription: d\ntelephoneNumber: +1 555 0002\ncn;lang-en: order1\n\n`, 'its only value deleted first: last');

  t.equal(modrdn([dn, 'title=T+description=K']).code, 0);
  const renamed = `description=K+title=T,ou=people,${SUFFIX}`;
  t.equal(entry(renamed), `dn: ${renamed}\nobjectClass: inetOrgPerson\ncn: order1\nsn: Two\ndescription: d\ndescription: K\ntelephoneNumber: +1 555 0002\ncn;lang-en: order1\ntitle: T\n\n`);
  t.equal(add(ldif(`dn: sn=B+cn=A,ou=people,${SUFFIX}`, 'objectClass: person')).code, 0);
  const two = `cn=A+sn=B,ou=people,${SUFFIX}`;
  t.equal(entry(two), `dn: ${two}\nobjectClass: person\ncn: A\nsn: B\n\n`, 'RDN values an add left out, in RDN order');
  t.equal(modrdn(['-r', two, 'cn=A+sn=B']).code, 0);
  t.equal(entry(two), `dn: ${two}\nobjectClass: person\nsn: B\ncn: A\n\n`, 'RDN values a rename adds, in reverse RDN order');
});
