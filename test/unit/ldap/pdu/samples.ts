// Shared sample messages for the PDU tests (not a test file itself).
import type { ClientRequest, Control } from '../../../../src/ldap/pdu/types.js';
import type { Filter } from '../../../../src/dit/filter-types.js';
import { pagedResultsControl } from '../../../../src/ldap/pdu/controls.js';
import { CONTROL, EXOP } from '../../../../src/ldap/pdu/protocol.js';
import { encodePasswdModifyRequest } from '../../../../src/ldap/pdu/password-modify.js';

export const b = (s: string) => Buffer.from(s, 'utf8');

export const FILTERS: Filter[] = [
  { type: 'present', attr: 'objectClass' },
  { type: 'equality', attr: 'uid', value: b('jdoe') },
  { type: 'ge', attr: 'uidNumber', value: b('1000') },
  { type: 'le', attr: 'modifyTimestamp', value: b('20240101000000Z') },
  { type: 'approx', attr: 'cn', value: b('jon') },
  { type: 'substrings', attr: 'cn', initial: b('J'), any: [b('o'), b('h')], final: b('n') },
  { type: 'substrings', attr: 'mail', any: [b('@example')] },
  { type: 'substrings', attr: 'sn', final: b('son'), any: [] },
  { type: 'extensible', rule: '2.5.13.5', attr: 'ou', value: b('Sales'), dnAttributes: true },
  { type: 'extensible', attr: 'cn', value: b('x'), dnAttributes: false },
  { type: 'extensible', rule: 'caseIgnoreMatch', value: b('y'), dnAttributes: false },
  {
    type: 'and',
    filters: [
      { type: 'equality', attr: 'objectClass', value: b('person') },
      { type: 'or', filters: [{ type: 'present', attr: 'mail' }, { type: 'not', filter: { type: 'equality', attr: 'sn', value: b('Ünïcode') } }] },
    ],
  },
  // No string form that ldapjs encodes for these:
  { type: 'and', filters: [] },
  { type: 'or', filters: [] },
  { type: 'equality', attr: 'jpegPhoto', value: Buffer.from([0, 0xff, 0x80, 0x0a]) },
];

const critical: Control = { oid: CONTROL.manageDsaIT, critical: true };
const withValue: Control = { oid: '1.2.3.4.5', critical: false, value: b('opaque') };

export const REQUESTS: { op: ClientRequest; controls?: Control[] }[] = [
  { op: { type: 'bind', version: 3, name: 'cn=Directory Manager', auth: { kind: 'simple', password: b('secret') } } },
  { op: { type: 'bind', version: 3, name: '', auth: { kind: 'simple', password: Buffer.alloc(0) } } },
  { op: { type: 'bind', version: 3, name: '', auth: { kind: 'sasl', mechanism: 'EXTERNAL' } } },
  { op: { type: 'bind', version: 3, name: '', auth: { kind: 'sasl', mechanism: 'DIGEST-MD5', credentials: b('creds') } } },
  { op: { type: 'bind', version: 2, name: 'cn=old', auth: { kind: 'simple', password: b('x') } } },
  { op: { type: 'unbind' } },
  ...FILTERS.map((filter, i) => ({
    op: {
      type: 'search' as const, base: i % 2 ? 'dc=example,dc=com' : '', scope: (i % 3) as 0 | 1 | 2, deref: i % 4,
      sizeLimit: i * 1000, timeLimit: i, typesOnly: i % 2 === 0, filter, attributes: i % 3 ? ['cn', '+', '1.1'] : [],
    },
    controls: i % 4 === 0 ? [pagedResultsControl(50, i ? b('cookie') : Buffer.alloc(0), true)] : [],
  })),
  {
    op: { type: 'modify', dn: 'uid=jdoe,ou=people,dc=example,dc=com', changes: [
      { op: 0, attr: 'mail', values: [b('a@example.com'), b('b@example.com')] },
      { op: 1, attr: 'description', values: [] },
      { op: 2, attr: 'sn', values: [b('Doe')] },
      { op: 3, attr: 'loginCount', values: [b('1')] },
    ] },
  },
  { op: { type: 'modify', dn: 'cn=x', changes: [] } },
  {
    op: { type: 'add', dn: 'uid=new,ou=people,dc=example,dc=com', attrs: [
      { type: 'objectClass', values: [b('top'), b('person')] },
      { type: 'cn', values: [b('New Person')] },
      { type: 'sn', values: [b('Person')] },
      { type: 'jpegPhoto', values: [Buffer.alloc(300, 0xab)] },
    ] },
    controls: [critical, withValue],
  },
  { op: { type: 'delete', dn: 'uid=old,ou=people,dc=example,dc=com' } },
  { op: { type: 'delete', dn: '' } },
  { op: { type: 'modrdn', dn: 'uid=a,ou=people,dc=example,dc=com', newRdn: 'uid=b', deleteOldRdn: true } },
  { op: { type: 'modrdn', dn: 'uid=a,ou=people,dc=example,dc=com', newRdn: 'uid=a', deleteOldRdn: false, newSuperior: 'ou=staff,dc=example,dc=com' } },
  { op: { type: 'compare', dn: 'uid=a,dc=example,dc=com', attr: 'userPassword', value: b('secret') } },
  { op: { type: 'abandon', id: 7 } },
  { op: { type: 'abandon', id: 0x7fffffff } },
  { op: { type: 'extended', oid: EXOP.whoAmI } },
  { op: { type: 'extended', oid: EXOP.startTls } },
  { op: { type: 'extended', oid: EXOP.passwordModify, value: encodePasswdModifyRequest({ userIdentity: 'dn:uid=a', newPasswd: b('n3w') }) } },
];
