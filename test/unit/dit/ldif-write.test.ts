import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { formatDN, parseDN } from '../../../src/dit/dn.js';
import { type LdifRecord, readLdif } from '../../../src/dit/ldif.js';
import { LDIF_WRAP, formatEntry, formatLine, formatRecord } from '../../../src/dit/ldif-write.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/ldif/${name}`, import.meta.url), 'utf8');
const b = (s: string): Buffer => Buffer.from(s, 'utf8');

async function collect(text: string): Promise<LdifRecord[]> {
  const out: LdifRecord[] = [];
  for await (const r of readLdif(text)) out.push(r);
  return out;
}

/** Records without line numbers, which change when the text is rewritten. */
function withoutLines(recs: LdifRecord[]): unknown[] {
  return recs.map(({ line: _line, ...rest }) => rest);
}

t.test('formatEntry matches slapcat byte for byte', async (t) => {
  // example.slapcat-wrap{76,78}.ldif: OpenLDAP 2.5 `slapadd` of example.ldif
  // (minus its "version: 1" line, which slapadd refuses), then `slapcat` and
  // `slapcat -o ldif_wrap=76`, with operational attributes removed.
  const recs = await collect(fixture('example.ldif'));
  for (const wrap of [76, 78]) {
    let out = '';
    for (const r of recs) {
      if (r.type !== 'content') throw new Error('expected content records');
      out += formatEntry(formatDN(parseDN(r.dn)), r.attrs, { wrap });
    }
    t.equal(out, fixture(`example.slapcat-wrap${wrap}.ldif`), `wrap ${wrap}`);
  }
  t.equal(LDIF_WRAP, 76);
});

t.test('formatLine: text or base64, as OpenLDAP decides', async (t) => {
  const cases: [string, Buffer, string][] = [
    ['cn', b('plain'), 'cn: plain\n'],
    ['cn', b(''), 'cn:\n'],
    ['cn', b('#hash first is fine'), 'cn: #hash first is fine\n'],
    ['cn', b('a: b < c'), 'cn: a: b < c\n'],
    ['cn', b(' lead'), 'cn:: IGxlYWQ=\n'],
    ['cn', b('trail '), 'cn:: dHJhaWwg\n'],
    ['cn', b(':colon'), 'cn:: OmNvbG9u\n'],
    ['cn', b('<lt'), 'cn:: PGx0\n'],
    ['cn', b('é'), 'cn:: w6k=\n'],
    ['cn', b('tab\tin'), 'cn:: dGFiCWlu\n'],
    ['cn', b('new\nline'), 'cn:: bmV3CmxpbmU=\n'],
    ['cn', b('del\x7f'), 'cn:: ZGVsfw==\n'],
    ['cn', Buffer.from([0]), 'cn:: AA==\n'],
    ['cn', b(' '), 'cn:: IA==\n'],
    ['cn', b('x'), 'cn: x\n'],
    ['userPassword', b('secret'), 'userPassword:: c2VjcmV0\n'],
    ['userpassword', b('secret'), 'userpassword:: c2VjcmV0\n'],
    ['2.5.4.35', b('secret'), '2.5.4.35:: c2VjcmV0\n'],
    ['userCertificate;binary', b('abc'), 'userCertificate;binary:: YWJj\n'],
  ];
  for (const [name, value, want] of cases) t.equal(formatLine(name, value), want, JSON.stringify(want));
});

t.test('folding', async (t) => {
  const v = b('x'.repeat(200));
  const lines = formatLine('description', v).split('\n');
  t.equal(lines.pop(), '', 'ends with a newline');
  t.equal(lines[0].length, 76);
  t.ok(lines.every((l) => l.length <= 76), 'no line is wider than 76');
  t.ok(lines.slice(1).every((l) => l.startsWith(' ') && !l.startsWith('  ')), 'continuations start with one space');
  t.equal(lines[0] + lines.slice(1).map((l) => l.slice(1)).join(''), 'description: ' + 'x'.repeat(200));
  t.equal(formatLine('cn', b('y'.repeat(72))), 'cn: ' + 'y'.repeat(72) + '\n', 'exactly 76 is not folded');
  t.equal(formatLine('cn', b('y'.repeat(73))), 'cn: ' + 'y'.repeat(72) + '\n y\n');
  t.equal(formatLine('cn', v, { wrap: 0 }), 'cn: ' + 'x'.repeat(200) + '\n', 'wrap 0 disables folding');
  t.equal(formatLine('cn', v, { wrap: Infinity }), 'cn: ' + 'x'.repeat(200) + '\n');
  const longName = 'a'.repeat(80);
  t.equal(formatLine(longName, b('v')), `${longName}: \n v\n`, 'a name wider than the wrap, as ldif.c does');
  t.equal(formatLine('cn', b('abcdef'), { wrap: 1 }), 'cn: \n a\n b\n c\n d\n e\n f\n', 'wrap is at least 2');
});

