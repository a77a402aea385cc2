// cn=operations,cn=monitor's entriesSent (meshdir_entries_sent_total: "Search
// result entries sent") counts every entry a search sends, those of the root
// DSE, cn=Subschema and cn=monitor included, as slapd's
// cn=Entries,cn=Statistics,cn=Monitor does.
import t from 'tap';
import { LdapClient } from '../../src/ldap/client.js';
import { cleanup, startServer, SUFFIX } from '../helpers/server.js';

const s = await startServer({ seed: true, replicaId: 1 });
t.teardown(async () => {
  await s.stop();
  cleanup(s.dir);
});

t.test('entriesSent counts every entry sent', async (t) => {
  const c = await LdapClient.connect(s.url);
  t.teardown(() => c.close());
  const sent = async () => {
    const r = await c.search('cn=operations,cn=monitor', '(objectClass=*)', { scope: 0, attributes: ['entriesSent'] });
    return Number(r.entries[0]!.attrs.find((a) => a.type === 'entriesSent')!.values[0]!.toString());
  };
  const before = await sent();
  t.equal((await c.search('', '(objectClass=*)', { scope: 0 })).entries.length, 1);
  t.equal((await c.search('cn=Subschema', '(objectClass=*)', { scope: 0 })).entries.length, 1);
  const people = (await c.search(`ou=people,${SUFFIX}`, '(objectClass=*)', { scope: 1 })).entries.length;
  // The monitor entry read first, the root DSE, cn=Subschema and the people.
  t.equal(await sent(), before + 1 + 1 + 1 + people);
});
