// A client's modify worked out ahead is handed to lmdb-js' writer thread as
// plain puts, with no transaction body to check it (Store.#pipeline), only
// when what it read cannot change before its puts are made: no transaction
// body whose writes are unknown is queued before it, and no write not yet
// committed writes what it read. Otherwise it takes the checked way, and
// nothing is lost.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSchemaDir } from '../../../src/schema/load.js';
import { Store } from '../../../src/store/store.js';
import { localAdd, localDelete, localModify, type ClientMod } from '../../../src/store/update.js';
import { createLogger } from '../../../src/log.js';
import { writerCompresses } from '../../../src/store/writer-compression.js';
import type { Change } from '../../../src/repl/core/change.js';

const schema = loadSchemaDir(new URL('../../../schema', import.meta.url).pathname);
const b = (s: string) => Buffer.from(s);
const root = { dn: 'cn=admin,dc=example,dc=com' };
const dn = (i: number) => `uid=u${i},dc=example,dc=com`;
const person = (uid: string) => [{ type: 'objectClass', values: [b('inetOrgPerson')] }, { type: 'cn', values: [b(uid)] }, { type: 'sn', values: [b(uid)] }];

async function open(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-pipeline-'));
  const store = new Store({ dataDir: dir, suffix: 'dc=example,dc=com', schema, indexes: { description: ['eq'] }, replicaId: 1, log: createLogger({ level: 'silent' }) });
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await store.write((tx) => localAdd(tx, root, 'dc=example,dc=com', [{ type: 'objectClass', values: [b('dcObject'), b('organization')] }, { type: 'o', values: [b('Example')] }]));
  for (let i = 0; i < 10; i++) await store.write((tx) => localAdd(tx, root, dn(i), person(`u${i}`)));
  await sleep(30); // past Store.write's 20 ms: the next write commits at once
  return store;
}

/** A client's modify as the LDAP front end writes it. */
const modify = (store: Store, target: string, mods: ClientMod[]) => store.write((tx) => localModify(tx, root, target, mods), { speculate: true, local: true });
const add = (v: string): ClientMod[] => [{ op: 0, attr: 'description', values: [b(v)] }];
const values = (store: Store, target: string) => store.byNdn(store.normalize(target))?.attrs.find(([n]) => n === 'description')?.[1].map(String).sort() ?? [];

t.test('modifies of different entries are pipelined, committed in CSN order, with the RUV', async (t) => {
  t.equal(writerCompresses, true, "lmdb-js' writer thread compresses pipelined values itself");
  const store = await open(t);
  const before = { ...store.commitPaths };
  await Promise.all(Array.from({ length: 10 }, (_, i) => modify(store, dn(i), add(`d${i}`))));
  t.equal(store.commitPaths.direct - before.direct, 1, 'the first committed at once');
  t.equal(store.commitPaths.pipelined - before.pipelined, 9, 'the other nine were pipelined');
  for (let i = 0; i < 10; i++) t.same(values(store, dn(i)), [`d${i}`], `u${i} holds its value (read back through LZ4)`);
  t.same([...store.dbs.idx.getValues('description\0e\0d7')], [store.idOf(store.normalize(dn(7)))], 'the index follows');
  const csns = [...store.dbs.changelog.getRange({ reverse: true, limit: 10 })].map(({ value }) => (value as Change).csn).reverse();
  const mine = csns.map((c) => (store.dbs.changelog.get(c) as Change).uuid);
  t.equal(new Set(mine).size, 10, 'one change record per modify');
  t.same(csns, [...csns].sort(), 'in CSN order');
  t.same(store.dbs.meta.get('ruv'), { 1: csns.at(-1) }, 'the stored RUV holds the last of them');
  t.same(store.ruv, { 1: csns.at(-1) }, 'and so does the one in memory');
});

t.test('a modify of what a pipelined write not yet committed writes is checked: nothing lost', async (t) => {
  const store = await open(t);
  const before = { ...store.commitPaths };
  const first = modify(store, dn(9), add('x')); // commits at once: the next ones are queued
  const a = modify(store, dn(0), add('a'));
  const bb = modify(store, dn(0), add('b')); // worked out without 'a', which is not committed yet
  await Promise.all([first, a, bb]);
  t.same(values(store, dn(0)), ['a', 'b'], "the second modify did not write over the first's value");
  t.equal(store.commitPaths.pipelined - before.pipelined, 1, 'only the first of the two was pipelined');
  t.equal(store.commitPaths.redone - before.redone, 1, 'the second was done again inside the transaction');
});

