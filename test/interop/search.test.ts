// ldapsearch against a real server: filters, attribute lists, limits,
// paged results, controls, the root DSE, cn=Subschema, cn=config and what
// anonymous clients may read. Expected outputs are slapd 2.5's for the same
// data (agreements/demo/example.ldif), except where noted.
import t from 'tap';
import { cleanup, startServer, SUFFIX } from '../helpers/server.js';
import { as, dns, entryLines, people, tool, types } from './tools.js';

const server = await startServer({ seed: true });
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});
const url = server.url;
const search = (args: string[], who = 'anonymous') => tool('ldapsearch', [...as(url, who), '-LLL', '-o', 'ldif-wrap=no', ...args]);

const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'].map(people);
const ALL = [SUFFIX, `ou=people,${SUFFIX}`, `ou=groups,${SUFFIX}`, ...PEOPLE, `cn=engineering,ou=groups,${SUFFIX}`];

t.test('filters of every kind select what slapd selects', async (t) => {
  const cases: [string, string[]][] = [
    ['(uid=alice)', [people('alice')]],
    ['(UID=ALICE)', [people('alice')]],
    ['(uid=\\61lice)', [people('alice')]],
    ['(&(ou=Engineering)(!(uid=bob)))', [people('alice'), people('grace')]],
    ['(|(uid=alice)(uid=carol))', [people('alice'), people('carol')]],
    ['(!(objectClass=*))', []],
    ['(&)', ALL],
    ['(|)', []],
    ['(cn=*Sm*)', [people('alice')]],
    ['(cn=A*)', [people('alice')]],
    ['(cn=*ith)', [people('alice')]],
    ['(cn=g*c*r)', [people('grace')]],
    ['(mail=*)', PEOPLE],
    ['(createTimestamp>=20000101000000Z)', ALL],
    ['(createTimestamp<=20000101000000Z)', []],
    // employeeNumber has no ORDERING rule: the item is Undefined.
    ['(employeeNumber>=1005)', []],
    ['(sn~=smyth)', [people('alice')]],
    ['(cn~=Alice Smith)', [people('alice')]],
    ['(telephoneNumber=+1 555-0100)', [people('alice')]],
    ['(member=uid=alice,ou=people,dc=example,dc=com)', [`cn=engineering,ou=groups,${SUFFIX}`]],
    ['(cn:caseExactMatch:=Alice Smith)', [people('alice')]],
    ['(cn:caseExactMatch:=alice smith)', []],
    ['(uid:2.5.13.2:=ALICE)', [people('alice')]],
    ['(ou:dn:=people)', [`ou=people,${SUFFIX}`, ...PEOPLE]],
    ['(:dn:2.5.13.2:=people)', [`ou=people,${SUFFIX}`, ...PEOPLE]],
    // integerMatch does not apply to employeeNumber (a directory string).
    ['(employeeNumber:2.5.13.14:=1003)', []],
    // Nor caseIgnoreMatch to mail (an IA5 string): slapd's rule for
    // directory strings takes printable strings besides, and the syntaxes
    // of types that name it, not IA5 strings.
    ['(mail:caseIgnoreMatch:=ALICE@EXAMPLE.COM)', []],
    ['(:caseIgnoreMatch:=alice@example.com)', []],
    ['(mail:caseIgnoreIA5Match:=ALICE@EXAMPLE.COM)', [people('alice')]],
    ['(:caseIgnoreMatch:=alice)', [people('alice')]],
    ['(fooBar=x)', []],
    ['(!(fooBar=x))', []],
    ['(2.5.4.4=Smith)', [people('alice')]],
    ['(name=Smith)', [people('alice')]],
    ['(objectClass=organizationalPerson)', PEOPLE],
    ['(hasSubordinates=TRUE)', [SUFFIX, `ou=people,${SUFFIX}`, `ou=groups,${SUFFIX}`]],
    ['(&(objectClass=organizationalUnit)(hasSubordinates=FALSE))', []],
    ['(entryDN=uid=alice,ou=people,dc=example,dc=com)', [people('alice')]],
    // The people are inetOrgPersons: structuralObjectClass matches superclasses too (as slapd).
    ['(structuralObjectClass=person)', PEOPLE],
    ['(structuralObjectClass=organization)', [SUFFIX]],
    // OpenLDAP's DN scope rules.
    [`(entryDN:dnSubtreeMatch:=ou=people,${SUFFIX})`, [`ou=people,${SUFFIX}`, ...PEOPLE]],
    [`(entryDN:dnOneLevelMatch:=${SUFFIX})`, [`ou=people,${SUFFIX}`, `ou=groups,${SUFFIX}`]],
    [`(entryDN:dnSubordinateMatch:=ou=groups,${SUFFIX})`, [`cn=engineering,ou=groups,${SUFFIX}`]],
    [`(entryDN:dnSuperiorMatch:=uid=alice,ou=people,${SUFFIX})`, [SUFFIX, `ou=people,${SUFFIX}`]],
    [`(member:dnSubtreeMatch:=ou=people,${SUFFIX})`, [`cn=engineering,ou=groups,${SUFFIX}`]],
    ['(entryDN:dnSubtreeMatch:=not a dn)', []],
    ['(!(entryDN:dnSubtreeMatch:=not a dn))', []],
  ];
  for (const [filter, want] of cases) {
    const r = search(['-b', SUFFIX, filter, '1.1']);
    t.equal(r.code, 0, `${filter}: exit 0`);
    t.same(dns(r.stdout).sort(), [...want].sort(), filter);
  }
  const bad = tool('ldapsearch', [...as(url), '-b', SUFFIX, '(uid=alice']);
  t.equal(bad.code, 249, 'an unparsable filter never reaches the server (exit = -7 & 0xff)');
  t.match(bad.stderr, 'Bad search filter (-7)');
});

