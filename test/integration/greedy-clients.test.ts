// What one client may not do to the others. A client that sends requests and
// never reads the answers: the server stops reading it once responses pile
// up (its memory stays bounded), disconnects it after limits.writeTimeout,
// and serves everyone else meanwhile. An anonymous client may not send
// requests above 256 KiB. A search base of 10,000 RDNs is answered at once
// (it held the server for 77 s: every superior was normalized in turn).
// Paged searches left open on a connection are capped: the oldest goes.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { cleanup, ROOT_DN, ROOT_PW, SUFFIX, startServer } from '../helpers/server.js';
import { Client, closed, code, messages, pdu, socket } from './ldap-client.js';
import { RC } from '../../src/errors.js';
import { LdapClient } from '../../src/ldap/client.js';
import { decodePagedResults, pagedResultsControl } from '../../src/ldap/pdu/controls.js';
import { CONTROL } from '../../src/ldap/pdu/protocol.js';
import { MAX_PAGED_PER_CONNECTION } from '../../src/ldap/paged.js';

const { SearchRequest } = messages;

const server = await startServer({ seed: true, yaml: 'limits: { writeTimeout: 3s }' });
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});

const rssMiB = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))![1]) / 1024;

t.test('requests from a client that reads nothing: input paused, memory bounded, disconnected after writeTimeout', async (t) => {
  const before = rssMiB();
  const s = await socket(server.url);
  s.pause();
  const gone = closed(s);
  // 400,000 subtree searches of every entry (20 MB, more than the kernel's socket buffers hold): gigabytes of responses if all were answered and buffered.
  const one = (id: number) => pdu(new SearchRequest({ messageId: id, baseObject: SUFFIX, scope: 'sub', attributes: ['*'] }));
  const batch = Buffer.concat(Array.from({ length: 1000 }, (_, i) => one(i + 1)));
  for (let i = 0; i < 400; i++) s.write(batch);
  const start = Date.now();
  const other = await Client.connect(server.url);
  let worst = 0;
  while (Date.now() - start < 15_000 && !server.log.some((l) => l.includes('write timeout'))) {
    const t0 = Date.now();
    t.equal((await other.search(SUFFIX, { scope: 'base', attributes: ['1.1'] })).length, 1);
    worst = Math.max(worst, Date.now() - t0);
    await sleep(200);
  }
  const took = Date.now() - start;
  t.ok(took >= 2500 && took < 12_000, `disconnected by the write timeout (3 s) after ${took} ms`);
  t.ok(server.log.some((l) => l.includes('write timeout: responses unread for 3 s')), 'logged');
  const grew = rssMiB() - before;
  t.ok(grew < 60, `server RSS grew ${grew.toFixed(1)} MiB (unbounded buffering: hundreds)`);
  t.ok(worst < 2000, `another client was answered meanwhile (slowest ${worst} ms)`);
  s.resume();
  await Promise.race([gone, sleep(5000)]);
  t.ok(s.destroyed || s.readableEnded, 'the client sees the connection end');
  s.destroy();
  await other.close();
});

t.test('an anonymous request above 256 KiB closes its connection; a bound client may send more', async (t) => {
  const s = await socket(server.url);
  const big = pdu(new SearchRequest({ messageId: 1, baseObject: SUFFIX, scope: 'base', attributes: Array.from({ length: 40_000 }, (_, i) => `a${i}`) }));
  t.ok(big.length > 262_143, `${big.length} octets`);
  s.write(big);
  t.same(await closed(s), Buffer.alloc(0), 'closed without a response');
  const c = await Client.connect(server.url);
  await c.bind(ROOT_DN, ROOT_PW);
  const attrs = Array.from({ length: 40_000 }, (_, i) => `a${i}`);
  t.equal((await c.search(SUFFIX, { scope: 'base', attributes: attrs })).length, 1, 'the same request from the rootDn is answered');
  await c.close();
});

t.test('a search base of 10,000 RDNs below the suffix: noSuchObject, and nobody waits', async (t) => {
  const c = await Client.connect(server.url);
  const probe = await Client.connect(server.url);
  const base = 'cn=x,'.repeat(10_000) + SUFFIX;
  const t0 = Date.now();
  const answered = code(c.search(base, { scope: 'base', attributes: ['1.1'] })).then((rc) => ({ rc, ms: Date.now() - t0 }));
  await sleep(20);
  const p0 = Date.now();
  t.equal((await probe.search(SUFFIX, { scope: 'base', attributes: ['1.1'] })).length, 1);
  const probeMs = Date.now() - p0;
  const { rc, ms } = await answered;
  t.equal(rc, 32, 'noSuchObject');
  t.ok(ms < 5000 && probeMs < 5000, `answered in ${ms} ms; another client in ${probeMs} ms`);
  await c.close();
  await probe.close();
});

t.test(`paged searches left open: at most ${MAX_PAGED_PER_CONNECTION} per connection, the oldest cookie goes`, async (t) => {
  const c = await LdapClient.connect(server.url, { timeoutMs: 10_000 });
  const page = async (cookie: Uint8Array) => {
    const r = await c.search(SUFFIX, '(objectClass=*)', { controls: [pagedResultsControl(1, cookie)] });
    return { entries: r.entries.length, cookie: decodePagedResults(r.controls.find((x) => x.oid === CONTROL.pagedResults)!.value).cookie };
  };
  const cookies: Uint8Array[] = [];
  for (let i = 0; i <= MAX_PAGED_PER_CONNECTION; i++) cookies.push((await page(Buffer.alloc(0))).cookie);
  t.ok(cookies.every((k) => k.length > 0), `${cookies.length} paged searches started, one entry each`);
  await t.rejects(page(cookies[0]!), { code: RC.unwillingToPerform, message: 'paged results cookie is invalid' }, 'the oldest was dropped');
  const next = await page(cookies[MAX_PAGED_PER_CONNECTION]!);
  t.equal(next.entries, 1, 'the newest goes on');
  await page(cookies[1]!).then(() => t.pass('the second oldest too'));
  c.close();
});
