// Alias dereferencing (RFC 4511 §4.5.1.3) through ldapsearch -a: outputs
// as slapd 2.5 gives them for test/fixtures/ldif/aliases.ldif, except that
// an entry two aliases lead to is sent once (slapd sends it once per alias).
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { cleanup, startServer } from '../helpers/server.js';
import { as, tool } from './tools.js';

const server = await startServer({ seed: fileURLToPath(new URL('../fixtures/ldif/aliases.ldif', import.meta.url)) });
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});
const A = 'ou=a,dc=example,dc=com';
const X = 'cn=x,ou=t,dc=example,dc=com';
const Y = 'cn=y,cn=x,ou=t,dc=example,dc=com';
const T = 'ou=t,dc=example,dc=com';
const search = (deref: string, base: string, scope: string, filter = '(objectClass=*)') =>
  tool('ldapsearch', [...as(server.url, 'root'), '-LLL', '-a', deref, '-b', base, '-s', scope, filter, '1.1']);
const dns = (r: { stdout: string }) => r.stdout.split('\n').filter((l) => l.startsWith('dn: ')).map((l) => l.slice(4));
const ALIASES = ['toT', 'toX', 'loop1', 'loop2', 'toToX', 'dangling'].map((c) => `cn=${c},${A}`);

t.test('never: aliases are entries like others', async (t) => {
  t.same(dns(search('never', `cn=toX,${A}`, 'base')), [`cn=toX,${A}`]);
  t.same(dns(search('never', A, 'one')), ALIASES);
  t.same(dns(search('never', A, 'sub')), [A, ...ALIASES]);
});

t.test('finding: an alias base is replaced by its object, through chains', async (t) => {
  for (const deref of ['find', 'always']) {
    t.same(dns(search(deref, `cn=toX,${A}`, 'base')), [X], deref);
    t.same(dns(search(deref, `cn=toToX,${A}`, 'base')), [X], `${deref}: a chain`);
    t.same(dns(search(deref, `cn=toT,${A}`, 'one')), [X], `${deref}: one level below the object`);
    t.same(dns(search(deref, `cn=toT,${A}`, 'sub', '(cn=y)')), [Y]);
    const dangling = search(deref, `cn=dangling,${A}`, 'base');
    t.same([dangling.code, dangling.stderr], [33, `Alias problem (33)\nMatched DN: cn=dangling,${A}\nAdditional information: aliasedObject not found\n`]);
    const loop = search(deref, `cn=loop1,${A}`, 'base');
    t.same([loop.code, loop.stderr], [33, `Alias problem (33)\nMatched DN: cn=loop1,${A}\nAdditional information: circular alias\n`]);
  }
  t.same(dns(search('find', A, 'one')), ALIASES, 'find does not dereference in searching');
  // A base below an alias is found through it (slapd's back-mdb does the same).
  for (const deref of ['find', 'always']) {
    t.same(dns(search(deref, `cn=y,cn=toX,${A}`, 'base')), [Y], `${deref}: the RDNs below the alias, under its object`);
    t.same(dns(search(deref, `cn=y,cn=toToX,${A}`, 'sub')), [Y], `${deref}: through a chain`);
    t.same(dns(search(deref, `cn=x,cn=toT,${A}`, 'base')), [X], `${deref}: below an alias of ou=t`);
    const missing = search(deref, `cn=nobody,cn=toX,${A}`, 'base');
    t.same([missing.code, missing.stderr], [32, `No such object (32)\nMatched DN: ${X}\n`], `${deref}: missing there, the object is the matched DN`);
    const dangling = search(deref, `cn=y,cn=dangling,${A}`, 'base');
    t.same([dangling.code, dangling.stderr], [33, `Alias problem (33)\nMatched DN: cn=dangling,${A}\nAdditional information: aliasedObject not found\n`]);
  }
  for (const deref of ['never', 'search']) {
    const r = search(deref, `cn=y,cn=toX,${A}`, 'base');
    t.same([r.code, r.stderr], [32, `No such object (32)\nMatched DN: cn=toX,${A}\n`], `${deref}: not followed`);
  }
});

t.test('searching: aliases in scope stand for their objects (and subtrees), each entry once', async (t) => {
  for (const deref of ['search', 'always']) {
    t.same(dns(search(deref, A, 'one')), [T, X], `${deref}: one level (dangling and circular aliases left out)`);
    t.same(dns(search(deref, A, 'sub')), [A, T, X, Y], `${deref}: subtree`);
    t.same(dns(search(deref, A, 'sub', '(sn=*)')), [X, Y], `${deref}: filtered`);
  }
  // Filters the indexes answer (cn eq, objectClass eq): the same entries.
  t.same(dns(search('always', A, 'sub', '(cn=x)')), [X], 'indexed: in an alias\'s subtree');
  t.same(dns(search('always', A, 'sub', '(objectClass=person)')), [X, Y], 'indexed: each once');
  t.same(dns(search('always', A, 'one', '(objectClass=person)')), [X], 'indexed, one level: the objects, not below them');
  t.same(dns(search('always', A, 'sub', '(objectClass=alias)')), [], 'aliases are not results');
  t.same(dns(search('never', A, 'sub', '(cn=x)')), [], 'never: nothing below ou=a is named x');
  t.same(dns(search('search', `cn=toX,${A}`, 'base')), [`cn=toX,${A}`], 'search does not dereference the base');
  t.same(dns(search('search', `cn=toT,${A}`, 'one')), [], 'nor below it');
});

t.test('without an objectClass index: the same answers, and a warning at start', async (t) => {
  const bare = await startServer({ seed: fileURLToPath(new URL('../fixtures/ldif/aliases.ldif', import.meta.url)), indexes: '{ uid: [eq] }' });
  t.teardown(async () => {
    await bare.stop();
    cleanup(bare.dir);
  });
  const r = tool('ldapsearch', [...as(bare.url, 'root'), '-LLL', '-a', 'always', '-b', A, '-s', 'sub', '(sn=*)', '1.1']);
  t.same(dns(r), [X, Y]);
  t.ok(bare.log.some((l) => l.includes('no equality index on objectClass')), 'warned');
  t.notOk(server.log.some((l) => l.includes('no equality index on objectClass')), 'not with one');
});

t.test('a search that dereferences aliases sends its entries in id order, as slapd (not in its tree-walk order)', async (t) => {
  // An alias added last, whose short RDN a tree walk would visit first.
  const add = tool('ldapadd', as(server.url, 'root'), { input: `dn: cn=a,${A}\nobjectClass: alias\nobjectClass: extensibleObject\ncn: a\naliasedObjectName: ${Y}\n` });
  t.equal(add.code, 0, add.stderr);
  t.same(dns(search('search', A, 'one')), [T, X, Y]);
  t.same(dns(search('always', A, 'one')), [T, X, Y]);
  // With no alias in the scope it walks the tree, as without dereferencing (slapd likewise).
  const zero = 'ou=0,dc=example,dc=com';
  t.equal(tool('ldapadd', as(server.url, 'root'), { input: `dn: ${zero}\nobjectClass: organizationalUnit\nou: 0\n` }).code, 0);
  for (const deref of ['search', 'never']) t.same(dns(search(deref, 'dc=example,dc=com', 'one')), [zero, A, T], deref);
});
