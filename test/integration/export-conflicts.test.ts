// README: `meshdir export` writes a file that "always loads again" — also
// when the database holds replication conflict entries (DESIGN.md: the
// later of two adds of one DN shown as entryUUID=<uuid>+<rdn>, a merge the
// schema refuses kept and marked). `meshdir import` refused both (64
// "naming attribute 'entryUUID' is operational", 65), so an export of a
// master with a conflict could not be loaded anywhere.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Mesh, eventually } from '../helpers/mesh.js';
import { cleanup, launch, meshdir, SUFFIX, writeServerFile } from '../helpers/server.js';

/** Entry blocks of an LDIF, by DN, without the lines an import renews (entryCSN). */
const blocks = (ldif: string): Map<string, string> =>
  new Map(ldif.replace(/\n /g, '').split('\n\n').filter((b) => b.startsWith('dn: ')).map((b) => [b.split('\n')[0]!, b.split('\n').filter((l) => !l.startsWith('entryCSN: ')).join('\n')]));

t.test('an export holding naming and schema conflict entries loads again, as the same conflicts', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master', m2: 'master' }, seed: 'm1' });
  t.teardown(() => mesh.stop());
  mesh.fullMesh(['m1', 'm2']);
  const m1 = await mesh.client('m1');
  const m2 = await mesh.client('m2');
  t.teardown(() => (m1.close(), m2.close()));
  await m1.add(`cn=counted,ou=people,${SUFFIX}`, { objectClass: ['person', 'meshdirCounters'], cn: 'counted', sn: 'c' });
  await eventually(async () => (await mesh.count('m2')) === 13, 20_000, 'm2 in sync');
  for (const [from, to] of [['m1', 'm2'], ['m2', 'm1']] as const) mesh.agree(from, to, { enabled: false });
  await eventually(async () => (await mesh.agreement('m1', 'to-m2'))?.state?.[0] === 'disabled' && (await mesh.agreement('m2', 'to-m1'))?.state?.[0] === 'disabled', 10_000, 'both disabled');
  // Two adds of one DN; and a value whose class the other master takes away.
  await m1.add(`uid=twice,ou=people,${SUFFIX}`, { objectClass: 'inetOrgPerson', uid: 'twice', cn: 'on m1', sn: 't' });
  await m2.add(`uid=twice,ou=people,${SUFFIX}`, { objectClass: 'inetOrgPerson', uid: 'twice', cn: 'on m2', sn: 't' });
  await m1.modify(`cn=counted,ou=people,${SUFFIX}`, [{ op: 'add', attr: 'loginCount', values: '3' }]);
  await m2.modify(`cn=counted,ou=people,${SUFFIX}`, [{ op: 'delete', attr: 'objectClass', values: 'meshdirCounters' }]);
  mesh.fullMesh(['m1', 'm2']);
  await eventually(() => mesh.check(['m1', 'm2']).ok, 20_000, 'm1 and m2 identical');
  const conflicts = await mesh.entries('m2', { filter: '(meshdirConflict=*)' });
  t.equal(conflicts.size, 2, `two conflict entries: ${[...conflicts.keys()].join('; ')}`);

  // m2 added its `twice` first (the loser, with the greater CSN): its export lists the conflict entry first.
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-export-conflicts-'));
  t.teardown(() => cleanup(dir));
  const file = join(dir, 'm2.ldif');
  const exported = meshdir(['export', '--config', mesh.node('m2').server.configFile, '-o', file]);
  t.equal(exported.status, 0, exported.stderr);
  const config = writeServerFile(dir, { replicaId: 7 });
  const imported = meshdir(['import', '--config', config, '--no-progress', file]);
  t.equal(imported.status, 0, `the export loads again: ${imported.stderr.trim()}`);
  t.match(imported.stderr, /imported 15 entries/);
  const again = join(dir, 'again.ldif');
  t.equal(meshdir(['export', '--config', config, '-o', again]).status, 0);
  const before = blocks(readFileSync(file, 'utf8'));
  const after = blocks(readFileSync(again, 'utf8'));
  t.same([...after.keys()].sort(), [...before.keys()].sort(), 'the same DNs: the conflict entry under its entryUUID=…+uid=twice name, the winner under uid=twice');
  for (const [dn, block] of before) t.equal(after.get(dn), block, `${dn}: the same attributes (meshdirConflict included)`);
  const listed = meshdir(['conflicts', '--config', config, '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
  t.same(listed.map((c) => c.kind).sort(), ['naming', 'schema'], 'the conflict log of the new database names both');
  // The table an administrator reads: one block per conflict, then the count.
  const text = meshdir(['conflicts', '--config', config]);
  t.equal(text.status, 0, text.stderr);
  t.match(text.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ {2}naming {8}entryUUID=[0-9a-f-]+\+uid=twice,/m, 'the naming conflict, under its conflict DN');
  t.match(text.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ {2}schema {8}/m, 'the schema conflict');
  t.equal(text.stdout.trim().split('\n').pop(), '2 conflicts');

  // The log keeps a record for replication.conflictLog.maxAge (30 days unless
  // set; here 1 s): a running server's maintenance pass trims older ones.
  writeServerFile(dir, { replicaId: 7, yaml: 'replication: { conflictLog: { maxAge: 1s }, maintenanceInterval: 200ms }' });
  const s = await launch(dir, config);
  t.teardown(() => s.stop());
  await eventually(async () => meshdir(['conflicts', '--config', config]).stdout.trim().split('\n').pop() === '0 conflicts', 20_000, 'the conflict log trimmed');
  await eventually(async () => s.log.some((l) => l.includes('"conflictsTrimmed":2')), 5_000, 'the maintenance pass logs what it trimmed');
});
