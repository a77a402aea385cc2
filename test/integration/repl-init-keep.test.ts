// A total update keeps what the consumer holds and the copy lacks: its own
// changes, and another master's that reached only this consumer before its
// origin trimmed it. Without the second, that change would be in no
// changelog and in no database but its origin's, its agreement to this
// consumer stuck in needs-init. What the consumer can no longer replay (its
// changelog trimmed it too) makes it refuse the copy instead.
//
//   m1 ──▶ m2 ◀── m3      m1 seeds both; m3 (and in the last test m2)
//    └─────────▶ m3       trims after 1 s; m2 and m3 send nothing to m1.
import t, { type Test } from 'tap';
import { Mesh, eventually } from '../helpers/mesh.js';
import { SUFFIX } from '../helpers/server.js';
import { agreeForInit, person, replInit, SHORT_CHANGELOG, trimmedBy } from '../helpers/repl-init.js';

/** The drawing above, the seed on all three; `short`: the nodes whose changelog keeps 1 s. */
async function triangle(t: Test, short: string[]): Promise<{ mesh: Mesh; seeded: number; add: (name: string, uid: string) => Promise<void> }> {
  const mesh = await Mesh.start({ nodes: { m1: 'master', m2: 'master', m3: 'master' }, seed: 'm1', yaml: (name) => (short.includes(name) ? SHORT_CHANGELOG : '') });
  t.teardown(() => mesh.stop());
  mesh.agree('m1', 'm2');
  mesh.agree('m1', 'm3');
  mesh.agree('m3', 'm2');
  const seeded = await mesh.count('m1');
  await eventually(async () => (await mesh.count('m2')) === seeded && (await mesh.count('m3')) === seeded, 20_000, 'the seed on m2 and m3');
  const add = async (name: string, uid: string) => {
    const c = await mesh.client(name);
    try {
      await c.add(`uid=${uid},ou=people,${SUFFIX}`, person(uid));
    } finally {
      c.close();
    }
  };
  return { mesh, seeded, add };
}

/** `repl check` over all three until identical (20 s), then its verdict as an assertion. */
async function allIdentical(t: Test, mesh: Mesh): Promise<void> {
  let last = '';
  await eventually(() => {
    const c = mesh.check(['m1', 'm2', 'm3']);
    last = c.output;
    return c.ok;
  }, 20_000, 'all three identical').catch((e: Error) => t.fail(`${e.message}\n${last.slice(0, 600)}`));
  t.match(last, /^identical/m, `identical: ${last.split('\n')[0]}`);
}

t.test('repl init keeps the changes the consumer holds beyond the copy', async (t) => {
  const { mesh, seeded, add } = await triangle(t, ['m3']);
  await add('m1', 'c-on-m1');
  await add('m2', 'a-on-m2');
  await add('m3', 'b-on-m3');
  const has = async (name: string, uid: string) => (await mesh.entries(name, { filter: `(uid=${uid})` })).size === 1;
  await eventually(() => has('m2', 'b-on-m3'), 20_000, 'm3\'s add on m2');

  // m3's changelog holds the seed's adds and its own: every one older than
  // 1 s and held by its only consumer, so all of them go.
  await eventually(() => trimmedBy(mesh, 'm3') >= seeded + 1, 20_000, 'm3 trimming its own add');
  t.ok(!(await has('m1', 'a-on-m2')) && !(await has('m1', 'b-on-m3')), 'm1 (the copy) has neither m2\'s nor m3\'s add');

  const m3ToM2 = async () => (await mesh.agreement('m3', 'to-m2'))!;
  const sessionBefore = (await m3ToM2()).lastsessionstart?.[0];
  await agreeForInit(mesh, 'm1', 'm2');
  const r = await replInit(mesh, 'm1', 'm2');
  t.equal(r.status, 0, `repl init exit 0 ${r.stderr.trim()}`);
  t.ok(await has('m2', 'c-on-m1'), 'm2 has the copy\'s add');
  t.ok(await has('m2', 'a-on-m2'), 'm2 keeps its own add');
  t.ok(await has('m2', 'b-on-m3'), 'm2 keeps m3\'s add, which m3 no longer holds in its changelog');
  // m2 ends the sessions that fed its old database (at their next group or
  // heartbeat); m3's new session starts from the RUV m2 has now.
  await eventually(async () => {
    const s = await m3ToM2();
    return s.lastsessionstart?.[0] !== sessionBefore && ['in-sync', 'needs-init'].includes(s.state?.[0] ?? '');
  }, 15_000, 'a new session m3 → m2').catch((e: Error) => t.fail(e.message));
  const s = await m3ToM2();
  t.equal(s.state?.[0], 'in-sync', `m3 → m2 in sync in a new session, not needs-init ${s.detail?.[0] ?? ''}`);

  // Everything on everyone, from m2: m1 and m3 get what they lack.
  mesh.agree('m1', 'm2');
  mesh.agree('m2', 'm1');
  mesh.agree('m2', 'm3');
  await allIdentical(t, mesh);
  t.equal(await mesh.count('m3'), seeded + 3, 'the seed and the three adds on m3');
});