t.test('formatEntry', async (t) => {
  t.equal(
    formatEntry('cn=Jörg,dc=x', [
      ['cn', [b('Jörg'), b('J')]],
      ['sn', []],
    ]),
    'dn:: Y249SsO2cmcsZGM9eA==\ncn:: SsO2cmc=\ncn: J\n\n',
  );
  t.equal(formatEntry('', new Map([['objectClass', [b('top')]]])), 'dn:\nobjectClass: top\n\n', 'root DSE, any iterable');
});

t.test('change records', async (t) => {
  const text = fixture('changes.ldif');
  const recs = await collect(text);
  const out = recs.map((r) => formatRecord(r)).join('');
  t.equal(
    out.split('\n\n')[1],
    [
      'dn: uid=jdoe,ou=people,dc=example,dc=com',
      'changetype: modify',
      'add: mail',
      'mail: john@example.com',
      'mail: jd@example.com',
      '-',
      'delete: description;lang-de',
      '-',
      'delete: cn',
      'cn: Johnny',
      '-',
      'replace: telephoneNumber',
      'telephoneNumber: +1 555 0199',
      '-',
      'replace: title',
      '-',
      'increment: uidNumber',
      'uidNumber: 5',
      '-',
    ].join('\n'),
  );
  t.match(out, /dn: cn=Anna Berg\+uid=aberg,ou=people,dc=example,dc=com\nchangetype: modrdn\nnewrdn: uid=aberg\ndeleteoldrdn: 1\n\n/);
  t.match(out, /changetype: modrdn\nnewrdn: cn=Anna Berg\ndeleteoldrdn: 0\nnewsuperior: ou=groups,dc=example,dc=com\n\n/);
  t.match(out, /control: 1\.2\.840\.113556\.1\.4\.805 true\nchangetype: delete\n\n/);
  t.match(out, /control: 1\.3\.6\.1\.1\.13\.1 false: \(objectClass=\*\)\nchangetype: modify\n/);
  t.same(withoutLines(await collect(out)), withoutLines(recs), 'parse(format(changes)) = changes');
});

t.test('controls', async (t) => {
  const rec: LdifRecord = {
    type: 'delete',
    dn: 'cn=a',
    line: 1,
    controls: [
      { oid: '1.2.3', critical: false },
      { oid: '1.2.4', critical: true, value: Buffer.from([0, 1]) },
      { oid: '1.2.5', critical: false, value: b('') },
    ],
  };
  const out = formatRecord(rec);
  t.equal(out, 'dn: cn=a\ncontrol: 1.2.3 false\ncontrol: 1.2.4 true:: AAE=\ncontrol: 1.2.5 false:: \nchangetype: delete\n\n');
  t.strictSame(withoutLines(await collect(out)), withoutLines([rec]));
});

t.test('content round trip', async (t) => {
  const recs = await collect(fixture('example.ldif'));
  const out = recs.map((r) => formatRecord(r)).join('');
  t.same(withoutLines(await collect(out)), withoutLines(recs));
});

t.test('format then read gives the same octets (property)', async (t) => {
  const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}(;[a-z0-9-]{1,6})?$/);
  const value = fc.oneof(
    fc.uint8Array({ maxLength: 120 }).map((a) => Buffer.from(a)),
    fc.string({ unit: 'binary', maxLength: 120 }).map((s) => Buffer.from(s, 'utf8')),
    fc.string({ unit: fc.constantFrom(' ', ':', '<', 'a', '#', '-'), maxLength: 10 }).map((s) => Buffer.from(s)),
  );
  const wrap = fc.constantFrom(0, 2, 10, 76, 78);
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.tuple(name, fc.array(value, { minLength: 1, maxLength: 3 })), {
        selector: ([n]) => n.toLowerCase(),
        maxLength: 5,
      }),
      wrap,
      async (attrs, w) => {
        const text = formatEntry('cn=x', attrs, { wrap: w });
        const [rec] = await collect(text);
        t.strictSame(rec.type === 'content' && rec.attrs, attrs);
        return true;
      },
    ),
    { numRuns: 300 },
  );
});
