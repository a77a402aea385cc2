// A client's modify that has to wait for the write transaction is worked
// out beforehand against the last committed data (Store.write, speculate).
// Inside the transaction it is written as worked out only if everything it
// read is still the same; otherwise it is done again there, with a CSN past
// everything held (its own, when that still is).
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSchemaDir } from '../../../src/schema/load.js';
import { Store } from '../../../src/store/store.js';
import { localAdd, localDelete, localModify, localModrdn, type ClientMod } from '../../../src/store/update.js';
import { createLogger } from '../../../src/log.js';
import { RC } from '../../../src/errors.js';
import type { Change } from '../../../src/repl/core/change.js';
import { HybridClock, newClockState } from '../../../src/repl/core/clock.js';
import { applyGroup } from '../../../src/store/replica.js';
import type { PolicyConfig } from '../../../src/store/rules.js';

const schema = loadSchemaDir(new URL('../../../schema', import.meta.url).pathname);
const b = (s: string) => Buffer.from(s);
const root = { dn: 'cn=admin,dc=example,dc=com' };
const person = (uid: string) => [{ type: 'objectClass', values: [b('inetOrgPerson')] }, { type: 'cn', values: [b(uid)] }, { type: 'sn', values: [b(uid)] }];

async function open(t: Test, policies?: PolicyConfig) {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-speculation-'));
  const store = new Store({ dataDir: dir, suffix: 'dc=example,dc=com', schema, indexes: { description: ['eq'] }, replicaId: 1, log: createLogger({ level: 'silent' }), ...(policies ? { policies } : {}) });
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await store.write((tx) => localAdd(tx, root, 'dc=example,dc=com', [{ type: 'objectClass', values: [b('dcObject'), b('organization')] }, { type: 'o', values: [b('Example')] }]));
  return store;
}

const modify = (store: Store, dn: string, mods: ClientMod[]) => store.write((tx) => localModify(tx, root, dn, mods), { speculate: true });
const values = (store: Store, dn: string, attr: string) =>
  store.byNdn(store.normalize(dn))?.attrs.find(([n]) => n === attr)?.[1].map(String).sort() ?? [];

t.test('modifies of different entries are written as worked out; of one entry, done again', async (t) => {
  const store = await open(t);
  for (let i = 0; i < 20; i++) await store.write((tx) => localAdd(tx, root, `uid=u${i},dc=example,dc=com`, person(`u${i}`)));
  await sleep(30);
  const before = { ...store.commitPaths };
  await Promise.all(Array.from({ length: 20 }, (_, i) => modify(store, `uid=u${i},dc=example,dc=com`, [{ op: 2, attr: 'description', values: [b(`d${i}`)] }])));
  for (let i = 0; i < 20; i++) t.same(values(store, `uid=u${i},dc=example,dc=com`, 'description'), [`d${i}`]);
  t.equal(store.commitPaths.replayed - before.replayed, 19, 'all but the first (committed at once) were written as worked out');
  t.equal(store.commitPaths.redone, before.redone, 'none had to be done again');
  t.same([...store.dbs.idx.getValues('description\0e\0d3')], [store.idOf(store.normalize('uid=u3,dc=example,dc=com'))], 'the index follows');

  // 30 adds of values to one entry, all worked out against the same data:
  // each one after the first finds the entry changed and is done again.
  await sleep(30);
  const mark = { ...store.commitPaths };
  const added = Array.from({ length: 30 }, (_, i) => `v${String(i).padStart(2, '0')}`);
  await Promise.all(added.map((v) => modify(store, 'uid=u0,dc=example,dc=com', [{ op: 0, attr: 'description', values: [b(v)] }])));
  t.same(values(store, 'uid=u0,dc=example,dc=com', 'description'), ['d0', ...added].sort(), 'no value is lost');
  t.ok(store.commitPaths.redone - mark.redone >= 28, `done again: ${store.commitPaths.redone - mark.redone}`);
});

