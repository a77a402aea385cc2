// No two suppliers feed a consumer the changes of one origin at once
// (DESIGN.md "Replication protocol" 2): in a full mesh a master's changes
// go to each other master from it alone, not also forwarded by the third;
// when its own session to a consumer ends, or its link stalls without
// closing, another master takes over.
import t from 'tap';
import { Mesh, eventually } from '../helpers/mesh.js';
import { Proxy } from '../helpers/proxy.js';
import { SUFFIX } from '../helpers/server.js';

const N = 100;

t.test('changes of one origin come from one supplier at a time', async (t) => {
  const started = Date.now();
  const mesh = await Mesh.start({ nodes: { m1: 'master', m2: 'master', m3: 'master' }, seed: 'm1' });
  const toM3 = await Proxy.start(mesh.node('m3').url);
  t.teardown(async () => {
    await toM3.close();
    await mesh.stop();
  });
  const all = ['m1', 'm2', 'm3'];
  mesh.fullMesh(all);
  // m1 → m3 through a proxy, so that link alone can stall.
  mesh.agree('m1', 'm3', { consumer: toM3.url });
  await eventually(async () => (await Promise.all(all.map((n) => mesh.count(n)))).every((n) => n === 12), 20_000, 'seed on all three');
  const sent = async (from: string, to: string) => Number((await mesh.agreement(from, `to-${to}`))?.changessent?.[0] ?? NaN);
  const sentAll = async () => {
    const o: Record<string, number> = {};
    for (const a of all) for (const b of all) if (a !== b) o[`${a}>${b}`] = await sent(a, b);
    return o;
  };
  // Every session has had a response since all three started, so each knows the others' direct sessions.
  await eventually(async () => {
    for (const a of all) for (const b of all) if (a !== b && (await mesh.agreement(a, `to-${b}`))?.state?.[0] !== 'in-sync') return false;
    return true;
  }, 20_000, 'all six agreements in sync');
  await new Promise((r) => setTimeout(r, 2500));

  const dn = `uid=alice,ou=people,${SUFFIX}`;
  const has = async (node: string, value: string) => ((await mesh.entries(node)).get(dn)?.description ?? []).includes(value);
  const c = await mesh.client('m1');
  t.teardown(() => c.close());

  await t.test(`${N} modifies on m1 reach m2 and m3 from m1 only`, async (t) => {
    const before = await sentAll();
    for (let i = 0; i < N; i++) await c.modify(dn, [{ op: 'replace', attr: 'description', values: `d${i}` }]);
    await eventually(async () => (await has('m2', `d${N - 1}`)) && (await has('m3', `d${N - 1}`)), 20_000, 'the last modify on m2 and m3');
    // Let any forwarding that was going to happen happen.
    await new Promise((r) => setTimeout(r, 1500));
    const after = await sentAll();
    const delta = Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - before[k]!]));
    t.comment(`changes sent during the modifies: ${JSON.stringify(delta)}`);
    t.ok(delta['m1>m2']! >= N && delta['m1>m3']! >= N, 'm1 sent every modify to m2 and m3');
    t.equal(delta['m2>m3']! + delta['m3>m2']! + delta['m2>m1']! + delta['m3>m1']!, 0, 'm2 and m3 forwarded none of them');
    t.ok(mesh.check(all).ok, 'repl check: identical');
  });

  await t.test('with m1 → m3 disabled, m1\'s changes reach m3 through m2', async (t) => {
    mesh.agree('m1', 'm3', { consumer: toM3.url, enabled: false });
    await eventually(async () => (await mesh.agreement('m1', 'to-m3'))?.state?.[0] === 'disabled', 5000, 'm1 → m3 disabled');
    const before = await sent('m2', 'm3');
    const t0 = Date.now();
    await c.modify(dn, [{ op: 'replace', attr: 'description', values: 'via-m2' }]);
    await eventually(() => has('m3', 'via-m2'), 10_000, 'the modify on m3');
    const ms = Date.now() - t0;
    t.comment(`on m3 after ${ms} ms`);
    t.ok((await sent('m2', 'm3')) > before, 'm2 forwarded it');
    t.ok(ms < 5000, `within a few heartbeats (${ms} ms)`);

    mesh.agree('m1', 'm3', { consumer: toM3.url });
    await eventually(async () => (await mesh.agreement('m1', 'to-m3'))?.state?.[0] === 'in-sync', 10_000, 'm1 → m3 back');
    t.ok(mesh.check(all).ok, 'repl check: identical');
  });

  await t.test('with m1 → m3 stalled (no bytes, no close), m1\'s changes reach m3 through m2', async (t) => {
    await new Promise((r) => setTimeout(r, 2500));
    toM3.cut();
    const before = await sent('m2', 'm3');
    const t0 = Date.now();
    await c.modify(dn, [{ op: 'replace', attr: 'description', values: 'stalled' }]);
    await eventually(() => has('m3', 'stalled'), 20_000, 'the modify on m3 while the link is cut');
    const ms = Date.now() - t0;
    t.comment(`on m3 after ${ms} ms (heartbeat 2 s: m3 stops counting m1's session after 4 s quiet)`);
    t.ok((await sent('m2', 'm3')) > before, 'm2 forwarded it');
    t.ok(ms < 10_000, `within a few heartbeats (${ms} ms)`);
    toM3.heal();
    await eventually(async () => (await mesh.agreement('m1', 'to-m3'))?.state?.[0] === 'in-sync', 30_000, 'm1 → m3 back after the heal');
    await eventually(() => mesh.check(all).ok, 20_000, 'identical after the heal');
    t.pass('identical after the heal');
  });
  t.comment(`${((Date.now() - started) / 1000).toFixed(1)} s`);
});
