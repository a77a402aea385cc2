// Store.classIds (the ids of an object class's entries, for referral objects
// and aliases) is kept between commits that cannot change it, and read again
// after one that can: an entry added or removed, objectClass values changed.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSchemaDir } from '../../../src/schema/load.js';
import { Store } from '../../../src/store/store.js';
import { localAdd, localDelete, localModify } from '../../../src/store/update.js';
import { createLogger } from '../../../src/log.js';

const schema = loadSchemaDir(new URL('../../../schema', import.meta.url).pathname);
const b = (s: string) => Buffer.from(s);
const root = { dn: 'cn=admin,dc=example,dc=com' };
const dn = (cn: string) => `cn=${cn},dc=example,dc=com`;

t.test('classIds follows adds, deletes and objectClass changes, and only those', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-class-ids-'));
  const store = new Store({ dataDir: dir, suffix: 'dc=example,dc=com', schema, indexes: { objectClass: ['eq'] }, replicaId: 1, log: createLogger({ level: 'silent' }) });
  t.teardown(async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); });
  const write = (fn: Parameters<Store['write']>[0]) => store.write(fn);
  await write((tx) => localAdd(tx, root, 'dc=example,dc=com', [{ type: 'objectClass', values: [b('dcObject'), b('organization')] }, { type: 'o', values: [b('Example')] }]));
  await write((tx) => localAdd(tx, root, dn('a'), [{ type: 'objectClass', values: [b('person')] }, { type: 'cn', values: [b('a')] }, { type: 'sn', values: [b('a')] }]));
  const idOf = (cn: string) => store.idOf(store.normalize(dn(cn)))!;

  t.same(store.classIds('referral'), [], 'no referral object yet');
  const first = store.classIds('referral');
  await write((tx) => localModify(tx, root, dn('a'), [{ op: 2, attr: 'description', values: [b('x')] }]));
  t.equal(store.classIds('referral'), first, 'a modify of another type keeps the cached list');

  await write((tx) => localAdd(tx, root, dn('r'), [{ type: 'objectClass', values: [b('referral'), b('extensibleObject')] }, { type: 'cn', values: [b('r')] }, { type: 'ref', values: [b('ldap://elsewhere/')] }]));
  t.same(store.classIds('referral'), [idOf('r')], 'an added referral object is seen');

  t.same(store.classIds('extensibleObject'), [idOf('r')], 'the class of one entry');
  await write((tx) => localModify(tx, root, dn('a'), [{ op: 0, attr: 'objectClass', values: [b('extensibleObject')] }]));
  t.same(store.classIds('extensibleObject'), [idOf('a'), idOf('r')].sort((x, y) => x - y), 'a class given by a modify is seen');

  await write((tx) => localDelete(tx, dn('r')));
  t.same(store.classIds('referral'), [], 'a deleted one is gone');
  t.same(store.classIds('extensibleObject'), [idOf('a')], 'from every class');
});
