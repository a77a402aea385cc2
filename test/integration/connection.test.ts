// What one connection does that the command-line tools cannot show: many
// operations in flight, abandon, binds that fail, per-user access, and the
// access log line of every operation.
import { setTimeout as sleep } from 'node:timers/promises';
import messages from '@ldapjs/messages';
import t from 'tap';
import { cleanup, ROOT_DN, ROOT_PW, startServer, SUFFIX } from '../helpers/server.js';
import { Client, code, pdu, received, socket } from './ldap-client.js';

const { AbandonRequest, SearchRequest } = messages;

const server = await startServer({ seed: true });
const root = await Client.connect(server.url);
await root.bind(ROOT_DN, ROOT_PW);
t.teardown(async () => {
  await root.close();
  await server.stop();
  cleanup(server.dir);
});
const people = (uid: string): string => `uid=${uid},ou=people,${SUFFIX}`;
/** Entries added here; more than one search batch (512) so an abandon lands mid-search. */
const ADDED = 600;

t.test('hundreds of operations in flight on one connection', async (t) => {
  await Promise.all(Array.from({ length: ADDED }, (_, i) => root.add(people(`u${i}`), { objectClass: 'account', uid: `u${i}`, description: `n${i}` })));
  const picks = Array.from({ length: 60 }, (_, k) => (k * 37) % ADDED);
  const [searches, compares, failures] = await Promise.all([
    Promise.all(picks.map((i) => root.search(SUFFIX, { filter: `(uid=u${i})`, attributes: ['description'] }))),
    Promise.all(picks.map((i) => root.compare(people(`u${i}`), 'description', `n${i}`))),
    Promise.all(picks.map((i) => code(root.add(people(`u${i}`), { objectClass: 'account', uid: `u${i}` })))),
  ]);
  picks.forEach((i, k) => {
    t.same(searches[k], [{ dn: people(`u${i}`), attrs: { description: [`n${i}`] } }], `search ${k} got its own answer`);
  });
  t.ok(compares.every((x) => x === true), 'every compare matched its own entry');
  t.ok(failures.every((c) => c === 68), 'every duplicate add: entryAlreadyExists');
  const all = await root.search(`ou=people,${SUFFIX}`, { scope: 'one', filter: '(objectClass=account)', attributes: ['1.1'] });
  t.equal(all.length, ADDED);
});

t.test('abandon stops a search mid-way; the connection goes on', async (t) => {
  const s = await socket(server.url);
  const got = received(s);
  const all = new SearchRequest({ messageId: 1, baseObject: SUFFIX, scope: 'subtree', attributes: ['1.1'] });
  const abandon = new AbandonRequest({ messageId: 2, abandonId: 1 });
  s.write(Buffer.concat([pdu(all), pdu(abandon)]));
  await sleep(300);
  const next = new SearchRequest({ messageId: 3, baseObject: people('alice'), scope: 'base', attributes: ['1.1'] });
  s.write(pdu(next));
  for (let i = 0; i < 50 && !got.some((m) => m.messageId === 3 && m.type === 'SearchResultDone'); i++) await sleep(20);
  const first = got.filter((m) => m.messageId === 1);
  t.ok(first.length > 0 && first.length < ADDED, `some entries before the abandon took effect (${first.length})`);
  t.notOk(first.some((m) => m.type === 'SearchResultDone'), 'no SearchResultDone for the abandoned search');
  t.notOk(got.some((m) => m.messageId === 2), 'abandon has no response');
  t.same(got.filter((m) => m.messageId === 3).map((m) => [m.type, m.status]), [['SearchResultEntry', undefined], ['SearchResultDone', 0]]);
  s.destroy();
  const line = server.log.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.op === 'ABANDON' && l.target === 1);
  t.ok(line, 'the abandon is in the access log');
});

t.test('a failed bind leaves the connection anonymous', async (t) => {
  const c = await Client.connect(server.url);
  await c.bind(people('alice'), 'secret');
  t.equal(await c.whoami(), `dn:${people('alice')}`);
  t.equal(await code(c.bind(people('alice'), 'wrong')), 49, 'invalidCredentials');
  t.equal(await c.whoami(), '', 'anonymous again');
  t.equal(await code(c.modify(people('alice'), [['replace', 'userPassword', ['x']]])), 8, 'and may not write');
  t.equal(await code(c.bind(people('nobody'), 'secret')), 49);
  t.equal(await code(c.bind('not a dn', 'secret')), 34);
  t.equal(await c.whoami(), '');
  await c.close();
});

t.test('who may write what', async (t) => {
  const bob = await Client.connect(server.url);
  await bob.bind(people('bob'), 'secret');
  t.equal(await code(bob.modify(people('alice'), [['replace', 'description', ['x']]])), 50, 'another entry: insufficientAccessRights');
  t.equal(await code(bob.modify(people('bob'), [['replace', 'description', ['x']]])), 50, 'own entry, not the password: insufficientAccessRights');
  t.equal(await code(bob.add(people('b2'), { objectClass: 'account', uid: 'b2' })), 50);
  t.equal(await code(bob.del(people('u0'))), 50);
  t.equal(await code(bob.modifyDN(people('u0'), people('u0x'))), 50);
  await bob.modify(people('bob'), [['replace', 'userPassword', ['bob-new']]]);
  const again = await Client.connect(server.url);
  await again.bind(people('bob'), 'bob-new');
  t.equal(await again.whoami(), `dn:${people('bob')}`, 'own password change allowed');
  t.equal(await code(again.bind(people('bob'), 'secret')), 49);
  await Promise.all([bob.close(), again.close()]);
  const seen = await root.search(people('bob'), { scope: 'base', attributes: ['description'] });
  t.same(seen[0]?.attrs, {}, 'nothing else changed');
});

t.test('one access-log line per operation', async (t) => {
  const c = await Client.connect(server.url);
  await c.bind(people('carol'), 'secret');
  await c.search(people('carol'), { scope: 'base' });
  await code(c.modify(people('alice'), [['replace', 'description', ['x']]]));
  await c.close();
  await sleep(100);
  const lines = server.log.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'op');
  const conn = lines.find((l) => l.op === 'BIND' && l.dn === people('carol'))?.conn;
  t.type(conn, 'number', 'the bind is logged with its connection');
  const mine = lines.filter((l) => l.conn === conn);
  t.same(mine.map((l) => [l.op, l.dn, l.err]), [
    ['BIND', people('carol'), 0],
    ['SRCH', people('carol'), 0],
    ['MOD', people('alice'), 50],
    ['UNBIND', '', 0],
  ]);
  for (const l of mine) t.ok(typeof l.ms === 'number' && l.ms >= 0, `${String(l.op)}: elapsed ms`);
  t.match(mine[1], { scope: 0, filter: '(objectclass=*)', nentries: 1 });
});
