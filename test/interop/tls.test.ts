// StartTLS (ldapsearch -ZZ) and an ldaps:// listener, with a throwaway CA
// and server certificate made by openssl for this test; clients trust the
// CA through LDAPTLS_CACERT.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { makePki } from '../helpers/pki.js';
import { cleanup, ROOT_DN, ROOT_PW, startServer, SUFFIX } from '../helpers/server.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXOP, encodeRequest } from '../../src/ldap/pdu/index.js';
import { Client, messages, pdu, received, socket } from '../integration/ldap-client.js';
import { as, people, tool } from './tools.js';

const pki = makePki().dir;
t.teardown(() => cleanup(pki));

const server = await startServer({
  seed: true,
  listen: ['ldap://127.0.0.1:0', 'ldaps://127.0.0.1:0'],
  yaml: `tls: { cert: ${join(pki, 'server.pem')}, key: ${join(pki, 'server.key')}, ca: ${join(pki, 'ca.pem')} }`,
});
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});
const started = JSON.parse(server.log.find((l) => l.includes('"meshdir started"'))!) as { listen: string[] };
const ldaps = started.listen.find((u) => u.startsWith('ldaps://'))!;
const trusted = { LDAPTLS_CACERT: join(pki, 'ca.pem'), LDAPTLS_REQCERT: 'demand' };
const untrusted = { LDAPTLS_CACERT: join(pki, 'other-ca.pem'), LDAPTLS_REQCERT: 'demand' };

t.test('StartTLS: ldapsearch -ZZ and ldapwhoami -ZZ', async (t) => {
  const who = tool('ldapwhoami', [...as(server.url, 'root'), '-ZZ'], { env: trusted });
  t.same(who, { code: 0, stdout: `dn:${ROOT_DN}\n`, stderr: '' });
  const s = tool('ldapsearch', [...as(server.url, 'alice'), '-ZZ', '-LLL', '-b', SUFFIX, '(uid=bob)', 'mail'], { env: trusted });
  t.equal(s.code, 0);
  t.equal(s.stdout, 'dn: uid=bob,ou=people,dc=example,dc=com\nmail: bob@example.com\n\n');
  t.match(tool('ldapsearch', [...as(server.url), '-LLL', '-b', '', '-s', 'base', 'supportedExtension']).stdout,
    '\nsupportedExtension: 1.3.6.1.4.1.1466.20037\n', 'the root DSE offers StartTLS');
});

t.test('StartTLS after a bind: the connection becomes anonymous (as slapd)', async (t) => {
  const c = await Client.connect(server.url);
  await c.bind(people('alice'), 'secret');
  t.equal(await c.whoami(), `dn:${people('alice')}`);
  await new Promise<void>((resolve, reject) =>
    c.raw.starttls({ ca: [readFileSync(join(pki, 'ca.pem'))], servername: 'localhost' }, [], (err: Error | null) => (err ? reject(err) : resolve())));
  t.equal(await c.whoami(), '', 'anonymous over TLS');
  await c.bind(people('alice'), 'secret');
  t.equal(await c.whoami(), `dn:${people('alice')}`, 'and may bind again');
  await c.close();
});

t.test('StartTLS with a certificate the client does not trust fails', async (t) => {
  const r = tool('ldapwhoami', [...as(server.url), '-ZZ'], { env: untrusted });
  t.not(r.code, 0);
  t.match(r.stderr, /^ldap_start_tls: Connect error \(-11\)/);
  t.equal(r.stdout, '');
});

t.test('ldaps:// listener', async (t) => {
  const who = tool('ldapwhoami', [...as(ldaps, 'root')], { env: trusted });
  t.same(who, { code: 0, stdout: `dn:${ROOT_DN}\n`, stderr: '' });
  const again = tool('ldapwhoami', [...as(ldaps), '-ZZ'], { env: trusted });
  t.equal(again.code, 1, 'StartTLS on a TLS connection: operationsError');
  t.equal(again.stderr, 'ldap_start_tls: Operations error (1)\n\tadditional info: TLS already started\n');
  t.not(tool('ldapwhoami', [...as(ldaps)], { env: untrusted }).code, 0, 'an untrusted certificate is refused');
});

t.test('requests sent in the clear behind a StartTLS request never run inside TLS (CVE-2011-0411)', async (t) => {
  // A StartTLS request and a rootDn bind in one write, as someone in the
  // middle would inject it: the StartTLS is refused (operationsError, as
  // slapd refuses it with operations outstanding), the bind is answered in
  // the clear, and the connection stays in the clear.
  const s = await socket(server.url);
  const got = received(s);
  const until = async (id: number): Promise<void> => {
    for (let i = 0; i < 100 && !got.some((m) => m.messageId === id); i++) await sleep(20);
  };
  s.write(Buffer.concat([encodeRequest(1, { type: 'extended', oid: EXOP.startTls }), pdu(new messages.BindRequest({ messageId: 2, name: ROOT_DN, credentials: ROOT_PW }))]));
  await until(2);
  t.same(got.map((m) => [m.messageId, m.status]), [[1, 1], [2, 0]], 'StartTLS refused with operationsError, then the bind answered');
  s.write(encodeRequest(3, { type: 'extended', oid: EXOP.whoAmI }));
  await until(3);
  t.equal(got.find((m) => m.messageId === 3)?.status, 0, 'still LDAP in the clear: a Who am I? is read and answered');
  s.destroy();
  // A StartTLS alone still works (the ldapsearch -ZZ test above), also after such a refusal.
  const who = tool('ldapwhoami', [...as(server.url, 'root'), '-ZZ'], { env: trusted });
  t.equal(who.code, 0, who.stderr);
});
