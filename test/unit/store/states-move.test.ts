// Format 12 keeps a shown entry's state after its record (record.ts); a
// database of format 11 or older, which kept every state in `core`, has
// them moved on its first open, a slice per transaction, and a move cut
// short goes on at the next open.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/log.js';
import { FORMAT_VERSION } from '../../../src/store/db.js';
import { decodeRec } from '../../../src/store/record.js';
import { Store } from '../../../src/store/store.js';
import { localDelete, localModify } from '../../../src/store/update.js';
import { b, fillPeople, personDn, ROOT, SCHEMA, SUFFIX, toOldLayout } from '../../helpers/store.js';

const N = 6000; // more than one slice of the move (5,000)
const DELETED = 50;

const openStore = (dataDir: string) =>
  new Store({ dataDir, suffix: SUFFIX, schema: SCHEMA, indexes: {}, replicaId: 1, log: createLogger({ level: 'silent' }) });

async function fill(t: Test): Promise<{ dir: string; states: Map<string, unknown>; tombstones: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-states-move-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const store = openStore(dir);
  await fillPeople(store, N);
  await store.write((tx) => localModify(tx, ROOT, personDn(1), [{ op: 1, attr: 'cn', values: [b('User 1')] }, { op: 0, attr: 'cn', values: [b('One')] }]));
  await store.write((tx) => {
    for (let i = N - DELETED; i < N; i++) localDelete(tx, personDn(i));
  });
  const states = new Map([...store.states()].map(({ uuid, raw }) => [uuid, store.fromRaw(raw, uuid)]));
  const tombstones = store.dbs.core.getCount();
  await store.close();
  return { dir, states, tombstones };
}

async function check(t: Test, dir: string, states: Map<string, unknown>, tombstones: number): Promise<void> {
  const store = openStore(dir);
  t.teardown(() => store.close());
  t.equal(store.dbs.meta.get('format'), FORMAT_VERSION, 'format 12');
  t.equal(store.dbs.meta.get('statesMoving'), undefined, 'the move is over');
  t.equal(store.dbs.core.getCount(), tombstones, `only the ${tombstones} tombstones' states are left in core`);
  let inRecords = 0;
  for (const { value } of store.dbs.entries.getRange({})) if (decodeRec(0, Buffer.from(value)).state) inRecords++;
  t.equal(inRecords, N + 2 - DELETED, 'every shown entry has its state after its record');
  const now = new Map([...store.states()].map(({ uuid, raw }) => [uuid, store.fromRaw(raw, uuid)]));
  t.equal(now.size, states.size, `${states.size} states, as before`);
  let same = 0;
  for (const [uuid, s] of states) if (JSON.stringify(now.get(uuid)) === JSON.stringify(s)) same++;
  t.equal(same, states.size, 'each the same');
  await store.write((tx) => localModify(tx, ROOT, personDn(1), [{ op: 0, attr: 'cn', values: [b('Uno')] }]));
  t.same(store.byNdn(store.normalize(personDn(1)))?.get('cn')?.map(String), ['One', 'Uno'], 'a moved state takes changes');
}

t.test('a format 11 database: the states of shown entries move to their records', async (t) => {
  const { dir, states, tombstones } = await fill(t);
  t.ok(tombstones >= DELETED, `${tombstones} tombstones`);
  await toOldLayout(openStore(dir), dir, { format: 11 });
  await check(t, dir, states, tombstones);
});

t.test('a move cut short (format 12 marked moving) goes on at the next open', async (t) => {
  const { dir, states, tombstones } = await fill(t);
  await toOldLayout(openStore(dir), dir, { format: 12, statesMoving: true });
  await check(t, dir, states, tombstones);
});
