// The compacted copy (src/store/compact.ts) on real LMDB files: every record
// of every named database arrives byte for byte, the copy takes writes, and
// the in-place rewrite replaces the file only with a complete copy.
import t, { type Test } from 'tap';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { loadSchemaDir } from '../../../src/schema/load.js';
import { Store } from '../../../src/store/store.js';
import { compactInPlace, writeCompactCopy } from '../../../src/store/compact.js';
import { localAdd, localDelete, localModify } from '../../../src/store/update.js';
import { createLogger } from '../../../src/log.js';
import { fillPeople, leafPages, modifyEachPerson } from '../../helpers/store.js';

const schema = loadSchemaDir(new URL('../../../schema', import.meta.url).pathname);
const log = createLogger({ level: 'error' });
const b = (s: string) => Buffer.from(s);
const root = { dn: 'cn=admin,dc=example,dc=com' };
const SUFFIX = 'dc=example,dc=com';
const DBS = ['entries', 'dn2id', 'uuid2id', 'children', 'idx', 'meta', 'config', 'core', 'coreidx', 'changelog', 'conflicts', 'stage'];
const UINT32 = new Set(['entries', 'children', 'stage']);
const DUP = new Set(['children', 'idx', 'coreidx']);

function tmp(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-compact-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function openStore(dataDir: string): Store {
  return new Store({ dataDir, suffix: SUFFIX, schema, indexes: { uid: ['eq'], cn: ['eq', 'sub'], objectClass: ['eq'] }, replicaId: 1, log });
}

/** A store with adds, modifies and deletes behind it: free pages, tombstones, changelog, dupsort indexes. */
async function filled(dataDir: string, n = 300): Promise<void> {
  const store = openStore(dataDir);
  await store.write((tx) => localAdd(tx, root, SUFFIX, [{ type: 'objectClass', values: [b('dcObject'), b('organization')] }, { type: 'o', values: [b('Example')] }]));
  await store.write((tx) => localAdd(tx, root, `ou=people,${SUFFIX}`, [{ type: 'objectClass', values: [b('organizationalUnit')] }]));
  const dn = (i: number) => `uid=u${i},ou=people,${SUFFIX}`;
  await Promise.all(Array.from({ length: n }, (_, i) => store.write((tx) => localAdd(tx, root, dn(i), [
    { type: 'objectClass', values: [b('inetOrgPerson')] }, { type: 'cn', values: [b(`User ${i}`)] }, { type: 'sn', values: [b(`S${i}`)] },
    { type: 'description', values: [b('x'.repeat(500 + (i % 7) * 300))] },
  ]))));
  await Promise.all(Array.from({ length: n / 2 }, (_, i) => store.write((tx) => localModify(tx, root, dn(i * 2), [{ op: 2, attr: 'cn', values: [b(`Renamed ${i}`), b(`Other ${i}`)] }]))));
  await Promise.all(Array.from({ length: n / 3 }, (_, i) => store.write((tx) => localDelete(tx, dn(i * 3 + 1)))));
  await store.close();
}

/** Every record of every named database, as raw bytes. */
function dump(env: RootDatabase): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const name of DBS) {
    const db = env.openDB(name, { keyEncoding: UINT32.has(name) ? 'uint32' : 'binary', encoding: 'binary', dupSort: DUP.has(name) });
    out[name] = [...db.getRange()].map(({ key, value }) => `${Buffer.isBuffer(key) ? key.toString('hex') : String(key)}=${(value as Buffer).toString('hex')}`);
  }
  return out;
}

