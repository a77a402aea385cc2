// An agreement file edited into an invalid state and back is an edit: its
// changesSent keeps counting (README "Monitoring": "an edit keeps counting,
// a file removed and added again starts at 0"). While it is invalid its
// consumer gets nothing from it, so cn=monitor must not say it is in step
// (lagMs 0, no consumer, no consumerRuv): the lag grows as for a disabled
// agreement.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { LdapClient } from '../../src/ldap/client.js';
import { eventually, readEntry, REPL_DN, REPL_PW } from '../helpers/mesh.js';
import { cleanup, ROOT_DN, ROOT_PW, startServer, SUFFIX } from '../helpers/server.js';

const managers = `replication:\n  managers: ["${REPL_DN}"]\nlog: { level: info, access: false }`;
const c = await startServer({ role: 'consumer', yaml: managers });
const agreements = join(c.dir, 'm-agreements');
const m = await startServer({ seed: true, replicaId: 1, yaml: `${managers}\nagreementsDir: ${agreements}` });
t.teardown(async () => {
  await Promise.all([m.stop(), c.stop()]);
  for (const d of [m.dir, c.dir]) cleanup(d);
});

const root = async (url: string) => {
  const cl = await LdapClient.connect(url, { timeoutMs: 20_000 });
  await cl.bind(ROOT_DN, ROOT_PW);
  return cl;
};
const cc = await root(c.url);
await cc.add(REPL_DN, { objectClass: ['applicationProcess', 'simpleSecurityObject'], cn: 'replication manager', userPassword: REPL_PW });
cc.close();

const file = join(agreements, 'to-c.yaml');
const good = `consumer: ${c.url}\nbindDn: ${REPL_DN}\nbindPassword: ${REPL_PW}\ntransport: plain\nheartbeat: 1s\n`;
const put = (text: string) => {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
};
mkdirSync(agreements, { recursive: true });

const status = () => readEntry(m.url, 'cn=to-c,cn=replication,cn=monitor');

t.test('an invalid spell keeps the figures and shows the lag', async (t) => {
  const mc = await root(m.url);
  t.teardown(() => mc.close());
  put(good);
  await eventually(async () => (await status()).state?.[0] === 'in-sync', 20_000, 'in sync');
  for (let i = 0; i < 3; i++) await mc.modify(`uid=alice,ou=people,${SUFFIX}`, [{ op: 'replace', attr: 'description', values: [`v${i}`] }]);
  await eventually(async () => (await status()).changessent?.[0] === '15', 20_000, '12 seeded entries and 3 modifies sent');
  const before = await status();

  put(good + 'notAKey: 1\n');
  await eventually(async () => (await status()).state?.[0] === 'invalid', 20_000, 'invalid');
  await mc.modify(`uid=alice,ou=people,${SUFFIX}`, [{ op: 'replace', attr: 'description', values: ['while invalid'] }]);
  await new Promise((r) => setTimeout(r, 2000));
  const bad = await status();
  t.equal(bad.changessent?.[0], '15', 'changesSent is not reset by a broken edit');
  t.same(bad.consumer, [c.url], 'the consumer it fed is still named');
  t.same(bad.consumerruv, before.consumerruv, 'the consumer RUV last acknowledged is kept');
  t.ok(Number(bad.lagms?.[0]) >= 1500, `lagMs ${bad.lagms?.[0]}: the consumer lacks a change made 2 s ago`);

  put(good);
  await eventually(async () => (await status()).state?.[0] === 'in-sync', 20_000, 'in sync again');
  await eventually(async () => (await status()).changessent?.[0] === '16', 10_000, 'fixed: counting goes on from 15');
  t.equal((await status()).lagms?.[0], '0');
});
