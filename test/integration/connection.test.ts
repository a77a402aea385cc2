// What one connection does that the command-line tools cannot show: many
// operations in flight, abandon, binds that fail, per-user access, and the
// access log line of every operation.
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { cleanup, ROOT_DN, ROOT_PW, startServer, SUFFIX } from '../helpers/server.js';
import { EXOP, encodeRequest } from '../../src/ldap/pdu/index.js';
import { Client, code, messages, pdu, received, socket, type Received } from './ldap-client.js';

const { AbandonRequest, BindRequest, SearchRequest } = messages;

const server = await startServer({ seed: true });
const root = await Client.connect(server.url);
await root.bind(ROOT_DN, ROOT_PW);
t.teardown(async () => {
  await root.close();
  await server.stop();
  cleanup(server.dir);
});
const people = (uid: string): string => `uid=${uid},ou=people,${SUFFIX}`;
const logLines = (): Record<string, unknown>[] => server.log.map((l) => JSON.parse(l) as Record<string, unknown>);

/** Polls for up to 3 s: log lines reach us a little after the protocol events. */
async function eventually<T>(get: () => T | undefined): Promise<T | undefined> {
  for (let i = 0; i < 60; i++) {
    const v = get();
    if (v !== undefined) return v;
    await sleep(50);
  }
  return undefined;
}
/** Entries added here; more than one search batch (512) so an abandon lands mid-search. */
const ADDED = 600;

