// Certificates and certificateExactMatch (RFC 4523) through ldap-utils, as
// OpenLDAP's test021-certificate runs them: its certificates, modifications
// and serialNumberAndIssuer searches. The expected entries are what slapd 2.5
// (back-mdb) returned for the same commands on the same data.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cleanup, startServer } from '../helpers/server.js';
import { as, dns, tool } from './tools.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/ldif/${name}`, import.meta.url));
const server = await startServer({ seed: fixture('certificates.ldif') });
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});
const B = 'dc=example,dc=com';
const person = (cn: string) => `cn=${cn},ou=Alumni Association,ou=People,${B}`;
const root = as(server.url, 'root');
const search = (filter: string, ...attrs: string[]) => tool('ldapsearch', [...root, '-LLL', '-b', B, filter, ...(attrs.length ? attrs : ['1.1'])]);
// As test021 writes it: the comma inside O= is escaped for the DN (\,) and
// that backslash again for the filter (\5C).
const ISSUER = 'EMAIL=ca@example.com,CN=Example CA,O=Openldap Example\\5C, Ltd.,ST=California,C=US';

t.test("test021's modifications: certificate values added, deleted by value and replaced", async (t) => {
  const r = tool('ldapmodify', [...root], { input: readFileSync(fixture('certificate-mods.ldif'), 'utf8') });
  t.equal(r.code, 0, r.stderr);
  const all = search('(userCertificate;binary=*)', 'userCertificate;binary');
  t.same(dns(all.stdout), [person('Ursula Hampster'), person('Jennifer Smith')], 'Mark Elliot\'s were replaced, then deleted');
  const jen = all.stdout.split('\n\n').find((b) => b.startsWith(`dn: ${person('Jennifer Smith')}`))!;
  t.equal(jen.match(/^userCertificate;binary::/gm)?.length, 1, 'Jennifer keeps one certificate: serial 1 was deleted by its value');
  t.same(dns(search('(cAcertificate=*)').stdout), [B]);
});

t.test('serialNumberAndIssuer assertions, old and GSER forms, in equality and extensible filters', async (t) => {
  const cases: [string, string][] = [
    [`(userCertificate=2$${ISSUER})`, 'Ursula Hampster'],
    [`(userCertificate={ serialNumber 2, issuer "${ISSUER}" })`, 'Ursula Hampster'],
    [`(userCertificate:certificateExactMatch:=3$${ISSUER})`, 'Jennifer Smith'],
    [`(userCertificate:certificateExactMatch:={ issuer "${ISSUER}", serialNumber 3 })`, 'Jennifer Smith'],
    // Issuers compare as DNs: case and spaces after commas do not matter.
    [`(userCertificate={ serialNumber 2, issuer rdnSequence:"email=CA@example.com, cn=example ca, o=OpenLDAP Example\\5C, Ltd., st=california, c=US" })`, 'Ursula Hampster'],
    [`(userCertificate={ serialNumber 0x3, issuer "${ISSUER}" })`, 'Jennifer Smith'],
  ];
  for (const [filter, who] of cases) {
    const r = search(filter);
    t.equal(r.code, 0, filter);
    t.same(dns(r.stdout), [person(who)], filter);
  }
  t.same(dns(search(`(cACertificate=0$${ISSUER})`).stdout), [B], 'the CA certificate');
  // slapd reads hexadecimal serials only in GSER, and not as an hstring.
  for (const filter of [`(userCertificate=0x2$${ISSUER})`, `(userCertificate={ serialNumber '02'H, issuer "${ISSUER}" })`, `(userCertificate=1$${ISSUER})`, `(userCertificate=2$CN=Other CA,C=US)`, '(userCertificate=2)', '(userCertificate={ serialNumber 2 })']) {
    const r = search(filter);
    t.same([r.code, dns(r.stdout)], [0, []], `${filter}: no entry`);
  }
});

t.test('a certificate value is not an assertion: compare with one is invalidAttributeSyntax, as in slapd', async (t) => {
  const der = readFileSync(fixture('certificate-mods.ldif'), 'utf8').split('userCertificate;binary::\n')[1]!.split('\n').filter((l) => l.startsWith(' ')).map((l) => l.slice(1)).join('');
  const r = tool('ldapcompare', [...root, person('Ursula Hampster'), `userCertificate;binary::${der}`]);
  t.same([r.code, (r.stdout + r.stderr).trim()], [21, 'Compare Result: Invalid syntax (21)\nAdditional info: unable to normalize value for matching\nUNDEFINED']);
  const ok = tool('ldapcompare', [...root, person('Ursula Hampster'), `userCertificate:2$${ISSUER.replace('\\5C', '\\')}`]);
  t.same([ok.code, ok.stdout.trim()], [6, 'TRUE']);
});
