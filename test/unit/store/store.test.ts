import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSchemaDir } from '../../../src/schema/load.js';
import { Store } from '../../../src/store/store.js';
import { FORMAT_VERSION, openDbs } from '../../../src/store/db.js';
import { localAdd, localDelete, localModify, localModrdn } from '../../../src/store/update.js';
import { createLogger } from '../../../src/log.js';
const silentLogger = createLogger({ level: 'error' });
import { LdapError, RC } from '../../../src/errors.js';

const schema = loadSchemaDir(new URL('../../../schema', import.meta.url).pathname);
const b = (s: string) => Buffer.from(s);
const root = { dn: 'cn=admin,dc=example,dc=com' };

function open(t: Test, extra: Partial<ConstructorParameters<typeof Store>[0]> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-store-'));
  const store = new Store({ dataDir: dir, suffix: 'dc=example,dc=com', schema, indexes: { uid: ['eq'], cn: ['eq', 'sub'], objectClass: ['eq'], mail: ['pres'] }, replicaId: 1, log: silentLogger, ...extra });
  t.teardown(async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); });
  return { store, dir };
}

/** A data directory of the test's and the options to open (and reopen) a store there. */
function reopenable(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, opts: { dataDir: dir, suffix: 'dc=example,dc=com', schema, indexes: {}, replicaId: 1, log: silentLogger } };
}

async function seed(store: Store) {
  await store.write((tx) => localAdd(tx, root, 'dc=example,dc=com', [{ type: 'objectClass', values: [b('dcObject'), b('organization')] }, { type: 'o', values: [b('Example')] }]));
  await store.write((tx) => localAdd(tx, root, 'ou=people,dc=example,dc=com', [{ type: 'objectClass', values: [b('organizationalUnit')] }]));
  await store.write((tx) => localAdd(tx, root, 'uid=alice,ou=people,dc=example,dc=com', [
    { type: 'objectClass', values: [b('inetOrgPerson')] }, { type: 'cn', values: [b('Alice Smith')] }, { type: 'sn', values: [b('Smith')] }, { type: 'mail', values: [b('alice@example.com')] },
  ]));
}

