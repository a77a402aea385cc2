// The matched values control (RFC 3876) through `ldapsearch -E 'mv=…'`:
// only the values an item matches, attributes without one left out, as
// slapd 2.5 answered the same searches.
import t from 'tap';
import { LdapError } from '../../src/errors.js';
import { LdapClient } from '../../src/ldap/client.js';
import { CONTROL } from '../../src/ldap/pdu/index.js';
import { cleanup, startServer, SUFFIX } from '../helpers/server.js';
import { as, people, tool } from './tools.js';

const server = await startServer({ seed: true });
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});
const url = server.url;
const alice = people('alice');
const added = tool('ldapmodify', as(url, 'root'), {
  input: `dn: ${alice}\nchangetype: modify\nadd: cn\ncn: Alice\n-\nadd: mail\nmail: a.smith@example.com\nmail: alice@example.org\n`,
});
const mv = (filter: string, attrs: string[], base = SUFFIX, search = '(uid=alice)') =>
  tool('ldapsearch', [...as(url, 'root'), '-LLL', '-o', 'ldif-wrap=no', '-b', base, '-E', `!mv=${filter}`, search, ...attrs]);

t.test('values', async (t) => {
  t.equal(added.code, 0, 'alice has two cn and three mail values');
  t.same(mv('(cn=Alice)', ['cn', 'sn', 'mail']), { code: 0, stdout: `dn: ${alice}\ncn: Alice\n\n`, stderr: '' }, 'sn and mail have no matching value: left out');
  t.equal(mv('(cn=nomatch)', ['cn']).stdout, `dn: ${alice}\n\n`, 'the entry is still returned');
  t.equal(mv('((cn=Alice)(sn=*))', ['cn', 'sn']).stdout, `dn: ${alice}\ncn: Alice\nsn: Smith\n\n`, 'several items; present keeps every value');
  t.equal(mv('(name=Alice)', ['cn', 'sn']).stdout, `dn: ${alice}\ncn: Alice\n\n`, 'a supertype in an item covers cn');
  t.equal(mv('(cn=*Smith)', ['cn']).stdout, `dn: ${alice}\ncn: Alice Smith\n\n`, 'substrings');
  t.equal(mv('(mail=*example.com)', ['mail']).stdout, `dn: ${alice}\nmail: alice@example.com\nmail: a.smith@example.com\n\n`);
  t.equal(mv('(objectClass=person)', ['objectClass']).stdout, `dn: ${alice}\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: inetOrgPerson\n\n`,
    'objectClass values whose class is, or descends from, person (not top)');
  t.equal(mv('(employeeNumber>=1000)', ['employeeNumber']).stdout, `dn: ${alice}\n\n`, 'employeeNumber has no ordering rule: Undefined');
  t.match(mv('(createTimestamp>=20000101000000Z)', ['createTimestamp', 'cn']).stdout, /^dn: [^\n]+\ncreateTimestamp: \d{14}Z\n\n$/, 'ordering');
  t.equal(mv('(cn:caseExactMatch:=alice)', ['cn']).stdout, `dn: ${alice}\n\n`, 'the rule named in an extensible item');
  t.equal(mv('(hasSubordinates=TRUE)', ['hasSubordinates'], SUFFIX, '(ou=people)').stdout, `dn: ou=people,${SUFFIX}\nhasSubordinates: TRUE\n\n`, 'computed attributes too');
  t.equal(mv('(hasSubordinates=TRUE)', ['hasSubordinates']).stdout, `dn: ${alice}\n\n`, 'alice has none');
});

t.test('bad values (through a client library: ldapsearch only sends well-formed ones)', async (t) => {
  const c = await LdapClient.connect(url);
  t.teardown(() => c.close());
  const code = (hex: string, op: 'search' | 'modify' = 'search') => {
    const controls = [{ oid: CONTROL.matchedValues, critical: true, value: Buffer.from(hex, 'hex') }];
    const p = op === 'search'
      ? c.search(SUFFIX, '(uid=alice)', { controls, attributes: ['cn'] })
      : c.request({ type: 'modify', dn: alice, changes: [] }, controls);
    return p.then(() => 0, (e: LdapError) => [e.code, e.message]);
  };
  // SEQUENCE { and { equality cn=x } }: and, or, not are not simple filter items.
  t.same(await code('300ba009a30704026e6304017a'), [2, 'matched values filter needs simple items (not and, or, not), at least one']);
  t.same(await code('3003'), [2, 'matched values control value is invalid'], 'truncated');
  t.same(await code('3000'), [2, 'matched values filter needs simple items (not and, or, not), at least one'], 'no items');
  t.same(await code('3009a30704026e6304017a'), 0, 'SEQUENCE { equality cn=z } is fine');
  t.same(await code('3009a30704026e6304017a', 'modify'), [12, 'critical extension is unavailable'], 'not on a modify');
});