t.test('a modify queued behind the rename of its parent is done again, against the new name', async (t) => {
  const store = await open(t);
  await store.write((tx) => localAdd(tx, root, 'ou=p,dc=example,dc=com', [{ type: 'objectClass', values: [b('organizationalUnit')] }, { type: 'ou', values: [b('p')] }]));
  await store.write((tx) => localAdd(tx, root, 'uid=c,ou=p,dc=example,dc=com', person('c')));
  await sleep(30);
  const first = store.write((tx) => localAdd(tx, root, 'uid=x,dc=example,dc=com', person('x')));
  const rename = store.write((tx) => localModrdn(tx, root, 'ou=p,dc=example,dc=com', 'ou=q', true));
  const late = modify(store, 'uid=c,ou=p,dc=example,dc=com', [{ op: 2, attr: 'description', values: [b('late')] }]);
  await first;
  await rename;
  await t.rejects(late, { code: RC.noSuchObject }, 'the entry is no longer at that DN');
  const c = store.byNdn(store.normalize('uid=c,ou=q,dc=example,dc=com'));
  t.equal(c?.dn, 'uid=c,ou=q,dc=example,dc=com', 'the child has its new DN');
  t.same(values(store, 'uid=c,ou=q,dc=example,dc=com', 'description'), [], 'and no description');
  t.equal(store.commitPaths.redone, 1);

  // Queued behind a modify of the same entry by a rename-free path: the
  // second sees the first.
  await sleep(30);
  const a = store.write((tx) => localAdd(tx, root, 'uid=y,dc=example,dc=com', person('y')));
  const m1 = modify(store, 'uid=c,ou=q,dc=example,dc=com', [{ op: 0, attr: 'description', values: [b('one')] }]);
  const m2 = modify(store, 'uid=c,ou=q,dc=example,dc=com', [{ op: 1, attr: 'description', values: [b('one')] }, { op: 0, attr: 'description', values: [b('two')] }]);
  await Promise.all([a, m1, m2]);
  t.same(values(store, 'uid=c,ou=q,dc=example,dc=com', 'description'), ['two']);
});

t.test('client writes queued together all commit, in CSN order, though modifies took theirs on arrival', async (t) => {
  const store = await open(t);
  for (const uid of ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'd0', 'd3', 'd6', 'd9']) {
    await store.write((tx) => localAdd(tx, root, `uid=${uid},dc=example,dc=com`, person(uid)));
  }
  const csns: string[] = [];
  store.events.on('commit', (changes: Change[]) => csns.push(...changes.map((c) => c.csn)));
  await sleep(30);
  const redone = store.commitPaths.redone;
  // Adds and deletes (their CSN taken in the transaction) between modifies
  // worked out ahead of them (their CSN taken when queued, so smaller): a
  // modify is done again with a new CSN when one greater was written first
  // (commit-order.test.ts).
  const ops: Promise<unknown>[] = [];
  for (let i = 0; i < 10; i++) {
    ops.push(store.write((tx) => localAdd(tx, root, `uid=n${i},dc=example,dc=com`, person(`n${i}`))));
    ops.push(modify(store, `uid=m${i},dc=example,dc=com`, [{ op: 2, attr: 'description', values: [b(`x${i}`)] }]));
    if (i % 3 === 0) ops.push(store.write((tx) => localDelete(tx, `uid=d${i},dc=example,dc=com`)));
  }
  await Promise.all(ops);
  t.equal(csns.length, ops.length, 'every write committed one change');
  t.ok(store.commitPaths.redone > redone, `modifies done again: ${store.commitPaths.redone - redone}`);
  t.equal(csns.join(), [...csns].sort().join(), 'committed in CSN order');
  t.equal(new Set(csns).size, csns.length, 'distinct');
  for (const csn of csns) t.ok(store.dbs.changelog.get(csn), `${csn} in the changelog`);
  for (let i = 0; i < 10; i++) {
    t.same(values(store, `uid=m${i},dc=example,dc=com`, 'description'), [`x${i}`], `m${i} modified`);
    t.ok(store.byNdn(store.normalize(`uid=n${i},dc=example,dc=com`)), `n${i} added`);
    if (i % 3 === 0) t.notOk(store.byNdn(store.normalize(`uid=d${i},dc=example,dc=com`)), `d${i} deleted`);
  }
  t.equal(store.ruv['1'], [...csns].sort().pop(), 'the RUV holds the greatest');
});

