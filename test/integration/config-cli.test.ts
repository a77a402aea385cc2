// `meshdir serve` with a bad server file: exit 2 and one line naming the
// file, field and reason, also for faults found after the logger exists (a
// log file not yet opened once broke that: exit 1 and a second line) and
// for TLS files that cannot be read.
import t from 'tap';
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, meshdir, REPO, ROOT_HASH } from '../helpers/server.js';
import { makePki } from '../helpers/pki.js';

const dir = mkdtempSync(join(tmpdir(), 'meshdir-cfgcli-'));
t.teardown(() => cleanup(dir));
const file = join(dir, 'server.yaml');
const base = (extra: string) => `replicaId: 1
listen: [ldap://127.0.0.1:1]
dataDir: ${join(dir, 'data')}
suffix: dc=example,dc=com
rootDn: cn=Directory Manager
rootPassword: "${ROOT_HASH}"
schemaDir: ${join(REPO, 'schema')}
log: { level: info, file: ${join(dir, 'logs', 'server.log')} }
${extra}`;

const serve = (yaml: string) => {
  writeFileSync(file, yaml);
  return meshdir(['serve', '--config', file]);
};

t.test('faults the schema finds, with a log file configured', async (t) => {
  for (const [yaml, line] of [
    [base('').replace('suffix: dc=example,dc=com', 'suffix: example.com'), `meshdir: ${file}: suffix: "example.com" is not a valid DN\n`],
    [base('indexes: { uidd: [eq] }'), `meshdir: ${file}: indexes.uidd: attribute type undefined in the schema\n`],
  ] as const) {
    const r = serve(yaml);
    t.same([r.status, r.stderr], [2, line]);
    t.notOk(existsSync(join(dir, 'data')), 'no data directory made');
    // repl status refuses the file as serve does, before trying to connect.
    const s = meshdir(['repl', 'status', '--config', file]);
    t.same([s.status, s.stderr], [2, line], 'repl status');
  }
});

t.test('a TLS file that cannot be read', async (t) => {
  const r = serve(base(`tls: { cert: ${join(dir, 'nope.pem')}, key: ${join(dir, 'nope.key')} }`));
  t.same([r.status, r.stderr], [2, `meshdir: ${file}: tls.cert: cannot read ${join(dir, 'nope.pem')}: ENOENT\n`]);
});

t.test('TLS files that are there but unusable name the file and field at fault', async (t) => {
  const pki = makePki();
  t.teardown(() => cleanup(pki.dir));
  const notPem = join(dir, 'hello.pem');
  writeFileSync(notPem, 'hello world\n');
  for (const [tls, line] of [
    [`{ cert: ${pki.cert}, key: ${pki.otherKey} }`, `tls.key: ${pki.otherKey}: does not match the certificate in tls.cert (${pki.cert})`],
    [`{ cert: ${pki.key}, key: ${pki.key} }`, `tls.cert: ${pki.key}: not a PEM certificate`],
    [`{ cert: ${pki.cert}, key: ${pki.cert} }`, `tls.key: ${pki.cert}: not a usable PEM private key`],
    [`{ cert: ${pki.cert}, key: ${pki.key}, ca: ${notPem} }`, `tls.ca: ${notPem}: holds no PEM certificate`],
  ] as const) {
    const r = serve(base(`tls: ${tls}`));
    t.equal(r.status, 2, line);
    t.notOk(existsSync(join(dir, 'data', 'data.mdb')), `${line}: no database made`);
    t.ok(r.stderr.startsWith(`meshdir: ${file}: ${line}`) && r.stderr.split('\n').length === 2, r.stderr);
  }
});

t.test('a usage error is one line and exit 2 (DESIGN.md: "errors are one clear line")', async (t) => {
  for (const args of [['serve'], ['nosuch'], ['repl', 'init', '--config', file], ['import']]) {
    const r = meshdir(args);
    t.equal(r.status, 2, args.join(' '));
    t.match(r.stderr, /^meshdir: [^\n]+\(see meshdir --help\)\n$/, `${args.join(' ')}: ${r.stderr}`);
  }
});

t.test('schema warnings reach stderr when the log goes to a file', async (t) => {
  const schemaDir = join(dir, 'schema');
  cpSync(join(REPO, 'schema'), schemaDir, { recursive: true });
  writeFileSync(join(schemaDir, 'local.schema'), "attributetype ( 1.3.6.1.4.1.99999.1 NAME 'xWarned' EQUALITY noSuchMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n");
  // The missing TLS file stops the server after the schema is loaded.
  const r = serve(base(`tls: { cert: ${join(dir, 'nope.pem')}, key: ${join(dir, 'nope.key')} }`).replace(`schemaDir: ${join(REPO, 'schema')}`, `schemaDir: ${schemaDir}`));
  t.same([r.status, r.stderr.split('\n')[0]], [2, `meshdir: schema warning: ${join(schemaDir, 'local.schema')}:1: attributeType xWarned: unknown matching rule 'noSuchMatch'; EQUALITY matching unavailable`]);
});

t.test('commands that read a database refuse a dataDir without one, and make nothing there', async (t) => {
  const missing = join(dir, 'typo');
  writeFileSync(file, base('').replace(`dataDir: ${join(dir, 'data')}`, `dataDir: ${missing}`));
  const line = `meshdir: ${file}: dataDir: no database in ${missing} (nothing was imported or served there)\n`;
  for (const args of [['export', '--config', file], ['conflicts', '--config', file], ['backup', '--config', file, join(dir, 'bk')], ['repl', 'init', '--config', file, '--agreement', 'x']]) {
    const r = meshdir(args);
    t.same([r.status, r.stdout, r.stderr], [2, '', args[0] === 'repl' ? r.stderr : line], args.join(' '));
  }
  const compact = meshdir(['compact', '--config', file]);
  t.same([compact.status, compact.stderr], [2, `meshdir: ${file}: dataDir: no database in ${missing} (nothing to compact)\n`], 'compact');
  t.notOk(existsSync(missing), 'no dataDir made');
  t.notOk(existsSync(join(dir, 'bk')), 'no backup directory made');
});
