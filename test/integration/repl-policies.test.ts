// DESIGN.md's attributePolicies between real servers: with `loginCount: sum`
// concurrent increments on two masters add up on both; a server whose
// policies differ would merge otherwise and end up different, so it refuses
// the session, and the supplier's status says why.
import t from 'tap';
import { Mesh, REPL_DN, eventually } from '../helpers/mesh.js';
import { SUFFIX, meshdir } from '../helpers/server.js';

const POLICIES = 'attributePolicies: { employeeNumber: priority, loginCount: sum }';

t.test('merge policies between servers', async (t) => {
  const mesh = await Mesh.start({
    nodes: { m1: 'master', m2: 'master', c1: 'consumer' },
    seed: 'm1',
    yaml: (name) => `replication:\n  managers: ["${REPL_DN}"]\n${name === 'c1' ? '' : `  ${POLICIES}\n`}`,
  });
  t.teardown(() => mesh.stop());
  mesh.agree('m1', 'm2');
  mesh.agree('m2', 'm1');
  mesh.agree('m1', 'c1');
  const [m1, m2] = [await mesh.client('m1'), await mesh.client('m2')];
  t.teardown(() => {
    m1.close();
    m2.close();
  });
  const dn = `uid=alice,ou=people,${SUFFIX}`;
  const count = async (node: string) => (await mesh.entries(node)).get(dn.toLowerCase())?.logincount?.[0];

  await t.test('a consumer without them refuses the session', async (t) => {
    await eventually(async () => (await mesh.agreement('m1', 'to-c1'))?.state?.[0] === 'refused', 15_000, 'to-c1 refused');
    const detail = (await mesh.agreement('m1', 'to-c1'))?.detail?.[0] ?? '';
    t.match(detail, /merge policies differ: the supplier has attributePolicies \{employeeNumber:priority,loginCount:sum\}/, detail);
    t.ok(mesh.node('c1').server.log.some((l) => l.includes('merge policies differ')), 'the consumer logs it');
    // The reason is longer than the status table's column: it follows the table in full.
    const status = meshdir(['repl', 'status', '--config', mesh.node('m1').server.configFile]);
    t.match(status.stdout, /\nto-c1: ldap:\/\/127\.0\.0\.1:\d+: merge policies differ: .* this server attributePolicies \{\} uniqueAttributes \{\} \(replication\.attributePolicies/, status.stdout);
  });

  await t.test('loginCount: sum — concurrent increments on two masters add up', async (t) => {
    await m1.modify(dn, [{ op: 'add', attr: 'objectClass', values: 'meshdirCounters' }, { op: 'add', attr: 'loginCount', values: '10' }]);
    await eventually(async () => (await count('m2')) === '10', 15_000, 'loginCount on m2');
    const bumps: Promise<void>[] = [];
    for (let i = 0; i < 5; i++) bumps.push(m1.modify(dn, [{ op: 'increment', attr: 'loginCount', values: '1' }]));
    for (let i = 0; i < 3; i++) bumps.push(m2.modify(dn, [{ op: 'increment', attr: 'loginCount', values: '2' }]));
    await Promise.all(bumps);
    await eventually(async () => (await count('m1')) === '21' && (await count('m2')) === '21', 15_000, 'loginCount 21 on both');
    t.pass('10 + 5×1 + 3×2 = 21 on m1 and m2');
  });

  await t.test('loginCount: sum — replaces made apart count as their differences', async (t) => {
    mesh.agree('m1', 'm2', { enabled: false });
    mesh.agree('m2', 'm1', { enabled: false });
    await eventually(async () => (await mesh.agreement('m1', 'to-m2'))?.state?.[0] === 'disabled' && (await mesh.agreement('m2', 'to-m1'))?.state?.[0] === 'disabled', 10_000, 'both disabled');
    await m1.modify(dn, [{ op: 'replace', attr: 'loginCount', values: '26' }]);
    await m2.modify(dn, [{ op: 'replace', attr: 'loginCount', values: '24' }]);
    mesh.agree('m1', 'm2');
    mesh.agree('m2', 'm1');
    // 21 + 5 (m1) + 3 (m2): under lww one of 26 and 24 would be lost.
    await eventually(async () => (await count('m1')) === '29' && (await count('m2')) === '29', 15_000, 'loginCount 29 on both');
    t.pass('21 → 26 on m1 and 21 → 24 on m2 give 29 on both');
    const r = mesh.check(['m1', 'm2']);
    t.ok(r.ok, r.output.split('\n')[0]);
  });
});
