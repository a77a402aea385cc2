import t, { type Test } from 'tap';
import { createRequire } from 'node:module';
import { decodeMessage } from '../../../../src/ldap/pdu/decode-request.js';
import { encodeRequest } from '../../../../src/ldap/pdu/encode-request.js';
import { CONTROL, EXOP, OP } from '../../../../src/ldap/pdu/protocol.js';
import { frameLength } from '../../../../src/ber/frame.js';
import { BerWriter } from '../../../../src/ber/writer.js';
import { BerReader } from '../../../../src/ber/reader.js';
import { ProtocolError } from '../../../../src/errors.js';
import type { ClientRequest, Control } from '../../../../src/ldap/pdu/types.js';
import { REQUESTS, b } from './samples.js';

const require = createRequire(import.meta.url);
const ldap = require('ldapjs');

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Wraps raw protocolOp (and controls) bytes in an LDAPMessage envelope. */
function envelope(id: number, op: Buffer, controls?: Buffer): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeInt(id);
  w.writeRaw(op);
  if (controls) w.writeRaw(controls);
  w.endSequence();
  return w.toBuffer();
}

/** `disconnect`: its encoding is broken (Notice of Disconnection), not only its content (protocolError, the connection stays). */
function invalid(t: Test, pdu: Buffer, tag: number, reason: RegExp, name: string, disconnect = false): void {
  const m = decodeMessage(pdu);
  t.equal(m.op.type, 'invalid', name);
  if (m.op.type === 'invalid') {
    t.equal(m.op.tag, tag, `${name}: tag`);
    t.match(m.op.reason, reason, `${name}: reason`);
    t.equal(m.op.disconnect, disconnect, `${name}: ${disconnect ? 'hang up' : 'answered'}`);
  }
}

t.test('every request type round-trips through encodeRequest and decodeMessage', async (t) => {
  let id = 1;
  for (const { op, controls = [] } of REQUESTS) {
    const pdu = encodeRequest(id, op, controls);
    t.equal(frameLength(pdu, 0, 1 << 20), pdu.length);
    t.same(decodeMessage(pdu), { id, op, controls }, `${op.type} #${id}`);
    id = (id * 7919 + 1) % 0x7fffffff;
  }
});

