// A supplier that holds no entries yet has nothing to send, and does not
// connect (an empty consumer would adopt its generation): its agreement
// says `empty`, not `in-sync`, also when the consumer is not even there.
import t from 'tap';
import { Mesh, eventually } from '../helpers/mesh.js';

t.test('an empty supplier\'s agreement is empty, not in-sync', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master', m2: 'master' } });
  t.teardown(() => mesh.stop());
  mesh.agree('m1', 'm2', { consumer: 'ldap://127.0.0.1:1' });
  await eventually(async () => (await mesh.agreement('m1', 'to-m2'))?.state?.[0] === 'empty', 10_000, 'state empty');
  const a = (await mesh.agreement('m1', 'to-m2'))!;
  t.match(a.detail?.[0], /holds no entries yet/);
});
