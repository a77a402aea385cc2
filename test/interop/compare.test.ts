// ldapcompare against a real server: exit 6 (TRUE) and 5 (FALSE), the
// error results in slapd's order (assertion checked before the entry is
// looked up), matching rules, supertypes, OIDs and virtual entries.
import t from 'tap';
import { cleanup, startServer, SUFFIX } from '../helpers/server.js';
import { as, people, tool } from './tools.js';

const server = await startServer({ seed: true });
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});
const compare = (dn: string, ava: string, who = 'anonymous') => tool('ldapcompare', [...as(server.url, who), dn, ava]);
const ALICE = people('alice');

t.test('TRUE and FALSE under the equality rule', async (t) => {
  const cases: [string, string, number][] = [
    [ALICE, 'cn:alice smith', 6],
    [ALICE, 'cn:ALICE  SMITH', 6],
    [ALICE, 'cn:bob', 5],
    [ALICE, 'telephoneNumber:+15550100', 6],
    [ALICE, 'mail:ALICE@example.com', 6],
    [ALICE, 'uid:alice', 6],
    [ALICE, 'name:Smith', 6],
    [ALICE, '2.5.4.4:smith', 6],
    [ALICE, 'objectClass:organizationalPerson', 6],
    [ALICE, 'hasSubordinates:FALSE', 6],
    [`ou=people,${SUFFIX}`, 'hasSubordinates:TRUE', 6],
    [`cn=engineering,ou=groups,${SUFFIX}`, 'member:UID=ALICE,OU=PEOPLE,DC=EXAMPLE,DC=COM', 6],
    ['', 'objectClass:top', 6],
    ['cn=Subschema', 'cn:subschema', 6],
    [ALICE, 'structuralObjectClass:person', 6],
    [ALICE, 'structuralObjectClass:organization', 5],
  ];
  for (const [dn, ava, code] of cases) {
    const r = compare(dn, ava);
    t.equal(r.code, code, `${dn} ${ava}`);
    t.equal(r.stdout, code === 6 ? 'TRUE\n' : 'FALSE\n');
  }
  t.equal(tool('ldapcompare', [...as(server.url), '-z', ALICE, 'cn:x']).stdout, '', '-z: quiet');
});

t.test('errors', async (t) => {
  const cases: [string, string, number, string][] = [
    [ALICE, 'description:x', 16, 'Compare Result: No such attribute (16)\nUNDEFINED\n'],
    [ALICE, 'fooBar:x', 17, 'Compare Result: Undefined attribute type (17)\nUNDEFINED\n'],
    [ALICE, 'facsimileTelephoneNumber:x', 18, 'Compare Result: Inappropriate matching (18)\nAdditional info: inappropriate matching request\nUNDEFINED\n'],
    [ALICE, 'createTimestamp:yesterday', 21, 'Compare Result: Invalid syntax (21)\nAdditional info: value does not conform to assertion syntax\nUNDEFINED\n'],
    [`uid=nobody,ou=people,${SUFFIX}`, 'cn:x', 32, 'Compare Result: No such object (32)\nMatched DN: ou=people,dc=example,dc=com\nUNDEFINED\n'],
    // The assertion is checked first, as in slapd.
    [`uid=nobody,ou=people,${SUFFIX}`, 'fooBar:x', 17, 'Compare Result: Undefined attribute type (17)\nUNDEFINED\n'],
    [`uid=nobody,ou=people,${SUFFIX}`, 'facsimileTelephoneNumber:x', 18, 'Compare Result: Inappropriate matching (18)\nAdditional info: inappropriate matching request\nUNDEFINED\n'],
    [ALICE, 'userPassword:secret', 50, 'Compare Result: Insufficient access (50)\nUNDEFINED\n'],
    [ALICE, `entryDN:${ALICE}`, 53, 'Compare Result: Server is unwilling to perform (53)\nAdditional info: entryDN compare not supported\nUNDEFINED\n'],
    [ALICE, 'subschemaSubentry:cn=Subschema', 53, 'Compare Result: Server is unwilling to perform (53)\nAdditional info: subschemaSubentry compare not supported\nUNDEFINED\n'],
    // slapd's root DSE and cn=Subschema, as it compares them, hold neither.
    ['', 'subschemaSubentry:cn=Subschema', 16, 'Compare Result: No such attribute (16)\nUNDEFINED\n'],
    ['cn=Subschema', 'entryDN:cn=Subschema', 16, 'Compare Result: No such attribute (16)\nUNDEFINED\n'],
    // No naming context holds it: 32 before 53.
    ['dc=other,dc=org', 'entryDN:dc=other,dc=org', 32, 'Compare Result: No such object (32)\nUNDEFINED\n'],
    // alice's cn has no language tag: no attribute cn;lang-en to compare.
    [ALICE, 'cn;lang-en:Alice Smith', 16, 'Compare Result: No such attribute (16)\nUNDEFINED\n'],
  ];
  for (const [dn, ava, code, stdout] of cases) {
    const r = compare(dn, ava);
    t.equal(r.code, code, `${dn} ${ava}: exit ${code}`);
    t.equal(r.stdout, stdout);
  }
  t.equal(compare('not a dn', 'cn:x').code, 34);
  t.equal(compare(' ', 'cn:x').code, 34, 'spaces alone are no DN (slapd)');
  // The assertion control is the operation's precondition: before a missing attribute.
  const asserted = tool('ldapcompare', [...as(server.url), '-e', '!assert=(cn=nobody)', ALICE, 'seeAlso:cn=x']);
  t.equal(asserted.stdout, 'Compare Result: Assertion Failed (122)\nUNDEFINED\n');
  t.equal(compare('cn=config', 'cn:config').code, 50, 'cn=config: rootDn only');
  t.equal(compare('cn=config', 'cn:config', 'root').code, 6);
});

