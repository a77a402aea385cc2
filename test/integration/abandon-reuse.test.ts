// A message ID may be used again once its operation is abandoned (slapd
// serves it). The abandoned search winds down a moment later: its end must
// not take the new operation of that ID off the connection's books, or the
// new one could no longer be abandoned or cancelled.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { cleanup, ROOT_DN, ROOT_PW, startServer, SUFFIX } from '../helpers/server.js';
import { encodeRequest } from '../../src/ldap/pdu/index.js';
import { parseFilter } from '../../src/dit/filter.js';
import { messages, pdu, received, socket } from './ldap-client.js';

const { BindRequest } = messages;
const N = 20_000;
const scratch = mkdtempSync(join(tmpdir(), 'meshdir-abandon-'));
const ldif = [`dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: example\n`, `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`];
for (let i = 0; i < N; i++) ldif.push(`dn: uid=u${i},ou=people,${SUFFIX}\nobjectClass: account\nuid: u${i}\ndescription: entry number ${i} of the abandon test\n`);
writeFileSync(join(scratch, 'data.ldif'), ldif.join('\n'));
const server = await startServer({ seed: join(scratch, 'data.ldif') });
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
  cleanup(scratch);
});

const all = (id: number): Buffer => encodeRequest(id, { type: 'search', base: SUFFIX, scope: 2, deref: 0, sizeLimit: 0, timeLimit: 0, typesOnly: false, filter: parseFilter('(objectClass=*)'), attributes: ['*'] });

t.test('abandon, the same message ID again, abandon again: the second search stops too', async (t) => {
  const s = await socket(server.url);
  const got = received(s);
  s.write(pdu(new BindRequest({ messageId: 1, name: ROOT_DN, credentials: ROOT_PW })));
  for (let i = 0; i < 100 && !got.some((m) => m.type === 'BindResponse'); i++) await sleep(20);
  // One write: the search, its abandon, and a new search under the same ID.
  s.write(Buffer.concat([all(2), encodeRequest(3, { type: 'abandon', id: 2 }), all(2)]));
  // The first search winds down at its next turn (a millisecond); the second
  // takes tens of them for 20,000 entries, fewer on a quiet machine (after
  // 60 ms it had once ended).
  await sleep(10);
  s.write(encodeRequest(4, { type: 'abandon', id: 2 }));
  await sleep(2000);
  s.write(encodeRequest(5, { type: 'search', base: SUFFIX, scope: 0, deref: 0, sizeLimit: 0, timeLimit: 0, typesOnly: false, filter: parseFilter('(objectClass=*)'), attributes: ['1.1'] }));
  for (let i = 0; i < 250 && !got.some((m) => m.messageId === 5 && m.type === 'SearchResultDone'); i++) await sleep(20);
  const entries = got.filter((m) => m.messageId === 2 && m.type === 'SearchResultEntry').length;
  t.notOk(got.some((m) => m.messageId === 2 && m.type === 'SearchResultDone'), 'no SearchResultDone under the abandoned ID');
  t.ok(entries < N, `the second search stopped early (${entries} entries for both, ${N + 2} in the subtree)`);
  s.destroy();
});