t.test('scopes', async (t) => {
  t.same(dns(search(['-b', SUFFIX, '-s', 'base', '1.1']).stdout), [SUFFIX]);
  t.same(dns(search(['-b', SUFFIX, '-s', 'one', '1.1']).stdout).sort(), [`ou=groups,${SUFFIX}`, `ou=people,${SUFFIX}`]);
  t.same(dns(search(['-b', `ou=people,${SUFFIX}`, '-s', 'sub', '1.1']).stdout).length, 9);
});

t.test('attribute lists: 1.1, *, +, supertypes, OIDs, typesOnly', async (t) => {
  const alice = ['-b', SUFFIX, '(uid=alice)'];
  t.equal(search([...alice, '1.1']).stdout, `dn: ${people('alice')}\n\n`, '1.1: the DN only');
  t.equal(search([...alice, 'fooBar']).stdout, `dn: ${people('alice')}\n\n`, 'an unknown type is ignored');
  t.same(entryLines(search([...alice, 'name']).stdout).get(people('alice')),
    ['cn: Alice Smith', 'givenName: Alice', 'ou: Engineering', 'sn: Smith'], 'name covers its subtypes');
  t.same(entryLines(search([...alice, '2.5.4.3', '0.9.2342.19200300.100.1.1']).stdout).get(people('alice')),
    ['cn: Alice Smith', 'uid: alice'], 'OIDs as attribute names');
  t.same(entryLines(search([...alice, '-A', 'cn', 'mail']).stdout).get(people('alice')), ['cn:', 'mail:'], 'typesOnly (-A)');
  const user = search([...alice]).stdout;
  t.same(types(user), ['cn', 'employeeNumber', 'givenName', 'mail', 'objectClass', 'ou', 'sn', 'telephoneNumber', 'uid'], 'no list: user attributes, no userPassword');
  t.same(types(search([...alice, '*']).stdout), types(user), '* is the same');
  const ops = ['createTimestamp', 'creatorsName', 'entryCSN', 'entryDN', 'entryUUID', 'hasSubordinates', 'modifiersName', 'modifyTimestamp', 'structuralObjectClass', 'subschemaSubentry'];
  t.same(types(search([...alice, '+']).stdout), ops, '+: operational attributes only');
  t.same(types(search([...alice, '*', '+']).stdout), [...types(user), ...ops].sort(), '* and +');
  t.same(entryLines(search([...alice, 'hasSubordinates', 'subschemaSubentry', 'structuralObjectClass']).stdout).get(people('alice')),
    ['hasSubordinates: FALSE', 'structuralObjectClass: inetOrgPerson', 'subschemaSubentry: cn=Subschema']);
  t.same(entryLines(search([...alice, '@organizationalPerson']).stdout).get(people('alice'))?.map((l) => l.split(':')[0]),
    ['cn', 'objectClass', 'objectClass', 'objectClass', 'objectClass', 'ou', 'sn', 'telephoneNumber'], '@class: its MUST and MAY');
});