t.test('encodings match ldapjs message classes byte for byte', async (t) => {
  const paged = new ldap.PagedResultsControl({ criticality: true, value: { size: 50, cookie: b('cookie') } });
  const cases: [string, Buffer, ClientRequest, Control[]?][] = [
    ['bind', new ldap.BindRequest({ messageId: 1, name: 'cn=Directory Manager', credentials: 'secret' }).toBer().buffer,
      { type: 'bind', version: 3, name: 'cn=Directory Manager', auth: { kind: 'simple', password: b('secret') } }],
    ['search', new ldap.SearchRequest({
      messageId: 2, baseObject: 'ou=people,dc=example,dc=com', scope: 'one', sizeLimit: 500, timeLimit: 30, typesOnly: true,
      filter: ldap.parseFilter('(&(objectClass=person)(|(cn=J*o*n)(mail=*))(uidNumber>=10)(cn~=jon)(ou:dn:2.5.13.5:=Sales))'),
      attributes: ['cn', 'mail'], controls: [paged],
    }).toBer().buffer, {
      type: 'search', base: 'ou=people,dc=example,dc=com', scope: 1, deref: 0, sizeLimit: 500, timeLimit: 30, typesOnly: true,
      filter: { type: 'and', filters: [
        { type: 'equality', attr: 'objectClass', value: b('person') },
        { type: 'or', filters: [
          { type: 'substrings', attr: 'cn', initial: b('J'), any: [b('o')], final: b('n') },
          { type: 'present', attr: 'mail' },
        ] },
        { type: 'ge', attr: 'uidNumber', value: b('10') },
        { type: 'approx', attr: 'cn', value: b('jon') },
        { type: 'extensible', rule: '2.5.13.5', attr: 'ou', value: b('Sales'), dnAttributes: true },
      ] },
      attributes: ['cn', 'mail'],
    }, [{ oid: CONTROL.pagedResults, critical: true, value: hex('300b 020132 0406636f6f6b6965') }]],
    ['modify', new ldap.ModifyRequest({ messageId: 3, object: 'uid=a,dc=example,dc=com', changes: [
      new ldap.Change({ operation: 'add', modification: new ldap.Attribute({ type: 'mail', values: ['a@x', 'b@x'] }) }),
      new ldap.Change({ operation: 'delete', modification: new ldap.Attribute({ type: 'description', values: [] }) }),
      new ldap.Change({ operation: 'replace', modification: new ldap.Attribute({ type: 'sn', values: ['Doe'] }) }),
    ] }).toBer().buffer, { type: 'modify', dn: 'uid=a,dc=example,dc=com', changes: [
      { op: 0, attr: 'mail', values: [b('a@x'), b('b@x')] },
      { op: 1, attr: 'description', values: [] },
      { op: 2, attr: 'sn', values: [b('Doe')] },
    ] }],
    ['add', new ldap.AddRequest({ messageId: 4, entry: 'cn=new,dc=example,dc=com', attributes: [
      new ldap.Attribute({ type: 'objectClass', values: ['top', 'person'] }),
      new ldap.Attribute({ type: 'sn', values: ['New'] }),
    ] }).toBer().buffer, { type: 'add', dn: 'cn=new,dc=example,dc=com', attrs: [
      { type: 'objectClass', values: [b('top'), b('person')] },
      { type: 'sn', values: [b('New')] },
    ] }],
    ['delete', new ldap.DeleteRequest({ messageId: 5, entry: 'cn=old,dc=example,dc=com' }).toBer().buffer,
      { type: 'delete', dn: 'cn=old,dc=example,dc=com' }],
    ['modrdn', new ldap.ModifyDNRequest({ messageId: 6, entry: 'cn=a,dc=example,dc=com', newRdn: 'cn=b', deleteOldRdn: true,
      newSuperior: 'ou=x,dc=example,dc=com' }).toBer().buffer,
    { type: 'modrdn', dn: 'cn=a,dc=example,dc=com', newRdn: 'cn=b', deleteOldRdn: true, newSuperior: 'ou=x,dc=example,dc=com' }],
    ['compare', new ldap.CompareRequest({ messageId: 7, entry: 'cn=a,dc=example,dc=com', attribute: 'sn', value: 'Doe' }).toBer().buffer,
      { type: 'compare', dn: 'cn=a,dc=example,dc=com', attr: 'sn', value: b('Doe') }],
    ['abandon', new ldap.AbandonRequest({ messageId: 8, abandonId: 300 }).toBer().buffer, { type: 'abandon', id: 300 }],
    ['unbind', new ldap.UnbindRequest({ messageId: 9 }).toBer().buffer, { type: 'unbind' }],
    ['whoami', new ldap.ExtendedRequest({ messageId: 10, requestName: EXOP.whoAmI }).toBer().buffer,
      { type: 'extended', oid: EXOP.whoAmI }],
    ['extended with value', new ldap.ExtendedRequest({ messageId: 11, requestName: '1.2.3.4', requestValue: 'payload' }).toBer().buffer,
      { type: 'extended', oid: '1.2.3.4', value: b('payload') }],
    ['password modify', new ldap.ExtendedRequest({ messageId: 12, requestName: EXOP.passwordModify,
      requestValue: { userIdentity: 'dn:uid=a', oldPassword: 'old', newPassword: 'n3w' } }).toBer().buffer,
    { type: 'extended', oid: EXOP.passwordModify, value: hex('3014 8008646e3a7569643d61 81036f6c64 82036e3377') }],
  ];
  for (const [name, ref, op, controls] of cases) {
    const m = decodeMessage(ref);
    t.same(m.op, op, `${name}: ldapjs bytes decode`);
    t.equal(encodeRequest(m.id, op, controls).toString('hex'), ref.toString('hex'), `${name}: same bytes`);
  }
});

