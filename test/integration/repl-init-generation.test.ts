// DESIGN.md "Replication protocol" 5, downstream: a server whose database
// `repl init` replaced with another generation's stops feeding its own
// consumers, which still hold the old history.
import { join } from 'node:path';
import t from 'tap';
import { Mesh, eventually } from '../helpers/mesh.js';
import { meshdir, SUFFIX } from '../helpers/server.js';

const person = (uid: string) => ({ objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid, cn: uid, sn: uid });

// DESIGN.md "Replication protocol" 5: a session between two generations
// stops. A hub whose database `repl init` replaced with another
// generation's (its master was restored from a backup) had its own session
// to its consumer carry on, feeding it the new history on top of the old.
t.test('a hub replaced by repl init from another generation stops feeding its consumer (generation-mismatch)', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master', h1: 'hub', c1: 'consumer' }, seed: 'm1' });
  t.teardown(() => mesh.stop());
  mesh.agree('m1', 'h1');
  mesh.agree('h1', 'c1');
  await eventually(async () => (await mesh.agreement('h1', 'to-c1'))?.state?.[0] === 'in-sync' && (await mesh.count('c1')) === 12, 20_000, 'c1 fed by h1');
  const backup = join(mesh.root, 'backup');
  t.equal(meshdir(['backup', '--config', mesh.node('m1').server.configFile, backup]).status, 0, 'm1 backed up');
  await mesh.kill('m1');
  const restored = meshdir(['restore', '--config', mesh.node('m1').server.configFile, backup]);
  t.equal(restored.status, 0, `m1 restored: a new generation ${restored.stderr.trim()}`);
  await mesh.launch('m1');
  await eventually(async () => (await mesh.agreement('m1', 'to-h1'))?.state?.[0] === 'generation-mismatch', 20_000, 'm1 → h1: generation-mismatch');
  const r = meshdir(['repl', 'init', '--config', mesh.node('m1').server.configFile, '--agreement', 'to-h1', '--no-progress']);
  t.equal(r.status, 0, `repl init m1 → h1: exit 0 ${r.stderr.trim()}`);
  const gen = async (name: string) => (await mesh.monitor(name)).get('replication')!.generationid![0];
  t.equal(await gen('h1'), await gen('m1'), 'h1 now holds m1\'s new generation');
  t.not(await gen('c1'), await gen('h1'), 'c1 the old one');
  await eventually(async () => (await mesh.agreement('h1', 'to-c1'))?.state?.[0] === 'generation-mismatch', 10_000, 'h1 → c1 stops as generation-mismatch').catch(async (e: Error) => t.fail(`${e.message}: ${JSON.stringify(await mesh.agreement('h1', 'to-c1'))}`));
  const m1 = await mesh.client('m1');
  t.teardown(() => m1.close());
  await m1.add(`uid=after-init,ou=people,${SUFFIX}`, person('after-init'));
  await eventually(async () => (await mesh.entries('h1', { filter: '(uid=after-init)' })).size === 1, 10_000, 'the write on h1');
  await new Promise((r) => setTimeout(r, 1500));
  t.equal((await mesh.entries('c1', { filter: '(uid=after-init)' })).size, 0, 'a write of the new generation is not sent to c1 (another history)');
  // And repl init h1 → c1 puts it right.
  const r2 = meshdir(['repl', 'init', '--config', mesh.node('h1').server.configFile, '--agreement', 'to-c1', '--no-progress']);
  t.equal(r2.status, 0, `repl init h1 → c1: exit 0 ${r2.stderr.trim()}`);
  await eventually(async () => (await mesh.agreement('h1', 'to-c1'))?.state?.[0] === 'in-sync', 10_000, 'h1 → c1 in sync again');
  t.ok(mesh.check(['m1', 'h1', 'c1']).ok, 'repl check: identical');
});
