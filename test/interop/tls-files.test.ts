// TLS material from files: a client certificate required by the server
// (ldapwhoami with and without LDAPTLS_CERT), and a certificate replaced on
// disk while the server runs, picked up without a restart.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { makePki } from '../helpers/pki.js';
import { cleanup, meshdir, ROOT_DN, startServer } from '../helpers/server.js';
import { as, tool } from './tools.js';
import { LdapClient } from '../../src/ldap/client.js';
import { EXOP } from '../../src/ldap/pdu/index.js';

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

  // StartTLS on the plain listener: the same checks. (A TLS socket made
  // outside a tls.Server does not verify the peer's chain by itself.)
  const plain = s.url;
  t.not(tool('ldapwhoami', [...as(plain, 'root'), '-ZZ'], { env }).code, 0, 'StartTLS, no client certificate: refused');
  const starttls = tool('ldapwhoami', [...as(plain, 'root'), '-ZZ'], { env: { ...env, LDAPTLS_CERT: pki.clientCert, LDAPTLS_KEY: pki.clientKey } });
  t.same(starttls, { code: 0, stdout: `dn:${ROOT_DN}\n`, stderr: '' }, 'StartTLS with the client certificate: works');
  // ldap-utils only offer a certificate whose issuer the server asked for: Node's client offers any.
  const whoamiWith = async (cert: string, key: string): Promise<string> => {
    const c = await LdapClient.connect(plain, { timeoutMs: 5000 });
    try {
      await c.startTls({ ca: readFileSync(pki.ca), cert: readFileSync(cert), key: readFileSync(key), servername: 'localhost' });
      return (await c.extended(EXOP.whoAmI)).value?.toString() ?? '';
    } finally {
      c.close();
    }
  };
  t.equal(await whoamiWith(pki.clientCert, pki.clientKey), '', 'StartTLS from Node with the CA-signed certificate: answered (anonymous)');
  await t.rejects(whoamiWith(pki.otherCert, pki.otherKey), 'StartTLS with a certificate of another CA: refused');
  const overLdaps = async (cert: string, key: string): Promise<string> => {
    const c = await LdapClient.connect(ldaps, { timeoutMs: 5000, tls: { ca: readFileSync(pki.ca), cert: readFileSync(cert), key: readFileSync(key), servername: 'localhost' } });
    try {
      return (await c.extended(EXOP.whoAmI)).value?.toString() ?? '';
    } finally {
      c.close();
    }
  };
  t.equal(await overLdaps(pki.clientCert, pki.clientKey), '', 'ldaps from Node with the CA-signed certificate: answered');
  await t.rejects(overLdaps(pki.otherCert, pki.otherKey), 'ldaps with a certificate of another CA: refused');
  for (let i = 0; i < 50 && !s.log.some((l) => /client certificate refused/.test(l)); i++) await new Promise((r) => setTimeout(r, 40));
  t.ok(s.log.some((l) => /client certificate refused/.test(l)), 'and logged');
});

t.test('ldaps:// sockets that never finish their handshake count against maxConnections and idleTimeout', async (t) => {
  const s = await startServer({
    seed: true,
    listen: ['ldap://127.0.0.1:0', 'ldaps://127.0.0.1:0'],
    yaml: `tls: { cert: ${pki.cert}, key: ${pki.key} }\nlimits: { idleTimeout: 2s, maxConnections: 3 }`,
  });
  t.teardown(async () => {
    await s.stop();
    cleanup(s.dir);
  });
  const port = Number(new URL(ldapsOf(s.log)).port);
  const opened = Date.now();
  const silent = await Promise.all([0, 1, 2].map(() => new Promise<{ closedAfter: Promise<number> }>((resolve) => {
    const c = connect({ host: '127.0.0.1', port }, () => resolve({ closedAfter: new Promise((r) => c.on('close', () => r(Date.now() - opened))) }));
    c.on('error', () => {});
  })));
  await new Promise((r) => setTimeout(r, 200));
  const fourth = tool('ldapwhoami', as(s.url, 'root'));
  t.not(fourth.code, 0, `a fourth connection is refused while three handshakes wait (${fourth.stderr.trim()})`);
  const closed = await Promise.all(silent.map((x) => x.closedAfter));
  t.ok(closed.every((ms) => ms >= 1500 && ms < 10_000), `the silent ones are closed by idleTimeout: after ${closed.join(', ')} ms`);
  t.equal(tool('ldapwhoami', as(s.url, 'root')).code, 0, 'then connections are accepted again');
});

t.test('repl status of an ldaps://-only server checks its certificate against the CA its server file names', async (t) => {
  const s = await startServer({
    seed: true,
    listen: ['ldaps://127.0.0.1:0'],
    yaml: `tls: { cert: ${pki.cert}, key: ${pki.key}, ca: ${pki.ca} }`,
  });
  t.teardown(async () => {
    await s.stop();
    cleanup(s.dir);
  });
  // The server file with the port the server took (it listens on port 0).
  const config = join(s.dir, 'status.yaml');
  writeFileSync(config, readFileSync(s.configFile, 'utf8').replace('ldaps://127.0.0.1:0', ldapsOf(s.log)));
  const r = meshdir(['repl', 'status', '--config', config, '-D', ROOT_DN, '-w', 'secret'], { env: { LDAPTLS_CACERT: '' } });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /agreement/i, 'the table');
  const wrong = meshdir(['repl', 'status', '--config', config, '-D', ROOT_DN, '-w', 'secret', '--cacert', pki.otherCa]);
  t.not(wrong.status, 0, `another CA given: refused (${wrong.stderr.trim()})`);
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