t.test('no modify is pipelined behind a transaction body that has not run', async (t) => {
  const store = await open(t);
  const before = { ...store.commitPaths };
  const first = modify(store, dn(9), add('x'));
  // A write whose body may write anything (as a replicated change's): here
  // it adds a value to the entry the next modify works out without it.
  const other = store.write((tx) => localModify(tx, root, dn(0), add('b')));
  const c = modify(store, dn(0), add('c'));
  const d = modify(store, dn(5), add('d')); // another entry, still behind that body
  await Promise.all([first, other, c, d]);
  t.same(values(store, dn(0)), ['b', 'c'], 'both values are there');
  t.same(values(store, dn(5)), ['d']);
  t.equal(store.commitPaths.pipelined - before.pipelined, 0, 'none was pipelined');
});

t.test("a client's body that has run holds what it wrote until its commit", async (t) => {
  const store = await open(t);
  const before = { ...store.commitPaths };
  const first = modify(store, dn(9), add('x'));
  const later: Promise<unknown>[] = [];
  // Run as soon as the body has run, before its commit resolves.
  const body = store.write(
    (tx) => {
      localModify(tx, root, dn(0), add('b'));
      queueMicrotask(() => later.push(modify(store, dn(5), add('d')), modify(store, dn(0), add('c'))));
    },
    { local: true },
  );
  await Promise.all([first, body]);
  t.equal(later.length, 2, 'both modifies were sent while the body was not yet committed');
  await Promise.all(later);
  t.same(values(store, dn(0)), ['b', 'c'], "the modify of the body's entry kept its value");
  t.same(values(store, dn(5)), ['d']);
  t.equal(store.commitPaths.pipelined - before.pipelined, 1, "the modify of another entry was pipelined, the one of the body's entry not");
});

const addPerson = (store: Store, target: string, uid: string) => store.write((tx) => localAdd(tx, root, target, person(uid)), { speculate: true, local: true });

t.test('adds are worked out ahead and pipelined too; two adds of one DN: one is refused', async (t) => {
  const store = await open(t);
  const before = { ...store.commitPaths };
  const first = modify(store, dn(9), add('x'));
  const adds = Array.from({ length: 5 }, (_, i) => addPerson(store, `uid=a${i},dc=example,dc=com`, `a${i}`));
  const twice = [addPerson(store, 'uid=same,dc=example,dc=com', 'same'), addPerson(store, 'uid=same,dc=example,dc=com', 'same')];
  await Promise.all([first, ...adds]);
  const outcomes = await Promise.allSettled(twice);
  t.same(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected'], 'one add of uid=same succeeded, one was refused');
  t.match((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason, { code: 68 }, 'entryAlreadyExists');
  t.equal(store.commitPaths.pipelined - before.pipelined, 6, 'the five adds and the first of the two were pipelined');
  for (let i = 0; i < 5; i++) {
    const rec = store.byNdn(store.normalize(`uid=a${i},dc=example,dc=com`));
    t.equal(rec?.dn, `uid=a${i},dc=example,dc=com`, `a${i} is there`);
    t.equal(store.byUuid(rec!.uuid)?.id, rec!.id, 'found by its entryUUID');
    t.ok([...store.childIds(store.idOf('dc=example,dc=com')!)].includes(rec!.id), 'and among its parent\'s children');
  }
  t.equal([...store.childIds(store.idOf('dc=example,dc=com')!)].filter((id) => store.byId(id)?.dn === 'uid=same,dc=example,dc=com').length, 1, 'uid=same once');
});

t.test('an add under a parent not yet committed, or whose delete has run, is checked', async (t) => {
  const store = await open(t);
  const first = modify(store, dn(9), add('x'));
  const ou = store.write((tx) => localAdd(tx, root, 'ou=new,dc=example,dc=com', [{ type: 'objectClass', values: [b('organizationalUnit')] }, { type: 'ou', values: [b('new')] }]), { speculate: true, local: true });
  const child = addPerson(store, 'uid=c,ou=new,dc=example,dc=com', 'c');
  await Promise.all([first, ou, child]);
  t.equal(store.byNdn(store.normalize('uid=c,ou=new,dc=example,dc=com'))?.parent, store.idOf(store.normalize('ou=new,dc=example,dc=com')), 'the child is under the new parent');

  await sleep(30);
  const again = modify(store, dn(9), add('y'));
  const late: Promise<unknown>[] = [];
  const gone = store.write(
    (tx) => {
      localDelete(tx, dn(3));
      queueMicrotask(() => late.push(addPerson(store, `uid=orphan,${dn(3)}`, 'orphan')));
    },
    { local: true },
  );
  await Promise.all([again, gone]);
  t.equal(late.length, 1);
  await t.rejects(late[0]!, { code: 32 }, 'noSuchObject: the parent is deleted');
  t.equal(store.byNdn(store.normalize(`uid=orphan,${dn(3)}`)), undefined, 'no orphan');
});
