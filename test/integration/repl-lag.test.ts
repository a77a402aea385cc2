// lagMs keeps growing while a session waits on a consumer that stopped
// answering (SIGSTOP), not only when acknowledgements come; and it falls to
// 0 once the consumer holds everything again.
import t from 'tap';
import { Mesh, eventually } from '../helpers/mesh.js';
import { SUFFIX } from '../helpers/server.js';

t.test('lag of a frozen consumer', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master', c1: 'consumer' }, seed: 'm1' });
  t.teardown(() => mesh.stop());
  const c1 = mesh.node('c1').server.child;
  t.teardown(() => void c1.kill('SIGCONT'));
  mesh.agree('m1', 'c1', { heartbeat: '60s' });
  await eventually(async () => (await mesh.agreement('m1', 'to-c1'))?.state?.[0] === 'in-sync', 20_000, 'in sync');
  c1.kill('SIGSTOP');
  const m1 = await mesh.client('m1');
  t.teardown(() => m1.close());
  await m1.modify(`uid=alice,ou=people,${SUFFIX}`, [{ op: 'replace', attr: 'description', values: ['while c1 sleeps'] }]);
  await new Promise((r) => setTimeout(r, 3500));
  const a = (await mesh.agreement('m1', 'to-c1'))!;
  t.ok(Number(a.lagms?.[0]) >= 2000, `state ${a.state?.[0]}, lagMs ${a.lagms?.[0]} after 3.5 s: the change c1 lacks has aged`);
  c1.kill('SIGCONT');
  await eventually(async () => (await mesh.agreement('m1', 'to-c1'))?.lagms?.[0] === '0', 20_000, 'lag back to 0');
  t.pass('lag back to 0 once c1 caught up');
});
