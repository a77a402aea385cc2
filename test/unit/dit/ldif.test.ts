import t from 'tap';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { MeshdirError } from '../../../src/errors.js';
import { type LdifReadOptions, type LdifRecord, readFileUrl, readLdif } from '../../../src/dit/ldif.js';

const fixtures = new URL('../../fixtures/ldif/', import.meta.url);
const exampleText = readFileSync(new URL('example.ldif', fixtures));
const changesText = readFileSync(new URL('changes.ldif', fixtures));
const b = (s: string): Buffer => Buffer.from(s, 'utf8');

async function collect(input: AsyncIterable<Buffer | string> | string, opts?: LdifReadOptions): Promise<LdifRecord[]> {
  const out: LdifRecord[] = [];
  for await (const r of readLdif(input, opts)) out.push(r);
  return out;
}

async function ldifError(text: string, opts: LdifReadOptions = { source: 'test.ldif' }): Promise<string> {
  try {
    await collect(text, opts);
  } catch (e) {
    if (e instanceof MeshdirError && e.code === 'MESHDIR_LDIF') return e.message;
    throw e;
  }
  return 'no error';
}

function attrsOf(r: LdifRecord): Map<string, string[]> {
  if (r.type !== 'content' && r.type !== 'add') throw new Error(`not an entry: ${r.type}`);
  return new Map(r.attrs.map(([n, vs]) => [n, vs.map((v) => v.toString('utf8'))]));
}

t.test('the example tree', async (t) => {
  const recs = await collect(Readable.from([exampleText]), { source: 'example.ldif' });
  t.equal(recs.length, 8);
  t.same(
    recs.map((r) => [r.type, r.dn, r.line]),
    [
      ['content', 'dc=example,dc=com', 6],
      ['content', 'ou=people,dc=example,dc=com', 12],
      ['content', 'ou=groups,dc=example,dc=com', 19],
      ['content', 'uid=jdoe,ou=people,dc=example,dc=com', 23],
      ['content', 'cn=Jörg Müller,ou=people,dc=example,dc=com', 44],
      ['content', 'cn=Smith\\, John,ou=people,dc=example,dc=com', 52],
      ['content', 'cn=Anna Berg+uid=aberg,ou=people,dc=example,dc=com', 59],
      ['content', 'cn=staff,ou=groups,dc=example,dc=com', 67],
    ],
  );
  t.same(attrsOf(recs[0]), new Map([
    ['objectClass', ['dcObject', 'organization']],
    ['o', ['Example Corp']],
    ['dc', ['example']],
  ]));
  t.same(attrsOf(recs[1]).get('description'), [
    'A long description that is folded in the input file at an odd place, and must be refolded by the writer at the wrap width the way OpenLDAP folds it.',
  ], 'folded lines are joined, one leading space dropped');
  const jdoe = attrsOf(recs[3]);
  t.same(jdoe.get('cn'), ['John Doe', 'Johnny'], 'values of one attribute are grouped');
  t.same(jdoe.get('description'), [' leading space'], 'base64 value');
  t.same(jdoe.get('description;lang-de'), ['Ein Benutzer'], 'options make another attribute');
  t.same(jdoe.get('title'), [': starts with a colon? no, only the value after the first ": " counts']);
  const photo = recs[3].type === 'content' ? recs[3].attrs.find(([n]) => n === 'jpegPhoto')![1][0] : undefined;
  const wantPhoto = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('ffd8ffe0'.repeat(10), 'hex')]);
  t.ok(photo && photo.equals(wantPhoto), 'binary value folded over many lines');
  const jorg = attrsOf(recs[4]);
  t.same(jorg.get('cn'), ['Jörg Müller'], 'plain UTF-8 value');
  t.same(jorg.get('givenName'), ['Jörg'], 'comment inside an entry is skipped');
  t.same(jorg.get('displayName'), ['Jörg Müller (测试)']);
  t.same(attrsOf(recs[5]).get('description'), ['value with trailing space '], 'trailing space is kept');
  t.same(attrsOf(recs[5]).get('street'), ['<not a URL, starts with less-than']);
  t.same(attrsOf(recs[7]).get('member')?.length, 3);
});

