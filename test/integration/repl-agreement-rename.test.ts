// An administrator renames an agreement file (to-c1.yaml → feed-c1.yaml):
// the agreement goes on under its new name, without being reported invalid
// for naming the consumer its own old file fed.
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Mesh, eventually } from '../helpers/mesh.js';
import { SUFFIX } from '../helpers/server.js';

t.test('a renamed agreement file', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master', c1: 'consumer' }, seed: 'm1' });
  t.teardown(() => mesh.stop());
  mesh.agree('m1', 'c1');
  await eventually(async () => (await mesh.count('c1')) === 12, 20_000, 'seed on c1');
  const dir = mesh.node('m1').agreementsDir;
  const logged = mesh.node('m1').server.log.length;
  renameSync(join(dir, 'to-c1.yaml'), join(dir, 'feed-c1.yaml'));
  await eventually(async () => (await mesh.agreement('m1', 'feed-c1'))?.state?.[0] === 'in-sync', 10_000, 'feed-c1 in sync');
  // Two more scans.
  await new Promise((r) => setTimeout(r, 2500));
  const lines = mesh.node('m1').server.log.slice(logged);
  const invalid = lines.filter((l) => /agreement file is invalid|"state":"invalid"/.test(l));
  t.same(invalid, [], 'the renamed file was never reported invalid');
  t.notOk(await mesh.agreement('m1', 'to-c1'), 'the old name is gone from cn=monitor');
  const c = await mesh.client('m1');
  await c.modify(`uid=alice,ou=people,${SUFFIX}`, [{ op: 'replace', attr: 'description', values: ['after the rename'] }]);
  c.close();
  await eventually(async () => (await mesh.entries('c1')).get(`uid=alice,ou=people,${SUFFIX}`.toLowerCase())?.description?.[0] === 'after the rename', 10_000, 'the change on c1');
});