t.test('malformed operations in a sound envelope become invalid', async (t) => {
  const enc = (op: ClientRequest) => {
    const pdu = encodeRequest(42, op);
    return pdu.subarray(5); // strip 30 LL 02 01 2a
  };
  const search = enc({ type: 'search', base: '', scope: 0, deref: 0, sizeLimit: 0, timeLimit: 0, typesOnly: false,
    filter: { type: 'present', attr: 'cn' }, attributes: [] });
  t.equal(search.toString('hex').slice(0, 4), '6317', 'search op starts where expected');

  invalid(t, envelope(42, hex('6f 00')), 0x6f, /unknown operation 0x6f/, 'a response tag sent as a request', true);
  invalid(t, envelope(42, hex('7e 00')), 0x7e, /unknown operation/, 'unknown application tag', true);
  const badScope = Buffer.from(search);
  badScope[6] = 4; // 63 15 04 00 0a 01 [scope; 3 is OpenLDAP's subordinate subtree]
  invalid(t, envelope(42, badScope), OP.searchRequest, /scope 4/, 'scope out of range');
  const badDeref = Buffer.from(search);
  badDeref[9] = 4;
  invalid(t, envelope(42, badDeref), OP.searchRequest, /derefAliases/, 'deref out of range');
  const badSize = Buffer.from(search);
  badSize[12] = 0xff;
  invalid(t, envelope(42, badSize), OP.searchRequest, /negative/, 'negative sizeLimit');
  const badFilter = Buffer.from(search);
  badFilter[19] = 0x8b;
  invalid(t, envelope(42, badFilter), OP.searchRequest, /unknown filter choice 0x8b/, 'unknown filter choice');
  invalid(t, envelope(42, hex('68 10 04 04 63 6e 3d 78 30 08 30 06 04 02 63 6e 31 00')), OP.addRequest,
    /no values for attribute type cn/, 'add with an empty value set');
  invalid(t, envelope(42, hex('66 0f 04 00 30 0b 30 09 0a 01 04 30 04 04 00 31 00')), OP.modifyRequest,
    /modify operation 4/, 'unknown modify operation');
  invalid(t, envelope(42, hex('60 07 02 01 03 04 00 81 00')), OP.bindRequest, /authentication choice 0x81/, 'unknown auth choice');
  invalid(t, envelope(42, hex('60 07 02 01 00 04 00 80 00')), OP.bindRequest, /version 0/, 'bind version 0');
  invalid(t, envelope(42, hex('50 01 ff')), OP.abandonRequest, /abandon/, 'abandon of a negative id', true);
  invalid(t, envelope(42, hex('42 01 00')), OP.unbindRequest, /NULL/, 'unbind with content', true);
  // Broken encodings (slapd: "decoding error", Notice of Disconnection).
  const noAttrs = Buffer.from(search.subarray(0, search.length - 2));
  noAttrs[1] -= 2;
  invalid(t, envelope(42, noAttrs), OP.searchRequest, /truncated/, 'search without its attribute list', true);
  invalid(t, envelope(42, hex('6e 02 04 00')), OP.compareRequest, /truncated/, 'compare without its assertion', true);
  invalid(t, envelope(42, hex('6c 02 04 00')), OP.modDNRequest, /truncated/, 'modrdn without its new RDN', true);
  invalid(t, envelope(42, Buffer.concat([search.subarray(0, 1), Buffer.from([search[1]! + 3]), search.subarray(2), hex('04 01 78')])),
    OP.searchRequest, /unexpected octets/, 'search with octets after its attribute list', true);
});

