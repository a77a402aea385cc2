// `meshdir repl check` must be able to say "different": two servers with the
// same entries (one imported from the other's export) compare identical, and
// after a value and an entry change on one side only, the check exits 1 and
// names the entry, the attribute, the value and the replicas that hold it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { LdapClient } from '../../src/ldap/client.js';
import { cleanup, meshdir, ROOT_DN, ROOT_PW, startServer, SUFFIX } from '../helpers/server.js';

const a = await startServer({ seed: true, replicaId: 1 });
const exported = meshdir(['export', '--config', a.configFile]);
const tmp = mkdtempSync(join(tmpdir(), 'meshdir-check-'));
const ldif = join(tmp, 'a.ldif');
writeFileSync(ldif, exported.stdout);
const b = await startServer({ seed: ldif, replicaId: 2 });
t.teardown(async () => {
  await Promise.all([a.stop(), b.stop()]);
  for (const d of [a.dir, b.dir, tmp]) cleanup(d);
});
const check = () => meshdir(['repl', 'check', '-D', ROOT_DN, '-w', ROOT_PW, a.url, b.url]);

t.test('the same entries compare identical', async (t) => {
  t.equal(exported.status, 0, exported.stderr);
  const r = check();
  t.equal(r.status, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^identical: \d+ entries on 2 replicas$/m);
});

// Entries are matched case-insensitively, but the DN a replica serves is
// data too: `uid=CAROL` on one side and `uid=carol` on the other (a
// case-only rename that did not reach the other, all values equal).
t.test('a DN that differs only in case is a difference', async (t) => {
  const c = await LdapClient.connect(a.url);
  t.teardown(() => c.close());
  await c.bind(ROOT_DN, ROOT_PW);
  // deleteoldrdn 0: uid keeps its value `carol` (CAROL is equal to it), only the DN's spelling changes.
  await c.modrdn(`uid=carol,ou=people,${SUFFIX}`, 'uid=CAROL', false);
  const r = check();
  t.equal(r.status, 1, r.stdout + r.stderr);
  t.match(r.stdout, /uid=carol,ou=people,dc=example,dc=com: DN differs/i);
  t.match(r.stdout, `    on ${a.url}: uid=CAROL,ou=people,${SUFFIX}\n`);
  t.match(r.stdout, `    on ${b.url}: uid=carol,ou=people,${SUFFIX}\n`);
  t.match(r.stdout, /^1 difference$/m);
  // Spelled as before for the tests below.
  await c.modrdn(`uid=CAROL,ou=people,${SUFFIX}`, 'uid=carol', false);
  t.equal(check().status, 0, 'identical again');
});

t.test('a value and an entry on one side only are reported', async (t) => {
  const c = await LdapClient.connect(a.url);
  t.teardown(() => c.close());
  await c.bind(ROOT_DN, ROOT_PW);
  await c.modify(`uid=alice,ou=people,${SUFFIX}`, [{ op: 'add', attr: 'mail', values: ['second@example.com'] }]);
  await c.del(`uid=bob,ou=people,${SUFFIX}`);
  const r = check();
  t.equal(r.status, 1, 'exit 1 when different');
  t.match(r.stdout, `uid=alice,ou=people,${SUFFIX}: mail differs`);
  // Only the value that differs, not alice's whole mail list.
  t.match(r.stdout, `    only on ${a.url}: second@example.com\n`);
  t.notMatch(r.stdout, /only on .*alice@example\.com/);
  t.match(r.stdout, `uid=bob,ou=people,${SUFFIX}: missing on ${a.url}`);
  t.match(r.stdout, /^\d+ differences$/m);
});

t.test('replicas that cannot be compared: exit 2 and the reason, naming the URL', async (t) => {
  const bad = meshdir(['repl', 'check', '-D', ROOT_DN, '-w', 'wrong', a.url, b.url]);
  t.same([bad.status, bad.stdout], [2, '']);
  t.match(bad.stderr, `meshdir: ${a.url}: bind as ${ROOT_DN} failed: `);
  const down = meshdir(['repl', 'check', a.url, 'ldap://127.0.0.1:1']);
  t.equal(down.status, 2, down.stderr);
  t.match(down.stderr, /^meshdir: .*ldap:\/\/127\.0\.0\.1:1/);
  const typo = meshdir(['repl', 'check', a.url, 'ldap://[::1']);
  t.same([typo.status, typo.stderr], [2, 'meshdir: ldap://[::1: not an LDAP URL (ldap://host:port or ldaps://host:port)\n'], 'a URL that does not parse is named');
});

t.test('a DN in the URLs names the subtree to compare, as ldapsearch -H reads it', async (t) => {
  // After the test above: ou=groups is the same on both, ou=people is not.
  const groups = `ou=groups,${SUFFIX}`;
  const at = (url: string, dn: string) => `${url}/${encodeURIComponent(dn)}`;
  const same = meshdir(['repl', 'check', '-D', ROOT_DN, '-w', ROOT_PW, at(a.url, groups), at(b.url, groups)]);
  t.equal(same.status, 0, same.stdout + same.stderr);
  t.match(same.stdout, /^identical: \d+ entries on 2 replicas$/m);
  const people = meshdir(['repl', 'check', '-D', ROOT_DN, '-w', ROOT_PW, at(a.url, `ou=people,${SUFFIX}`), b.url]);
  t.equal(people.status, 1, 'ou=people differs');
  const two = meshdir(['repl', 'check', '-D', ROOT_DN, '-w', ROOT_PW, at(a.url, groups), at(b.url, `ou=people,${SUFFIX}`)]);
  t.same([two.status, /name different subtrees/.test(two.stderr)], [2, true], 'two different subtrees: not compared');
});

t.test('a subtree one replica lacks is a difference (exit 1), named once; one no replica has is an error naming it', async (t) => {
  const c = await LdapClient.connect(a.url);
  t.teardown(() => c.close());
  await c.bind(ROOT_DN, ROOT_PW);
  const only = `ou=only-a,${SUFFIX}`;
  await c.add(only, { objectClass: ['organizationalUnit'], ou: 'only-a' });
  await c.add(`ou=inner,${only}`, { objectClass: ['organizationalUnit'], ou: 'inner' });
  const r = meshdir(['repl', 'check', '-D', ROOT_DN, '-w', ROOT_PW, '-b', only, a.url, b.url]);
  t.equal(r.status, 1, r.stdout + r.stderr);
  t.match(r.stdout, `${only}: the subtree is missing on ${b.url}\n`);
  t.notMatch(r.stdout, /missing on .*\n[\s\S]*missing on/, 'not once per entry again');
  t.match(r.stdout, /^1 difference$/m);
  const none = meshdir(['repl', 'check', '-D', ROOT_DN, '-w', ROOT_PW, '-b', `ou=nowhere,${SUFFIX}`, a.url, b.url]);
  t.same([none.status, none.stdout], [2, '']);
  t.equal(none.stderr, `meshdir: ou=nowhere,${SUFFIX}: no such entry on any of the replicas\n`);
});
