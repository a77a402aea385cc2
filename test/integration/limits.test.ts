// Server limits (server file `limits:`): idle connections are closed, extra
// connections refused, and an oversized PDU closes only the connection that
// sent it.
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { cleanup, ROOT_DN, ROOT_PW, startServer, SUFFIX } from '../helpers/server.js';
import { Client, closed, code, socket } from './ldap-client.js';

const server = await startServer({ seed: true, yaml: 'limits: { idleTimeout: 1s, maxConnections: 3, maxPduBytes: 2048 }' });
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});
/** Whether the server logs a line `msg` matching `ok` within 3 s (log lines arrive after the socket events). */
async function logged(msg: string, ok: (l: Record<string, unknown>) => boolean = () => true): Promise<boolean> {
  for (let i = 0; i < 60; i++) {
    if (server.log.map((l) => JSON.parse(l) as Record<string, unknown>).some((l) => l.msg === msg && ok(l))) return true;
    await sleep(50);
  }
  return false;
}

t.test('an idle connection is closed after idleTimeout', async (t) => {
  const s = await socket(server.url);
  const start = Date.now();
  const bytes = await closed(s);
  const took = Date.now() - start;
  t.ok(took >= 900 && took < 4000, `closed after ${took} ms`);
  t.equal(bytes.length, 0, 'without a word');
  t.ok(await logged('closing connection', (l) => l.reason === 'idle timeout'), 'logged');
});

t.test('a busy connection is not idle', async (t) => {
  const c = await Client.connect(server.url);
  for (let i = 0; i < 4; i++) {
    await sleep(400);
    t.equal((await c.search(SUFFIX, { scope: 'base', attributes: ['1.1'] })).length, 1, `request ${i} after 400 ms`);
  }
  await c.close();
});

t.test('maxConnections', async (t) => {
  await sleep(100);
  const open = await Promise.all([socket(server.url), socket(server.url), socket(server.url)]);
  const extra = await socket(server.url);
  const bytes = await Promise.race([closed(extra), sleep(2000).then(() => undefined)]);
  t.same(bytes, Buffer.alloc(0), 'the fourth connection is closed at once');
  t.ok(await logged('connection refused: too many connections'), 'logged');
  open[0]!.destroy();
  await sleep(100);
  const c = await Client.connect(server.url);
  t.equal(await c.whoami(), '', 'once one closes, a new one is served');
  await c.close();
  for (const s of open) s.destroy();
});

t.test('an oversized PDU closes only its own connection', async (t) => {
  await sleep(100);
  const other = await Client.connect(server.url);
  await other.bind(ROOT_DN, ROOT_PW);
  const s = await socket(server.url);
  // An LDAPMessage header declaring 1 MiB of content.
  s.write(Buffer.from([0x30, 0x83, 0x10, 0x00, 0x00, 0x02, 0x01, 0x01]));
  t.same(await closed(s), Buffer.alloc(0), 'closed without a response');
  t.ok(await logged('closing connection: PDU too large', (l) => String(l.reason).includes('exceeds the limit of 2048')), 'logged as too large, with the size and the limit');

  const big = await Client.connect(server.url);
  await big.bind(ROOT_DN, ROOT_PW);
  const dropped = await code(big.add(`cn=big,${SUFFIX}`, { objectClass: 'organizationalRole', cn: 'big', description: 'x'.repeat(4000) }));
  t.not(dropped, 0, 'a real request over the limit fails: the connection is gone');
  big.raw.destroy();

  t.equal(await other.whoami(), `dn:${ROOT_DN}`, 'the other connection still answers');
  t.same(await other.search(SUFFIX, { filter: '(cn=big)', attributes: ['1.1'] }), [], 'and nothing was added');
  await other.close();
});
