// Two masters whose agreements go through TCP proxies (the agreement's
// consumer URL is the proxy): the link is cut while both sides take writes,
// then healed; connections are reset during a cut; and the link is slowed.
// Every time, both masters end identical with every acknowledged write.
import t, { type Test } from 'tap';
import type { LdapClient } from '../../src/ldap/client.js';
import { Ledger, Mesh, eventually } from '../helpers/mesh.js';
import { Proxy } from '../helpers/proxy.js';
import { SUFFIX } from '../helpers/server.js';
import { Prng } from '../sim/prng.js';

const SEED = Number(process.env.SEED ?? Date.now() % 1_000_000);
const ALICE = `uid=alice,ou=people,${SUFFIX}`;
const BOB = `uid=bob,ou=people,${SUFFIX}`;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.comment(`seed ${SEED} (rerun with SEED=${SEED})`);

t.test('partitioned and slow links between two masters', async (t) => {
  const started = Date.now();
  const mesh = await Mesh.start({ nodes: { m1: 'master', m2: 'master' }, seed: 'm1' });
  const toM2 = await Proxy.start(mesh.node('m2').url);
  const toM1 = await Proxy.start(mesh.node('m1').url);
  t.teardown(async () => {
    await Promise.all([toM1.close(), toM2.close()]);
    await mesh.stop();
  });
  mesh.agree('m1', 'm2', { consumer: toM2.url, heartbeat: '1s' });
  mesh.agree('m2', 'm1', { consumer: toM1.url, heartbeat: '1s' });
  await eventually(async () => (await mesh.count('m2')) === 12, 20_000, 'seed on m2');

  const rng = new Prng(SEED);
  const ledger = new Ledger();
  const clients: Record<string, LdapClient> = { m1: await mesh.client('m1'), m2: await mesh.client('m2') };
  t.teardown(() => Object.values(clients).forEach((c) => c.close()));
  let seq = 0;

  /** A burst on both masters: new entries, the same attribute of one entry, values of another. */
  const burst = async (label: string, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      await Promise.all(['m1', 'm2'].map(async (m) => {
        const k = seq++;
        await ledger.add(clients[m]!, m, `uid=${label}-${m}-${k},ou=people,${SUFFIX}`, {
          objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid: `${label}-${m}-${k}`, cn: label, sn: m,
        });
        await ledger.modify(clients[m]!, m, ALICE, [{ op: 'replace', attr: 'description', values: [`${label}-${m}-${k}-${rng.int(0, 999)}`] }]);
        await ledger.modify(clients[m]!, m, BOB, [{ op: 'add', attr: 'mail', values: [`${label}-${m}-${k}@example.com`] }]);
      }));
    }
  };

  const converged = async (t: Test, what: string, ms = 30_000): Promise<void> => {
    const t0 = Date.now();
    let last = '';
    await eventually(() => {
      const r = mesh.check(['m1', 'm2']);
      last = r.output;
      return r.ok;
    }, ms, `repl check after ${what}`).catch((e: Error) => t.fail(`${e.message}\n${last.slice(0, 2000)}`));
    t.match(last, /^identical/m, `${what}: identical after ${Date.now() - t0} ms`);
    for (const m of ['m1', 'm2']) {
      const entries = await mesh.entries(m);
      const mails = new Set(entries.get(BOB.toLowerCase())?.mail ?? []);
      const missing = ledger.acked.filter((w) => (w.op === 'add' ? !entries.has(w.dn.toLowerCase()) : w.dn === BOB && !mails.has(w.mods[0]!.values[0]!)));
      t.same(missing.map((w) => `${w.node} ${w.op} ${w.dn}`), [], `${what}: ${m} holds every acknowledged write`);
    }
  };

  await t.test('cut, write on both sides, heal', async (t) => {
    toM1.cut();
    toM2.cut();
    await burst('cut', 10);
    await pause(1500);
    const m2 = await mesh.entries('m2');
    t.notOk([...m2.keys()].some((dn) => dn.includes('-m1-')), 'nothing of m1 reached m2 through the cut');
    const status = (await mesh.agreement('m1', 'to-m2'))!;
    t.ok(Number(status.lagms?.[0]) > 0 || status.state?.[0] !== 'in-sync', `m1 → m2 shows the backlog: ${status.state?.[0]}, lag ${status.lagms?.[0]} ms`);
    toM1.heal();
    toM2.heal();
    await converged(t, 'heal');
  });

  await t.test('connections reset during a cut, then heal', async (t) => {
    toM1.cut();
    toM2.cut();
    await burst('reset', 5);
    const before = toM2.accepted;
    toM1.reset();
    toM2.reset();
    await burst('reset2', 5);
    // Reconnects get through TCP to the proxy, then hang on the cut link.
    await eventually(() => toM2.accepted > before, 10_000, 'a reconnect attempt');
    t.ok(toM2.accepted > before, `m1 tried again (${toM2.accepted - before} new connections)`);
    await pause(1000);
    toM1.heal();
    toM2.heal();
    await converged(t, 'heal after reset');
    const status = (await mesh.agreement('m1', 'to-m2'))!;
    t.equal(status.state?.[0], 'in-sync', 'm1 → m2 is in sync again');
  });

  await t.test('a slow link (150 ms each way) still converges', async (t) => {
    toM1.slow(150);
    toM2.slow(150);
    const t0 = Date.now();
    await burst('slow', 8);
    await converged(t, 'slow link');
    t.comment(`burst and convergence over the slow link took ${Date.now() - t0} ms`);
    // One more write: it arrives within a few round trips, not a timeout.
    const t1 = Date.now();
    await clients.m1!.modify(ALICE, [{ op: 'replace', attr: 'title', values: ['over the slow link'] }]);
    await eventually(async () => (await mesh.entries('m2')).get(ALICE.toLowerCase())?.title?.[0] === 'over the slow link', 10_000, 'title on m2');
    t.ok(Date.now() - t1 < 5000, `one modify took ${Date.now() - t1} ms to reach m2 over the slow link`);
  });

  t.comment(`${ledger.acked.length} writes acknowledged; total ${Date.now() - started} ms`);
});
