// Store.write commits a lone write on the main thread and hands writes that
// arrive together to lmdb-js' writer thread (group commit). Either way a
// write resolves only after its commit, and a throw undoes only its own
// changes.
import t, { type Test } from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../../../src/store/store.js';
import { b, ROOT as root, scratchStore } from '../../helpers/store.js';
import { localAdd, localModify } from '../../../src/store/update.js';
import { LdapError, RC } from '../../../src/errors.js';

const open = (t: Test) => scratchStore(t, 'meshdir-commit-path-');

const person = (uid: string) => [{ type: 'objectClass', values: [b('inetOrgPerson')] }, { type: 'cn', values: [b(uid)] }, { type: 'sn', values: [b(uid)] }];
const dn = (uid: string) => `uid=${uid},dc=example,dc=com`;
const description = (store: Store, uid: string) => store.byNdn(store.normalize(dn(uid)))?.attrs.find(([n]) => n === 'description')?.[1].map(String);

t.test('a lone write commits on the main thread; writes arriving together are group-committed', async (t) => {
  const store = await open(t);
  await sleep(30);
  const before = { ...store.commitPaths };
  await store.write((tx) => localAdd(tx, root, dn('lone'), person('lone')));
  t.match(store.commitPaths, { direct: before.direct + 1, queued: before.queued }, 'the lone add went the direct way');
  t.ok(store.byNdn(store.normalize(dn('lone'))), 'and is there');

  // A second write in the same turn of the event loop counts as load.
  await store.write((tx) => localModify(tx, root, dn('lone'), [{ op: 2, attr: 'description', values: [b('same turn')] }]));
  t.match(store.commitPaths, { direct: before.direct + 1, queued: before.queued + 1 }, 'a write right after it in the same turn was queued');

  await sleep(30);
  const n = 20;
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => store.write((tx) => {
    if (i === 7) throw new LdapError(RC.unwillingToPerform, 'refused on purpose');
    return localAdd(tx, root, dn(`u${i}`), person(`u${i}`));
  })));
  t.equal(results.filter((r) => r.status === 'fulfilled').length, n - 1, 'all but the refused one succeed');
  t.equal(store.commitPaths.direct, before.direct + 2, 'the first of the burst went direct');
  t.equal(store.commitPaths.queued, before.queued + 1 + n - 2, 'the other successful ones were queued');
  for (let i = 0; i < n; i++) t.equal(Boolean(store.byNdn(store.normalize(dn(`u${i}`)))), i !== 7, `u${i} ${i === 7 ? 'absent' : 'present'}`);

  // Writes have been quiet for longer than the 20 ms that follow a queued one.
  await sleep(30);
  await store.write((tx) => localModify(tx, root, dn('u1'), [{ op: 2, attr: 'description', values: [b('direct again')] }]));
  t.equal(store.commitPaths.direct, before.direct + 3, 'quiet again: direct');
  t.same(description(store, 'u1'), ['direct again']);
});

t.test('a lone write that throws leaves nothing behind, and the next one works', async (t) => {
  const store = await open(t);
  await sleep(30);
  const ruv = JSON.stringify(store.ruv);
  await t.rejects(store.write((tx) => {
    localAdd(tx, root, dn('half'), person('half'));
    throw new LdapError(RC.other, 'after the add');
  }), { code: RC.other });
  t.equal(store.byNdn(store.normalize(dn('half'))), undefined, 'the add was rolled back');
  t.equal(JSON.stringify(store.ruv), ruv, 'the RUV did not move');
  await store.write((tx) => localAdd(tx, root, dn('next'), person('next')));
  t.ok(store.byNdn(store.normalize(dn('next'))));
});

t.test('commit events carry the applied changes, in order', async (t) => {
  const store = await open(t);
  const seen: string[][] = [];
  store.events.on('commit', (changes: { csn: string; op: string }[]) => seen.push(changes.map((c) => c.op)));
  await store.write((tx) => localAdd(tx, root, dn('e1'), person('e1')));
  await Promise.all([1, 2].map((i) => store.write((tx) => localModify(tx, root, dn('e1'), [{ op: 2, attr: 'description', values: [b(`v${i}`)] }]))));
  t.same(seen, [['add'], ['modify'], ['modify']]);
  t.same(description(store, 'e1'), ['v2'], 'the later of the two modifies wins');
});

