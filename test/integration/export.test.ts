// `meshdir export` against a running server: entries in the order they were
// added, as slapcat writes them, except that an entry moved below a later
// one follows its parent, so the file always loads again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { LdapClient } from '../../src/ldap/client.js';
import { cleanup, EXAMPLE_LDIF, meshdir, ROOT_DN, ROOT_PW, startServer, SUFFIX } from '../helpers/server.js';

const dns = (ldif: string): string[] => ldif.split('\n').filter((l) => l.startsWith('dn: ')).map((l) => l.slice(4));

t.test('export order: as added, parents first', async (t) => {
  const server = await startServer({ seed: true });
  t.teardown(async () => {
    await server.stop();
    cleanup(server.dir);
  });
  const exportTo = (file: string): string => {
    const r = meshdir(['export', '--config', server.configFile, '-o', file]);
    if (r.status !== 0) throw new Error(`export failed: ${r.stderr}`);
    return readFileSync(file, 'utf8');
  };
  t.same(dns(exportTo(join(server.dir, 'a.ldif'))), dns(readFileSync(EXAMPLE_LDIF, 'utf8')), 'the example LDIF order, as slapcat after slapadd');

  const c = await LdapClient.connect(server.url);
  t.teardown(() => c.close());
  await c.bind(ROOT_DN, ROOT_PW);
  await c.add(`uid=early,ou=people,${SUFFIX}`, { objectClass: 'account', uid: 'early' });
  await c.add(`ou=late,${SUFFIX}`, { objectClass: 'organizationalUnit', ou: 'late' });
  await c.modrdn(`uid=early,ou=people,${SUFFIX}`, 'uid=early', true, `ou=late,${SUFFIX}`);
  const file = join(server.dir, 'b.ldif');
  const order = dns(exportTo(file));
  t.ok(order.indexOf(`ou=late,${SUFFIX}`) < order.indexOf(`uid=early,ou=late,${SUFFIX}`), 'the moved entry comes after its new parent');
  t.equal(order.length, 14);

  const again = await startServer({ seed: file });
  t.teardown(async () => {
    await again.stop();
    cleanup(again.dir);
  });
  const c2 = await LdapClient.connect(again.url);
  t.teardown(() => c2.close());
  const all = await c2.search(SUFFIX, '(objectClass=*)', { attributes: ['1.1'] });
  t.equal(all.entries.length, 14, 'the export loads into a new server, every entry');
});

t.test('an output that cannot be written is one line, not a stack trace', async (t) => {
  const server = await startServer({ seed: true });
  t.teardown(async () => {
    await server.stop();
    cleanup(server.dir);
  });
  for (const out of [join(server.dir, 'no', 'such', 'dir.ldif'), '/dev/full']) {
    const r = meshdir(['export', '--config', server.configFile, '-o', out]);
    t.equal(r.status, 1, out);
    t.match(r.stderr, new RegExp(`^meshdir: cannot write ${out.replace(/[/.]/g, '\\$&')}: (ENOENT|ENOSPC)`), `${out}: says what and why`);
    t.equal(r.stderr.trim().split('\n').length, 1, `${out}: one line`);
  }
});
