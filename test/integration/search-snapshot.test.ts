// A search that ends before its walk of the scope does (a size limit here)
// must give back the LMDB read transaction its cursor holds: while a reader
// keeps an old snapshot, LMDB can reuse no page freed since, and every write
// grows data.mdb (a soak of three masters: 8 MB → 1.2 GB in two minutes,
// RSS with it). Checked from LMDB's reader table: after later writes, no
// reader of the server may still be on a snapshot from before them.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import t from 'tap';
import { LdapClient } from '../../src/ldap/client.js';
import { cleanup, REPO, ROOT_DN, ROOT_PW, startServer } from '../helpers/server.js';

const { open } = createRequire(join(REPO, 'package.json'))('lmdb');
const PEOPLE = 'ou=people,dc=example,dc=com';

const server = await startServer({ seed: true });
const c = await LdapClient.connect(server.url);
t.teardown(async () => {
  c.close();
  await server.stop();
  cleanup(server.dir);
});
await c.bind(ROOT_DN, ROOT_PW);

/** Readers of the server process and the last committed transaction, from lock.mdb. */
async function readers(): Promise<{ last: number; txnIds: number[] }> {
  const env = open({ path: join(server.dir, 'data'), readOnly: true });
  try {
    const last = env.getStats().lastTxnId as number;
    const txnIds = (env.readerList() as string)
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => Number(f[0]) === server.child.pid && /^\d+$/.test(f[2] ?? ''))
      .map((f) => Number(f[2]));
    return { last, txnIds };
  } finally {
    await env.close();
  }
}

for (const [name, search] of [
  ['a size limit', () => c.search(PEOPLE, '(cn=*a*)', { scope: 1, sizeLimit: 2, attributes: ['uid'] })],
  ['a size limit in a walk of the whole subtree', () => c.search('dc=example,dc=com', '(cn=*e*)', { scope: 2, sizeLimit: 1, attributes: ['uid'] })],
] as const) {
  t.test(`a search ended by ${name} keeps no snapshot`, async (t) => {
    const r = await search();
    t.equal(r.code, 4, 'sizeLimitExceeded: the walk stopped early');
    const before = (await readers()).last;
    // Each modify is one write transaction.
    for (let i = 0; i < 20; i++) await c.modify(`uid=alice,${PEOPLE}`, [{ op: 'replace', attr: 'description', values: `write ${name} ${i}` }]);
    const after = await readers();
    t.ok(after.last >= before + 20, `20 commits (${before} → ${after.last})`);
    const stale = after.txnIds.filter((id) => id <= before);
    t.same(stale, [], `no reader of the server on a snapshot from before the writes (readers: ${after.txnIds.join(', ') || 'none'})`);
  });
}