t.test('repl init refuses a copy that lacks changes of the consumer\'s own its changelog no longer holds', async (t) => {
  const mesh = await Mesh.start({
    nodes: { m1: 'master', m2: 'master' },
    seed: 'm1',
    yaml: (name) => (name === 'm2' ? SHORT_CHANGELOG : ''),
  });
  t.teardown(() => mesh.stop());
  mesh.agree('m1', 'm2');
  const seeded = await mesh.count('m1');
  await eventually(async () => (await mesh.count('m2')) === seeded, 20_000, 'the seed on m2');
  const m2 = await mesh.client('m2');
  t.teardown(() => m2.close());
  await m2.add(`uid=only-on-m2,ou=people,${SUFFIX}`, person('only-on-m2'));
  // m2 has no agreement of its own: nobody waits for its add, and its
  // changelog (the seed's adds and its own) goes after 1 s.
  await eventually(() => trimmedBy(mesh, 'm2') >= seeded + 1, 20_000, 'm2 trimming its own add');
  await agreeForInit(mesh, 'm1', 'm2');
  const r = await replInit(mesh, 'm1', 'm2');
  t.not(r.status, 0, 'repl init fails');
  t.match(r.stderr, /changes of its own newer than the copy .* that its changelog no longer holds; initialise the other way round/, `and says why: ${r.stderr.trim()}`);
  t.equal((await mesh.entries('m2', { filter: '(uid=only-on-m2)' })).size, 1, 'm2 keeps its add');
});

t.test('repl init refuses a copy that lacks another master\'s changes the consumer no longer holds in its changelog; the other way round works', async (t) => {
  const { mesh, seeded, add } = await triangle(t, ['m2', 'm3']);
  await add('m1', 'c-on-m1');
  await add('m3', 'b-on-m3');
  await eventually(async () => (await mesh.count('m2')) === seeded + 2, 20_000, 'both adds on m2');
  // m2's changelog (the seed's adds, m1's and m3's) and m3's all go after 1 s.
  await eventually(() => trimmedBy(mesh, 'm2') >= seeded + 2 && trimmedBy(mesh, 'm3') >= seeded + 1, 20_000, 'm2 and m3 trimming');

  await agreeForInit(mesh, 'm1', 'm2');
  const refused = await replInit(mesh, 'm1', 'm2');
  t.not(refused.status, 0, 'repl init m1 → m2 fails');
  t.match(refused.stderr, /holds changes of replica 3 newer than the copy \(up to \d{14}\.\d{6}Z#\d{6}#003#\d{6}\) that its changelog no longer holds and that may exist nowhere else but on replica 3; initialise it from replica 3's server, or the other way round/, `and says why: ${refused.stderr.trim()}`);
  t.equal(await mesh.count('m2'), seeded + 2, 'm2 keeps what it had');

  await agreeForInit(mesh, 'm2', 'm1');
  const back = await replInit(mesh, 'm2', 'm1');
  t.equal(back.status, 0, `repl init m2 → m1 exit 0 ${back.stderr.trim()}`);
  await allIdentical(t, mesh);
  t.equal(await mesh.count('m1'), seeded + 2, 'm1 has m3\'s add now, and its own');
});
