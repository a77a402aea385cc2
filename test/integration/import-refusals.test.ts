// `meshdir import`: what it refuses, and where it stops — a bad entry that
// waits for its parent, a critical control, a consumer's server file, a
// missing file — and how it stores a cleartext password. (import.test.ts
// has the order it takes entries in.)
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cleanup, EXAMPLE_LDIF, meshdir, SUFFIX, writeServerFile } from '../helpers/server.js';
import { dns, exported, setup } from '../helpers/import.js';

t.test('a bad entry that waits for its parent stops the import at its own line too', async (t) => {
  const suffix = `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`;
  const kid = (extra = '') => `dn: cn=kid,ou=people,${SUFFIX}\nobjectClass: person\ncn: kid\nsn: 1${extra}`;
  const rest = [`dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people`, `dn: cn=after,${SUFFIX}\nobjectClass: person\ncn: after\nsn: y`];
  for (const [name, records, line, why] of [
    ['the same DN twice before its parent', [suffix, kid(), kid(), ...rest], 12, /68|already exists|twice/],
    ['an entryUUID that is not a UUID, before its parent', [suffix, kid('\nentryUUID: not-a-uuid'), ...rest], 7, /21|entryUUID/],
    ['two entryUUIDs, before its parent', [suffix, kid('\nentryUUID: 0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9\nentryUUID: 1f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9'), ...rest], 7, /19|multiple values/],
  ] as const) {
    const { dir, config } = setup(t);
    const file = join(dir, 'bad.ldif');
    writeFileSync(file, records.join('\n\n') + '\n');
    const r = meshdir(['import', '--config', config, '--no-progress', file]);
    t.equal(r.status, 1, name);
    t.match(r.stderr, `bad.ldif:${line}: cn=kid,ou=people,${SUFFIX}: `, `${name}: names its line`);
    t.match(r.stderr, why, `${name}: says why`);
    t.same(dns(exported(config, dir)), [SUFFIX], `${name}: nothing after it written (as slapadd)`);
    t.equal(r.stdout, '', `${name}: no log line (the entries after it are not written, which is no error)`);
  }
});

t.test('a bad entry with entries after it: one error line, and no "write failed" log line for the entries not written', async (t) => {
  const { dir, config } = setup(t);
  const file = join(dir, 'bad.ldif');
  const after = Array.from({ length: 20 }, (_, i) => `dn: cn=after${i},${SUFFIX}\nobjectClass: person\ncn: after${i}\nsn: y`);
  writeFileSync(file, [`dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`, `dn: cn=bad,${SUFFIX}\nobjectClass: person\ncn: bad`, ...after].join('\n\n') + '\n');
  const r = meshdir(['import', '--config', config, '--no-progress', file]);
  t.equal(r.status, 1);
  t.equal(r.stdout, '', 'nothing logged (an internal error logged for each entry after the bad one before the fix)');
  t.equal(r.stderr, `meshdir: ${file}:7: cn=bad,${SUFFIX}: object class 'person' requires attribute 'sn' (result 65)\nimport stopped: 1 entry was imported and stays in the database (--continue skips bad entries)\n`);
  t.same(dns(exported(config, dir)), [SUFFIX], 'nothing after it written (as slapadd)');
});