t.test('userPassword is for the rootDn only, even in filters', async (t) => {
  const alice = ['-b', SUFFIX, '(uid=alice)', 'userPassword'];
  t.equal(search(alice).stdout, `dn: ${people('alice')}\n\n`, 'anonymous');
  t.equal(search(alice, 'bob').stdout, `dn: ${people('alice')}\n\n`, 'another user');
  t.match(search(alice, 'root').stdout, /^userPassword:: e1NTSEF9/m, 'rootDn');
  t.same(dns(search(['-b', SUFFIX, '(userPassword=*)', '1.1']).stdout), [], 'anonymous cannot test it');
  t.same(dns(search(['-b', `ou=people,${SUFFIX}`, '-s', 'one', '(!(userPassword=*))', '1.1']).stdout), [], 'not even negated (Undefined)');
  t.same(dns(search(['-b', SUFFIX, '(userPassword=*)', '1.1'], 'root').stdout).sort(), [...PEOPLE].sort(), 'the rootDn can');
});

t.test('size limit: the entries, then exit 4', async (t) => {
  const r = search(['-b', SUFFIX, '-z', '3', '(objectClass=*)', '1.1']);
  t.equal(r.code, 4);
  t.equal(dns(r.stdout).length, 3);
  t.equal(r.stderr, 'Size limit exceeded (4)\n');
  t.equal(search(['-b', SUFFIX, '-z', '12', '(objectClass=*)', '1.1']).code, 0, 'exactly the limit is fine');
});

