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

/** DER element: tag, definite length (short or long form), content. */
const der = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  const len = body.length < 128 ? Buffer.from([body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
};
const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const bytes = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return der(0x06, Buffer.from(out));
};
const ava = (type: string, tag: number, value: Buffer) => der(0x30, oid(type), der(tag, value));
/** Just the fields certificateExactMatch reads: a TBSCertificate's version, serial, signature and issuer. */
const cert = (serial: Buffer, ...rdns: Buffer[][]) =>
  der(0x30, der(0x30, der(0xa0, der(0x02, Buffer.from([2]))), der(0x02, serial), der(0x30, oid('1.2.840.113549.1.1.5')), der(0x30, ...rdns.map((r) => der(0x31, ...r)))));

t.test('issuer strings of every directory string type, multi-valued RDNs, negative serials', async (t) => {
  const utf16be = (s: string) => Buffer.from(s, 'utf16le').swap16();
  const utf32be = (s: string) => {
    const b = Buffer.alloc(s.length * 4);
    [...s].forEach((c, i) => b.writeUInt32BE(c.codePointAt(0)!, i * 4));
    return b;
  };
  const c = cert(
    Buffer.from([0xff, 0x7e]), // -130
    [ava('2.5.4.6', 0x13, Buffer.from('DE'))],
    [ava('2.5.4.10', 0x1e, utf16be('Bäckerei')), ava('2.5.4.11', 0x1c, utf32be('Süd'))],
    [ava('2.5.4.3', 0x0c, Buffer.from('Zertifizierungsstelle Ü', 'utf8'))],
  );
  const key = certificateValueKey(c, norm);
  t.equal(key, `-130$${norm('cn=Zertifizierungsstelle Ü,o=Bäckerei+ou=Süd,c=DE')}`);
  t.equal(certificateAssertionKey('{ serialNumber -130, issuer "CN=zertifizierungsstelle ü,OU=Süd+O=BÄCKEREI,C=de" }', norm), key, 'the RDN\'s AVAs in either order');
  // A value type that is not a directory string (an OCTET STRING) makes no DN, as an unknown attribute type does.
  t.equal(certificateValueKey(cert(Buffer.from([1]), [ava('2.5.4.3', 0x04, Buffer.from('x'))]), norm), undefined);
  t.equal(certificateValueKey(cert(Buffer.from([1]), [ava('1.2.3.4.5.6.7', 0x0c, Buffer.from('x'))]), norm), undefined);
  // A quote in the issuer: \" in the DN, doubled inside the GSER string.
  const quoted = cert(Buffer.from([7]), [ava('2.5.4.3', 0x0c, Buffer.from('Say "Hi"'))]);
  t.equal(certificateAssertionKey('{ serialNumber 7, issuer "cn=Say \\""Hi\\""" }', norm), certificateValueKey(quoted, norm));
  t.not(certificateValueKey(quoted, norm), undefined);
  t.equal(certificateAssertionKey('{ serialNumber 7, issuer "cn=unterminated }', norm), undefined);
  // Long-form lengths (an issuer over 127 octets).
  const long = cert(Buffer.from([5]), [ava('2.5.4.3', 0x0c, Buffer.from('x'.repeat(200)))]);
  t.equal(certificateValueKey(long, norm), `5$${norm(`cn=${'x'.repeat(200)}`)}`);
});
