// When an unindexed subtree search from the suffix walks the tree instead of
// listing entry ids (search.ts idsHaveGaps): as back-mdb, once its id range —
// from the first id to the last one handed out — holds more ids than there
// are entries. Entries added and deleted at the end of the id space count.
import t from 'tap';
import { localAdd, localDelete } from '../../../src/store/update.js';
import { idsHaveGaps } from '../../../src/ldap/ops/search.js';
import { b, ROOT as root, scratchStore, SUFFIX } from '../../helpers/store.js';

t.test('a gap in the id range, also at its end', async (t) => {
  const store = await scratchStore(t, 'meshdir-gaps-');
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