t.test('values of spaces alone (side by side with slapd 2.5)', async (t) => {
  // A Directory String may be one space (RFC 4517 1*UTF8); a DN may not.
  t.equal(compare(ALICE, 'cn: ').stdout, 'FALSE\n');
  t.equal(compare(ALICE, 'manager: ').stdout, 'Compare Result: Invalid syntax (21)\nAdditional info: value does not conform to assertion syntax\nUNDEFINED\n');
});

t.test('userPassword: the rootDn compares stored values', async (t) => {
  const stored = tool('ldapsearch', [...as(server.url, 'root'), '-LLL', '-b', ALICE, '-s', 'base', 'userPassword']).stdout;
  const hash = Buffer.from(stored.split('userPassword:: ')[1]!.replace(/\n /g, '').trim(), 'base64').toString();
  t.equal(compare(ALICE, `userPassword:${hash}`, 'root').code, 6);
  // As slapd: compare matches octets; it does not verify passwords (bind does).
  t.equal(compare(ALICE, 'userPassword:secret', 'root').code, 5);
});

t.test("an assertion not of the rule's syntax: compare 21, a filter Undefined (side by side with slapd 2.5)", async (t) => {
  const invalid = { code: 21, stdout: 'Compare Result: Invalid syntax (21)\nAdditional info: value does not conform to assertion syntax\nUNDEFINED\n', stderr: '' };
  for (const ava of ['objectClass:nosuchclass', 'objectClass:2.5.6.999', 'objectClass:person ', 'telephoneNumber:abc_', 'homePhone:abc_', 'entryCSN:x', 'postalAddress:a\\b']) {
    t.same(compare(ALICE, ava), invalid, ava);
  }
  const search = (filter: string) => tool('ldapsearch', [...as(server.url), '-LLL', '-b', ALICE, '-s', 'base', filter, '1.1']).stdout;
  for (const f of ['(objectClass=nosuchclass)', '(objectClass=person )', '(telephoneNumber=abc_)', '(entryCSN=x)', '(entryCSN>=x)']) {
    t.equal(search(`(!${f})`), '', `${f} is Undefined, so is its negation`);
  }
  t.equal(search('(objectClass=person)'), `dn: ${ALICE}\n\n`, 'a class it has, as before');
});
