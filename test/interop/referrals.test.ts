// Referral objects (RFC 3296) and ManageDsaIT through ldap-utils: every
// expected output below is what slapd 2.5 (back-mdb) printed for the same
// command on the same entries (test/fixtures/ldif/referrals.ldif), as in
// OpenLDAP's test016-subref.
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { cleanup, startServer } from '../helpers/server.js';
import { as, dns, tool } from './tools.js';

const server = await startServer({ seed: fileURLToPath(new URL('../fixtures/ldif/referrals.ldif', import.meta.url)) });
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});
const B = 'dc=example,dc=com';
const EAST = `ou=east,${B}`;
const WEST = `ou=west,${B}`;
const root = as(server.url, 'root');
const search = (...args: string[]) => tool('ldapsearch', [...root, '-LLL', ...args]);
const EAST_REFS = ['ldap://east.example.com/ou=East,dc=Example,dc=com', 'ldap://backup.example.com'];

t.test('a search meets referral objects in its scope as continuation references, whatever the filter', async (t) => {
  const one = tool('ldapsearch', [...root, '-b', B, '-s', 'one', '(objectClass=*)', '1.1']);
  t.equal(one.code, 0);
  t.match(one.stdout, [
    '# search reference',
    'ref: ldap://east.example.com/ou=East,dc=Example,dc=com??base',
    'ref: ldap://backup.example.com/ou=east,dc=example,dc=com??base',
    '',
    '# search reference',
    'ref: ldap://west.example.com:3389/o=West%20Corp,c=US??base',
  ].join('\n'));
  t.match(one.stdout, '# numEntries: 1\n# numReferences: 2');
  // (uid=alice) is answered by the uid index: the references still come.
  for (const filter of ['(uid=alice)', '(cn=alice)']) {
    const sub = search('-b', B, '-s', 'sub', filter, '1.1');
    t.equal(sub.stdout, [
      `dn: uid=alice,ou=people,${B}`,
      '',
      '# refldap://east.example.com/ou=East,dc=Example,dc=com??sub',
      '# refldap://backup.example.com/ou=east,dc=example,dc=com??sub',
      '',
      '# refldap://west.example.com:3389/o=West%20Corp,c=US??sub',
      '',
      '',
    ].join('\n'), filter);
  }
});

t.test('a base at or below a referral object refers the client, the URLs rewritten for it', async (t) => {
  const base = search('-b', EAST, '-s', 'base');
  t.same([base.code, base.stderr], [10, [
    'Referral (10)',
    `Matched DN: ${EAST}`,
    'Referral: ldap://east.example.com/ou=East,dc=Example,dc=com??base',
    'Referral: ldap://backup.example.com/ou=east,dc=example,dc=com??base',
    '',
  ].join('\n')]);
  const below = search('-b', 'uid=x, ou=East,dc=example,dc=com', '-s', 'sub');
  t.same([below.code, below.stderr], [10, [
    'Referral (10)',
    `Matched DN: ${EAST}`,
    'Referral: ldap://east.example.com/uid=x,ou=East,dc=Example,dc=com??sub',
    'Referral: ldap://backup.example.com/uid=x,ou=East,dc=example,dc=com??sub',
    '',
  ].join('\n')]);
  // A children search names its scope `subordinate` (slapd, via libldap's URL writer).
  const children = search('-b', 'uid=x, ou=East,dc=example,dc=com', '-s', 'children');
  t.same([children.code, children.stderr.split('\n')[2]], [10, 'Referral: ldap://east.example.com/uid=x,ou=East,dc=Example,dc=com??subordinate']);
  // Below one, ManageDsaIT does not help: there is no entry to manage.
  for (const m of [[], ['-M']]) {
    const w = search(...m, '-b', `uid=x,${WEST}`, '-s', 'one');
    t.same([w.code, w.stderr], [10, `Referral (10)\nMatched DN: ${WEST}\nReferral: ldap://west.example.com:3389/uid=x,o=West%20Corp,c=US??one\n`], m.join(''));
  }
});

t.test('domainScope: no references, and noSuchObject instead of a referral', async (t) => {
  t.equal(search('-E', 'domainScope', '-b', B, '(|(ou=east)(uid=alice))', '1.1').stdout, `dn: uid=alice,ou=people,${B}\n\n`);
  const below = search('-E', 'domainScope', '-b', `uid=x,${EAST}`, '1.1');
  t.same([below.code, below.stderr], [32, `No such object (32)\nMatched DN: ${EAST}\n`]);
});

t.test('with ManageDsaIT a referral object is an ordinary entry', async (t) => {
  const all = search('-M', '-b', B, '(objectClass=referral)', '*', 'ref');
  t.equal(all.stdout, [
    `dn: ${EAST}`, 'objectClass: referral', 'objectClass: extensibleObject', 'ou: east',
    'ref: ldap://east.example.com/ou=East,dc=Example,dc=com East office', 'ref: ldap://backup.example.com', '',
    `dn: ${WEST}`, 'objectClass: referral', 'objectClass: extensibleObject', 'ou: west',
    'ref: ldap://west.example.com:3389/o=West%20Corp,c=US', '', '',
  ].join('\n'));
  t.same(dns(search('-MM', '-b', EAST, '-s', 'base', '1.1').stdout), [EAST]);
  // `ref` is operational: not in `*`, first in `+` (given with the entry, before what the server adds).
  t.notMatch(search('-M', '-b', EAST, '-s', 'base').stdout, 'ref:');
  t.match(search('-M', '-b', EAST, '-s', 'base', '+').stdout, `dn: ${EAST}\nref: ldap://east.example.com/ou=East,dc=Example,dc=com East office\nref: ldap://backup.example.com\nstructuralObjectClass: referral\n`);
  const cmp = tool('ldapcompare', [...root, '-M', EAST, 'ou:east']);
  t.same([cmp.code, cmp.stdout], [6, 'TRUE\n']);
});

