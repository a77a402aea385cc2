// `meshdir import` ends with a compacted rewrite and `meshdir compact` does
// it on demand: same data, smaller file, a server on it takes writes, and a
// SIGKILL at any moment of the rewrite leaves the database as it was.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { LdapClient } from '../../src/ldap/client.js';
import { BIN, cleanup, launch, meshdir, nodeCommand, ROOT_DN, ROOT_PW, SUFFIX, writeServerFile } from '../helpers/server.js';

/** Entries whose adds, in LDIF order, interleave with each other's pages. */
function ldif(n: number): string {
  const out = [`dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n`, `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`];
  for (let i = 0; i < n; i++) {
    out.push(`dn: uid=u${i},ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\nuid: u${i}\ncn: User ${i}\nsn: S${i}\nmail: u${i}@example.com\ndescription: ${'d'.repeat(100 + (i % 5) * 200)}\n`);
  }
  return out.join('\n');
}

function setup(t: Test): { dir: string; config: string; data: string } {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-compact-'));
  t.teardown(() => cleanup(dir));
  const config = writeServerFile(dir, {});
  writeFileSync(join(dir, 'data.ldif'), ldif(3000));
  return { dir, config, data: join(dir, 'data', 'data.mdb') };
}

/** The whole export (to a file: spawnSync keeps only 1 MiB of stdout). */
const exportOf = (config: string): string => {
  const file = `${config}.export.ldif`;
  const r = meshdir(['export', '--config', config, '-o', file]);
  if (r.status !== 0) throw new Error(`export failed: ${r.stderr}`);
  if ((statSync(file).mode & 0o777) !== 0o600) throw new Error(`export file mode ${(statSync(file).mode & 0o777).toString(8)}, not 600 (it holds password hashes)`);
  const text = readFileSync(file, 'utf8');
  if ((text.match(/^dn: /gm) ?? []).length !== 3002) throw new Error(`export has ${(text.match(/^dn: /gm) ?? []).length} entries, not 3002`);
  return text;
};

t.test('import compacts; meshdir compact keeps every entry and the server takes writes after it', async (t) => {
  const { dir, config, data } = setup(t);
  const imp = meshdir(['import', '--config', config, '--no-progress', '--no-compact', join(dir, 'data.ldif')]);
  t.equal(imp.status, 0, imp.stderr);
  t.notMatch(imp.stderr, /compacted/, '--no-compact: not rewritten');
  const before = exportOf(config);
  const size = statSync(data).size;
  const c = meshdir(['compact', '--config', config]);
  t.equal(c.status, 0, c.stderr);
  t.match(c.stderr, /compacted .*: \d+ MiB → \d+ MiB in [\d.]+ s/);
  t.ok(statSync(data).size < size, `data.mdb ${size} → ${statSync(data).size} bytes`);
  t.equal(exportOf(config), before, 'export identical after the rewrite');

  const s = await launch(dir, config);
  t.teardown(() => s.stop());
  const client = await LdapClient.connect(s.url);
  t.teardown(() => client.close());
  await client.bind(ROOT_DN, ROOT_PW);
  for (let i = 0; i < 50; i++) await client.modify(`uid=u${i},ou=people,${SUFFIX}`, [{ op: 'replace', attr: 'sn', values: [`new${i}`] }]);
  const r = await client.search(`ou=people,${SUFFIX}`, '(sn=new49)', { scope: 2, attributes: ['uid'] });
  t.same(r.entries.map((e) => e.dn), [`uid=u49,ou=people,${SUFFIX}`], 'a modify after the rewrite is found through the index');

  const dir2 = mkdtempSync(join(tmpdir(), 'meshdir-compact-'));
  t.teardown(() => cleanup(dir2));
  const config2 = writeServerFile(dir2, {});
  const imp2 = meshdir(['import', '--config', config2, '--no-progress', join(dir, 'data.ldif')]);
  t.equal(imp2.status, 0, imp2.stderr);
  t.match(imp2.stderr, /imported 3002 entries .*\ncompacted the database: \d+ MiB → \d+ MiB/, 'import rewrites by default');
  t.ok(statSync(join(dir2, 'data', 'data.mdb')).size < size, 'smaller than the import left it');
});

t.test('SIGKILL during meshdir compact leaves the database as it was', async (t) => {
  const { dir, config } = setup(t);
  t.equal(meshdir(['import', '--config', config, '--no-progress', '--no-compact', join(dir, 'data.ldif')]).status, 0);
  const before = exportOf(config);
  // Killed once the copy has reached so many bytes (0: as soon as it exists),
  // as parts of the file it copies (the copy ends up ~3/4 of its size).
  const source = statSync(join(dir, 'data', 'data.mdb')).size;
  const points = [0, 0.1, 0.25, 0.4, 0.6].map((f) => Math.round(f * source));
  const partial = join(dir, 'data', '.compact', 'data.mdb');
  let partialCopies = 0;
  for (const at of points) {
    const child = spawn(...nodeCommand([BIN, 'compact', '--config', config]), { stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<[number | null, string | null]>((r) => child.on('exit', (c, s) => r([c, s])));
    const poll = setInterval(() => {
      // The copy may be renamed into place between any two calls: no throw if it is gone.
      if ((statSync(partial, { throwIfNoEntry: false })?.size ?? -1) >= at) {
        clearInterval(poll);
        child.kill('SIGKILL');
      }
    }, 2);
    const [code, signal] = await exited;
    clearInterval(poll);
    if (signal === 'SIGKILL') partialCopies++;
    else t.equal(code, 0, `finished before its copy reached ${at} bytes`);
    t.equal(exportOf(config), before, `after a kill with ${at} bytes copied (${signal ?? 'exit ' + code}): every entry, unchanged`);
  }
  t.ok(partialCopies >= 3, `${partialCopies} of ${points.length} runs were killed with a partial copy on disk`);
  t.equal(meshdir(['compact', '--config', config]).status, 0, 'compact after the kills succeeds');
  t.equal(exportOf(config), before, 'and keeps every entry');
});
