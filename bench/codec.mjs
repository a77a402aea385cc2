#!/usr/bin/env node
// Micro-benchmark of the LDAP codec (src/ber, src/ldap/pdu) against ldapjs'
// message classes for the same work. Build first: `npm run build`, then
// `node bench/codec.mjs [iterations]`. Prints ns/op per case.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ldapjs = require('ldapjs');
const { BerReader: LdapjsReader } = require('@ldapjs/asn1');

const dist = new URL('../dist/', import.meta.url);
const pdu = await import(new URL('ldap/pdu/index.js', dist).href);
const ber = await import(new URL('ber/index.js', dist).href);

const N = Number(process.argv[2] ?? 300_000);
let sink = 0;

function bench(name, fn, n = N) {
  for (let i = 0; i < Math.min(n, 50_000); i++) sink ^= fn(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink ^= fn(i);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`${name.padEnd(58)} ${ns.toFixed(1).padStart(9)} ns/op`);
  return ns;
}

const b = (s) => Buffer.from(s, 'utf8');

// A typical entry: 12 attributes, about 400 octets on the wire.
const dn = 'uid=user004217,ou=people,dc=example,dc=com';
const attrs = [
  ['objectClass', ['top', 'person', 'organizationalPerson', 'inetOrgPerson']],
  ['uid', ['user004217']],
  ['cn', ['User 004217']],
  ['sn', ['Number004217']],
  ['givenName', ['User']],
  ['mail', ['user004217@example.com']],
  ['telephoneNumber', ['+1 555 0100 4217']],
  ['employeeNumber', ['4217']],
  ['departmentNumber', ['42']],
  ['title', ['Engineer']],
  ['l', ['Springfield']],
  ['description', ['Benchmark entry 4217.']],
];
const chunks = attrs.map(([n, vs]) => pdu.encodeAttribute(n, vs.map(b)));
const joined = Buffer.concat(chunks);
const dnBytes = b(dn);
const entrySize = pdu.encodeSearchEntry(7, dn, chunks).length;

const searchReq = pdu.encodeRequest(7, {
  type: 'search', base: 'dc=example,dc=com', scope: 2, deref: 0, sizeLimit: 0, timeLimit: 0, typesOnly: false,
  filter: { type: 'equality', attr: 'uid', value: b('user004217') }, attributes: [],
});
const pagedReq = pdu.encodeRequest(8, {
  type: 'search', base: 'ou=people,dc=example,dc=com', scope: 1, deref: 0, sizeLimit: 500, timeLimit: 30, typesOnly: false,
  filter: { type: 'and', filters: [
    { type: 'equality', attr: 'objectClass', value: b('inetOrgPerson') },
    { type: 'substrings', attr: 'cn', initial: b('User'), any: [], final: b('7') },
  ] },
  attributes: ['cn', 'mail', 'telephoneNumber'],
}, [pdu.pagedResultsControl(100, Buffer.alloc(0), true)]);
const bindReq = pdu.encodeRequest(1, { type: 'bind', version: 3, name: 'cn=Directory Manager', auth: { kind: 'simple', password: b('secret') } });
const modifyReq = pdu.encodeRequest(9, { type: 'modify', dn, changes: [
  { op: 2, attr: 'description', values: [b('changed')] },
  { op: 0, attr: 'mail', values: [b('alias@example.com')] },
] });
const addReq = pdu.encodeRequest(10, { type: 'add', dn, attrs: attrs.map(([type, vs]) => ({ type, values: vs.map(b) })) });

console.log(`node ${process.version}, ${N} iterations per case; search entry = ${entrySize} octets, ${attrs.length} attributes`);
console.log('-- framing and request decoding');
bench('frameLength (search request)', () => ber.frameLength(searchReq, 0, 1 << 20));
bench('decodeMessage search (uid=…), no attrs', () => pdu.decodeMessage(searchReq).id);
bench('decodeMessage search (&(oc=…)(cn=a*b)), 3 attrs, paged ctl', () => pdu.decodeMessage(pagedReq).id);
bench('decodeMessage + decodePagedResults', () => {
  const m = pdu.decodeMessage(pagedReq);
  return pdu.decodePagedResults(m.controls[0].value).size;
});
bench('decodeMessage bind', () => pdu.decodeMessage(bindReq).id);
bench('decodeMessage modify (2 changes)', () => pdu.decodeMessage(modifyReq).id);
bench('decodeMessage add (12 attributes)', () => pdu.decodeMessage(addReq).id);

console.log('-- result encoding (hot path)');
const entryWriter = new ber.BerWriter(1 << 16);
const perEntry = bench('encodeSearchEntry, 12 pre-encoded chunks', (i) => pdu.encodeSearchEntry(i & 0xffff, dn, chunks).length);
bench('encodeSearchEntry, one pre-joined Buffer + dn bytes', (i) => pdu.encodeSearchEntry(i & 0xffff, dnBytes, joined).length);
bench('writeSearchEntry into a reused BerWriter', (i) => {
  if (entryWriter.pos > 60_000) entryWriter.reset();
  pdu.writeSearchEntry(entryWriter, i & 0xffff, dn, chunks);
  return entryWriter.pos;
});
bench('encodeResult searchResultDone success', (i) => pdu.encodeResult(i & 0xffff, pdu.OP.searchResultDone, 0, '', '').length);
bench('encodeResult noSuchObject with matchedDN and message', (i) =>
  pdu.encodeResult(i & 0xffff, pdu.OP.searchResultDone, 32, 'dc=example,dc=com', 'no such object').length);
bench('encodeAttribute (store side, once per entry write)', () => pdu.encodeAttribute('description', [b('Benchmark entry number 4217')]).length);

console.log('-- ldapjs 3.0.7 for the same work');
const ljEntry = () => new ldapjs.SearchEntry({
  messageId: 7, objectName: dn,
  attributes: attrs.map(([type, values]) => new ldapjs.Attribute({ type, values })),
});
const ljN = Math.max(1000, Math.floor(N / 20));
const ljEntryNs = bench('ldapjs SearchResultEntry build + toBer', () => ljEntry().toBer().buffer.length, ljN);
bench('ldapjs LDAPMessage.parse search request', () => ldapjs.LDAPMessage.parse(new LdapjsReader(searchReq)).messageId, ljN);

console.log(`search entry: ${perEntry.toFixed(0)} ns here vs ${ljEntryNs.toFixed(0)} ns in ldapjs (${(ljEntryNs / perEntry).toFixed(0)}x)`);
if (sink === 0.5) console.log(sink);
