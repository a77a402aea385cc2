import t from 'tap';
import { createRequire } from 'node:module';
import {
  decodePagedResults, encodePagedResults, pagedResultsControl, findControl, readControls, writeControls,
} from '../../../../src/ldap/pdu/controls.js';
import {
  decodePasswdModifyRequest, encodePasswdModifyRequest, decodePasswdModifyResponse, encodePasswdModifyResponse,
} from '../../../../src/ldap/pdu/password-modify.js';
import { decodeMessage } from '../../../../src/ldap/pdu/decode-request.js';
import { encodeRequest } from '../../../../src/ldap/pdu/encode-request.js';
import { CONTROL, EXOP } from '../../../../src/ldap/pdu/protocol.js';
import { BerReader } from '../../../../src/ber/reader.js';
import { BerWriter } from '../../../../src/ber/writer.js';
import { ProtocolError } from '../../../../src/errors.js';
import { b } from './samples.js';

const require = createRequire(import.meta.url);
const ldap = require('ldapjs');
const { BerReader: LdapjsReader, BerWriter: LdapjsWriter } = require('@ldapjs/asn1');

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

t.test('paged results control matches ldapjs PagedResultsControl', async (t) => {
  for (const [size, cookie] of [[100, b('')], [0, b('opaque-cookie')], [0x7fffffff, Buffer.alloc(300, 7)]] as const) {
    const ours = new BerWriter();
    writeControls(ours, [pagedResultsControl(size, cookie, true)]);
    const ref = new LdapjsWriter();
    ref.startSequence(0xa0);
    new ldap.PagedResultsControl({ criticality: true, value: { size, cookie } }).toBer(ref);
    ref.endSequence();
    t.equal(ours.toBuffer().toString('hex'), ref.buffer.toString('hex'), `size ${size}, cookie ${cookie.length}`);
    const back = readControls(new BerReader(ours.toBuffer()));
    t.equal(back[0]!.oid, CONTROL.pagedResults);
    t.same(decodePagedResults(back[0]!.value), { size, cookie });
  }
});

t.test('ldapjs parses our controls, criticality FALSE omitted', async (t) => {
  const w = new BerWriter();
  writeControls(w, [{ oid: CONTROL.manageDsaIT, critical: false }, pagedResultsControl(5, b('c'))]);
  t.equal(w.toBuffer().subarray(2, 29).toString('hex'), '3019' + '0417' + b(CONTROL.manageDsaIT).toString('hex'),
    'no BOOLEAN in the first control');
  const reader = new LdapjsReader(w.toBuffer());
  reader.readSequence(0xa0);
  const parsed = require('@ldapjs/controls').getControl(reader);
  t.equal(parsed.type, CONTROL.manageDsaIT);
  t.equal(parsed.criticality, false);
  const paged = require('@ldapjs/controls').getControl(reader);
  t.equal(paged.value.size, 5);
  t.equal(paged.value.cookie.toString(), 'c');
});

t.test('malformed paged results values throw ProtocolError', async (t) => {
  const cases: [string, Buffer | undefined][] = [
    ['no value', undefined],
    ['empty', Buffer.alloc(0)],
    ['not a SEQUENCE', hex('04 00')],
    ['no cookie', hex('30 03 02 01 05')],
    ['negative size', hex('30 05 02 01 ff 04 00')],
    ['size too big', hex('30 09 02 05 00 80 00 00 00 04 00')],
    ['extra field', hex('30 07 02 01 05 04 00 04 00')],
    ['trailing octets', hex('30 05 02 01 05 04 00 00')],
  ];
  for (const [name, value] of cases) t.throws(() => decodePagedResults(value), ProtocolError, name);
  t.same(decodePagedResults(encodePagedResults(10, b('k'))), { size: 10, cookie: b('k') });
});

t.test('manageDsaIT and unknown controls pass through decodeMessage', async (t) => {
  const controls = [
    { oid: CONTROL.manageDsaIT, critical: true },
    { oid: '1.3.6.1.4.1.99999.1', critical: true, value: b('\u0000\u0001') },
  ];
  const m = decodeMessage(encodeRequest(3, { type: 'delete', dn: 'cn=x' }, controls));
  t.same(m.controls, controls);
  t.same(findControl(m.controls, CONTROL.manageDsaIT), controls[0]);
  t.equal(findControl(m.controls, CONTROL.pagedResults), undefined);
});

t.test('password modify request values match ldapjs and decode back', async (t) => {
  const cases = [
    { userIdentity: 'dn:uid=a,dc=example,dc=com', oldPassword: 'old', newPassword: 'n3w' },
    { userIdentity: 'u:jdoe' },
    { newPassword: 'only-new' },
    { oldPassword: 'only-old' },
  ];
  for (const c of cases) {
    const ref: Buffer = new ldap.ExtendedRequest({ messageId: 1, requestName: EXOP.passwordModify, requestValue: c }).toBer().buffer;
    const ours = encodeRequest(1, {
      type: 'extended', oid: EXOP.passwordModify,
      value: encodePasswdModifyRequest({
        ...(c.userIdentity !== undefined ? { userIdentity: c.userIdentity } : {}),
        ...(c.oldPassword !== undefined ? { oldPasswd: b(c.oldPassword) } : {}),
        ...(c.newPassword !== undefined ? { newPasswd: b(c.newPassword) } : {}),
      }),
    });
    t.equal(ours.toString('hex'), ref.toString('hex'), JSON.stringify(c));
    const m = decodeMessage(ref);
    const got = decodePasswdModifyRequest(m.op.type === 'extended' ? m.op.value : undefined);
    t.equal(got.userIdentity, c.userIdentity);
    t.equal(got.oldPasswd?.toString(), c.oldPassword);
    t.equal(got.newPasswd?.toString(), c.newPassword);
  }
  t.same(decodePasswdModifyRequest(undefined), {}, 'absent value: change own password, generate one');
  t.same(decodePasswdModifyRequest(hex('30 00')), {});
});

t.test('password modify response value', async (t) => {
  t.equal(encodePasswdModifyResponse(undefined), undefined);
  const v = encodePasswdModifyResponse(b('gen-pw'))!;
  t.equal(v.toString('hex'), '3008' + '8006' + b('gen-pw').toString('hex'));
  t.same(decodePasswdModifyResponse(v), { genPasswd: b('gen-pw') });
  t.same(decodePasswdModifyResponse(undefined), {});
  // ldapjs' client reads the same value (it hex-wraps responseValue first).
  const pm = require('@ldapjs/messages').PasswordModifyResponse.fromResponse({ responseValue: `<buffer>${v.toString('hex')}` });
  t.equal(pm.responseValue, 'gen-pw');
});

t.test('malformed password modify values throw ProtocolError', async (t) => {
  const bad = ['04 00', '30 03 83 01 61', '30 03 81 01 61 00', '30 05 80 01 61 80 00', '30 02 80 05'];
  for (const h of bad) t.throws(() => decodePasswdModifyRequest(hex(h)), ProtocolError, h);
  for (const h of ['04 00', '30 03 81 01 61', '30 00 00']) t.throws(() => decodePasswdModifyResponse(hex(h)), ProtocolError, h);
});
