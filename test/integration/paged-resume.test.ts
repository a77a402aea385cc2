// A paged search resumed with a cookie tests each remaining candidate
// against the filter again, as slapd does: an entry that stopped matching
// between pages (renamed, modified) is not sent, nor is an entry that does
// not match the filter a client sends with the cookie. Before, a search an
// exact index answered sent the rest of its first page's candidates blind.
import t from 'tap';
import { cleanup, ROOT_DN, ROOT_PW, SUFFIX, startServer } from '../helpers/server.js';
import { LdapClient } from '../../src/ldap/client.js';
import { RC } from '../../src/errors.js';
import { decodePagedResults, pagedResultsControl } from '../../src/ldap/pdu/controls.js';
import { CONTROL } from '../../src/ldap/pdu/protocol.js';

const server = await startServer({ seed: true });
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});

const PEOPLE = `ou=people,${SUFFIX}`;
const cookieOf = (controls: { oid: string; value?: Buffer }[]): Uint8Array => decodePagedResults(controls.find((x) => x.oid === CONTROL.pagedResults)!.value).cookie;

t.test('an entry renamed out of an exact-indexed filter between pages is not sent', async (t) => {
  const c = await LdapClient.connect(server.url, { timeoutMs: 10_000 });
  const w = await LdapClient.connect(server.url, { timeoutMs: 10_000 });
  await w.bind(ROOT_DN, ROOT_PW);
  const filter = '(|(uid=alice)(uid=bob)(uid=carol)(uid=dave)(uid=erin))';
  const seen: string[] = [];
  let r = await c.search(PEOPLE, filter, { attributes: ['uid'], controls: [pagedResultsControl(2, Buffer.alloc(0))] });
  seen.push(...r.entries.map((e) => e.dn));
  t.equal(r.entries.length, 2, 'first page');
  // Rename every match not sent yet out of the filter.
  const rest = ['alice', 'bob', 'carol', 'dave', 'erin'].filter((u) => !seen.some((d) => d.startsWith(`uid=${u},`)));
  for (const u of rest) await w.modrdn(`uid=${u},${PEOPLE}`, `uid=${u}-gone`);
  let cookie = cookieOf(r.controls);
  while (cookie.length > 0) {
    r = await c.search(PEOPLE, filter, { attributes: ['uid'], controls: [pagedResultsControl(2, cookie)] });
    seen.push(...r.entries.map((e) => e.dn));
    cookie = cookieOf(r.controls);
  }
  t.same(seen.filter((d) => d.includes('-gone')), [], 'no renamed entry sent');
  t.equal(seen.length, 2, 'only the first page matched');
  for (const u of rest) await w.modrdn(`uid=${u}-gone,${PEOPLE}`, `uid=${u}`);
  c.close();
  w.close();
});

t.test('a cookie sent with another filter: only entries matching that filter', async (t) => {
  const c = await LdapClient.connect(server.url, { timeoutMs: 10_000 });
  const r = await c.search(SUFFIX, '(objectClass=person)', { attributes: ['1.1'], controls: [pagedResultsControl(2, Buffer.alloc(0))] });
  const next = await c.search(SUFFIX, '(objectClass=groupOfNames)', { attributes: ['objectClass'], controls: [pagedResultsControl(100, cookieOf(r.controls))] });
  const bad = next.entries.filter((e) => !e.attrs.some((a) => a.type.toLowerCase() === 'objectclass' && a.values.some((v) => v.toString().toLowerCase() === 'groupofnames')));
  t.same(bad.map((e) => e.dn), [], 'no person sent for (objectClass=groupOfNames)');
  c.close();
});

t.test('a new paged search with a page size of 0 sends no entries (slapd: only the estimate)', async (t) => {
  const c = await LdapClient.connect(server.url, { timeoutMs: 10_000 });
  const r = await c.search(SUFFIX, '(objectClass=*)', { attributes: ['1.1'], controls: [pagedResultsControl(0, Buffer.alloc(0))] });
  t.equal(r.code, 0, 'success');
  t.equal(r.entries.length, 0, 'no entries');
  t.equal(cookieOf(r.controls).length, 0, 'an empty cookie: nothing to continue');
  c.close();
});

t.test('cookies that were never this connection\'s are protocol errors, a used one is refused (as slapd)', async (t) => {
  const a = await LdapClient.connect(server.url, { timeoutMs: 10_000 });
  const b = await LdapClient.connect(server.url, { timeoutMs: 10_000 });
  const page = (c: LdapClient, cookie: Uint8Array) => c.search(PEOPLE, '(objectClass=*)', { attributes: ['1.1'], controls: [pagedResultsControl(2, Buffer.from(cookie))] });
  const first = cookieOf((await page(a, Buffer.alloc(0))).controls);
  await t.rejects(page(a, Buffer.from('not a cookie')), { code: RC.protocolError, message: 'paged results cookie is invalid' }, 'not of meshdir\'s length');
  await t.rejects(page(b, first), { code: RC.protocolError }, 'another connection\'s');
  const second = cookieOf((await page(a, first)).controls);
  t.ok(second.length > 0, 'the owner goes on');
  await t.rejects(page(a, first), { code: RC.unwillingToPerform, message: 'paged results cookie is invalid' }, 'used up');
  a.close();
  b.close();
});
