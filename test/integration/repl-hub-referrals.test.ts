// Writes on a consumer fed through a hub are referred to the masters (not to
// the read-only hub), and a hub restarted while no master feeds it still
// refers to them: never a referral without URLs.
import t from 'tap';
import { LdapError, RC } from '../../src/errors.js';
import { Mesh, eventually } from '../helpers/mesh.js';
import { SUFFIX } from '../helpers/server.js';

const person = (uid: string) => ({ objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid, cn: uid, sn: uid });

t.test('referrals through a hub', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master', h1: 'hub', c1: 'consumer' }, seed: 'm1' });
  t.teardown(() => mesh.stop());
  mesh.agree('m1', 'h1');
  mesh.agree('h1', 'c1');
  await eventually(async () => (await mesh.count('c1')) === 12, 20_000, 'seed on c1');
  const m1Port = String(mesh.node('m1').server.port);

  const refusal = async (node: string, uid: string) => {
    const c = await mesh.client(node);
    const err = await c.add(`uid=${uid},ou=people,${SUFFIX}`, person(uid)).catch((e: unknown) => e);
    c.close();
    return err as LdapError;
  };

  await t.test('a consumer of the hub refers writes to the master', async (t) => {
    const err = await refusal('c1', 'on-c1');
    t.ok(err instanceof LdapError && err.code === RC.referral, 'resultCode 10');
    t.same(err.referrals?.map((u) => new URL(u).port), [m1Port], `the referral names m1, not the hub: ${err.referrals}`);
  });

  await t.test('a hub restarted while its master does not feed it still refers to the master', async (t) => {
    mesh.agree('m1', 'h1', { enabled: false });
    await eventually(async () => (await mesh.agreement('m1', 'to-h1'))?.state?.[0] === 'disabled', 10_000, 'agreement disabled');
    await mesh.restart('h1');
    const err = await refusal('h1', 'on-h1');
    t.ok(err instanceof LdapError && err.code === RC.referral, `resultCode 10 (got ${err.code} ${err.message})`);
    t.same(err.referrals?.map((u) => new URL(u).port), [m1Port], `the referral names m1: ${err.referrals}`);
  });
});
