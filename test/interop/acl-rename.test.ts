// A rename needs the right to add under the entry's parent, not only write
// on the entry: as slapd needs write on the parent's "children". With write
// on the entry alone, a user that a `self` rule lets write its own entry
// renamed itself to any free DN — that of a writer (access.writers names
// DNs; the entry may be gone, e.g. deleted or renamed on another master) or
// of a `dn:` rule — and had its rights from then on.
import t from 'tap';
import { cleanup, startServer, SUFFIX } from '../helpers/server.js';
import { as, dns, modifyAs, people, tool } from './tools.js';

const groups = `ou=groups,${SUFFIX}`;
const server = await startServer({
  seed: true,
  yaml: `access:
  writers: ["${people('writer')}"]
  rules:
    # self: everyone may write their own entry (all attributes but userPassword)
    - { subtree: "ou=people,${SUFFIX}", who: self, allow: [read, search, compare, write] }
    # dave manages the groups subtree
    - { subtree: "${groups}", who: "dn:${people('dave')}", allow: [read, search, compare, write, add, delete] }
`,
});
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});
const url = server.url;
const modify = (who: string, dn: string, change: string) => modifyAs(url, who, dn, change);

t.test('a user who may write its own entry may not rename itself to a writer\'s free DN', async (t) => {
  t.equal(modify('bob', people('bob'), 'replace: description\ndescription: mine').code, 0, 'the self rule lets bob write his entry');
  t.equal(modify('bob', people('carol'), 'replace: description\ndescription: x').code, 50, 'bob is no writer');
  const r = tool('ldapmodrdn', [...as(url, 'bob'), people('bob'), 'uid=writer']);
  t.equal(r.code, 50, 'the rename is refused');
  t.match(r.stdout + r.stderr, /no write access to parent's children/, 'with slapd\'s text');
  t.same(dns(tool('ldapsearch', [...as(url, 'root'), '-LLL', '-b', SUFFIX, '(|(uid=bob)(uid=writer))', '1.1']).stdout), [people('bob')], 'bob stays bob');
  t.equal(tool('ldapwhoami', as(url, 'writer')).code, 49, 'nobody binds as the writer');
});

t.test('a rename in place is still for those who may add under the parent', async (t) => {
  t.equal(tool('ldapmodrdn', [...as(url, 'dave'), `cn=engineering,${groups}`, 'cn=eng']).code, 0, 'dave, under ou=groups');
  t.equal(tool('ldapmodrdn', [...as(url, 'dave'), `cn=eng,${groups}`, 'cn=engineering']).code, 0);
  t.equal(tool('ldapmodrdn', [...as(url, 'root'), people('bob'), 'uid=bobby']).code, 0, 'the rootDn');
  t.equal(tool('ldapmodrdn', [...as(url, 'root'), people('bobby'), 'uid=bob']).code, 0);
});
