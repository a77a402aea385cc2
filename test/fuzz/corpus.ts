// Valid requests of every type that the fuzzer mutates, against the example
// data (agreements/demo/example.ldif) plus a sandbox under ou=fuzz. No
// request carries a real credential (the example users' and the rootDn's
// password is "secret"), so no mutation of them can authenticate: with the
// fuzzer's connections left anonymous, every write must be refused.
import type { Filter } from '../../src/dit/filter-types.js';
import { pagedResultsControl } from '../../src/ldap/pdu/controls.js';
import { encodeRequest } from '../../src/ldap/pdu/encode-request.js';
import { encodePasswdModifyRequest } from '../../src/ldap/pdu/password-modify.js';
import { CONTROL, EXOP } from '../../src/ldap/pdu/protocol.js';
import type { ClientRequest, Control } from '../../src/ldap/pdu/types.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

const SUFFIX = 'dc=example,dc=com';
const SANDBOX = `ou=fuzz,${SUFFIX}`;
const ALICE = `uid=alice,ou=people,${SUFFIX}`;

/** Entries the fuzz setup adds under SANDBOX (LdapClient.add shape). */
export const SANDBOX_ENTRIES: { dn: string; attrs: Record<string, string | string[]> }[] = [
  { dn: SANDBOX, attrs: { objectClass: ['top', 'organizationalUnit'], ou: 'fuzz' } },
  ...[1, 2, 3, 4].map((i) => ({
    dn: `uid=f${i},${SANDBOX}`,
    attrs: {
      objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'posixAccount'],
      uid: `f${i}`, cn: `Fuzz ${i}`, sn: 'Fuzz', mail: `f${i}@example.com`, description: 'sandbox',
      uidNumber: String(5000 + i), gidNumber: '5000', homeDirectory: `/home/f${i}`,
    },
  })),
  { dn: `cn=fuzzers,${SANDBOX}`, attrs: { objectClass: ['top', 'groupOfNames'], cn: 'fuzzers', member: [`uid=f1,${SANDBOX}`, `uid=f2,${SANDBOX}`] } },
];

const FILTERS: Filter[] = [
  { type: 'present', attr: 'objectClass' },
  { type: 'equality', attr: 'uid', value: b('alice') },
  { type: 'equality', attr: 'objectClass', value: b('inetOrgPerson') },
  { type: 'equality', attr: 'member', value: b(ALICE) },
  { type: 'equality', attr: 'entryDN', value: b(ALICE) },
  { type: 'ge', attr: 'uidNumber', value: b('5002') },
  { type: 'le', attr: 'createTimestamp', value: b('20990101000000Z') },
  { type: 'ge', attr: 'employeeNumber', value: b('1003') },
  { type: 'approx', attr: 'cn', value: b('Alise Smyth') },
  { type: 'substrings', attr: 'cn', initial: b('A'), any: [b('ic')], final: b('h') },
  { type: 'substrings', attr: 'mail', any: [b('@example')] },
  { type: 'substrings', attr: 'telephoneNumber', initial: b('+1 555'), any: [] },
  { type: 'extensible', rule: '2.5.13.5', attr: 'ou', value: b('Sales'), dnAttributes: true },
  { type: 'extensible', rule: 'integerMatch', attr: 'uidNumber', value: b('5001'), dnAttributes: false },
  { type: 'extensible', rule: 'caseIgnoreMatch', value: b('people'), dnAttributes: true },
  { type: 'extensible', rule: 'generalizedTimeOrderingMatch', attr: 'modifyTimestamp', value: b('20000101000000Z'), dnAttributes: false },
  { type: 'present', attr: 'hasSubordinates' },
  { type: 'not', filter: { type: 'equality', attr: 'ou', value: b('Engineering') } },
  {
    type: 'and',
    filters: [
      { type: 'equality', attr: 'objectClass', value: b('person') },
      { type: 'or', filters: [{ type: 'present', attr: 'mail' }, { type: 'not', filter: { type: 'equality', attr: 'sn', value: b('Ünïcode') } }] },
    ],
  },
  { type: 'and', filters: [] },
  { type: 'or', filters: [] },
  { type: 'equality', attr: 'jpegPhoto', value: Buffer.from([0, 0xff, 0x80, 0x0a]) },
];

const BASES = [SUFFIX, '', 'cn=Subschema', 'cn=monitor', `ou=people,${SUFFIX}`, SANDBOX, ALICE];

function search(i: number, filter: Filter): { op: ClientRequest; controls?: Control[] } {
  const attributes = [[], ['*', '+'], ['cn', 'mail', '1.1'], ['objectClasses', 'attributeTypes'], ['name', 'entryUUID']][i % 5]!;
  const op: ClientRequest = {
    type: 'search', base: BASES[i % BASES.length]!, scope: ([2, 0, 1] as const)[i % 3]!, deref: i % 4,
    sizeLimit: i % 4 === 1 ? 2 : 0, timeLimit: i % 5, typesOnly: i % 6 === 0, filter, attributes,
  };
  return i % 4 === 0 ? { op, controls: [pagedResultsControl(2, i % 8 ? b('bogus-cookie') : Buffer.alloc(0), true)] } : { op };
}