t.test('paged results (-E pr=…)', async (t) => {
  const r = tool('ldapsearch', [...as(url), '-b', SUFFIX, '-E', 'pr=5/noprompt', '(objectClass=*)', 'dn']);
  t.equal(r.code, 0);
  t.equal(dns(r.stdout).length, 12, 'every entry once');
  t.same(new Set(dns(r.stdout)).size, 12);
  t.equal(r.stdout.match(/^result: 0 Success$/gm)?.length, 3, 'three pages');
  t.equal(r.stdout.match(/^pagedresults: cookie=$/gm)?.length, 1, 'the last page has an empty cookie');
  t.match(r.stdout, /# numEntries: 12/);
  // A page ends at the next entry the search would send, as slapd's: 11
  // entries match, the last one in the walk (the group) does not, so pages
  // of 11 (or 4, 4, 3) end with the empty cookie and no empty page after
  // (OpenLDAP's test003 searches with pr=3 differed so).
  for (const [size, pages] of [[11, 1], [4, 3]] as const) {
    const last = tool('ldapsearch', [...as(url), '-b', SUFFIX, '-E', `pr=${size}/noprompt`, '(!(objectClass=groupOfNames))', 'dn']);
    t.equal(dns(last.stdout).length, 11);
    t.equal(last.stdout.match(/^result: 0 Success$/gm)?.length, pages, `pages of ${size}`);
    t.match(last.stdout, /pagedresults: cookie=\n\n# numResponses/, 'the last one has the empty cookie');
  }
  // As slapd: the size limit counts the entries of every page.
  const limited = tool('ldapsearch', [...as(url), '-b', SUFFIX, '-z', '7', '-E', 'pr=5/noprompt', '(objectClass=*)', 'dn']);
  t.equal(limited.code, 4);
  t.equal(dns(limited.stdout).length, 7);
  t.match(limited.stdout, /^result: 4 Size limit exceeded$/m);
  // A page as large as the size limit: slapd ignores the control.
  const moot = tool('ldapsearch', [...as(url), '-b', SUFFIX, '-z', '12', '-E', 'pr=12/noprompt', '(objectClass=*)', 'dn']);
  t.equal(moot.code, 0);
  t.notMatch(moot.stdout, 'pagedresults');
});

t.test('subentries (RFC 3672), domainScope, dontUseCopy on a master', async (t) => {
  const run = (ext: string[]) => tool('ldapsearch', [...as(url), '-LLL', '-b', SUFFIX, ...ext, '(uid=alice)', 'dn']);
  t.same(run(['-E', '!subentries=true']), { code: 0, stdout: '', stderr: '' }, 'TRUE: subentries only, and there are none');
  t.equal(run(['-E', '!subentries=false']).stdout, `dn: ${people('alice')}\n\n`, 'FALSE: the other entries');
  t.same(run(['-e', '!1.3.6.1.4.1.4203.1.10.1']), { code: 2, stdout: '', stderr: 'Protocol error (2)\nAdditional information: subentries control value encoding is bogus\n' });
  t.equal(run(['-E', '!domainScope']).stdout, `dn: ${people('alice')}\n\n`, 'domainScope: nothing to chase');
  t.equal(run(['-E', '!dontUseCopy']).stdout, `dn: ${people('alice')}\n\n`, 'a master holds originals');
  const onModify = tool('ldapmodify', [...as(url, 'root'), '-e', '!1.3.6.1.1.22'], { input: `dn: ${people('alice')}\nchangetype: modify\nreplace: description\ndescription: x\n` });
  t.equal(onModify.code, 12, 'a search control on a modify: 12');
  t.match(onModify.stderr, 'additional info: critical extension is unavailable', "slapd's text for a control it knows, but not with this operation");
});

t.test('controls: unknown critical → 12, unknown non-critical ignored', async (t) => {
  const r = tool('ldapsearch', [...as(url), '-b', SUFFIX, '-e', '!1.2.3.4', '(uid=alice)', 'dn']);
  t.equal(r.code, 12);
  t.match(r.stdout, 'result: 12 Critical extension is unavailable\ntext: critical extension is not recognized\n');
  const ok = tool('ldapsearch', [...as(url), '-LLL', '-b', SUFFIX, '-e', '1.2.3.4', '(uid=alice)', 'dn']);
  t.equal(ok.code, 0);
  t.equal(ok.stdout, `dn: ${people('alice')}\n\n`);
  t.equal(tool('ldapsearch', [...as(url), '-LLL', '-b', SUFFIX, '-M', '(uid=alice)', 'dn']).code, 0, 'manageDsaIT (-M) is supported');
  // Tree delete: slapd's frontend knows it for deletes, back-mdb lacks it.
  const tree = tool('ldapdelete', [...as(url, 'root'), '-e', '!1.2.840.113556.1.4.805', `uid=nobody,${SUFFIX}`]);
  t.same([tree.code, tree.stderr], [12, 'ldap_delete: Critical extension is unavailable (12)\n\tadditional info: critical control unavailable in context\n']);
  t.match(tool('ldapsearch', [...as(url), '-b', SUFFIX, '-e', '!1.2.840.113556.1.4.805', '(uid=alice)', 'dn']).stdout, 'text: critical extension is unavailable\n', 'on a search: the text for a control known elsewhere');
  // Where slapd takes noop and manageDsaIT (side by side with slapd 2.5).
  t.same(tool('ldapsearch', [...as(url), '-LLL', '-b', SUFFIX, '-e', '!noop', '(uid=alice)', 'dn']), { code: 0, stdout: `dn: ${people('alice')}\n\n`, stderr: '' }, 'noop on a search: no effect');
  t.same(tool('ldapcompare', ['-e', '!noop', ...as(url), people('alice'), 'uid:alice']), { code: 6, stdout: 'TRUE\n', stderr: '' }, 'noop on a compare: no effect');
  const unavailable = {
    code: 1,
    stdout: 'Result: Critical extension is unavailable (12)\nAdditional info: critical extension is unavailable\n',
    stderr: 'ldap_parse_result: Critical extension is unavailable (12)\n\tadditional info: critical extension is unavailable\n',
  };
  for (const c of ['!manageDSAit', '!noop', '!relax']) t.same(tool('ldapwhoami', [...as(url), '-e', c]), unavailable, `${c} on Who am I?`);
});

t.test('bases that are not there', async (t) => {
  const missing = tool('ldapsearch', [...as(url), '-b', `ou=nobody,${SUFFIX}`, 'dn']);
  t.equal(missing.code, 32);
  t.match(missing.stdout, 'result: 32 No such object\nmatchedDN: dc=example,dc=com\n');
  const lll = search(['-b', `ou=nobody,${SUFFIX}`, 'dn']);
  t.equal(lll.stderr, 'No such object (32)\nMatched DN: dc=example,dc=com\n');
  t.equal(search(['-b', 'dc=elsewhere', 'dn']).code, 32);
  t.equal(search(['-b', 'not a dn', 'dn']).code, 34);
});

t.test("operational attributes in slapd's order", async (t) => {
  const names = search(['-b', people('alice'), '-s', 'base', '+'], 'root').stdout.split('\n').filter((l) => /^\w+:/.test(l)).map((l) => l.split(':')[0]);
  t.same(names, ['dn', 'structuralObjectClass', 'entryUUID', 'creatorsName', 'createTimestamp', 'entryCSN', 'modifiersName', 'modifyTimestamp', 'entryDN', 'subschemaSubentry', 'hasSubordinates']);
});

t.test('root DSE', async (t) => {
  t.equal(search(['-b', '', '-s', 'base']).stdout, 'dn:\nobjectClass: top\nobjectClass: OpenLDAProotDSE\n\n', 'user attributes: objectClass only');
  const r = search(['-b', '', '-s', 'base', '+']);
  t.equal(r.code, 0);
  for (const line of [
    'namingContexts: dc=example,dc=com', 'supportedLDAPVersion: 3', 'subschemaSubentry: cn=Subschema',
    'supportedControl: 1.2.840.113556.1.4.319', 'supportedControl: 2.16.840.1.113730.3.4.2',
    'supportedExtension: 1.3.6.1.4.1.4203.1.11.1', 'supportedExtension: 1.3.6.1.4.1.4203.1.11.3',
    'supportedFeatures: 1.3.6.1.4.1.4203.1.5.1', 'vendorName: meshdir', 'structuralObjectClass: OpenLDAProotDSE', 'entryDN:',
  ]) t.match(r.stdout, `\n${line}\n`, line);
  t.notMatch(r.stdout, /^objectClass/m, '+ alone: no objectClass');
  t.same(r.stdout.split('\n').filter((l) => l.startsWith('supportedFeatures: ')).map((l) => l.slice(19)), [
    '1.3.6.1.1.14', '1.3.6.1.4.1.4203.1.5.1', '1.3.6.1.4.1.4203.1.5.2', '1.3.6.1.4.1.4203.1.5.3', '1.3.6.1.4.1.4203.1.5.4', '1.3.6.1.4.1.4203.1.5.5',
  ], 'the features slapd 2.5 lists, language ranges (RFC 3866) included');
  t.same(r.stdout.split('\n').filter((l) => l.startsWith('supportedControl: ')).map((l) => l.slice(18)), [
    '2.16.840.1.113730.3.4.18', '2.16.840.1.113730.3.4.2', '1.3.6.1.4.1.4203.1.10.1', '1.3.6.1.1.22', '1.2.840.113556.1.4.319',
    '1.2.826.0.1.3344810.2.3', '1.3.6.1.1.13.2', '1.3.6.1.1.13.1', '1.3.6.1.1.12',
  ], "the controls slapd 2.5 lists, in its order");
  t.notMatch(r.stdout, '1.3.6.1.4.1.1466.20037', 'no StartTLS without a certificate (as slapd)');
  t.equal(search(['-b', '', '-s', 'one']).code, 32, 'nothing below the root DSE (no default search base)');
});

t.test('cn=Subschema', async (t) => {
  const oc = search(['-b', 'cn=Subschema', '-s', 'base', 'objectClasses']);
  t.equal(oc.code, 0);
  t.match(oc.stdout, /^objectClasses: \( 2\.5\.6\.6 NAME 'person' DESC 'RFC2256: a person' SUP top STRUCTURAL MUST \( sn \$ cn \) MAY \( userPassword \$ telephoneNumber \$ seeAlso \$ description \) \)$/m);
  t.match(oc.stdout, /^objectClasses: \( 2\.16\.840\.1\.113730\.3\.2\.2 NAME 'inetOrgPerson'/m);
  t.same(types(oc.stdout), ['objectClasses']);
  const at = search(['-b', 'cn=Subschema', '-s', 'base', 'attributeTypes']);
  t.match(at.stdout, /^attributeTypes: \( 2\.5\.4\.3 NAME \( 'cn' 'commonName' \)/m);
  t.equal(search(['-b', 'cn=Subschema', '-s', 'base']).stdout,
    'dn: cn=Subschema\nobjectClass: top\nobjectClass: subentry\nobjectClass: subschema\nobjectClass: extensibleObject\ncn: Subschema\n\n');
  t.same(types(search(['-b', 'cn=Subschema', '-s', 'base', '+']).stdout),
    ['attributeTypes', 'createTimestamp', 'entryDN', 'ldapSyntaxes', 'matchingRuleUse', 'matchingRules', 'modifyTimestamp', 'objectClasses', 'structuralObjectClass', 'subschemaSubentry']);
  t.equal(search(['-b', 'cn=Subschema', '-s', 'sub', '1.1']).code, 32, 'only a base search finds it (slapd)');
});

t.test('cn=config is readable only by the rootDn', async (t) => {
  const root = search(['-b', 'cn=config', '-s', 'base', 'cn'], 'root');
  t.equal(root.code, 0);
  t.equal(root.stdout, 'dn: cn=config\ncn: config\n\n');
  for (const who of ['anonymous', 'alice']) {
    const r = search(['-b', 'cn=config', '-s', 'base'], who);
    t.equal(r.code, 50, who);
    t.equal(r.stdout, '', `${who}: nothing`);
  }
});