t.test('change records', async (t) => {
  const recs = await collect(changesText.toString('utf8'), { source: 'changes.ldif' });
  t.same(recs.map((r) => r.type), ['add', 'modify', 'modrdn', 'modrdn', 'delete', 'modify']);
  const [add, mod, rdn1, rdn2, del, mod2] = recs;
  t.same(attrsOf(add).get('cn'), ['New User', 'Néw User']);
  t.same(attrsOf(add).get('description'), ['folded over two lines']);
  t.same(add.type === 'add' && add.controls, []);
  t.strictSame(mod.type === 'modify' && mod.changes, [
    { op: 'add', attr: 'mail', values: [b('john@example.com'), b('jd@example.com')] },
    { op: 'delete', attr: 'description;lang-de', values: [] },
    { op: 'delete', attr: 'cn', values: [b('Johnny')] },
    { op: 'replace', attr: 'telephoneNumber', values: [b('+1 555 0199')] },
    { op: 'replace', attr: 'title', values: [] },
    { op: 'increment', attr: 'uidNumber', values: [b('5')] },
  ]);
  t.strictSame(rdn1, {
    type: 'modrdn',
    dn: 'cn=Anna Berg+uid=aberg,ou=people,dc=example,dc=com',
    line: 34,
    newRdn: 'uid=aberg',
    deleteOldRdn: true,
    controls: [],
  });
  t.strictSame(rdn2, {
    type: 'modrdn',
    dn: 'uid=aberg,ou=people,dc=example,dc=com',
    line: 39,
    newRdn: 'cn=Anna Berg',
    deleteOldRdn: false,
    newSuperior: 'ou=groups,dc=example,dc=com',
    controls: [],
  }, 'moddn is read as modrdn');
  t.strictSame(del.type === 'delete' && del.controls, [{ oid: '1.2.840.113556.1.4.805', critical: true }]);
  t.strictSame(mod2.type === 'modify' && mod2.controls, [{ oid: '1.3.6.1.1.13.1', critical: false, value: b('(objectClass=*)') }]);
  t.strictSame(mod2.type === 'modify' && mod2.changes, [
    { op: 'add', attr: 'member', values: [b('uid=new,ou=people,dc=example,dc=com')] },
  ], 'the last "-" may be missing');
});

t.test('controls', async (t) => {
  const recs = await collect(
    'dn: cn=a\ncontrol: 1.2.3\ncontrol: 1.2.4 true\ncontrol: 1.2.5 false: text value\ncontrol: 1.2.6:: AAE=\nchangetype: delete\n',
  );
  t.strictSame(recs[0].type === 'delete' && recs[0].controls, [
    { oid: '1.2.3', critical: false },
    { oid: '1.2.4', critical: true },
    { oid: '1.2.5', critical: false, value: b('text value') },
    { oid: '1.2.6', critical: false, value: Buffer.from([0, 1]) },
  ]);
});

