// A throwaway PKI made by Debian's openssl for one test: a CA, a server
// certificate for 127.0.0.1/localhost and a client certificate signed by
// it, and a second CA with a server certificate of its own (what a client
// that trusts the wrong CA sees, and a replacement certificate).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  ca: string;
  otherCa: string;
  cert: string;
  key: string;
  /** Server certificate and key signed by the other CA. */
  otherCert: string;
  otherKey: string;
  clientCert: string;
  clientKey: string;
}

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-pki-'));
  const openssl = (args: string[]): void => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
  };
  for (const ca of ['ca', 'other-ca']) {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '1', '-subj', `/CN=meshdir test ${ca}`]);
  }
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const sign = (name: string, ca: string, cn: string, ext?: string): void => {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', ...(ext ? ['-extfile', ext] : [])]);
  };
  sign('server', 'ca', 'localhost', 'san.cnf');
  sign('other-server', 'other-ca', 'localhost', 'san.cnf');
  sign('client', 'ca', 'meshdir test client');
  const f = (n: string) => join(dir, n);
  return {
    dir, ca: f('ca.pem'), otherCa: f('other-ca.pem'), cert: f('server.pem'), key: f('server.key'),
    otherCert: f('other-server.pem'), otherKey: f('other-server.key'), clientCert: f('client.pem'), clientKey: f('client.key'),
  };
}
