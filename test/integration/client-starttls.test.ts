// The LDAP client that replication sessions, `repl init`, `repl status -Z`
// and `repl check -Z` use, against a StartTLS responder that sends bytes in
// the clear after its StartTLS response (as someone in the middle would):
// they must not be read as a response, nor joined to what comes inside TLS
// (the client side of CVE-2011-0411).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { TLSSocket } from 'node:tls';
import t from 'tap';
import { LdapClient } from '../../src/ldap/client.js';
import { EXOP, encodeExtendedResponse } from '../../src/ldap/pdu/index.js';
import { RC } from '../../src/errors.js';
import { makePki } from '../helpers/pki.js';
import { cleanup } from '../helpers/server.js';

const pki = makePki();
t.teardown(() => cleanup(pki.dir));

/** Answers StartTLS (message 1), then a Who am I? (message 2): `clear` of its octets before the handshake, the rest inside TLS. */
async function responder(clear: number): Promise<{ url: string; server: Server }> {
  const who = encodeExtendedResponse(2, RC.success, '', '', undefined, Buffer.from('dn:cn=injected'));
  const server = createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => {
      s.write(Buffer.concat([encodeExtendedResponse(1, RC.success, '', '', EXOP.startTls), who.subarray(0, clear)]));
      const tls = new TLSSocket(s, { isServer: true, cert: readFileSync(pki.cert), key: readFileSync(pki.key) });
      tls.on('error', () => {});
      tls.on('data', () => tls.write(who.subarray(clear)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `ldap://127.0.0.1:${port}`, server };
}

async function whoami(url: string): Promise<string> {
  const c = await LdapClient.connect(url, { timeoutMs: 3000, tls: { ca: readFileSync(pki.ca) } });
  try {
    await c.startTls();
    return (await c.extended(EXOP.whoAmI)).value?.toString() ?? '';
  } finally {
    c.close();
  }
}

t.test('octets in the clear after the StartTLS response end the connection', async (t) => {
  const { url, server } = await responder(20);
  t.teardown(() => server.close());
  await t.rejects(whoami(url), /data received in the clear after the StartTLS response/);
});

t.test('the same responder without them: the answer inside TLS is read', async (t) => {
  const { url, server } = await responder(0);
  t.teardown(() => server.close());
  t.equal(await whoami(url), 'dn:cn=injected');
});
