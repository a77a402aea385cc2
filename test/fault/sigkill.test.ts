// Crash safety: stream adds, modifies, modrdns and deletes on several
// connections, SIGKILL the server at a seeded random moment, restart it on
// the same data dir and check that every acknowledged write is there, whole,
// that unacknowledged ones either committed whole or not at all, that the
// indexes agree with the entries, and that export and a new add work.
// Several rounds on the same database, each weighted to a different write.
// FAULT_SEED=n replays the kill moments of a run (the I/O timing still varies).
import t from 'tap';
import { LdapClient } from '../../src/ldap/client.js';
import { Prng } from '../sim/prng.js';
import { cleanup, launch, meshdir, ROOT_DN, ROOT_PW, startServer, SUFFIX } from '../helpers/server.js';
import { verify } from './verify.js';
import { createFixtures, newLedger, Workload, type Mix } from './workload.js';

const SEED = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31)) >>> 0;

const ROUNDS: { during: 'adds' | 'mods' | 'renames' | 'deletes'; mix: Mix }[] = [
  { during: 'adds', mix: { adders: 4, modifiers: 1, renamers: 1, deleters: 0 } },
  { during: 'mods', mix: { adders: 1, modifiers: 4, renamers: 1, deleters: 0 } },
  { during: 'renames', mix: { adders: 1, modifiers: 1, renamers: 4, deleters: 1 } },
  { during: 'deletes', mix: { adders: 2, modifiers: 2, renamers: 2, deleters: 3 } },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test(`SIGKILL during acknowledged writes (seed ${SEED})`, async (t) => {
  const started = Date.now();
  const rand = new Prng(SEED);
  let s = await startServer({ seed: true });
  const { dir, configFile } = s;
  t.teardown(async () => {
    await s.kill('SIGKILL');
    cleanup(dir);
  });

  const c = await LdapClient.connect(s.url);
  await c.bind(ROOT_DN, ROOT_PW);
  const fixed = new Set((await c.search(SUFFIX, '(objectClass=*)', { attributes: ['1.1'] })).entries.map((e) => e.dn.toLowerCase()));
  c.close();
  const ledger = newLedger();
  await createFixtures(s.url, ledger);

  for (const [i, { during, mix }] of ROUNDS.entries()) {
    await t.test(`round ${i + 1}: kill during ${during}`, async (t) => {
      const w = new Workload(ledger, i);
      await w.start(s.url, mix);
      t.ok(await Promise.race([w.firstAck.then(() => true), sleep(20_000).then(() => false)]), 'writes are being acknowledged');
      const delay = rand.int(20, 600);
      await sleep(delay);
      const inflight = w.inflight();
      await s.kill('SIGKILL');
      await w.done();
      t.comment(`SIGKILL ${delay} ms after the first acknowledgement: ${w.acks} writes acknowledged, in flight ${JSON.stringify(inflight)}`);
      t.ok(inflight[during] > 0, `${during} were in flight at the kill`);
      t.same(ledger.refused, [], 'the server refused no write before the kill');

      s = await launch(dir, configFile);
      const v = await verify(t, s.url, configFile, ledger, fixed, i);
      t.comment(`${v.entries} entries after the restart; unacknowledged writes found committed: ${JSON.stringify(v.unackedCommitted)}`);
    });
  }

  await s.stop();
  const exported = meshdir(['export', '--config', configFile]);
  t.equal(exported.status, 0, 'export after a clean stop works');
  // Bounded by construction: streams stop after 15 s at most, kills come within 0.6 s of the first acknowledgement.
  t.comment(`${ROUNDS.length} rounds in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