t.test('malformed controls make the operation invalid (hang up), keeping the id', async (t) => {
  const del = hex('4a 04 63 6e 3d 78');
  invalid(t, envelope(9, del, hex('a0 06 30 03 04 01 31 ff')), 0x4a, /malformed controls/, 'junk after a control', true);
  invalid(t, envelope(9, del, hex('a0 03 04 01 31')), 0x4a, /malformed controls/, 'control not a SEQUENCE', true);
  invalid(t, envelope(9, del, hex('a0 09 30 07 04 01 31 01 02 00 ff')), 0x4a, /malformed controls/, 'criticality of 2 octets', true);
  const ok = decodeMessage(envelope(9, del, hex('a0 00')));
  t.same(ok, { id: 9, op: { type: 'delete', dn: 'cn=x' }, controls: [] }, 'an empty control list is fine');
  const explicitFalse = decodeMessage(envelope(9, del, hex('a0 08 30 06 04 01 31 01 01 00')));
  t.same(explicitFalse.controls, [{ oid: '1', critical: false }], 'criticality FALSE written out is accepted');
});

t.test('a broken envelope throws ProtocolError', async (t) => {
  const good = encodeRequest(5, { type: 'delete', dn: 'cn=x' });
  const cases: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['not a SEQUENCE', hex('31 06 02 01 01 4a 01 78')],
    ['trailing octets after the message', Buffer.concat([good, hex('00')])],
    ['messageID missing', hex('30 03 4a 01 78')],
    ['messageID negative', hex('30 06 02 01 ff 4a 01 78')],
    ['messageID of 5 octets', hex('30 0a 02 05 00 80 00 00 00 4a 01 78')],
    ['no protocolOp', hex('30 03 02 01 01')],
    ['protocolOp longer than the message', hex('30 06 02 01 01 4a 05 78')],
    ['element after protocolOp that is not controls', hex('30 08 02 01 01 4a 01 78 04 00')],
    ['octets after controls', hex('30 0a 02 01 01 4a 01 78 a0 00 04 00')],
    ['controls longer than the message', hex('30 08 02 01 01 4a 01 78 a0 05')],
    ['indefinite length', hex('30 80 02 01 01 4a 01 78 00 00')],
    ['high tag number protocolOp', hex('30 07 02 01 01 7f 81 01 00')],
  ];
  for (const [name, pdu] of cases) t.throws(() => decodeMessage(pdu), ProtocolError, name);
});

t.test('truncated at every offset: ProtocolError from decodeMessage, -1 from frameLength', async (t) => {
  let checked = 0;
  for (const { op, controls = [] } of REQUESTS) {
    const pdu = encodeRequest(300, op, controls);
    for (let i = 0; i < pdu.length; i++) {
      const cut = pdu.subarray(0, i);
      if (frameLength(cut, 0, 1 << 20) !== -1) t.fail(`frameLength of ${op.type} cut at ${i}`);
      try {
        decodeMessage(cut);
        t.fail(`${op.type} cut at ${i} decoded`);
      } catch (e) {
        if (!(e instanceof ProtocolError)) t.fail(`${op.type} cut at ${i}: ${String(e)}`);
      }
      checked++;
    }
  }
  t.ok(checked > 2000, `${checked} truncations`);
});

t.test('operation content truncated at every offset, lengths fixed up: a result or invalid', async (t) => {
  let invalids = 0;
  for (const { op } of REQUESTS) {
    const r = new BerReader(encodeRequest(300, op));
    r.enter();
    r.readInt();
    const tag = r.readTag();
    const content = r.buf.subarray(r.pos, r.pos + r.readLength());
    for (let i = 0; i < content.length; i++) {
      const w = new BerWriter();
      w.startSequence();
      w.writeInt(300);
      w.startSequence(tag);
      w.writeRaw(content.subarray(0, i));
      w.endSequence();
      w.endSequence();
      const m = decodeMessage(w.toBuffer());
      t.equal(m.id, 300);
      if (m.op.type === 'invalid') {
        invalids++;
        t.equal(m.op.tag, tag);
      }
    }
  }
  t.ok(invalids > 500, `${invalids} answered as invalid operations`);
});
