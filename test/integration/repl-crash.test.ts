// SIGKILL a master while changes stream into and out of it under load, then
// start it again on the same data dir and server file: no write a client was
// told succeeded may be missing anywhere, and the restarted master catches up.
import t from 'tap';
import { LdapClient } from '../../src/ldap/client.js';
import { Ledger, Mesh, eventually } from '../helpers/mesh.js';
import { ROOT_DN, ROOT_PW, SUFFIX } from '../helpers/server.js';
import { Prng } from '../sim/prng.js';

const SEED = Number(process.env.SEED ?? Date.now() % 1_000_000);
const MASTERS = ['m1', 'm2', 'm3'];
const BOB = `uid=bob,ou=people,${SUFFIX}`;

t.comment(`seed ${SEED} (rerun with SEED=${SEED})`);

/** Writes to one master as fast as it answers, reconnecting while it is down. */
class Writer {
  #client: LdapClient | undefined;
  #stop = false;
  #done: Promise<void>;
  n = 0;

  constructor(readonly mesh: Mesh, readonly node: string, readonly ledger: Ledger, readonly rng: Prng) {
    this.#done = this.#run();
  }

  async #connect(): Promise<LdapClient | undefined> {
    if (this.#client && !this.#client.closed) return this.#client;
    try {
      const c = await LdapClient.connect(this.mesh.node(this.node).url, { timeoutMs: 5000, connectTimeoutMs: 1000 });
      await c.bind(ROOT_DN, ROOT_PW);
      this.#client = c;
      return c;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
      return undefined;
    }
  }

  async #run(): Promise<void> {
    while (!this.#stop) {
      const c = await this.#connect();
      if (!c) continue;
      const i = this.n++;
      // Several in flight per connection, so groups are big and the stream busy.
      await Promise.all([
        this.ledger.add(c, this.node, `uid=w-${this.node}-${i},ou=people,${SUFFIX}`, {
          objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid: `w-${this.node}-${i}`, cn: `w ${i}`, sn: this.node,
          description: 'x'.repeat(this.rng.int(10, 2000)),
        }),
        this.ledger.modify(c, this.node, BOB, [{ op: 'add', attr: 'mail', values: [`${this.node}-${i}@example.com`] }]),
        this.ledger.modify(c, this.node, `uid=alice,ou=people,${SUFFIX}`, [{ op: 'replace', attr: 'description', values: [`${this.node}-${i}`] }]),
      ]);
    }
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#done;
    this.#client?.close();
  }
}

t.test('SIGKILL a master under load, restart it', async (t) => {
  const started = Date.now();
  const mesh = await Mesh.start({ nodes: { m1: 'master', m2: 'master', m3: 'master' }, seed: 'm1' });
  t.teardown(() => mesh.stop());
  mesh.fullMesh(MASTERS);
  await eventually(async () => (await Promise.all(MASTERS.map((m) => mesh.count(m)))).every((n) => n === 12), 20_000, 'seed everywhere');

  const ledger = new Ledger();
  const rng = new Prng(SEED);
  const writers = MASTERS.map((m) => new Writer(mesh, m, ledger, rng));
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  await t.test('kill m2 while it sends and receives', async (t) => {
    await pause(1000 + rng.int(0, 500));
    // Mid-stream: m1 still has changes in flight towards m2.
    const toM2 = (await mesh.agreement('m1', 'to-m2'))!;
    t.comment(`m1 → m2 before the kill: ${toM2.state?.[0]}, ${toM2.changessent?.[0]} sent, lag ${toM2.lagms?.[0]} ms`);
    const ackedBefore = ledger.acked.filter((w) => w.node === 'm2').length;
    await mesh.kill('m2', 'SIGKILL');
    t.ok(ackedBefore > 0, `m2 had acknowledged ${ackedBefore} writes when it was killed`);
    await pause(1500);
    const down = ledger.failed;
    await mesh.launch('m2');
    t.pass(`m2 back on ${mesh.node('m2').url} after ${down} refused writes`);
    await pause(1500);
  });

  await Promise.all(writers.map((w) => w.stop()));
  t.comment(`${ledger.acked.length} writes acknowledged (${writers.map((w) => `${w.node}: ${w.n}`).join(', ')} rounds), ${ledger.failed} failed`);

  await t.test('every replica converges', async (t) => {
    const t0 = Date.now();
    let last = '';
    await eventually(() => {
      const r = mesh.check(MASTERS);
      last = r.output;
      return r.ok;
    }, 30_000, 'repl check').catch((e: Error) => t.fail(`${e.message}\n${last.slice(0, 2000)}`));
    t.match(last, /^identical/m, `identical ${Date.now() - t0} ms after the load stopped`);
    // Equal data can come before equal RUVs (a last change that alters nothing visible).
    let ruvs: string[] = [];
    await eventually(async () => {
      ruvs = await Promise.all(MASTERS.map(async (m) => (await mesh.monitor(m)).get('replication')!.ruv!.join(',')));
      return new Set(ruvs).size === 1;
    }, 10_000, 'one RUV on every master').catch((e: Error) => t.fail(`${e.message}\n${ruvs.join('\n')}`));
    t.equal(new Set(ruvs).size, 1, 'm2 caught up: one RUV on every master');
  });

  await t.test('no acknowledged write is lost anywhere', async (t) => {
    for (const m of MASTERS) {
      const entries = await mesh.entries(m);
      const mails = new Set(entries.get(BOB.toLowerCase())!.mail!.map((v) => v.toLowerCase()));
      const missing: string[] = [];
      for (const w of ledger.acked) {
        if (w.op === 'add' && !entries.has(w.dn.toLowerCase())) missing.push(`add ${w.dn} (acknowledged by ${w.node})`);
        if (w.dn === BOB) for (const v of w.mods[0]!.values) if (!mails.has(v.toLowerCase())) missing.push(`mail ${v} (acknowledged by ${w.node})`);
      }
      t.same(missing, [], `${m} holds all ${ledger.acked.length} acknowledged writes`);
      // The last-writer-wins attribute ends with a value some client wrote.
      const desc = entries.get(`uid=alice,ou=people,${SUFFIX}`.toLowerCase())!.description ?? [];
      t.ok(desc.length === 1 && ledger.acked.some((w) => w.mods[0]?.values[0] === desc[0]), `${m}: alice's description ${desc[0]} was acknowledged`);
    }
  });
  t.comment(`total ${Date.now() - started} ms`);
});
