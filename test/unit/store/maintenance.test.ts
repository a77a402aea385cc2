// Replication maintenance on a real store: tombstone purge and changelog
// trim, each done in slices (writes wait for one slice, not the whole job).
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/log.js';
import { loadSchemaDir } from '../../../src/schema/load.js';
import { purgeTombstones, trimChangelog, trimConflicts, trimmedRuv } from '../../../src/store/replica.js';
import { csnAtTime, withSubseq } from '../../../src/repl/core/csn.js';
import { Store } from '../../../src/store/store.js';
import { localAdd, localDelete, localModify } from '../../../src/store/update.js';
import { scratchStore } from '../../helpers/store.js';

const schema = loadSchemaDir(new URL('../../../schema', import.meta.url).pathname);
const b = (s: string) => Buffer.from(s);
const root = { dn: 'cn=admin,dc=example,dc=com' };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const person = (uid: string) => [{ type: 'objectClass', values: [b('inetOrgPerson')] }, { type: 'cn', values: [b(uid)] }, { type: 'sn', values: [b(uid)] }];
const ALICE = 'uid=alice,ou=people,dc=example,dc=com';
const N = 1200;

t.test('purge and trim, in slices', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-maint-'));
  const store = new Store({ dataDir: dir, suffix: 'dc=example,dc=com', schema, indexes: { uid: ['eq'] }, replicaId: 1, log: createLogger({ level: 'error' }) });
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await store.write((tx) => {
    localAdd(tx, root, 'dc=example,dc=com', [{ type: 'objectClass', values: [b('dcObject'), b('organization')] }, { type: 'o', values: [b('Example')] }]);
    localAdd(tx, root, 'ou=people,dc=example,dc=com', [{ type: 'objectClass', values: [b('organizationalUnit')] }]);
    localAdd(tx, root, ALICE, [...person('alice'), { type: 'mail', values: [b('a@example.com'), b('old@example.com')] }]);
  });
  // A deleted value leaves a marker in alice's state; N entries leave tombstones.
  await store.write((tx) => localModify(tx, root, ALICE, [{ op: 1, attr: 'mail', values: [b('old@example.com')] }]));
  await store.write((tx) => {
    for (let i = 0; i < N; i++) localAdd(tx, root, `uid=u${i},ou=people,dc=example,dc=com`, person(`u${i}`));
  });
  await store.write((tx) => {
    for (let i = 0; i < N; i++) localDelete(tx, `uid=u${i},ou=people,dc=example,dc=com`);
  });
  const states = store.stateCount();
  const alice = JSON.stringify(store.byNdn(store.normalize(ALICE))!.attrs);
  await pause(5);

  t.equal(await purgeTombstones(store, 60_000), 0, 'nothing older than a minute: nothing purged');
  t.equal(store.stateCount(), states, 'every state kept');
  t.equal(await purgeTombstones(store, 0), N + 1, `the ${N} tombstones and alice's marker, over several slices`);
  t.equal(store.stateCount(), states - N, 'the tombstones are gone');
  t.equal(JSON.stringify(store.byNdn(store.normalize(ALICE))!.attrs), alice, 'alice reads the same');
  t.equal(await purgeTombstones(store, 0), 0, 'a second purge finds nothing');

  const records = store.dbs.changelog.getCount();
  t.ok(records >= 2 * N + 4, `${records} changelog records`);
  // Counting by walking reads every page of the changelog: neither trim does.
  const log = store.dbs.changelog;
  const getCount = log.getCount.bind(log);
  let counted = 0;
  log.getCount = (...args: Parameters<typeof getCount>) => (counted++, getCount(...args));
  t.equal(await trimChangelog(store, { maxAgeMs: 86_400_000, maxRecords: 0, consumers: [] }), 0, 'none older than a day: none trimmed');
  t.equal(counted, 0, 'a trim by age did not walk the records');
  t.equal(await trimChangelog(store, { maxAgeMs: 86_400_000, maxRecords: 100, consumers: [] }), records - 100, 'down to maxRecords, over several slices');
  t.equal(counted, 0, 'nor a trim to a record cap');
  t.equal(store.dbs.changelog.getCount(), 100);
  const first = [...store.dbs.changelog.getKeys({ limit: 1 })][0] as string;
  t.ok(trimmedRuv(store)['1']! < first, 'the trimmed RUV ends before the first record kept');
  t.equal(await trimChangelog(store, { maxAgeMs: 86_400_000, maxRecords: 100, consumers: [] }), 0, 'a second trim finds nothing');
  t.equal(await trimChangelog(store, { maxAgeMs: 86_400_000, maxRecords: 10, consumers: [{}] }), 0, 'a consumer that lacks them keeps them');
});

/** Conflict-log records of changes made `ages[i]` ms ago, under the keys the store gives them. */
async function logConflicts(store: Store, ages: number[]): Promise<void> {
  await store.write(() => {
    ages.forEach((age, i) => {
      const csn = withSubseq(csnAtTime(store.now() - age), i);
      store.dbs.conflicts.put(`${csn}#0000`, { csn, kind: 'lww', uuid: `u${i}`, detail: 'test', at: store.now() - age });
    });
  });
}

t.test('the conflict log keeps records younger than its maxAge', async (t) => {
  const store = await scratchStore(t, 'meshdir-maint-');
  const day = 86_400_000;
  // 2,500 records of 40 days ago (more than one slice), 3 of yesterday, 2 of today.
  await logConflicts(store, [...Array.from({ length: 2500 }, () => 40 * day), day, day, day, 0, 0]);
  const keys = () => [...store.dbs.conflicts.getKeys()] as string[];
  const young = keys().slice(2500);
  t.equal(await trimConflicts(store, 0), 0, 'maxAge 0: kept for ever');
  t.equal(keys().length, 2505);
  t.equal(await trimConflicts(store, 30 * day), 2500, 'the records older than 30 days go, over two slices');
  t.same(keys(), young, 'the younger ones stay, in order');
  t.equal(await trimConflicts(store, 2 * 3_600_000), 3, 'a shorter maxAge takes yesterday\'s');
  t.equal(keys().length, 2, 'today\'s stay');
  const commits = () => store.commitPaths.direct + store.commitPaths.queued;
  const before = commits();
  t.equal(await trimConflicts(store, 30 * day), 0, 'nothing more to trim');
  t.equal(commits(), before, 'and no transaction for it');
});

t.test('a store counts the conflict log it opens (not the record of msgpack\'s shared structures)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-maint-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const open = () => new Store({ dataDir: dir, suffix: 'dc=example,dc=com', schema, indexes: {}, replicaId: 1, log: createLogger({ level: 'error' }) });
  let store = open();
  t.equal(store.conflictCount, 0, 'a new database: none');
  await logConflicts(store, [0, 0, 0]);
  await store.close();
  store = open();
  t.teardown(() => store.close());
  t.equal(store.conflictCount, 3, 'three records, counted at open');
  t.equal([...store.conflicts()].length, 3);
});
