// Entry records and states are stored LZ4-compressed with a fixed dictionary
// (src/store/dictionary.ts): what is stored is smaller, reads give back the
// same octets, large values survive, and a database written before
// compression (format 5) is read as it is and upgraded.
import t from 'tap';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open as openLmdb } from 'lmdb';
import { loadSchemaDir } from '../../../src/schema/load.js';
import { Store } from '../../../src/store/store.js';
import { FORMAT_VERSION } from '../../../src/store/db.js';
import { DICTIONARY } from '../../../src/store/dictionary.js';
import { localAdd, localModify } from '../../../src/store/update.js';
import { toOldLayout } from '../../helpers/store.js';
import { createLogger } from '../../../src/log.js';

const schema = loadSchemaDir(new URL('../../../schema', import.meta.url).pathname);
const log = createLogger({ level: 'error' });
const b = (s: string) => Buffer.from(s);
const root = { dn: 'cn=admin,dc=example,dc=com' };
const SUFFIX = 'dc=example,dc=com';

function options(dir: string) {
  return { dataDir: dir, suffix: SUFFIX, schema, indexes: { uid: ['eq' as const] }, replicaId: 1, log };
}

async function seed(store: Store, photo?: Buffer): Promise<void> {
  await store.write((tx) => localAdd(tx, root, SUFFIX, [{ type: 'objectClass', values: [b('dcObject'), b('organization')] }, { type: 'o', values: [b('Example')] }]));
  await store.write((tx) => localAdd(tx, root, `ou=people,${SUFFIX}`, [{ type: 'objectClass', values: [b('organizationalUnit')] }]));
  for (const uid of ['alice', 'bob']) {
    await store.write((tx) => localAdd(tx, root, `uid=${uid},ou=people,${SUFFIX}`, [
      { type: 'objectClass', values: [b('top'), b('person'), b('organizationalPerson'), b('inetOrgPerson')] },
      { type: 'cn', values: [b(`${uid} Smith`)] }, { type: 'sn', values: [b('Smith')] }, { type: 'mail', values: [b(`${uid}@example.com`)] },
      { type: 'telephoneNumber', values: [b('+1 555 0100')] }, { type: 'description', values: [b(`the entry of ${uid}`)] },
      ...(photo && uid === 'bob' ? [{ type: 'jpegPhoto', values: [photo] }] : []),
    ]));
  }
}

/** Every record of `name` as stored, read without lmdb-js' decompression (a second handle in the same process would share the first one's options). */
function rawRecords(dir: string, name: string, uint32: boolean): Buffer[] {
  const env = openLmdb({ path: dir, maxDbs: 32, readOnly: true });
  try {
    const db = env.openDB(name, { keyEncoding: uint32 ? 'uint32' : 'binary', encoding: 'binary' });
    return [...db.getRange({})].map(({ value }) => Buffer.from(value as Buffer));
  } finally {
    void env.close();
  }
}

t.test('the dictionary is the one databases were written with', async (t) => {
  // Changing it makes every compressed record unreadable: see dictionary.ts.
  t.equal(DICTIONARY.length % 8, 0, 'a multiple of 8 octets (lmdb-js ignores a remainder)');
  t.equal(createHash('sha256').update(DICTIONARY).digest('hex'), 'c17e61c1f118ecca1a5df25c9663fca1fe1c673dc863367b36bb686d8d22bb1d');
});

t.test('entries and states are stored compressed and read back whole', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-lz4-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // A photo far larger than lmdb-js' read buffer, of incompressible octets.
  const photo = createHash('sha512').update('x').digest();
  const big = Buffer.concat(Array.from({ length: 6000 }, (_, i) => createHash('sha512').update(photo).update(String(i)).digest()));
  const store = new Store(options(dir));
  await seed(store, big);
  await store.write((tx) => localModify(tx, root, `uid=alice,ou=people,${SUFFIX}`, [{ op: 2, attr: 'description', values: [b('changed')] }]));
  const alice = store.byNdn(store.normalize(`uid=alice,ou=people,${SUFFIX}`))!;
  t.same(alice.attrs.find(([n]) => n === 'description')?.[1].map(String), ['changed']);
  const bob = store.byNdn(store.normalize(`uid=bob,ou=people,${SUFFIX}`))!;
  t.ok(bob.attrs.find(([n]) => n === 'jpegPhoto')?.[1][0]?.equals(big), `a ${big.length}-octet value reads back the same`);
  const plain = { entries: store.dbs.entries.getBinary(alice.id)!.length };
  await store.close();

  const entries = rawRecords(dir, 'entries', true);
  t.equal(entries.length, 4);
  t.ok(entries.every((r) => r[0] === 254 || r[0] === 255), 'every entry record carries the LZ4 mark');
  const aliceRaw = entries.find((r) => r.length < plain.entries);
  t.ok(aliceRaw && aliceRaw.length < plain.entries * 0.75, `alice's record: ${aliceRaw?.length} octets stored for ${plain.entries}`);
  t.equal(rawRecords(dir, 'core', false).length, 0, 'no state in `core`: each is in its entry\'s record, compressed with it');

  const again = new Store(options(dir));
  t.teardown(() => again.close());
  t.ok(again.byNdn(again.normalize(`uid=bob,ou=people,${SUFFIX}`))!.attrs.find(([n]) => n === 'jpegPhoto')?.[1][0]?.equals(big), 'and after reopening');
});

t.test('a format 5 database (records not compressed, states apart) is read as it is and upgraded', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-lz4-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let store = new Store(options(dir));
  await seed(store);
  t.equal([...store.states()].length, 4, 'a state for each entry');
  const aliceState = store.getStored(store.byNdn(store.normalize(`uid=alice,ou=people,${SUFFIX}`))!.uuid);
  // Written back as a format 5 server left it: the same records, uncompressed, the states apart.
  await toOldLayout(store, dir, { format: 5 });
  t.ok(rawRecords(dir, 'entries', true).every((r) => r[0] === 1), 'the records are stored as format 5 wrote them');

  store = new Store(options(dir));
  t.teardown(() => store.close());
  t.equal(store.dbs.meta.get('format'), FORMAT_VERSION, 'upgraded');
  t.equal(store.dbs.core.getCount(), 0, 'the states left `core`');
  const alice = store.byNdn(store.normalize(`uid=alice,ou=people,${SUFFIX}`));
  t.ok(alice?.state, 'for the end of their records');
  t.same(store.getStored(alice!.uuid), aliceState, 'alice\'s state as it was');
  t.same(alice?.attrs.find(([n]) => n === 'mail')?.[1].map(String), ['alice@example.com'], 'an old record is read');
  await store.write((tx) => localModify(tx, root, `uid=alice,ou=people,${SUFFIX}`, [{ op: 0, attr: 'mail', values: [b('a2@example.com')] }]));
  t.same(store.byNdn(store.normalize(`uid=alice,ou=people,${SUFFIX}`))?.attrs.find(([n]) => n === 'mail')?.[1].map(String), ['alice@example.com', 'a2@example.com'], 'its state is read and written again');
});
