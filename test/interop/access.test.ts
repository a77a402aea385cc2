// Access control through the command-line tools, on a server that refuses
// anonymous reads and names a writer (server file `access:`).
import t from 'tap';
import { cleanup, startServer, SUFFIX } from '../helpers/server.js';
import { as, dns, people, tool } from './tools.js';

const server = await startServer({
  seed: true,
  // A group among the writers makes none of its members a writer: the start says so.
  yaml: `access: { anonymousRead: false, writers: ["${people('alice')}", "cn=engineering,ou=groups,${SUFFIX}"] }`,
});
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});
const url = server.url;

t.test('a group among access.writers is warned about at start', async (t) => {
  const warned = server.log.filter((l) => l.includes('access.writers names a group'));
  t.equal(warned.length, 1, 'one warning');
  t.match(warned[0], /cn=engineering,ou=groups/);
});

t.test('anonymous clients read nothing in the suffix', async (t) => {
  const r = tool('ldapsearch', [...as(url), '-LLL', '-b', SUFFIX, '(uid=bob)', '1.1']);
  t.equal(r.code, 50);
  t.equal(r.stdout, '');
  t.match(r.stderr, /^Insufficient access \(50\)/);
  t.equal(tool('ldapcompare', [...as(url), people('bob'), 'uid:bob']).code, 50);
  t.equal(tool('ldapsearch', [...as(url), '-LLL', '-b', '', '-s', 'base', 'namingContexts']).stdout,
    'dn:\nnamingContexts: dc=example,dc=com\n\n', 'the root DSE stays readable');
  t.equal(tool('ldapwhoami', as(url)).stdout, 'anonymous\n');
});

t.test('bound users read; only the rootDn and writers write', async (t) => {
  t.same(dns(tool('ldapsearch', [...as(url, 'bob'), '-LLL', '-b', SUFFIX, '(uid=carol)', '1.1']).stdout), [people('carol')]);
  const entry = `dn: ${people('zoe')}\nobjectClass: account\nuid: zoe\n`;
  t.equal(tool('ldapadd', as(url, 'bob'), { input: entry }).code, 50, 'bob is not a writer');
  t.equal(tool('ldapadd', as(url, 'alice'), { input: entry }).code, 0, 'alice is');
  const mod = `dn: ${people('zoe')}\nchangetype: modify\nreplace: description\ndescription: added by alice\n`;
  t.equal(tool('ldapmodify', as(url, 'alice'), { input: mod }).code, 0);
  t.equal(tool('ldapmodify', as(url, 'bob'), { input: mod }).code, 50);
  t.equal(tool('ldapmodrdn', [...as(url, 'alice'), people('zoe'), 'uid=zoe2']).code, 0);
  t.equal(tool('ldapdelete', [...as(url, 'bob'), people('zoe2')]).code, 50);
  t.equal(tool('ldapdelete', [...as(url, 'alice'), people('zoe2')]).code, 0);
  t.equal(tool('ldapsearch', [...as(url, 'root'), '-LLL', '-b', 'cn=config', '-s', 'base', '1.1']).code, 0);
  t.equal(tool('ldapsearch', [...as(url, 'alice'), '-LLL', '-b', 'cn=config', '-s', 'base', '1.1']).code, 50, 'writers do not read cn=config');
});