t.test('add, read back, indexes and operational attributes', async (t) => {
  const { store } = open(t);
  await seed(store);
  const rec = store.byNdn(store.normalize('UID=Alice, OU=People, DC=Example, DC=Com'));
  t.ok(rec, 'found by a differently written DN');
  t.equal(rec!.dn, 'uid=alice,ou=people,dc=example,dc=com');
  const names = rec!.attrs.map(([n]) => n);
  for (const n of ['entryUUID', 'entryCSN', 'createTimestamp', 'creatorsName', 'structuralObjectClass', 'uid']) t.ok(names.includes(n), n);
  t.match(rec!.attrs.find(([n]) => n === 'entryCSN')![1][0]!.toString(), /^\d{14}\.\d{6}Z#[0-9a-f]{6}#001#000000$/);
  const c = store.indexCandidates({ type: 'equality', attr: 'uid', value: b('ALICE') });
  t.same(c, { ids: [rec!.id], exact: true });
  const s = store.indexCandidates({ type: 'substrings', attr: 'cn', initial: b('ali'), any: [], final: b('smith') });
  t.same(s?.ids, [rec!.id]);
  t.same(store.indexCandidates({ type: 'present', attr: 'mail' })?.ids, [rec!.id]);
  t.equal(store.indexCandidates({ type: 'present', attr: 'telephoneNumber' }), undefined, 'unindexed → scan');
  t.ok(store.hasChildren(store.byNdn(store.normalize('ou=people,dc=example,dc=com'))!.id));
});

t.test('client semantics', async (t) => {
  const { store } = open(t);
  await seed(store);
  const code = async (p: Promise<unknown>) => { try { await p; return 0; } catch (e) { return (e as LdapError).code; } };
  t.equal(await code(store.write((tx) => localAdd(tx, root, 'uid=alice,ou=people,dc=example,dc=com', [{ type: 'objectClass', values: [b('account')] }]))), RC.entryAlreadyExists);
  t.equal(await code(store.write((tx) => localAdd(tx, root, 'uid=bob,ou=nowhere,dc=example,dc=com', [{ type: 'objectClass', values: [b('account')] }]))), RC.noSuchObject);
  t.equal(await code(store.write((tx) => localDelete(tx, 'ou=people,dc=example,dc=com'))), RC.notAllowedOnNonLeaf);
  t.equal(await code(store.write((tx) => localModify(tx, root, 'uid=alice,ou=people,dc=example,dc=com', [{ op: 0, attr: 'mail', values: [b('ALICE@example.com')] }]))), RC.attributeOrValueExists);
  t.equal(await code(store.write((tx) => localModify(tx, root, 'uid=alice,ou=people,dc=example,dc=com', [{ op: 1, attr: 'description', values: [] }]))), RC.noSuchAttribute);
  t.equal(await code(store.write((tx) => localModify(tx, root, 'uid=alice,ou=people,dc=example,dc=com', [{ op: 0, attr: 'bogus', values: [b('x')] }]))), RC.undefinedAttributeType);
  t.equal(await code(store.write((tx) => localAdd(tx, root, 'cn=x,dc=other', [{ type: 'objectClass', values: [b('person')] }]))), RC.unwillingToPerform);
  try {
    await store.write((tx) => localAdd(tx, root, 'uid=bob,ou=nowhere,dc=example,dc=com', [{ type: 'objectClass', values: [b('account')] }]));
  } catch (e) {
    t.equal((e as LdapError).matchedDN, 'dc=example,dc=com');
  }
});

t.test('modify, modrdn with subtree and delete keep indexes right', async (t) => {
  const { store } = open(t);
  await seed(store);
  const alice = 'uid=alice,ou=people,dc=example,dc=com';
  await store.write((tx) => localModify(tx, root, alice, [{ op: 2, attr: 'cn', values: [b('Alicia')] }, { op: 0, attr: 'employeeNumber', values: [b('7')] }]));
  t.same(store.indexCandidates({ type: 'equality', attr: 'cn', value: b('alice smith') })?.ids, []);
  t.equal(store.indexCandidates({ type: 'equality', attr: 'cn', value: b('alicia') })?.ids.length, 1);
  await store.write((tx) => localAdd(tx, root, 'ou=staff,dc=example,dc=com', [{ type: 'objectClass', values: [b('organizationalUnit')] }]));
  await store.write((tx) => localModrdn(tx, root, 'ou=people,dc=example,dc=com', 'ou=persons', true, 'ou=staff,dc=example,dc=com'));
  const moved = store.byNdn(store.normalize('uid=alice,ou=persons,ou=staff,dc=example,dc=com'));
  t.ok(moved, 'child DN follows its renamed parent');
  t.equal(store.byNdn(store.normalize(alice)), undefined);
  t.equal(moved!.attrs.find(([n]) => n === 'entryDN')![1][0]!.toString(), 'uid=alice,ou=persons,ou=staff,dc=example,dc=com');
  // A modify keeps the stored name without rebuilding it: it must be the renamed one.
  await store.write((tx) => localModify(tx, root, 'uid=alice,ou=persons,ou=staff,dc=example,dc=com', [{ op: 2, attr: 'sn', values: [b('Moved')] }]));
  const modified = store.byNdn(store.normalize('uid=alice,ou=persons,ou=staff,dc=example,dc=com'));
  t.equal(modified?.dn, 'uid=alice,ou=persons,ou=staff,dc=example,dc=com', 'a modify after the parent moved keeps the new DN');
  t.equal(modified!.attrs.find(([n]) => n === 'entryDN')![1][0]!.toString(), modified!.dn);
  t.equal(modified!.attrs.find(([n]) => n === 'sn')![1][0]!.toString(), 'Moved');
  await store.write((tx) => localDelete(tx, 'uid=alice,ou=persons,ou=staff,dc=example,dc=com'));
  t.equal(store.indexCandidates({ type: 'equality', attr: 'uid', value: b('alice') })?.ids.length, 0);
  t.equal(store.entryCount(), 3);
  t.equal([...store.dbs.changelog.getKeys()].length, 9, 'one changelog record per change (modrdn has two)');
});

t.test('a rename in place names the parent it keeps in its changelog record', async (t) => {
  const { store } = open(t);
  await seed(store);
  await store.write((tx) => localModrdn(tx, root, 'uid=alice,ou=people,dc=example,dc=com', 'uid=alicia', true));
  const people = store.byNdn(store.normalize('ou=people,dc=example,dc=com'))!;
  const renames = [...store.dbs.changelog.getRange({})].map(({ value }) => value as { op: string; parent?: string }).filter((c) => c.op === 'modrdn');
  t.equal(renames.length, 1);
  t.equal(renames[0]!.parent, people.uuid, 'parent: ou=people');
});

t.test('a database of another format is refused with both formats named, and left as it was', async (t) => {
  const { dir, opts } = reopenable(t);
  let s = new Store(opts);
  await seed(s);
  // Formats 5 and 6 are still read: see compression.test.ts.
  s.dbs.meta.putSync('format', 4);
  await s.close();
  t.throws(() => new Store(opts), { code: 'MESHDIR_STORE_FORMAT', message: `database format 4 is not supported by this version (expects 5 or 6 or 7 or 8 or 9 or 10 or 11 or ${FORMAT_VERSION})` });
  const dbs = openDbs(dir, { readOnly: true });
  t.equal(dbs.meta.get('format'), 4, 'format unchanged');
  t.equal(dbs.entries.getCount(), 3, 'entries untouched');
  await dbs.env.close();
});

t.test("children are kept in slapd's order (RDN length, then octets); a format 8 index of bare ids is rebuilt so", async (t) => {
  const { dir, opts } = reopenable(t);
  let s = new Store(opts);
  await seed(s);
  const people = 'ou=people,dc=example,dc=com';
  for (const uid of ['zed', 'bo', 'Émile', 'eve', 'al']) {
    await s.write((tx) => localAdd(tx, root, `uid=${uid},${people}`, [{ type: 'objectClass', values: [b('inetOrgPerson')] }, { type: 'cn', values: [b(uid)] }, { type: 'sn', values: [b(uid)] }]));
  }
  // Renamed: the index follows its new RDN.
  await s.write((tx) => localModrdn(tx, root, `uid=zed,${people}`, 'uid=z', true));
  const expected = ['uid=z', 'uid=al', 'uid=bo', 'uid=eve', 'uid=alice', 'uid=émile'];
  const kids = (st: Store) => [...st.childIds(st.idOf(st.normalize(people))!)].map((id) => st.byId(id)!.ndn.replace(`,${people}`, ''));
  t.same(kids(s), expected, 'by RDN length in octets (é is two), then by octets');
  const peopleId = s.idOf(s.normalize(people))!;
  await s.close();

  // As format 8 stored it: each parent's children as bare ids (ordered-binary numbers).
  const dbs = openDbs(dir);
  const old = dbs.env.openDB('children', { keyEncoding: 'uint32', dupSort: true, encoding: 'ordered-binary' });
  const pairs = [...dbs.entries.getRange()].map(({ key, value }) => [value.readUInt32LE(2), key] as const);
  dbs.env.transactionSync(() => {
    old.clearSync();
    for (const [parent, id] of pairs) old.putSync(parent, id);
    dbs.meta.putSync('format', 8);
  });
  await dbs.env.close();

  s = new Store(opts);
  t.teardown(() => s.close());
  t.equal(s.dbs.meta.get('format'), FORMAT_VERSION, 'upgraded');
  t.same(kids(s), expected, 'rebuilt in the same order');
  t.ok(s.hasChildren(peopleId));
  await s.write((tx) => localDelete(tx, `uid=eve,${people}`));
  t.same(kids(s), expected.filter((r) => r !== 'uid=eve'), 'a delete removes its child entry');
});

t.test('reopen keeps data, RUV and clock', async (t) => {
  const { dir, opts } = reopenable(t);
  let s = new Store(opts);
  await seed(s);
  const ruv = s.ruv;
  const gen = s.generationId;
  await s.close();
  s = new Store(opts);
  t.same(s.ruv, ruv);
  t.equal(s.generationId, gen);
  t.equal(s.entryCount(), 3);
  let csn = '';
  await s.write((tx) => { csn = tx.nextCsn(); });
  t.ok(csn > ruv['1']!, 'new CSNs come after those already issued');
  await s.close();
});