t.test('a modify done again comes after a replicated change queued ahead of it, whatever that one\'s CSN', async (t) => {
  const store = await open(t);
  await store.write((tx) => localAdd(tx, root, 'uid=e,dc=example,dc=com', person('e')));
  const uuid = store.byNdn(store.normalize('uid=e,dc=example,dc=com'))!.uuid;
  await sleep(30);
  // From replica 2, whose clock runs 100 s ahead.
  const ahead = new HybridClock(newClockState(2)).next(Date.now() + 100_000);
  const first = store.write((tx) => localAdd(tx, root, 'uid=f,dc=example,dc=com', person('f')));
  const remote = applyGroup(store, [{ op: 'modify', csn: ahead, uuid, mods: [{ op: 'replace', attr: 'description', values: [b('remote')] }] }]);
  const local = modify(store, 'uid=e,dc=example,dc=com', [{ op: 2, attr: 'description', values: [b('local')] }]);
  await Promise.all([first, remote, local]);
  t.same(values(store, 'uid=e,dc=example,dc=com', 'description'), ['local'], 'the client\'s modify, sent after the replicated one was queued, wins');
  t.ok(store.ruv['1']! > ahead, 'with a CSN past the replicated one');
  t.equal(store.commitPaths.redone, 1, 'it was done again');
});

t.test('a modify done again keeps the CSN it took on arrival when that still comes after everything held: the writes queued behind it are not done again', async (t) => {
  const store = await open(t);
  for (const uid of ['a', 'b']) await store.write((tx) => localAdd(tx, root, `uid=${uid},dc=example,dc=com`, person(uid)));
  await sleep(30);
  const csns: string[] = [];
  store.events.on('commit', (changes: Change[]) => csns.push(...changes.map((c) => c.csn)));
  const before = { ...store.commitPaths };
  const describe = (uid: string, v: string) => modify(store, `uid=${uid},dc=example,dc=com`, [{ op: 2, attr: 'description', values: [b(v)] }]);
  // The first is committed at once (and makes the others queue); the second
  // and third are worked out against the same data, so the third, of the
  // same entry, finds it changed; the fourth, of another entry, does not.
  await Promise.all([describe('b', 'direct'), describe('a', 'first'), describe('a', 'second'), describe('b', 'behind')]);
  t.equal(store.commitPaths.direct - before.direct, 1);
  t.equal(store.commitPaths.redone - before.redone, 1, 'only the modify whose entry changed was done again');
  t.equal(store.commitPaths.replayed - before.replayed, 2, 'the one behind it was written as worked out');
  t.same(values(store, 'uid=a,dc=example,dc=com', 'description'), ['second']);
  t.same(values(store, 'uid=b,dc=example,dc=com', 'description'), ['behind']);
  t.equal(csns.length, 4);
  t.equal(csns.join(), [...csns].sort().join(), 'committed in CSN order');
  const entryCsn = (uid: string) => String(store.byNdn(store.normalize(`uid=${uid},dc=example,dc=com`))!.attrs.find(([n]) => n === 'entryCSN')![1][0]);
  t.equal(entryCsn('a'), csns[2], 'the redone modify has the third CSN, taken on its arrival');
  t.equal(entryCsn('b'), csns[3]);
});

t.test('a unique value no entry held when worked out, taken by a write queued before it: done again, and refused', async (t) => {
  const store = await open(t, { uniqueAttributes: { mail: 'rename' } });
  for (const u of ['a', 'b']) await store.write((tx) => localAdd(tx, root, `uid=${u},dc=example,dc=com`, person(u)));
  await sleep(30);
  const mark = { ...store.commitPaths };
  const first = store.write((tx) => localAdd(tx, root, 'uid=z,dc=example,dc=com', person('z')));
  // Both worked out while nothing holds the value; the second must see the first's.
  const ma = modify(store, 'uid=a,dc=example,dc=com', [{ op: 0, attr: 'mail', values: [b('same@example.com')] }]);
  const mb = modify(store, 'uid=b,dc=example,dc=com', [{ op: 0, attr: 'mail', values: [b('same@example.com')] }]);
  await first;
  await ma;
  await t.rejects(mb, { code: RC.constraintViolation }, 'the second holder is refused');
  t.same(values(store, 'uid=a,dc=example,dc=com', 'mail'), ['same@example.com']);
  t.same(values(store, 'uid=b,dc=example,dc=com', 'mail'), [], 'no second holder');
  t.equal(store.commitPaths.replayed - mark.replayed, 1, 'the first was written as worked out');
  t.equal(store.commitPaths.redone - mark.redone, 1, 'the second was done again');
});
