// `meshdir repl check` matches entries by DN case-insensitively, but the DN a
// replica serves is data too: two replicas where one holds `uid=CAROL` and
// the other `uid=carol` (a case-only rename that did not reach the other, all
// values equal) are different, and the check must say so and exit 1.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { LdapClient } from '../../src/ldap/client.js';
import { cleanup, meshdir, ROOT_DN, ROOT_PW, startServer, SUFFIX } from '../helpers/server.js';

const a = await startServer({ seed: true, replicaId: 1 });
const exported = meshdir(['export', '--config', a.configFile]);
const tmp = mkdtempSync(join(tmpdir(), 'meshdir-check-case-'));
const ldif = join(tmp, 'a.ldif');
writeFileSync(ldif, exported.stdout);
const b = await startServer({ seed: ldif, replicaId: 2 });
t.teardown(async () => {
  await Promise.all([a.stop(), b.stop()]);
  for (const d of [a.dir, b.dir, tmp]) cleanup(d);
});

t.test('a DN that differs only in case is a difference', async (t) => {
  const c = await LdapClient.connect(a.url);
  t.teardown(() => c.close());
  await c.bind(ROOT_DN, ROOT_PW);
  // deleteoldrdn 0: uid keeps its value `carol` (CAROL is equal to it), only the DN's spelling changes.
  await c.modrdn(`uid=carol,ou=people,${SUFFIX}`, 'uid=CAROL', false);
  const r = meshdir(['repl', 'check', '-D', ROOT_DN, '-w', ROOT_PW, a.url, b.url]);
  t.equal(r.status, 1, r.stdout + r.stderr);
  t.match(r.stdout, /uid=carol,ou=people,dc=example,dc=com: DN differs/i);
  t.match(r.stdout, `    on ${a.url}: uid=CAROL,ou=people,${SUFFIX}\n`);
  t.match(r.stdout, `    on ${b.url}: uid=carol,ou=people,${SUFFIX}\n`);
  t.match(r.stdout, /^1 difference$/m);
});
