// cn=replication,cn=monitor's sessionsRefused (and
// meshdir_replication_sessions_total{result="refused"}) counts the sessions
// this server refused: also those refused for what the supplier sent, such
// as a database of another generation, while the supplier's agreement shows
// `generation-mismatch`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { LdapClient } from '../../src/ldap/client.js';
import { addReplManager, eventually, readEntry, REPL_DN, REPL_PW } from '../helpers/mesh.js';
import { cleanup, ROOT_DN, ROOT_PW, startServer } from '../helpers/server.js';

const managers = `replication:\n  managers: ["${REPL_DN}"]\nlog: { level: info, access: false }`;
// Two masters each loaded on its own: two generations.
const b = await startServer({ seed: true, replicaId: 2, yaml: managers });
const agreements = join(b.dir, 'a-agreements');
mkdirSync(agreements, { recursive: true });
const a = await startServer({ seed: true, replicaId: 1, yaml: `${managers}\nagreementsDir: ${agreements}` });
// A master given a's replicaId by mistake (a copied server file).
const twin = await startServer({ replicaId: 1, yaml: managers });
t.teardown(async () => {
  await Promise.all([a.stop(), b.stop(), twin.stop()]);
  for (const d of [a.dir, b.dir, twin.dir]) cleanup(d);
});

/** An agreement of a's for the server at `url`, which gets the Replication Manager a binds as. */
async function agreeTo(name: string, url: string): Promise<void> {
  await addReplManager(url);
  writeFileSync(join(agreements, `${name}.yaml`), `consumer: ${url}\nbindDn: ${REPL_DN}\nbindPassword: ${REPL_PW}\ntransport: plain\n`);
}

t.test('a session refused for another generation is counted as refused', async (t) => {
  await agreeTo('to-b', b.url);
  await eventually(async () => (await readEntry(a.url, 'cn=to-b,cn=replication,cn=monitor')).state?.[0] === 'generation-mismatch', 20_000, 'generation-mismatch');
  const top = await readEntry(b.url, 'cn=replication,cn=monitor');
  t.equal(top.sessionsaccepted?.[0], '0', 'none accepted');
  t.ok(Number(top.sessionsrefused?.[0]) >= 1, `sessionsRefused ${top.sessionsrefused?.[0]}: the refused start is counted`);
});

t.test('a master with the supplier\'s replicaId refuses its sessions', async (t) => {
  await agreeTo('to-twin', twin.url);
  let st: Record<string, string[]> = {};
  await eventually(async () => (st = await readEntry(a.url, 'cn=to-twin,cn=replication,cn=monitor')).state?.[0] === 'refused', 20_000, 'refused');
  t.match(st.detail?.[0], /replicaId 1 is this server's own/, `the status says why: ${st.detail?.[0]}`);
  t.match(twin.log.join('\n'), /the supplier has this server's replicaId/, 'and the consumer logs it');
  const top = await readEntry(twin.url, 'cn=replication,cn=monitor');
  t.equal(top.sessionsaccepted?.[0], '0', 'no session was accepted');
  const probe = await LdapClient.connect(twin.url);
  await probe.bind(ROOT_DN, ROOT_PW);
  const code = await probe.search('dc=example,dc=com', '(uid=alice)').then((r) => r.code, (e: { code?: number }) => e.code);
  probe.close();
  t.equal(code, 32, 'nothing of a\'s data reached it (not even the suffix entry)');
});
