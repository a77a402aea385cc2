// Many clients writing the same few entries at once, each with many
// requests outstanding, against a real server: modifies worked out ahead
// and pipelined (Store.#pipeline), modifies checked in their transaction,
// and adds, renames and deletes between them. Every value a client was told
// was added must be there at the end, and both ways of writing a modify
// must have been taken.
import t from 'tap';
import { Client } from './ldap-client.js';
import { cleanup, ROOT_DN, ROOT_PW, startServer, SUFFIX } from '../helpers/server.js';

const PEOPLE = `ou=people,${SUFFIX}`;
const TARGETS = 40;
const CLIENTS = 12;
const PER_CLIENT = 60;

async function commits(url: string): Promise<Record<string, number>> {
  const body = await (await fetch(url)).text();
  const out: Record<string, number> = {};
  for (const m of body.matchAll(/^meshdir_commits_total\{path="(\w+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

t.test('concurrent modifies of a few entries lose no value', async (t) => {
  const server = await startServer({ seed: true, yaml: 'metrics: { listen: "127.0.0.1:0" }' });
  t.teardown(async () => { await server.stop(); cleanup(server.dir); });
  const metrics: string = server.log.map((l) => JSON.parse(l)).find((l) => l.msg === 'meshdir started').metrics;
  const admin = await Client.connect(server.url);
  t.teardown(() => admin.close());
  await admin.bind(ROOT_DN, ROOT_PW);
  const target = (i: number) => `uid=t${i},${PEOPLE}`;
  for (let i = 0; i < TARGETS; i++) await admin.add(target(i), { objectClass: 'inetOrgPerson', uid: `t${i}`, cn: `t${i}`, sn: `t${i}` });
  const before = await commits(metrics);

  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => Client.connect(server.url)));
  t.teardown(() => Promise.all(clients.map((c) => c.close())));
  await Promise.all(clients.map((c) => c.bind(ROOT_DN, ROOT_PW)));
  const sent = new Map<string, string[]>();
  const ops: Promise<void>[] = [];
  clients.forEach((c, k) => {
    for (let i = 0; i < PER_CLIENT; i++) {
      const to = target((k + i) % TARGETS);
      const value = `c${k}-${i}`;
      sent.set(to, [...(sent.get(to) ?? []), value]);
      ops.push(c.modify(to, [['add', 'description', [value]]]));
      // In the second half, every tenth request a write of another kind, run
      // as a transaction body (a modify queued behind one is not pipelined).
      if (i >= PER_CLIENT / 2 && i % 10 === 5) {
        const dn = `uid=n${k}-${i},${PEOPLE}`;
        ops.push(c.add(dn, { objectClass: 'inetOrgPerson', uid: `n${k}-${i}`, cn: 'n', sn: 'n' }).then(() => (k % 2 ? c.modifyDN(dn, `uid=m${k}-${i},${PEOPLE}`) : c.del(dn))));
      }
    }
  });
  const outcomes = await Promise.allSettled(ops);
  t.same(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason)), [], 'every write succeeded');

  for (let i = 0; i < TARGETS; i++) {
    const [e] = await admin.search(target(i), { scope: 'base', attributes: ['description'] });
    t.same([...(e?.attrs.description ?? [])].sort(), [...sent.get(target(i))!].sort(), `t${i} holds the ${sent.get(target(i))!.length} values added to it`);
  }
  const renamed = await admin.search(PEOPLE, { scope: 'one', filter: '(uid=m*)', attributes: ['1.1'] });
  t.equal(renamed.length, (CLIENTS / 2) * (PER_CLIENT / 20), 'the renamed entries are there');

  const after = await commits(metrics);
  const delta = (p: string) => (after[p] ?? 0) - (before[p] ?? 0);
  t.ok(delta('pipelined') > 0, `modifies pipelined: ${delta('pipelined')}`);
  t.ok(delta('batched') > 0, `writes run as transaction bodies: ${delta('batched')}`);
  t.equal(delta('alone') + delta('batched') + delta('pipelined'), CLIENTS * PER_CLIENT + 2 * CLIENTS * (PER_CLIENT / 20), 'every write counted once');
});
