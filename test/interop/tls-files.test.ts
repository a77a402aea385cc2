// TLS material from files: a client certificate required by the server
// (ldapwhoami with and without LDAPTLS_CERT), and a certificate replaced on
// disk while the server runs, picked up without a restart.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { makePki } from '../helpers/pki.js';
import { cleanup, ROOT_DN, startServer } from '../helpers/server.js';
import { as, tool } from './tools.js';

const pki = makePki();
t.teardown(() => cleanup(pki.dir));
const ldapsOf = (log: string[]) => (JSON.parse(log.find((l) => l.includes('"meshdir started"'))!) as { listen: string[] }).listen.find((u) => u.startsWith('ldaps://'))!;

t.test('clientCert: require refuses a client without a certificate signed by the CA', async (t) => {
  const s = await startServer({
    seed: true,
    listen: ['ldap://127.0.0.1:0', 'ldaps://127.0.0.1:0'],
    yaml: `tls: { cert: ${pki.cert}, key: ${pki.key}, ca: ${pki.ca}, clientCert: require }`,
  });
  t.teardown(async () => {
    await s.stop();
    cleanup(s.dir);
  });
  const ldaps = ldapsOf(s.log);
  const env = { LDAPTLS_CACERT: pki.ca, LDAPTLS_REQCERT: 'demand' };
  const without = tool('ldapwhoami', as(ldaps, 'root'), { env });
  t.not(without.code, 0, `no client certificate: refused (${without.stderr.trim()})`);
  const withCert = tool('ldapwhoami', as(ldaps, 'root'), { env: { ...env, LDAPTLS_CERT: pki.clientCert, LDAPTLS_KEY: pki.clientKey } });
  t.same(withCert, { code: 0, stdout: `dn:${ROOT_DN}\n`, stderr: '' }, 'with the client certificate: works');
});

t.test('a certificate replaced on disk is used without a restart', async (t) => {
  const cert = join(pki.dir, 'live.pem');
  const key = join(pki.dir, 'live.key');
  copyFileSync(pki.cert, cert);
  copyFileSync(pki.key, key);
  const s = await startServer({ seed: true, listen: ['ldap://127.0.0.1:0', 'ldaps://127.0.0.1:0'], yaml: `tls: { cert: ${cert}, key: ${key} }` });
  t.teardown(async () => {
    await s.stop();
    cleanup(s.dir);
  });
  const ldaps = ldapsOf(s.log);
  const who = (ca: string) => tool('ldapwhoami', as(ldaps, 'root'), { env: { LDAPTLS_CACERT: ca, LDAPTLS_REQCERT: 'demand' } }).code;
  t.equal(who(pki.ca), 0, 'the first certificate is served');
  t.not(who(pki.otherCa), 0, 'a client trusting only the other CA is refused');
  copyFileSync(pki.otherKey, key);
  copyFileSync(pki.otherCert, cert);
  let code = -1;
  for (const end = Date.now() + 15_000; Date.now() < end && code !== 0; await new Promise((r) => setTimeout(r, 250))) code = who(pki.otherCa);
  t.equal(code, 0, 'the new certificate is served');
  t.not(who(pki.ca), 0, 'and the old one no longer');
  t.ok(s.log.some((l) => l.includes('TLS certificate reloaded')), 'the reload is logged');
});
