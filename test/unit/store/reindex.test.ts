// An index added to (or dropped from) the server file, or a change of
// uniqueAttributes, on a database that already holds entries: the indexes
// are rebuilt at open (reindex.ts) instead of answering for another
// configuration.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/log.js';
import { reconcileIndexes } from '../../../src/store/reindex.js';
import { Store } from '../../../src/store/store.js';
import type { PolicyConfig } from '../../../src/store/rules.js';
import { localAdd } from '../../../src/store/update.js';
import { b, ROOT, SCHEMA, SUFFIX } from '../../helpers/store.js';

const dir = mkdtempSync(join(tmpdir(), 'meshdir-reindex-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const open = (indexes: Record<string, string[]>, policies?: PolicyConfig): Store =>
  new Store({ dataDir: dir, suffix: SUFFIX, schema: SCHEMA, indexes, replicaId: 1, log: createLogger({ level: 'silent' }), ...(policies ? { policies } : {}) });
const person = (uid: string) => [
  { type: 'objectClass', values: [b('inetOrgPerson')] },
  { type: 'uid', values: [b(uid)] },
  { type: 'cn', values: [b(uid)] },
  { type: 'sn', values: [b(uid)] },
  { type: 'mail', values: [b(`${uid}@example.com`)] },
];
const byMail = (s: Store, mail: string) => s.indexCandidates({ type: 'equality', attr: 'mail', value: b(mail) })?.ids;
const keysOf = (s: Store, db: 'idx' | 'coreIdx', prefix: string) => [...(s.dbs[db].getKeys({}) as Iterable<string>)].filter((k) => k.startsWith(prefix));

t.test('entries written before an index was configured are found through it', async (t) => {
  let s = open({});
  t.equal(reconcileIndexes(s), undefined, 'an empty database: nothing to rebuild');
  await s.write((tx) => localAdd(tx, ROOT, SUFFIX, [{ type: 'objectClass', values: [b('dcObject'), b('organization')] }, { type: 'o', values: [b('Example')] }]));
  await s.write((tx) => localAdd(tx, ROOT, `uid=alice,${SUFFIX}`, person('alice')));
  await s.write((tx) => localAdd(tx, ROOT, `uid=bob,${SUFFIX}`, person('bob')));
  const alice = s.byNdn(s.normalize(`uid=alice,${SUFFIX}`))!.id;
  await s.close();

  s = open({ mail: ['eq', 'sub'] });
  t.same(byMail(s, 'alice@example.com'), [], 'opened with the new index and not rebuilt, it would answer nothing');
  const r = reconcileIndexes(s);
  t.same(r?.built, ['mail']);
  t.equal(r?.read, 3, 'every entry read once');
  t.same(byMail(s, 'ALICE@example.com'), [alice], 'rebuilt: the equality key holds alice');
  t.ok(keysOf(s, 'idx', 'mail\0s\0').length > 0, 'and the substring keys are there');
  t.equal(reconcileIndexes(s), undefined, 'opened again with the same indexes: nothing to do');
  await s.close();

  s = open({});
  t.same(reconcileIndexes(s)?.dropped, ['mail']);
  t.same(keysOf(s, 'idx', 'mail\0'), [], 'the keys of an index no longer configured are removed');
  await s.close();
});

t.test('a change of uniqueAttributes rebuilds the replication index', async (t) => {
  let s = open({});
  t.same(keysOf(s, 'coreIdx', 'u\0'), [], 'no unique attributes: no unique keys');
  await s.close();
  s = open({}, { uniqueAttributes: { uid: 'rename' } });
  t.equal(reconcileIndexes(s)?.core, true);
  t.same(keysOf(s, 'coreIdx', 'u\0').length, 2, 'alice and bob hold their uid under the new rule');
  await s.close();
  s = open({});
  t.equal(reconcileIndexes(s)?.core, true);
  t.same(keysOf(s, 'coreIdx', 'u\0'), [], 'and drop them when it goes');
  await s.close();
});
