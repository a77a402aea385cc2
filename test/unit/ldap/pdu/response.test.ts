import t from 'tap';
import { createRequire } from 'node:module';
import {
  encodeResult, encodeBindResponse, encodeExtendedResponse, encodeIntermediate, encodeSearchReference,
  encodeAttribute, encodeSearchEntry, writeSearchEntry, writeResult,
} from '../../../../src/ldap/pdu/encode-response.js';
import { decodeResponse } from '../../../../src/ldap/pdu/decode-response.js';
import { pagedResultsControl, decodePagedResults } from '../../../../src/ldap/pdu/controls.js';
import { CONTROL, EXOP, OP } from '../../../../src/ldap/pdu/protocol.js';
import { BerWriter } from '../../../../src/ber/writer.js';
import { frameLength } from '../../../../src/ber/frame.js';
import { ProtocolError, RC } from '../../../../src/errors.js';
import { b } from './samples.js';

const require = createRequire(import.meta.url);
const ldap = require('ldapjs');
const messages = require('@ldapjs/messages');
const { BerReader: LdapjsReader } = require('@ldapjs/asn1');

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ldapjsParse = (buf: Buffer) => messages.LdapMessage.parse(new LdapjsReader(buf));

const RESULT_CLASSES: [number, string][] = [
  [OP.bindResponse, 'BindResponse'],
  [OP.searchResultDone, 'SearchResultDone'],
  [OP.modifyResponse, 'ModifyResponse'],
  [OP.addResponse, 'AddResponse'],
  [OP.delResponse, 'DeleteResponse'],
  [OP.modDNResponse, 'ModifyDnResponse'],
  [OP.compareResponse, 'CompareResponse'],
];

t.test('LDAPResult responses match ldapjs byte for byte and decode back', async (t) => {
  const variants: [number, string, string, string[] | undefined][] = [
    [RC.success, '', '', undefined],
    [RC.noSuchObject, 'ou=people,dc=example,dc=com', 'no such entry', undefined],
    [RC.referral, '', 'go elsewhere', ['ldap://127.0.0.1:1389/', 'ldap://h2/dc=example,dc=com']],
    [RC.compareTrue, '', 'x'.repeat(300), undefined],
  ];
  let id = 1;
  for (const [tag, cls] of RESULT_CLASSES) {
    for (const [code, matchedDN, message, referrals] of variants) {
      const ours = encodeResult(id, tag, code, matchedDN, message, referrals);
      const ref: Buffer = new messages[cls]({ messageId: id, status: code, matchedDN, diagnosticMessage: message, referrals }).toBer().buffer;
      t.equal(ours.toString('hex'), ref.toString('hex'), `${cls} ${code}`);
      const parsed = ldapjsParse(ours);
      t.equal(parsed.status, code, `${cls} ${code}: ldapjs parses it`);
      const op = { type: 'result', tag, code, matchedDN, message, ...(referrals ? { referrals } : {}) };
      t.same(decodeResponse(ours), { id, op, controls: [] }, `${cls} ${code}: decodeResponse`);
      id += 1000;
    }
  }
});

t.test('bind response with serverSaslCreds', async (t) => {
  const pdu = encodeBindResponse(2, RC.saslBindInProgress, '', '', b('challenge'));
  t.equal(pdu.toString('hex'), '3017' + '020102' + '6112' + '0a010e' + '0400' + '0400' + '8709' + b('challenge').toString('hex'));
  t.same(decodeResponse(pdu).op, { type: 'result', tag: OP.bindResponse, code: 14, matchedDN: '', message: '', serverSaslCreds: b('challenge') });
  t.same(decodeResponse(encodeBindResponse(2, 0, '', '')).op, { type: 'result', tag: OP.bindResponse, code: 0, matchedDN: '', message: '' });
});