t.test('hundreds of operations in flight on one connection', async (t) => {
  // 200 at a time: limits.maxOpsPerConnection (256) answers busy beyond it.
  for (let from = 0; from < ADDED; from += 200) {
    await Promise.all(Array.from({ length: 200 }, (_, k) => from + k).map((i) =>
      root.add(people(`u${i}`), { objectClass: 'account', uid: `u${i}`, description: `n${i}` })));
  }
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

/**
 * A raw connection bound as the rootDn (no server size limit stops a search
 * first), what it has received, and a wait for one message (up to tries × 20 ms).
 */
async function rootSocket(tries = 100) {
  const s = await socket(server.url);
  const got = received(s);
  const until = async (id: number, type: string): Promise<Received | undefined> => {
    for (let i = 0; i < tries && !got.some((m) => m.messageId === id && m.type === type); i++) await sleep(20);
    return got.find((m) => m.messageId === id && m.type === type);
  };
  s.write(pdu(new BindRequest({ messageId: 1, name: ROOT_DN, credentials: ROOT_PW })));
  await until(1, 'BindResponse');
  return { s, got, until };
}

t.test('abandon stops a search mid-way; the connection goes on', async (t) => {
  const { s, got, until } = await rootSocket();
  // Both in one write: the abandon arrives while the search is still sending.
  const all = new SearchRequest({ messageId: 2, baseObject: SUFFIX, scope: 'subtree', attributes: ['1.1'] });
  s.write(Buffer.concat([pdu(all), pdu(new AbandonRequest({ messageId: 3, abandonId: 2 }))]));
  await sleep(300);
  s.write(pdu(new SearchRequest({ messageId: 4, baseObject: people('alice'), scope: 'base', attributes: ['1.1'] })));
  await until(4, 'SearchResultDone');
  const first = got.filter((m) => m.messageId === 2);
  t.ok(first.length > 0 && first.length < ADDED, `some entries before the abandon took effect (${first.length} of ${ADDED + 12})`);
  t.notOk(first.some((m) => m.type === 'SearchResultDone'), 'no SearchResultDone for the abandoned search');
  t.notOk(got.some((m) => m.messageId === 3), 'abandon has no response');
  t.same(got.filter((m) => m.messageId === 4).map((m) => [m.type, m.status]), [['SearchResultEntry', undefined], ['SearchResultDone', 0]]);
  s.destroy();
  t.ok(await eventually(() => logLines().find((l) => l.op === 'ABANDON' && l.target === 2)), 'the abandon is in the access log');
});

t.test('a bind waits for what is still running, and what follows it waits for the bind (RFC 4511 §4.2.1)', async (t) => {
  const { s, got, until } = await rootSocket();
  // One write: a big search, a bind as alice, a Who am I?.
  const all = new SearchRequest({ messageId: 2, baseObject: SUFFIX, scope: 'subtree', attributes: ['1.1'] });
  s.write(Buffer.concat([pdu(all), pdu(new BindRequest({ messageId: 3, name: people('alice'), credentials: 'secret' })), encodeRequest(4, { type: 'extended', oid: EXOP.whoAmI })]));
  await until(4, 'ExtensionResponse');
  const done = got.findIndex((m) => m.messageId === 2 && m.type === 'SearchResultDone');
  t.ok(done >= 0 && done < got.findIndex((m) => m.messageId === 3), 'the search completes first, under the identity it began with');
  t.same(got.filter((m) => m.messageId === 3).map((m) => [m.type, m.status]), [['BindResponse', 0]]);
  t.ok(got.findIndex((m) => m.messageId === 3) < got.findIndex((m) => m.messageId === 4), 'the Who am I? is answered after the bind');
  s.destroy();
  const c = await Client.connect(server.url);
  t.teardown(() => c.close());
  await c.bind(people('alice'), 'secret');
  t.equal(await c.whoami(), `dn:${people('alice')}`, 'and a client library still binds as ever');
});

t.test('an abandon with a critical control the server cannot honour is not carried out (RFC 4511 §4.1.11)', async (t) => {
  const { s, got, until } = await rootSocket(150);
  const all = new SearchRequest({ messageId: 2, baseObject: SUFFIX, scope: 'subtree', attributes: ['1.1'] });
  s.write(Buffer.concat([pdu(all), encodeRequest(3, { type: 'abandon', id: 2 }, [{ oid: '1.2.3.4.5', critical: true }])]));
  await until(2, 'SearchResultDone');
  t.same(got.filter((m) => m.messageId === 2 && m.type === 'SearchResultDone').map((m) => m.status), [0], 'the search ran to its end');
  s.destroy();
});

t.test('cancel (RFC 3909) stops a search mid-way with canceled, then succeeds', async (t) => {
  const { s, got, until } = await rootSocket();
  const cancel = (id: number, value: number[]) => encodeRequest(id, { type: 'extended', oid: EXOP.cancel, value: Buffer.from(value) });
  // In one write, as the abandon above: the cancel arrives while the search is still sending.
  const all = new SearchRequest({ messageId: 2, baseObject: SUFFIX, scope: 'subtree', attributes: ['1.1'] });
  s.write(Buffer.concat([pdu(all), cancel(3, [0x30, 0x03, 0x02, 0x01, 0x02])]));
  t.equal((await until(3, 'ExtensionResponse'))?.status, 0, 'the cancel succeeds');
  const search = got.filter((m) => m.messageId === 2);
  t.ok(search.length > 1 && search.length < ADDED, `some entries before the cancel took effect (${search.length - 1} of ${ADDED + 12})`);
  t.same([search.at(-1)?.type, search.at(-1)?.status], ['SearchResultDone', 118], 'the search ends with canceled (118)');
  t.ok(got.findIndex((m) => m.messageId === 2 && m.type === 'SearchResultDone') < got.findIndex((m) => m.messageId === 3), 'and its response comes before the cancel\'s');

  s.write(cancel(4, [0x30, 0x03, 0x02, 0x01, 0x02]));
  t.equal((await until(4, 'ExtensionResponse'))?.status, 119, 'an operation that is over: noSuchOperation');
  s.write(cancel(5, [0x30, 0x03, 0x02, 0x01, 0x63]));
  t.equal((await until(5, 'ExtensionResponse'))?.status, 119, 'one that never was: noSuchOperation');
  s.write(cancel(6, [0x30, 0x03, 0x02, 0x01, 0x06]));
  t.equal((await until(6, 'ExtensionResponse'))?.status, 121, 'itself: cannotCancel');
  s.write(cancel(7, [0x04, 0x01, 0x02]));
  t.equal((await until(7, 'ExtensionResponse'))?.status, 2, 'a value that is not SEQUENCE { INTEGER }: protocolError');
  s.write(pdu(new SearchRequest({ messageId: 8, baseObject: people('alice'), scope: 'base', attributes: ['1.1'] })));
  t.equal((await until(8, 'SearchResultDone'))?.status, 0, 'the connection goes on');
  s.destroy();
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
  const conn = (await eventually(() => logLines().find((l) => l.msg === 'op' && l.op === 'BIND' && l.dn === people('carol'))))?.conn;
  t.type(conn, 'number', 'the bind is logged with its connection');
  await eventually(() => logLines().find((l) => l.conn === conn && l.op === 'UNBIND'));
  const mine = logLines().filter((l) => l.msg === 'op' && l.conn === conn);
  t.same(mine.map((l) => [l.op, l.dn, l.err]), [
    ['BIND', people('carol'), 0],
    ['SRCH', people('carol'), 0],
    ['MOD', people('alice'), 50],
    ['UNBIND', '', 0],
  ]);
  for (const l of mine) t.ok(typeof l.ms === 'number' && l.ms >= 0, `${String(l.op)}: elapsed ms`);
  t.match(mine[1], { scope: 0, filter: '(objectclass=*)', nentries: 1 });
});
