// A scratch master store in a temporary directory, holding only the suffix
// entry (dc=example,dc=com), closed and removed when the test ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/log.js';
import { loadSchemaDir } from '../../src/schema/load.js';
import { Store } from '../../src/store/store.js';
import { localAdd } from '../../src/store/update.js';

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