t.test('extended responses, including the notice of disconnection', async (t) => {
  const whoami = encodeExtendedResponse(5, RC.success, '', '', undefined, b('dn:cn=admin'));
  const ref = new ldap.ExtendedResponse({ messageId: 5, status: 0, responseValue: 'dn:cn=admin' }).toBer().buffer;
  t.equal(whoami.toString('hex'), ref.toString('hex'), 'whoami matches ldapjs');
  t.same(decodeResponse(whoami).op, { type: 'extended', code: 0, matchedDN: '', message: '', value: b('dn:cn=admin') });

  const startTls = encodeExtendedResponse(6, RC.success, '', '', EXOP.startTls);
  const refTls = new ldap.ExtendedResponse({ messageId: 6, status: 0, responseName: EXOP.startTls }).toBer().buffer;
  t.equal(startTls.toString('hex'), refTls.toString('hex'), 'StartTLS matches ldapjs');

  const notice = encodeExtendedResponse(0, RC.unavailable, '', 'server shutting down', EXOP.noticeOfDisconnection);
  t.equal(notice.toString('hex'), '3038' + '020100' + '7833' + '0a0134' + '0400' +
    '0414' + b('server shutting down').toString('hex') + '8a16' + b(EXOP.noticeOfDisconnection).toString('hex'));
  t.same(decodeResponse(notice), {
    id: 0, controls: [],
    op: { type: 'extended', code: 52, matchedDN: '', message: 'server shutting down', name: EXOP.noticeOfDisconnection },
  });
});

t.test('intermediate responses and search references', async (t) => {
  const im = encodeIntermediate(7, '1.3.6.1.4.1.4203.1.9.1.4', b('v'));
  const refIm = new messages.IntermediateResponse({ messageId: 7, responseName: '1.3.6.1.4.1.4203.1.9.1.4', responseValue: 'v' }).toBer().buffer;
  t.equal(im.toString('hex'), refIm.toString('hex'));
  t.same(decodeResponse(im).op, { type: 'intermediate', name: '1.3.6.1.4.1.4203.1.9.1.4', value: b('v') });
  t.same(decodeResponse(encodeIntermediate(7)).op, { type: 'intermediate' });

  const urls = ['ldap://h1/ou=a,dc=example,dc=com', 'ldap://h2/ou=a,dc=example,dc=com??sub'];
  const refPdu = encodeSearchReference(8, urls);
  t.equal(refPdu.toString('hex'), new ldap.SearchReference({ messageId: 8, uri: urls }).toBer().buffer.toString('hex'));
  t.same(decodeResponse(refPdu).op, { type: 'reference', urls });
});

const ATTRS: [string, Buffer[]][] = [
  ['objectClass', [b('top'), b('person'), b('inetOrgPerson')]],
  ['cn', [b('Jane Doe'), b('Jane')]],
  ['sn', [b('Doe')]],
  ['jpegPhoto', [Buffer.alloc(200, 0xd8)]],
  ['description', [b('é'.repeat(100))]],
];

t.test('encodeAttribute matches ldapjs Attribute', async (t) => {
  for (const [type, values] of ATTRS) {
    const ref: Buffer = new ldap.Attribute({ type, values }).toBer().buffer;
    t.equal(encodeAttribute(type, values).toString('hex'), ref.toString('hex'), type);
    const typesOnly: Buffer = new ldap.Attribute({ type, values: [] }).toBer().buffer;
    t.equal(encodeAttribute(type, values, true).toString('hex'), typesOnly.toString('hex'), `${type} typesOnly`);
  }
});

t.test('search entries from pre-encoded chunks match ldapjs SearchResultEntry', async (t) => {
  const dn = 'uid=jdoe,ou=people,dc=example,dc=com';
  const chunks = ATTRS.map(([n, v]) => encodeAttribute(n, v));
  const ref: Buffer = new messages.SearchResultEntry({
    messageId: 9, objectName: dn, attributes: ATTRS.map(([type, values]) => new ldap.Attribute({ type, values })),
  }).toBer().buffer;
  t.equal(encodeSearchEntry(9, dn, chunks).toString('hex'), ref.toString('hex'), 'array of chunks');
  t.equal(encodeSearchEntry(9, b(dn), Buffer.concat(chunks)).toString('hex'), ref.toString('hex'), 'one buffer, dn as bytes');
  t.same(decodeResponse(ref).op, { type: 'entry', dn, attrs: ATTRS.map(([type, values]) => ({ type, values })) });
  const empty = encodeSearchEntry(10, '', []);
  t.equal(empty.toString('hex'), '300902010a64040400' + '3000');
  t.same(decodeResponse(empty).op, { type: 'entry', dn: '', attrs: [] });
});