t.test('a cleartext userPassword is stored hashed, as over LDAP (DESIGN.md "Security"); a hash is kept as given', async (t) => {
  const { dir, config } = setup(t);
  const file = join(dir, 'pw.ldif');
  const hash = '{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=';
  writeFileSync(file, [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
    `dn: cn=clear,${SUFFIX}\nobjectClass: person\ncn: clear\nsn: c\nuserPassword: plain123`,
    `dn: cn=hashed,${SUFFIX}\nobjectClass: person\ncn: hashed\nsn: h\nuserPassword: ${hash}`,
    `dn: cn=crypt,${SUFFIX}\nobjectClass: person\ncn: crypt\nsn: c\nuserPassword: {CRYPT}$6$salt$abcdefghijklmnop`,
  ].join('\n\n') + '\n');
  t.equal(meshdir(['import', '--config', config, '--no-progress', file]).status, 0);
  const out = exported(config, dir);
  const pw = (cn: string) => {
    const block = out.split('\n\n').find((b) => b.startsWith(`dn: cn=${cn},`))!;
    const line = block.split('\n').find((l) => l.startsWith('userPassword'))!;
    return line.startsWith('userPassword:: ') ? Buffer.from(line.slice(15), 'base64').toString() : line.slice(14);
  };
  t.match(pw('clear'), /^\{SSHA\}/, 'the cleartext one is an {SSHA} hash');
  t.notMatch(out, /plain123|cGxhaW4xMjM/, 'the cleartext is nowhere in the database');
  t.equal(pw('hashed'), hash, 'the hash as given');
  t.equal(pw('crypt'), '{CRYPT}$6$salt$abcdefghijklmnop', 'a hash of a scheme meshdir cannot check is kept as given too (a migration\'s only copy)');
});

t.test('refused before any database is made: on a consumer, or without a readable file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-import-'));
  t.teardown(() => cleanup(dir));
  const consumer = writeServerFile(dir, { role: 'consumer' });
  const r = meshdir(['import', '--config', consumer, '--no-progress', EXAMPLE_LDIF]);
  t.equal(r.status, 1);
  t.match(r.stderr, /^meshdir: .*: a consumer holds what replication or `repl init` gives it; import into a master \(53/);
  t.notOk(existsSync(join(dir, 'data', 'data.mdb')), 'no database made');
  const master = writeServerFile(dir, {});
  for (const [file, why] of [[join(dir, 'none.ldif'), 'cannot read: ENOENT'], [dir, 'not a file']] as const) {
    const m = meshdir(['import', '--config', master, '--no-progress', file]);
    t.same([m.status, m.stderr], [1, `meshdir: ${file}: ${why}\n`], why);
  }
  t.notOk(existsSync(join(dir, 'data', 'data.mdb')), 'still none');
});

t.test('an add record with a critical control is refused, as a server would answer 12; a non-critical one is ignored', async (t) => {
  const { dir, config } = setup(t);
  const file = join(dir, 'ctl.ldif');
  writeFileSync(file, [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
    `dn: cn=a,${SUFFIX}\ncontrol: 1.2.3.4.5 false\nchangetype: add\nobjectClass: person\ncn: a\nsn: a`,
    `dn: cn=b,${SUFFIX}\ncontrol: 1.2.3.4.5 true\nchangetype: add\nobjectClass: person\ncn: b\nsn: b`,
  ].join('\n\n') + '\n');
  const r = meshdir(['import', '--config', config, '--no-progress', file]);
  t.equal(r.status, 1);
  t.match(r.stderr, `ctl.ldif:14: cn=b,${SUFFIX}: critical control 1.2.3.4.5 is not supported by import (result 12)`);
  t.same(dns(exported(config, dir)), [SUFFIX, `cn=a,${SUFFIX}`], 'what came before it is imported');
});

t.test('an entry under cn=config is refused saying why (README: local to each server, neither exported nor imported)', async (t) => {
  const { dir, config } = setup(t);
  const file = join(dir, 'config.ldif');
  writeFileSync(file, [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
    'dn: cn=replication manager,cn=config\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\ncn: replication manager\nuserPassword: x',
  ].join('\n\n') + '\n');
  const r = meshdir(['import', '--config', config, '--no-progress', file]);
  t.equal(r.status, 1);
  t.equal(r.stderr.split('\n')[0], `meshdir: ${file}:7: cn=replication manager,cn=config: entries under cn=config (Replication Managers) are local to each server and are not imported: add them with ldapadd as the rootDn, or move them with backup and restore (result 53)`, 'before: "no global superior knowledge (result 53)"');
  t.same(dns(exported(config, dir)), [SUFFIX]);
});