// lmdb-js sometimes refuses a commit in its own free-space code (see
// isSpuriousCommitFailure). The refusal is made here by throwing that
// error inside the real transaction, which LMDB then aborts, as it does
// the refused commit.
const FREELIST = 'MDB_BAD_TXN: Transaction must abort, has a child, or is invalid: reserved freelist had a data entry with zero-size, last id 11914\n';
type Env = { transactionSync: (cb: () => unknown) => unknown; childTransaction: (cb: () => unknown) => Promise<unknown> };

function refuseCommits(store: Store, ways: ('transactionSync' | 'childTransaction')[], times: number, message = FREELIST): () => number {
  const env = store.dbs.env as unknown as Env;
  let refused = 0;
  for (const how of ways) {
    const orig = env[how];
    (env as Record<string, unknown>)[how] = (cb: () => unknown) =>
      (orig as (cb: () => unknown) => unknown).call(env, () => {
        const r = cb();
        if (refused < times) {
          refused++;
          throw new Error(message);
        }
        return r;
      });
  }
  return () => refused;
}

const posix = (uid: string) => [...person(uid), { type: 'objectClass', values: [b('posixAccount')] }, { type: 'uid', values: [b(uid)] }, { type: 'uidNumber', values: [b('1000')] }, { type: 'gidNumber', values: [b('100')] }, { type: 'homeDirectory', values: [b(`/home/${uid}`)] }];
const uidNumber = (store: Store, uid: string) => store.byNdn(store.normalize(dn(uid)))?.attrs.find(([n]) => n === 'uidNumber')?.[1].map(String);

for (const how of ['transactionSync', 'childTransaction'] as const) {
  t.test(`a write whose commit lmdb-js refused in its free-space code is done again, once (${how})`, async (t) => {
    const store = await open(t);
    await store.write((tx) => localAdd(tx, root, dn('p'), posix('p')));
    const changelog = store.dbs.changelog.getCount();
    const before = store.commitPaths.retried;
    const refused = refuseCommits(store, [how], 1);
    if (how === 'transactionSync') await sleep(30); // quiet: the first attempt goes the direct way
    const writes = [store.write((tx) => localModify(tx, root, dn('p'), [{ op: 3, attr: 'uidNumber', values: [b('1')] }]), { speculate: true })];
    // Queued only behind another write in the same turn.
    if (how === 'childTransaction') writes.unshift(store.write((tx) => localModify(tx, root, dn('p'), [{ op: 2, attr: 'description', values: [b('first')] }])));
    await Promise.all(writes);
    t.equal(refused(), 1, 'one commit was refused');
    t.equal(store.commitPaths.retried - before, 1, 'and its write done again');
    t.same(uidNumber(store, 'p'), ['1001'], 'the increment is stored once');
    t.equal(store.dbs.changelog.getCount() - changelog, writes.length, 'one changelog record per write');
  });
}

t.test('other commit failures are not retried; a refusal that persists ends in an error', async (t) => {
  const store = await open(t);
  await store.write((tx) => localAdd(tx, root, dn('q'), posix('q')));
  await sleep(30);
  const other = refuseCommits(store, ['transactionSync', 'childTransaction'], 1, 'MDB_BAD_TXN: Transaction must abort, has a child, or is invalid');
  await t.rejects(store.write((tx) => localModify(tx, root, dn('q'), [{ op: 3, attr: 'uidNumber', values: [b('1')] }])), { code: RC.other, message: 'the database refused the commit (MDB_BAD_TXN)' });
  t.equal(other(), 1, 'tried once');
  await sleep(30);
  const always = refuseCommits(store, ['transactionSync', 'childTransaction'], 10);
  await t.rejects(store.write((tx) => localModify(tx, root, dn('q'), [{ op: 3, attr: 'uidNumber', values: [b('1')] }])), { code: RC.other, message: 'the database refused the commit (MDB_BAD_TXN)' });
  t.equal(always(), 3, 'tried three times');
  await sleep(30);
  const unknown = refuseCommits(store, ['transactionSync', 'childTransaction'], 1, 'something else');
  await t.rejects(store.write((tx) => localModify(tx, root, dn('q'), [{ op: 3, attr: 'uidNumber', values: [b('1')] }])), { code: RC.other, message: 'internal error while writing' });
  t.equal(unknown(), 1, 'an unknown failure: tried once');
  t.same(uidNumber(store, 'q'), ['1000'], 'nothing was stored');
});
