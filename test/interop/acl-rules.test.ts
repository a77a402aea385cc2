// Access rules (server file `access.rules`), one kind of rule at a time,
// checked through the real ldap-utils against a running server.
import t from 'tap';
import { cleanup, startServer, SUFFIX } from '../helpers/server.js';
import { as, dns, modifyAs, people, tool } from './tools.js';

const groups = `ou=groups,${SUFFIX}`;
const server = await startServer({
  seed: true,
  yaml: `access:
  rules:
    # self: everyone may change their own telephoneNumber
    - { subtree: "ou=people,${SUFFIX}", attrs: [telephoneNumber], who: self, allow: [read, search, compare, write] }
    # a group: engineering members may write the mail of anyone in people
    - { subtree: "ou=people,${SUFFIX}", attrs: [mail], who: "group:cn=engineering,${groups}", allow: [read, search, compare, write] }
    # a DN: dave manages the groups subtree (add, delete, write)
    - { subtree: "${groups}", who: "dn:${people('dave')}", allow: [read, search, compare, write, add, delete] }
    # filter + attrs: employeeNumber of Sales people is hidden from everyone but themselves
    - { filter: "(ou=Sales)", attrs: [employeeNumber], who: self, allow: [read, search, compare] }
    - { filter: "(ou=Sales)", attrs: [employeeNumber], who: any, deny: [read, search, compare] }
    # anonymous: may not see telephone numbers at all
    - { attrs: [telephoneNumber], who: anonymous, deny: [read, search, compare] }
    # authenticated: may read telephone numbers
    - { attrs: [telephoneNumber], who: authenticated, allow: [read, search, compare] }
`,
});
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});
const url = server.url;
const modify = (who: string, dn: string, change: string) => modifyAs(url, who, dn, change);

t.test('self: a user writes its own telephoneNumber, not another user\'s', async (t) => {
  t.equal(modify('bob', people('bob'), 'replace: telephoneNumber\ntelephoneNumber: +1 555 9999').code, 0);
  t.equal(modify('bob', people('carol'), 'replace: telephoneNumber\ntelephoneNumber: +1 555 9999').code, 50);
  t.equal(modify('bob', people('bob'), 'replace: description\ndescription: x').code, 50, 'no rule: default deny for writes');
});

t.test('group: engineering members write mail, others do not', async (t) => {
  t.equal(modify('alice', people('carol'), 'replace: mail\nmail: carol2@example.com').code, 0, 'alice is in engineering');
  t.equal(modify('carol', people('alice'), 'replace: mail\nmail: alice2@example.com').code, 50, 'carol is not');
  // A membership change counts from the next operation on (the members were once cached for a second).
  t.equal(modify('root', `cn=engineering,${groups}`, `add: member\nmember: ${people('carol')}`).code, 0);
  t.equal(modify('carol', people('alice'), 'replace: mail\nmail: alice2@example.com').code, 0, 'carol, just added, may');
  t.equal(modify('root', `cn=engineering,${groups}`, `delete: member\nmember: ${people('carol')}`).code, 0);
  t.equal(modify('carol', people('alice'), 'replace: mail\nmail: alice3@example.com').code, 50, 'carol, just removed, may not');
});

t.test('dn: dave adds and deletes under ou=groups only', async (t) => {
  const group = `dn: cn=sales,${groups}\nobjectClass: groupOfNames\ncn: sales\nmember: ${people('carol')}\n`;
  t.equal(tool('ldapadd', as(url, 'dave'), { input: group }).code, 0);
  t.equal(tool('ldapdelete', [...as(url, 'dave'), `cn=sales,${groups}`]).code, 0);
  t.equal(tool('ldapadd', as(url, 'dave'), { input: `dn: uid=x,ou=people,${SUFFIX}\nobjectClass: account\nuid: x\n` }).code, 50, 'not elsewhere');
});

t.test('filter + attrs: employeeNumber of Sales people is hidden, except from themselves', async (t) => {
  const read = (who: string, uid: string) => tool('ldapsearch', [...as(url, who), '-LLL', '-b', people(uid), '-s', 'base', 'employeeNumber']).stdout;
  t.notMatch(read('bob', 'carol'), /employeeNumber/, 'carol is in Sales: hidden from bob');
  t.match(read('carol', 'carol'), /employeeNumber: 1002/, 'but carol sees her own');
  t.match(read('bob', 'alice'), /employeeNumber: 1000/, 'alice is in Engineering: visible');
  t.equal(tool('ldapcompare', [...as(url, 'bob'), people('carol'), 'employeeNumber:1002']).code, 50, 'compare is refused too');
});

t.test('anonymous vs authenticated', async (t) => {
  t.notMatch(tool('ldapsearch', [...as(url), '-LLL', '-b', people('alice'), '-s', 'base', 'telephoneNumber']).stdout, /telephoneNumber/);
  t.match(tool('ldapsearch', [...as(url, 'bob'), '-LLL', '-b', people('alice'), '-s', 'base', 'telephoneNumber']).stdout, /telephoneNumber:/);
  t.same(dns(tool('ldapsearch', [...as(url), '-LLL', '-b', SUFFIX, '(uid=alice)', '1.1']).stdout), [people('alice')], 'entries stay readable');
});

t.test('a Replication Manager may only replicate', async (t) => {
  t.equal(tool('ldapadd', as(url, 'root'), { input: 'dn: cn=replication manager,cn=config\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\ncn: replication manager\nuserPassword: rm\n' }).code, 0);
  // Not listed in replication.managers here: a cn=config identity all the
  // same, which may neither write nor read the suffix (one taken out of the
  // list must not gain a user's read access by it).
  const rm = ['-x', '-H', url, '-D', 'cn=replication manager,cn=config', '-w', 'rm'];
  t.equal(tool('ldapwhoami', rm).code, 0, 'it can bind');
  t.equal(tool('ldapadd', rm, { input: `dn: uid=y,ou=people,${SUFFIX}\nobjectClass: account\nuid: y\n` }).code, 50);
  const search = tool('ldapsearch', [...rm, '-LLL', '-b', people('alice'), '-s', 'base', 'cn']);
  t.equal(search.code, 50, 'reading the suffix is refused');
  t.notMatch(search.stdout, /cn:/);
  t.equal(tool('ldapsearch', [...rm, '-LLL', '-b', '', '-s', 'base', 'namingContexts']).code, 0, 'the root DSE stays readable');
});

t.test('the rootDn is never restricted', async (t) => {
  t.match(tool('ldapsearch', [...as(url, 'root'), '-LLL', '-b', people('carol'), '-s', 'base', 'employeeNumber']).stdout, /employeeNumber: 1002/);
});

t.test('a broken rule is refused with the file and field', async (t) => {
  const bad = await startServer({ yaml: 'access:\n  rules:\n    - { who: "nobody-special", allow: [read] }\n' }).then(
    (s) => s,
    (e: Error) => e,
  );
  t.ok(bad instanceof Error, 'the server refuses to start');
  t.match((bad as Error).message, /server\.yaml: access\.rules\[0\]\.who: "nobody-special" is not/);
});