t.test('the copy holds every record of every database, and takes writes', async (t) => {
  const dir = tmp(t);
  await filled(join(dir, 'a'));
  const src = open({ path: join(dir, 'a'), maxDbs: 32, readOnly: true });
  const before = dump(src);
  const copied = await writeCompactCopy(src, join(dir, 'b'));
  await src.close();
  t.equal(copied, Object.values(before).reduce((n, r) => n + r.length, 0), 'count of records copied');
  for (const name of ['entries', 'core', 'changelog', 'idx', 'coreidx', 'children']) t.ok(before[name]!.length > 0, `${name} has records to copy`);
  const dst = open({ path: join(dir, 'b'), maxDbs: 32, readOnly: true });
  const after = dump(dst);
  await dst.close();
  t.same(after, before, 'byte for byte, database by database');
  for (const f of ['data.mdb', 'lock.mdb']) t.equal(statSync(join(dir, 'b', f)).mode & 0o777, 0o600, `copy's ${f} is the owner's only`);

  const store = openStore(join(dir, 'b'));
  t.teardown(() => store.close());
  await Promise.all(Array.from({ length: 200 }, (_, i) => store.write((tx) => localAdd(tx, root, `uid=new${i},ou=people,${SUFFIX}`, [
    { type: 'objectClass', values: [b('inetOrgPerson')] }, { type: 'cn', values: [b(`New ${i}`)] }, { type: 'sn', values: [b('N')] },
  ]))));
  await store.write((tx) => localModify(tx, root, `uid=u0,ou=people,${SUFFIX}`, [{ op: 2, attr: 'sn', values: [b('changed')] }]));
  t.ok(store.byNdn(store.normalize(`uid=new199,ou=people,${SUFFIX}`)), 'an entry added to the copy is there');
  t.ok(store.byNdn(store.normalize(`uid=u2,ou=people,${SUFFIX}`)), 'an entry of the original is there');
  t.notOk(store.byNdn(store.normalize(`uid=u1,ou=people,${SUFFIX}`)), 'a deleted entry stays deleted');
  t.same(store.indexCandidates({ type: 'equality', attr: 'cn', value: b('new 5') })?.ids.length, 1, 'indexes of the copy answer');
});

t.test('the copy leaves room in the records\' pages (their states grow): every entry modified once splits none of them', async (t) => {
  const dir = tmp(t);
  const n = 2000;
  let store = openStore(join(dir, 'a'));
  await fillPeople(store, n);
  await store.close();
  const src = open({ path: join(dir, 'a'), maxDbs: 32, readOnly: true });
  await writeCompactCopy(src, join(dir, 'b'));
  await src.close();
  const pages0 = await leafPages(join(dir, 'b'), 'entries');
  store = openStore(join(dir, 'b'));
  await modifyEachPerson(store, n);
  await store.close();
  const pages1 = await leafPages(join(dir, 'b'), 'entries');
  t.ok(pages0 > 20, `the records and their states fill ${pages0} leaf pages`);
  t.ok(pages1 <= pages0 * 1.1, `record leaf pages ${pages0} → ${pages1} after a modify of each entry (full pages would split: ~2×)`);
});

t.test('a database with a named database meshdir does not know is refused, not copied without it', async (t) => {
  const dir = tmp(t);
  await filled(join(dir, 'a'), 6);
  const env = open({ path: join(dir, 'a'), maxDbs: 32 });
  await env.openDB('stranger', {}).put('k', 'v');
  await t.rejects(writeCompactCopy(env, join(dir, 'b')), /database "stranger" is not one of meshdir's/);
  await env.close();
});

t.test('compactInPlace: a smaller file with the same records; the original stays if the copy fails', async (t) => {
  const dir = tmp(t);
  const data = join(dir, 'data');
  await filled(data, 600);
  let env = open({ path: data, maxDbs: 32, readOnly: true });
  const before = dump(env);
  await env.close();
  const r = await compactInPlace(data);
  t.ok(r.after < r.before, `file shrank: ${r.summary}`);
  t.notOk(existsSync(join(data, '.compact')), 'no scratch copy left behind');
  env = open({ path: data, maxDbs: 32, readOnly: true });
  t.same(dump(env), before, 'same records after the rewrite');
  await env.close();

  // A foreign database makes the copy fail: the original file must stay as it was.
  env = open({ path: data, maxDbs: 32 });
  await env.openDB('stranger', {}).put('k', 'v');
  await env.close();
  await t.rejects(compactInPlace(data), /stranger/);
  env = open({ path: data, maxDbs: 32, readOnly: true });
  t.same(dump(env), before, 'original untouched');
  await env.close();
});

t.test('database files are the owner\'s only (0600, directory 0700), also files made before this rule', async (t) => {
  const dir = tmp(t);
  const data = join(dir, 'fresh');
  const store = openStore(data);
  await store.close();
  t.equal(statSync(data).mode & 0o777, 0o700, 'new data directory 0700');
  for (const f of ['data.mdb', 'lock.mdb']) t.equal(statSync(join(data, f)).mode & 0o777, 0o600, `new ${f} 0600`);
  for (const f of ['data.mdb', 'lock.mdb']) chmodSync(join(data, f), 0o644);
  await openStore(data).close();
  for (const f of ['data.mdb', 'lock.mdb']) t.equal(statSync(join(data, f)).mode & 0o777, 0o600, `a world-readable ${f} is made 0600 when opened`);
});