t.test('updates and compares: the object\'s own URLs on it, rewritten below it', async (t) => {
  const cmp = tool('ldapcompare', [...root, EAST, 'ou:east']);
  t.same([cmp.code, cmp.stdout], [10, [
    'Compare Result: Referral (10)', `Matched DN: ${EAST}`, ...EAST_REFS.map((r) => `Referral: ${r}`), 'UNDEFINED', '',
  ].join('\n')]);
  const mod = tool('ldapmodify', root, { input: `dn: ${EAST}\nchangetype: modify\nreplace: description\ndescription: x\n` });
  t.same([mod.code, mod.stderr], [10, `ldap_modify: Referral (10)\n\tmatched DN: ${EAST}\n\treferrals:\n${EAST_REFS.map((r) => `\t\t${r}\n`).join('')}`]);
  const add = tool('ldapmodify', root, { input: `dn: uid=bob,${EAST}\nchangetype: add\nobjectClass: account\nuid: bob\n` });
  t.same([add.code, add.stderr], [10, [
    'ldap_add: Referral (10)', `\tmatched DN: ${EAST}`, '\treferrals:',
    '\t\tldap://east.example.com/uid=bob,ou=East,dc=Example,dc=com', `\t\tldap://backup.example.com/uid=bob,${EAST}`, '',
  ].join('\n')]);
  const del = tool('ldapdelete', [...root, `uid=y,${WEST}`]);
  t.same([del.code, del.stderr], [10, `ldap_delete: Referral (10)\n\tmatched DN: ${WEST}\n\treferrals:\n\t\tldap://west.example.com:3389/uid=y,o=West%20Corp,c=US\n`]);
  const ren = tool('ldapmodrdn', [...root, WEST, 'ou=north']);
  t.same([ren.code, ren.stdout + ren.stderr], [10, `Rename Result: Referral (10)\nMatched DN: ${WEST}\nReferral: ldap://west.example.com:3389/o=West%20Corp,c=US\n`]);
  // With ManageDsaIT the write goes to the object itself.
  const managed = tool('ldapmodify', [...root, '-M'], { input: `dn: ${EAST}\nchangetype: modify\nreplace: description\ndescription: x\n` });
  t.equal(managed.code, 0, managed.stderr);
  t.match(search('-M', '-b', EAST, '-s', 'base', 'description').stdout, 'description: x');
  // Once it is no referral object, it is an entry like any other.
  const plain = tool('ldapmodify', [...root, '-M'], { input: `dn: ${WEST}\nchangetype: delete\n` });
  t.equal(plain.code, 0, plain.stderr);
  t.same(dns(search('-b', B, '-s', 'one', '1.1').stdout), [`ou=people,${B}`], 'one reference left, not an entry');
});

t.test("the default referral (slapd's `referral` directive): DNs outside the suffix", async (t) => {
  const other = await startServer({ yaml: 'referral: [ldap://root.example.com]' });
  t.teardown(async () => {
    await other.stop();
    cleanup(other.dir);
  });
  const r = as(other.url, 'root');
  const s = tool('ldapsearch', [...r, '-b', 'o=Other Org,c=US', '-s', 'one', '(cn=x)']);
  t.same([s.code, s.stdout.slice(s.stdout.indexOf('# search result'))], [10, '# search result\nsearch: 2\nresult: 10 Referral\nref: ldap://root.example.com/o=Other%20Org,c=US??one\n\n# numResponses: 1\n']);
  const m = tool('ldapmodify', r, { input: 'dn: cn=x,o=other\nchangetype: modify\nreplace: description\ndescription: x\n' });
  t.same([m.code, m.stderr], [10, 'ldap_modify: Referral (10)\n\treferrals:\n\t\tldap://root.example.com/cn=x,o=other\n']);
  const c = tool('ldapcompare', [...r, 'cn=x, o=other', 'cn:x']);
  t.same([c.code, c.stdout], [10, 'Compare Result: Referral (10)\nReferral: ldap://root.example.com/cn=x,o=other\nUNDEFINED\n']);
  t.equal(tool('ldapsearch', [...r, '-LLL', '-b', 'cn=Subschema', '-s', 'base', '1.1']).stdout, 'dn: cn=Subschema\n\n', 'what the server answers itself is not referred');
  // Without the key: 32 and 53, as before.
  t.equal(tool('ldapsearch', [...as(server.url, 'root'), '-b', 'o=other', '1.1']).code, 32);
  t.equal(tool('ldapmodify', as(server.url, 'root'), { input: 'dn: cn=x,o=other\nchangetype: delete\n' }).code, 53);
});
