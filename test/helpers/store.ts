// A scratch master store in a temporary directory, holding only the suffix
// entry (dc=example,dc=com), closed and removed when the test ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/log.js';
import { loadSchemaDir } from '../../src/schema/load.js';
import { Store } from '../../src/store/store.js';
import { open } from 'lmdb';
import { localAdd, localModify } from '../../src/store/update.js';
import { decodeRec, encodeRec } from '../../src/store/record.js';

export const SCHEMA = loadSchemaDir(new URL('../../schema', import.meta.url).pathname);
export const SUFFIX = 'dc=example,dc=com';
export const ROOT = { dn: `cn=admin,${SUFFIX}` };
export const b = (s: string): Buffer => Buffer.from(s);

export async function scratchStore(t: { teardown(fn: () => unknown): void }, prefix = 'meshdir-store-'): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const store = new Store({ dataDir: dir, suffix: SUFFIX, schema: SCHEMA, indexes: {}, replicaId: 1, log: createLogger({ level: 'silent' }) });
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await store.write((tx) => localAdd(tx, ROOT, SUFFIX, [{ type: 'objectClass', values: [b('dcObject'), b('organization')] }, { type: 'o', values: [b('Example')] }]));
  return store;
}

/** Person i of fillPeople. */
export const personDn = (i: number): string => `uid=u${i},ou=people,${SUFFIX}`;

/** The suffix entry, ou=people and `n` people under it, each its own write (as clients add them). */
export async function fillPeople(store: Store, n: number): Promise<void> {
  await store.write((tx) => localAdd(tx, ROOT, SUFFIX, [{ type: 'objectClass', values: [b('dcObject'), b('organization')] }, { type: 'o', values: [b('Example')] }]));
  await store.write((tx) => localAdd(tx, ROOT, `ou=people,${SUFFIX}`, [{ type: 'objectClass', values: [b('organizationalUnit')] }]));
  await Promise.all(Array.from({ length: n }, (_, i) => store.write((tx) => localAdd(tx, ROOT, personDn(i), [
    { type: 'objectClass', values: [b('inetOrgPerson')] }, { type: 'uid', values: [b(`u${i}`)] }, { type: 'cn', values: [b(`User ${i}`)] }, { type: 'sn', values: [b(`S${i}`)] },
  ]))));
}

/** Each of fillPeople's people modified once: the first change of an entry adds its CSN to the state (~40 octets). */
export async function modifyEachPerson(store: Store, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => store.write((tx) => localModify(tx, ROOT, personDn(i), [{ op: 2, attr: 'sn', values: [b(`T${i}`)] }]))));
}

/** Leaf pages of a named database of the (closed) LMDB environment in `dataDir`. */
export async function leafPages(dataDir: string, name: string): Promise<number> {
  const env = open({ path: dataDir, maxDbs: 32, readOnly: true });
  const st = env.openDB(name, { encoding: 'binary', keyEncoding: 'binary' }).getStats() as { treeLeafPageCount: number };
  await env.close();
  return st.treeLeafPageCount;
}

/**
 * Closes `store` (its data in `dataDir`) and rewrites its database as
 * formats before 12 stored it: each record alone and uncompressed, every
 * state in `core` by entryUUID; then `meta`'s keys (the format, …).
 */
export async function toOldLayout(store: Store, dataDir: string, meta: Record<string, unknown>): Promise<void> {
  // Read through the Store: lmdb-js decompresses the records it wrote.
  const recs = [...store.dbs.entries.getRange({})].map(({ key, value }) => decodeRec(key, Buffer.from(value)));
  await store.close();
  const env = open({ path: dataDir, maxDbs: 32 });
  const entries = env.openDB('entries', { keyEncoding: 'uint32', encoding: 'binary' });
  const core = env.openDB('core', { encoding: 'binary' });
  const metaDb = env.openDB('meta', {});
  env.transactionSync(() => {
    for (const rec of recs) {
      entries.putSync(rec.id, encodeRec(rec, undefined));
      core.putSync(rec.uuid, rec.state!);
    }
    for (const [k, v] of Object.entries(meta)) metaDb.putSync(k, v);
  });
  await env.close();
}
