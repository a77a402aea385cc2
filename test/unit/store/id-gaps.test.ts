// When an unindexed subtree search from the suffix walks the tree instead of
// listing entry ids (search.ts idsHaveGaps): as back-mdb, once its id range —
// from the first id to the last one handed out — holds more ids than there
// are entries. Entries added and deleted at the end of the id space count.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSchemaDir } from '../../../src/schema/load.js';
import { Store } from '../../../src/store/store.js';
import { localAdd, localDelete } from '../../../src/store/update.js';
import { createLogger } from '../../../src/log.js';
import { idsHaveGaps } from '../../../src/ldap/ops/search.js';

const schema = loadSchemaDir(new URL('../../../schema', import.meta.url).pathname);
const b = (s: string) => Buffer.from(s);
const root = { dn: 'cn=admin,dc=example,dc=com' };
const SUFFIX = 'dc=example,dc=com';

t.test('a gap in the id range, also at its end', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-gaps-'));
  const store = new Store({ dataDir: dir, suffix: SUFFIX, schema, indexes: {}, replicaId: 1, log: createLogger({ level: 'silent' }) });
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await store.write((tx) => localAdd(tx, root, SUFFIX, [{ type: 'objectClass', values: [b('dcObject'), b('organization')] }, { type: 'o', values: [b('Example')] }]));
  const ou = (name: string) => store.write((tx) => localAdd(tx, root, `ou=${name},${SUFFIX}`, [{ type: 'objectClass', values: [b('organizationalUnit')] }, { type: 'ou', values: [b(name)] }]));
  await ou('a');
  await ou('b');
  t.equal(idsHaveGaps(store), false, 'ids 1-3, three entries');
  await store.write((tx) => localDelete(tx, `ou=b,${SUFFIX}`));
  t.equal(idsHaveGaps(store), true, 'the last one deleted: ids handed out up to 3, two entries');
  await ou('c');
  await store.write((tx) => localDelete(tx, `ou=a,${SUFFIX}`));
  t.equal(idsHaveGaps(store), true, 'one deleted in the middle');
});
