// Changes pass on through servers that did not make them: a partial mesh
// m1—m2—m3 (no agreement between m1 and m3) and a chain m3 → hub → consumer.
import t from 'tap';
import { LdapError, RC } from '../../src/errors.js';
import { Mesh, eventually } from '../helpers/mesh.js';
import { SUFFIX } from '../helpers/server.js';

const person = (uid: string) => ({ objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid, cn: uid, sn: uid });

t.test('partial mesh and master → hub → consumer chain', async (t) => {
  const started = Date.now();
  const mesh = await Mesh.start({ nodes: { m1: 'master', m2: 'master', m3: 'master', h1: 'hub', c1: 'consumer' }, seed: 'm1' });
  t.teardown(() => mesh.stop());
  mesh.fullMesh(['m1', 'm2']);
  mesh.fullMesh(['m2', 'm3']);
  mesh.agree('m3', 'h1');
  mesh.agree('h1', 'c1');
  const all = ['m1', 'm2', 'm3', 'h1', 'c1'];
  await eventually(async () => (await Promise.all(all.map((n) => mesh.count(n)))).every((n) => n === 12), 20_000, 'seed on all five');
  t.pass(`the seed of m1 reached m3 and, through the hub, c1 (${Date.now() - started} ms from start)`);

  const has = async (node: string, dn: string, attr?: string, value?: string) => {
    const e = (await mesh.entries(node)).get(dn.toLowerCase());
    return e !== undefined && (attr === undefined || (e[attr.toLowerCase()] ?? []).includes(value!));
  };

  await t.test('a write on m1 reaches m3 and c1', async (t) => {
    const c = await mesh.client('m1');
    const dn = `uid=from-m1,ou=people,${SUFFIX}`;
    const t0 = Date.now();
    await c.add(dn, person('from-m1'));
    c.close();
    await eventually(() => has('m3', dn), 10_000, 'the add on m3');
    t.pass(`on m3 after ${Date.now() - t0} ms`);
    await eventually(() => has('c1', dn), 10_000, 'the add on c1');
    t.pass(`on c1 (m1 → m2 → m3 → h1 → c1) after ${Date.now() - t0} ms`);
  });

  await t.test('a write on m3 reaches m1', async (t) => {
    const c = await mesh.client('m3');
    const t0 = Date.now();
    await c.modify(`uid=alice,ou=people,${SUFFIX}`, [{ op: 'replace', attr: 'description', values: ['set on m3'] }]);
    c.close();
    await eventually(() => has('m1', `uid=alice,ou=people,${SUFFIX}`, 'description', 'set on m3'), 10_000, 'the modify on m1');
    t.pass(`on m1 after ${Date.now() - t0} ms`);
  });

  await t.test('the hub refuses client writes with a referral to its supplier', async (t) => {
    const c = await mesh.client('h1');
    const err = await c.add(`uid=on-hub,ou=people,${SUFFIX}`, person('on-hub')).catch((e: unknown) => e);
    c.close();
    t.ok(err instanceof LdapError && err.code === RC.referral, 'resultCode 10');
    t.same((err as LdapError).referrals?.map((u) => new URL(u).port), [String(mesh.node('m3').server.port)], `the referral names m3: ${(err as LdapError).referrals}`);
  });

  await t.test('all five end identical', async (t) => {
    let last = '';
    await eventually(() => {
      const r = mesh.check(all);
      last = r.output;
      return r.ok;
    }, 20_000, 'repl check').catch((e: Error) => t.fail(`${e.message}\n${last.slice(0, 2000)}`));
    t.match(last, /^identical: 13 entries on 5 replicas/m);
  });
  t.comment(`total ${Date.now() - started} ms`);
});