t.test('CRLF, chunking at every byte and no final newline give the same records', async (t) => {
  const want = await collect(exampleText.toString('utf8'));
  const crlf = Buffer.from(exampleText.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
  t.same(await collect(Readable.from([crlf])), want, 'CRLF');
  const twice = Buffer.from(exampleText.toString('latin1').replace(/\n/g, '\r\r\n'), 'latin1');
  t.same(await collect(Readable.from([twice])), want, 'CR CR LF (a file converted to CRLF twice), as slapadd reads it');
  const bytes = Array.from(exampleText, (x) => Buffer.from([x]));
  t.same(await collect(Readable.from(bytes)), want, 'one byte per chunk');
  const noFinal = exampleText.subarray(0, exampleText.length - 1);
  t.same(await collect(Readable.from([noFinal])), want, 'no final newline');
});

t.test('records are yielded while the input is still open (streaming)', async (t) => {
  const input = new PassThrough();
  const it = readLdif(input)[Symbol.asyncIterator]();
  input.write('dn: cn=first\ncn: first\n\n');
  const first = await it.next();
  t.equal(first.done, false);
  t.equal(!first.done && first.value.dn, 'cn=first', 'first record arrives before the stream ends');
  input.end('dn: cn=second\ncn: second\n');
  const second = await it.next();
  t.equal(!second.done && second.value.dn, 'cn=second');
  t.equal((await it.next()).done, true);
});

t.test('100,000 entries stream through', async (t) => {
  const total = 100_000;
  async function* gen(): AsyncGenerator<string> {
    let batch = '';
    for (let i = 0; i < total; i++) {
      batch += `dn: uid=user${i},ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: user${i}\ncn: User ${i}\nsn: ${i}\ndescription:: ${Buffer.from('x'.repeat(100)).toString('base64')}\n\n`;
      if (batch.length > 65536) {
        yield batch;
        batch = '';
      }
    }
    yield batch;
  }
  let n = 0;
  let last = '';
  for await (const r of readLdif(gen())) {
    n++;
    last = r.dn;
  }
  t.equal(n, total);
  t.equal(last, `uid=user${total - 1},ou=people,dc=example,dc=com`);
});

t.test('URL values', async (t) => {
  const text = 'dn: cn=a\ncn: a\njpegPhoto:< file:///photo.jpg\n';
  const seen: string[] = [];
  const recs = await collect(text, {
    readUrl: async (url) => {
      seen.push(url);
      return Buffer.from([1, 2, 3]);
    },
  });
  t.same(seen, ['file:///photo.jpg']);
  t.same(recs[0].type === 'content' && recs[0].attrs[1], ['jpegPhoto', [Buffer.from([1, 2, 3])]]);
  t.equal(await ldifError(text), 'test.ldif:3: URL values are not allowed here ("jpegPhoto:<")');
  t.equal(
    await ldifError(text, { source: 'x', readUrl: async () => Promise.reject(new Error('gone')) }),
    'x:3: cannot read file:///photo.jpg: gone',
  );

  const dir = await mkdtemp(join(tmpdir(), 'meshdir-ldif-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'v.bin'), Buffer.from([9, 8, 7]));
  t.same(await readFileUrl(`file://${dir}/v.bin`), Buffer.from([9, 8, 7]));
  await t.rejects(readFileUrl('http://127.0.0.1/x'));
  const fromFile = await collect(`dn: cn=a\ncn:< file://${dir}/v.bin\n`, { readUrl: readFileUrl });
  t.same(fromFile[0].type === 'content' && fromFile[0].attrs[0][1], [Buffer.from([9, 8, 7])]);
});

t.test('version, comments and blank lines', async (t) => {
  const recs = await collect('\n\n# c\n#  folded\n comment\nversion: 1\ndn: cn=a\ncn: a\n\n\n\n#x\n\ndn:\nobjectClass: top\n\n  \n');
  t.same(recs.map((r) => [r.dn, r.line]), [['cn=a', 7], ['', 14]], 'version may share the first record; empty DN');
  t.same(await collect('# only a comment\n'), []);
  t.same(await collect(''), []);
  const dnOnly = await collect('dn: cn=a\n');
  t.same(dnOnly[0].type === 'content' && dnOnly[0].attrs, [], 'a record may be just a DN, as ldapsearch 1.1 prints');
  const b64dn = await collect('dn:: Y249SsO2cmc=\ncn:: SsO2cmc=\n');
  t.equal(b64dn[0].dn, 'cn=Jörg');
});

t.test('errors name the source and line', async (t) => {
  const cases: [string, string][] = [
    ['cn: a\n', 'test.ldif:1: expected "dn:" but saw "cn:"'],
    ['version: 2\n\ndn: cn=a\n', 'test.ldif:1: unsupported LDIF version "2"'],
    ['dn: cn=a\ncn a\n', 'test.ldif:2: expected "name: value"'],
    ['dn: cn=a\n\n\n c\n', 'test.ldif:4: continuation line without a line to continue'],
    ['dn: cn=a,\ncn: a\n', 'test.ldif:1: invalid DN "cn=a,"'],
    ['dn:: ***\n', 'test.ldif:1: invalid base64 value of "dn"'],
    ['dn:: /w==\n', 'test.ldif:1: "dn:" is not valid UTF-8'],
    ['dn: cn=a\ncn:: a\n', 'test.ldif:2: invalid base64 value of "cn"'],
    ['dn: cn=a\nc_n: a\n', 'test.ldif:2: invalid attribute description "c_n"'],
    ['dn: cn=a\nchangetype: frob\n', 'test.ldif:2: unknown changetype "frob"'],
    ['dn: cn=a\nchangetype: add\n', 'test.ldif:2: add without attributes'],
    ['dn: cn=a\nchangetype: delete\ncn: a\n', 'test.ldif:3: unexpected line in a delete'],
    ['dn: cn=a\nchangetype: modify\nfrob: cn\n', 'test.ldif:3: expected add:, delete:, replace: or increment: but saw "frob:"'],
    ['dn: cn=a\nchangetype: modify\nadd: cn\nsn: x\n-\n', 'test.ldif:4: "sn" inside the add of "cn"'],
    ['dn: cn=a\nchangetype: modify\nadd: c_n\n', 'test.ldif:3: invalid attribute description "c_n"'],
    ['dn: cn=a\nchangetype: modrdn\n', 'test.ldif:2: missing "newrdn:"'],
    ['dn: cn=a\nchangetype: modrdn\nnewrdn: cn=b\n', 'test.ldif:2: missing "deleteoldrdn:"'],
    ['dn: cn=a\nchangetype: modrdn\nnewrdn: cn=b,dc=x\ndeleteoldrdn: 1\n', 'test.ldif:3: invalid RDN "cn=b,dc=x"'],
    ['dn: cn=a\nchangetype: modrdn\nnewrdn: cn=b\ndeleteoldrdn: 2\n', 'test.ldif:4: deleteoldrdn must be 0 or 1, not "2"'],
    ['dn: cn=a\nchangetype: modrdn\nnewrdn: cn=b\ndeleteoldrdn: 1\nnewsuperior: x\n', 'test.ldif:5: invalid DN "x"'],
    ['dn: cn=a\nchangetype: modrdn\nnewrdn: cn=b\ndeleteoldrdn: 1\nfoo: x\n', 'test.ldif:5: expected "newsuperior:" but saw "foo:"'],
    ['dn: cn=a\nchangetype: modrdn\nnewrdn: cn=b\ndeleteoldrdn: 1\nnewsuperior: dc=x\nfoo: y\n', 'test.ldif:6: unexpected line in a modrdn'],
    ['dn: cn=a\nchangetype: moddn\nnewrdn:< file:///x\n', 'test.ldif:3: "newrdn:" cannot take a URL'],
    ['dn: cn=a\ncontrol: 1.2.3\ncn: a\n', 'test.ldif:2: "control:" without "changetype:"'],
    ['dn: cn=a\ncontrol: x.y\nchangetype: delete\n', 'test.ldif:2: invalid control line'],
    ['dn: cn=a\ncontrol: 1.2 true:< file:///x\nchangetype: delete\n', 'test.ldif:2: control values cannot be URLs'],
    ['dn: cn=a\ncontrol: 1.2 true:: %%\nchangetype: delete\n', 'test.ldif:2: invalid base64 control value'],
    ['dn: cn=ok\ncn: ok\n\ndn: cn=a\n folded\ncn: x\n\nxx\n', 'test.ldif:8: expected "name: value"'],
  ];
  for (const [text, want] of cases) t.equal(await ldifError(text), want, JSON.stringify(text));
  t.equal(await ldifError('cn: a\n', {}), 'ldif:1: expected "dn:" but saw "cn:"', 'default source name');
});

t.test('an error stops the stream after the good records', async (t) => {
  const good: string[] = [];
  const input = new PassThrough();
  input.end('dn: cn=a\ncn: a\n\ndn: cn=b\nbad line\n\ndn: cn=c\ncn: c\n');
  await t.rejects(
    (async () => {
      for await (const r of readLdif(input, { source: 'f' })) good.push(r.dn);
    })(),
    { code: 'MESHDIR_LDIF', message: 'f:5: expected "name: value"' },
  );
  t.same(good, ['cn=a'], 'records before the error in the same chunk are yielded');
  t.ok(input.destroyed, 'the input stream is released');
});

t.test('onError: a bad record is reported and skipped, the rest is read (slapadd -c)', async (t) => {
  const errors: string[] = [];
  const text = [
    'dn: cn=a,o=x\ncn: a',
    'dn: cn=b,o=x\nbogus line\ncn: b',
    ' a continuation after nothing\ncn: skipped with it',
    'dn: cn=c,o=x\ncn:: !!!!',
    'dn: cn=d,o=x\ncn: d',
  ].join('\n\n') + '\n';
  const recs = await collect(text, { source: 't.ldif', onError: (e) => errors.push(e.message) });
  t.same(recs.map((r) => r.dn), ['cn=a,o=x', 'cn=d,o=x']);
  t.same(errors, ['t.ldif:5: expected "name: value"', 't.ldif:8: continuation line without a line to continue', 't.ldif:12: invalid base64 value of "cn"']);
  // In chunks that cut lines anywhere, the same.
  const chunked: string[] = [];
  const again = await collect((async function* () {
    for (let i = 0; i < text.length; i += 7) yield Buffer.from(text.slice(i, i + 7));
  })(), { source: 't.ldif', onError: (e) => chunked.push(e.message) });
  t.same(again.map((r) => r.dn), ['cn=a,o=x', 'cn=d,o=x']);
  t.same(chunked, errors);
  t.rejects(collect(text, { source: 't.ldif' }), /t\.ldif:5: expected "name: value"/, 'without onError the first one stops the reading');
});