t.test('entries of every length class, up to 16 MiB', async (t) => {
  for (const size of [0, 60, 120, 200, 300, 70000, 0x1000000]) {
    const chunk = encodeAttribute('data', [Buffer.alloc(size, 0x61)]);
    const pdu = encodeSearchEntry(0x12345, 'cn=big', [chunk]);
    t.equal(frameLength(pdu, 0, 1 << 30), pdu.length, `${size}: framed`);
    const m = decodeResponse(pdu);
    t.equal(m.id, 0x12345);
    t.equal(m.op.type === 'entry' && m.op.attrs[0]!.values[0]!.length, size, `${size}: value intact`);
  }
});

t.test('writeSearchEntry appends after other responses in one writer', async (t) => {
  const w = new BerWriter(16);
  const chunks = ATTRS.map(([n, v]) => encodeAttribute(n, v));
  writeSearchEntry(w, 3, 'cn=a', chunks);
  writeSearchEntry(w, 3, 'cn=b', chunks, [{ oid: '1.2.3', critical: false }]);
  writeResult(w, 3, OP.searchResultDone, 0, '', '', undefined, [pagedResultsControl(0, Buffer.alloc(0))]);
  const out = w.toBuffer();
  const first = frameLength(out, 0, 1 << 20);
  const second = frameLength(out, first, 1 << 20);
  const third = frameLength(out, first + second, 1 << 20);
  t.equal(first + second + third, out.length);
  t.equal(out.subarray(0, first).toString('hex'), encodeSearchEntry(3, 'cn=a', chunks).toString('hex'));
  const b2 = decodeResponse(out.subarray(first, first + second));
  t.same(b2.controls, [{ oid: '1.2.3', critical: false }]);
  t.equal(b2.op.type === 'entry' && b2.op.dn, 'cn=b');
  const done = decodeResponse(out.subarray(first + second));
  t.equal(done.op.type, 'result');
  t.same(decodePagedResults(done.controls[0]!.value), { size: 0, cookie: Buffer.alloc(0) });
  t.equal(done.controls[0]!.oid, CONTROL.pagedResults);
  const parsed = ldapjsParse(out.subarray(first + second));
  t.equal(parsed.controls[0].type, CONTROL.pagedResults, 'ldapjs reads our response control');
});

t.test('bad message ids are refused', async (t) => {
  t.throws(() => encodeResult(-1, OP.addResponse, 0, '', ''), RangeError);
  t.throws(() => encodeSearchEntry(2 ** 31, '', []), RangeError);
  t.throws(() => encodeExtendedResponse(1.5, 0, '', ''), RangeError);
});

t.test('decodeResponse: malformed input throws ProtocolError', async (t) => {
  const samples = [
    encodeResult(1, OP.searchResultDone, 10, 'dc=x', 'see', ['ldap://a/']),
    encodeBindResponse(1, 14, '', '', b('c')),
    encodeExtendedResponse(1, 0, '', '', '1.2', b('v')),
    encodeIntermediate(1, '1.2', b('v')),
    encodeSearchReference(1, ['ldap://a/']),
    encodeSearchEntry(1, 'cn=a', ATTRS.map(([n, v]) => encodeAttribute(n, v)), [{ oid: '1.2', critical: true, value: b('x') }]),
  ];
  for (const pdu of samples) {
    decodeResponse(pdu);
    for (let i = 0; i < pdu.length; i++) t.throws(() => decodeResponse(pdu.subarray(0, i)), ProtocolError);
  }
  t.throws(() => decodeResponse(hex('30 05 02 01 01 60 00')), { message: /unknown response 0x60/ });
  t.throws(() => decodeResponse(hex('30 0e 02 01 01 65 09 0a 01 00 04 00 04 00 04 00')), ProtocolError, 'unknown field in a result');
});
