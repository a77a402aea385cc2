// `meshdir export` reads one snapshot, as slapcat holds one read
// transaction: writes committed while it runs (the server is up) change
// nothing in it. Reading each entry at its latest instead once left out an
// entry moved under a parent added after the dump began (it waited for a
// parent the dump had not listed) and mixed old and new states.
import t from 'tap';
import { localAdd, localDelete, localModify, localModrdn } from '../../../src/store/update.js';
import { exportLdif } from '../../../src/cli/export.js';
import { b, ROOT as root, scratchStore, SUFFIX } from '../../helpers/store.js';
const dns = (ldif: string): string[] => ldif.split('\n').filter((l) => l.startsWith('dn: ')).map((l) => l.slice(4));

t.test('an export sees the data as it was when it began', async (t) => {
  const store = await scratchStore(t, 'meshdir-export-snap-');
  await store.write((tx) => localAdd(tx, root, `ou=people,${SUFFIX}`, [{ type: 'objectClass', values: [b('organizationalUnit')] }, { type: 'ou', values: [b('people')] }]));
  for (const uid of ['a', 'b', 'c']) {
    await store.write((tx) => localAdd(tx, root, `uid=${uid},ou=people,${SUFFIX}`, [{ type: 'objectClass', values: [b('account')] }, { type: 'uid', values: [b(uid)] }]));
  }
  const before = [...exportLdif(store)].join('');

  const dump = exportLdif(store);
  const first = dump.next();
  t.notOk(first.done, 'the dump has begun');
  // While it runs: a new parent, an entry moved under it, a delete, a modify.
  await store.write((tx) => localAdd(tx, root, `ou=new,${SUFFIX}`, [{ type: 'objectClass', values: [b('organizationalUnit')] }, { type: 'ou', values: [b('new')] }]));
  await store.write((tx) => localModrdn(tx, root, `uid=c,ou=people,${SUFFIX}`, 'uid=c', true, `ou=new,${SUFFIX}`));
  await store.write((tx) => localDelete(tx, `uid=b,ou=people,${SUFFIX}`));
  await store.write((tx) => localModify(tx, root, `uid=a,ou=people,${SUFFIX}`, [{ op: 2, attr: 'description', values: [b('later')] }]));
  const during = (first.value as string) + [...dump].join('');
  t.equal(during, before, 'the same octets as a dump taken before the writes');

  const after = dns([...exportLdif(store)].join(''));
  t.same(after, [SUFFIX, `ou=people,${SUFFIX}`, `uid=a,ou=people,${SUFFIX}`, `ou=new,${SUFFIX}`, `uid=c,ou=new,${SUFFIX}`], 'a dump after them has them');
});
