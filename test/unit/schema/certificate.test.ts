// certificateExactMatch keys (RFC 4523): a stored certificate (DER) and an
// assertion naming its serial number and issuer reduce to the same string.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { certificateAssertionKey, certificateValueKey } from '../../../src/schema/certificate.js';
import { loadSchemaDir } from '../../../src/schema/load.js';

const schema = loadSchemaDir(new URL('../../../schema', import.meta.url).pathname);
const norm = (s: string) => schema.normalizeDN(s);
// The certificates of OpenLDAP's test021 (CA serial 0, Ursula 2, Jennifer 1 and 3).
const ldif = readFileSync(new URL('../../fixtures/ldif/certificate-mods.ldif', import.meta.url), 'utf8');
const ders = [...ldif.matchAll(/(?:cAcertificate|userCertificate);binary::\n((?: .*\n)+)/g)].map((m) => Buffer.from(m[1]!.replace(/\s/g, ''), 'base64'));
const ISSUER = 'EMAIL=ca@example.com,CN=Example CA,O=Openldap Example\\, Ltd.,ST=California,C=US';

t.test('a certificate keys by its serial number and normalized issuer', async (t) => {
  t.equal(ders.length, 6, 'six certificate values in the fixture');
  for (const der of ders) {
    const x = new X509Certificate(der);
    const key = certificateValueKey(der, norm);
    t.equal(key, `${BigInt('0x' + x.serialNumber)}$${norm(ISSUER)}`, `serial ${x.serialNumber}`);
  }
});

t.test('assertions in both forms give the key of the certificate they name', async (t) => {
  const ursula = certificateValueKey(ders[1]!, norm);
  t.match(ursula, /^2\$/);
  for (const a of [
    `2$${ISSUER}`,
    `{ serialNumber 2, issuer "${ISSUER}" }`,
    `{ issuer rdnSequence:"${ISSUER}", serialNumber 2 }`,
    `{serialNumber 0x02,issuer "email=ca@example.com, cn=EXAMPLE CA, o=OpenLDAP Example\\, Ltd., st=California, c=us"}`,
  ]) t.equal(certificateAssertionKey(a, norm), ursula, a);
  t.not(certificateAssertionKey(`3$${ISSUER}`, norm), ursula, 'another serial');
  t.not(certificateAssertionKey('2$CN=Example CA,C=US', norm), ursula, 'another issuer');
});

t.test('what is not a certificate or an assertion has no key', async (t) => {
  // As slapd: hexadecimal only in GSER, and not as a GSER hstring.
  for (const a of [`0x02$${ISSUER}`, ` 2$${ISSUER}`, `{ serialNumber '02'H, issuer "${ISSUER}" }`, '', '2', '$CN=x', 'x$CN=x', '2$not a dn', '{ serialNumber 2 }', '{ issuer "CN=x" }', '{ serialNumber 2, issuer "CN=x", serialNumber 3 }', `{ serialNumber 2, issuer "${ISSUER}" } trailing`]) {
    t.equal(certificateAssertionKey(a, norm), undefined, JSON.stringify(a));
  }
  const der = ders[0]!;
  for (const [what, v] of [['empty', Buffer.alloc(0)], ['text', Buffer.from('hello')], ['truncated', der.subarray(0, 40)], ['one byte', Buffer.from([0x30])]] as const) {
    t.equal(certificateValueKey(v, norm), undefined, what);
  }
});
