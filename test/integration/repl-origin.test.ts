// A master's own changes are not sent back to it (it holds them all), except
// after its database was replaced: then the ones it lacks come back.
import t from 'tap';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Mesh, eventually } from '../helpers/mesh.js';
import { SUFFIX } from '../helpers/server.js';

const ALICE = `uid=alice,ou=people,${SUFFIX}`;

async function description(mesh: Mesh, node: string, dn: string): Promise<string | undefined> {
  return (await mesh.entries(node, { filter: '(uid=alice)' })).get(dn.toLowerCase())?.description?.[0];
}

async function sent(mesh: Mesh, from: string, to: string): Promise<number> {
  return Number((await mesh.agreement(from, `to-${to}`))?.changessent?.[0] ?? NaN);
}

t.test('changes are not sent back to the master they came from', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master', m2: 'master' }, seed: 'm1' });
  t.teardown(() => mesh.stop());
  mesh.fullMesh(['m1', 'm2']);
  await eventually(async () => (await mesh.count('m2')) === 12, 20_000, 'seed on m2');
  const c = await mesh.client('m1');
  t.teardown(() => c.close());
  // One write first: a session's start may predate the consumer's latest own change.
  await c.modify(ALICE, [{ op: 'replace', attr: 'description', values: ['first'] }]);
  await eventually(async () => (await description(mesh, 'm2', ALICE)) === 'first', 20_000, 'first write on m2');
  // Both sessions running (an agreement file is read within seconds of being written).
  const state = async (from: string, to: string) => (await mesh.agreement(from, `to-${to}`))?.state?.[0];
  await eventually(async () => (await state('m1', 'm2')) === 'in-sync' && (await state('m2', 'm1')) === 'in-sync', 20_000, 'both agreements in-sync');
  await new Promise((r) => setTimeout(r, 500));
  const before = { out: await sent(mesh, 'm1', 'm2'), back: await sent(mesh, 'm2', 'm1') };
  for (let i = 0; i < 30; i++) await c.modify(ALICE, [{ op: 'replace', attr: 'description', values: [`v${i}`] }]);
  await eventually(async () => (await description(mesh, 'm2', ALICE)) === 'v29', 20_000, 'last write on m2');
  await new Promise((r) => setTimeout(r, 500));
  t.ok((await sent(mesh, 'm1', 'm2')) - before.out >= 30, 'm1 sent its 30 changes to m2');
  t.equal((await sent(mesh, 'm2', 'm1')) - before.back, 0, 'm2 sent none of them back');
  t.ok(mesh.check(['m1', 'm2']).ok, 'repl check: identical');
});

t.test('a master whose database was wiped gets its own changes back from a peer', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master', m2: 'master' }, seed: 'm1' });
  t.teardown(() => mesh.stop());
  mesh.fullMesh(['m1', 'm2']);
  const c = await mesh.client('m1');
  for (let i = 0; i < 5; i++) await c.modify(ALICE, [{ op: 'replace', attr: 'description', values: [`w${i}`] }]);
  c.close();
  await eventually(async () => (await description(mesh, 'm2', ALICE)) === 'w4', 20_000, 'writes on m2');
  // Every entry on m2 came from m1 (the import and the writes).
  mesh.removeAgreement('m2', 'to-m1');
  await mesh.kill('m1');
  rmSync(join(mesh.node('m1').dir, 'data'), { recursive: true, force: true });
  await mesh.launch('m1');
  await mesh.addManager('m1');
  mesh.agree('m2', 'm1');
  await eventually(async () => (await mesh.count('m1')) === 12, 20_000, 'm1 refilled from m2');
  t.equal(await description(mesh, 'm1', ALICE), 'w4');
  t.ok(mesh.check(['m1', 'm2']).ok, 'repl check: identical');
});