/** Weight 1 unless given: unbind and StartTLS end the connection, so they are rarer. */
const REQUESTS: { op: ClientRequest; controls?: Control[]; weight?: number }[] = [
  { op: { type: 'bind', version: 3, name: 'cn=Directory Manager', auth: { kind: 'simple', password: b('not-the-password') } } },
  { op: { type: 'bind', version: 3, name: ALICE, auth: { kind: 'simple', password: b('wrong') } } },
  { op: { type: 'bind', version: 3, name: '', auth: { kind: 'simple', password: Buffer.alloc(0) } } },
  { op: { type: 'bind', version: 3, name: ALICE, auth: { kind: 'simple', password: Buffer.alloc(0) } } },
  { op: { type: 'bind', version: 3, name: '', auth: { kind: 'sasl', mechanism: 'EXTERNAL' } } },
  { op: { type: 'bind', version: 3, name: '', auth: { kind: 'sasl', mechanism: 'PLAIN', credentials: b('\0alice\0wrong') } } },
  { op: { type: 'bind', version: 2, name: 'cn=old', auth: { kind: 'simple', password: b('x') } } },
  { op: { type: 'unbind' }, weight: 0.1 },
  ...FILTERS.map((f, i) => search(i, f)),
  { op: { type: 'modify', dn: `uid=f1,${SANDBOX}`, changes: [
    { op: 0, attr: 'mail', values: [b('extra@example.com'), b('more@example.com')] },
    { op: 1, attr: 'description', values: [] },
    { op: 2, attr: 'sn', values: [b('Changed')] },
    { op: 3, attr: 'uidNumber', values: [b('1')] },
  ] } },
  { op: { type: 'modify', dn: `uid=f2,${SANDBOX}`, changes: [{ op: 2, attr: 'objectClass', values: [b('top'), b('person')] }] } },
  { op: { type: 'modify', dn: `cn=fuzzers,${SANDBOX}`, changes: [{ op: 0, attr: 'member', values: [b(ALICE)] }, { op: 1, attr: 'member', values: [b(`uid=f2,${SANDBOX}`)] }] } },
  { op: { type: 'modify', dn: `uid=f3,${SANDBOX}`, changes: [{ op: 2, attr: 'jpegPhoto', values: [Buffer.alloc(200, 0xab)] }, { op: 2, attr: 'telephoneNumber', values: [b('+1 555 0199')] }] } },
  { op: { type: 'modify', dn: ALICE, changes: [{ op: 2, attr: 'telephoneNumber', values: [b('+1 555 0100')] }] } },
  { op: { type: 'modify', dn: 'cn=x', changes: [] } },
  {
    op: { type: 'add', dn: `uid=new,${SANDBOX}`, attrs: [
      { type: 'objectClass', values: [b('top'), b('person'), b('organizationalPerson'), b('inetOrgPerson')] },
      { type: 'uid', values: [b('new')] },
      { type: 'cn', values: [b('New Person')] },
      { type: 'sn', values: [b('Person')] },
      { type: 'jpegPhoto', values: [Buffer.alloc(100, 0xcd)] },
      { type: 'createTimestamp', values: [b('20200101000000Z')] },
    ] },
  },
  {
    op: { type: 'add', dn: `cn=group2,${SANDBOX}`, attrs: [
      { type: 'objectClass', values: [b('groupOfNames')] },
      { type: 'cn', values: [b('group2')] },
      { type: 'member', values: [b(ALICE), b(`uid=f4,${SANDBOX}`)] },
    ] },
    controls: [{ oid: CONTROL.manageDsaIT, critical: true }],
  },
  { op: { type: 'add', dn: `ou=sub,uid=f4,${SANDBOX}`, attrs: [{ type: 'objectClass', values: [b('organizationalUnit')] }, { type: 'ou', values: [b('sub')] }] } },
  { op: { type: 'delete', dn: `uid=f2,${SANDBOX}` } },
  { op: { type: 'delete', dn: SANDBOX } },
  { op: { type: 'delete', dn: '' } },
  { op: { type: 'modrdn', dn: `uid=f3,${SANDBOX}`, newRdn: 'uid=f3b', deleteOldRdn: true } },
  { op: { type: 'modrdn', dn: `uid=f4,${SANDBOX}`, newRdn: 'cn=Fuzz 4', deleteOldRdn: false, newSuperior: `ou=people,${SUFFIX}` } },
  { op: { type: 'compare', dn: ALICE, attr: 'mail', value: b('alice@example.com') } },
  { op: { type: 'compare', dn: `uid=f1,${SANDBOX}`, attr: 'uidNumber', value: b('5001') } },
  { op: { type: 'compare', dn: ALICE, attr: 'userPassword', value: b('wrong') } },
  { op: { type: 'abandon', id: 7 } },
  { op: { type: 'extended', oid: EXOP.whoAmI } },
  { op: { type: 'extended', oid: EXOP.startTls }, weight: 0.1 },
  { op: { type: 'extended', oid: EXOP.passwordModify, value: encodePasswdModifyRequest({ userIdentity: `uid=f1,${SANDBOX}`, newPasswd: b('n3w') }) } },
  { op: { type: 'extended', oid: EXOP.passwordModify, value: encodePasswdModifyRequest({ userIdentity: `dn:${ALICE}`, oldPasswd: b('wrong'), newPasswd: b('n3w') }) } },
  { op: { type: 'extended', oid: EXOP.passwordModify } },
  { op: { type: 'extended', oid: '1.2.3.4.5.6', value: b('opaque') } },
  { op: { type: 'search', base: SUFFIX, scope: 2, deref: 0, sizeLimit: 0, timeLimit: 0, typesOnly: false, filter: FILTERS[0]!, attributes: [] }, controls: [{ oid: '1.2.3.9', critical: true, value: b('x') }] },
];

export interface CorpusItem {
  pdu: Buffer;
  weight: number;
}

export function corpus(): CorpusItem[] {
  return REQUESTS.map(({ op, controls = [], weight = 1 }, i) => ({ pdu: encodeRequest(i + 2, op, controls), weight }));
}
