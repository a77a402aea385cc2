// What of the server file only the schema can check: each fault is a bad
// server file (exit code 2 from the CLI), one line naming file, field and
// reason; and DESIGN.md's own example server file loads as it is.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadServerConfig } from '../../../src/config/load.js';
import { loadServerSchema } from '../../../src/runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'meshdir-cfg-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const schemaDir = new URL('../../../schema/', import.meta.url).pathname;

// DESIGN.md "Files", the server file as printed there; only the placeholders
// (tls paths, the hash) are filled in and the paths point here.
const DESIGN = `replicaId: 1                      # unique among masters; consumers/hubs: omit
role: master                      # master | hub | consumer
listen: [ldap://127.0.0.1:1389]   # and/or ldaps://…
dataDir: ./data/m1
suffix: dc=example,dc=com
rootDn: cn=Directory Manager
rootPassword: "{SSHA}nIzdxLgn1vuV0ivXjPMG+tkgen+fCaY7"           # hashed; or rootPasswordFile
schemaDir: ${schemaDir}               # every *.schema file there is loaded
indexes: { objectClass: [eq], uid: [eq], cn: [eq, sub], mail: [eq, sub] }
agreementsDir: ./agreements/m1    # every *.yaml there is an agreement of this supplier
replication:
  managers: ["cn=replication manager,cn=config"]
  referrals: [ldap://127.0.0.1:1389]   # consumers/hubs: where writes go
  changelog: { maxAge: 7d }
  tombstoneLifetime: 7d
  priority: 0
  attributePolicies: { employeeNumber: priority, loginCount: sum }
`;

const load = (yaml: string) => {
  const file = join(dir, 'server.yaml');
  writeFileSync(file, yaml);
  return loadServerSchema(loadServerConfig(file));
};
const refused = (yaml: string, line: string) => new ConfigError(`${join(dir, 'server.yaml')}: ${line}`);

t.test("DESIGN.md's example loads, loginCount included (schema/meshdir.schema)", async (t) => {
  const schema = load(DESIGN);
  t.equal(schema.attributeType('loginCount')?.singleValue, true);
});

t.test('what the schema refuses, by field', async (t) => {
  t.throws(() => load(DESIGN.replace('suffix: dc=example,dc=com', 'suffix: not a dn')), refused('', 'suffix: "not a dn" is not a valid DN'));
  t.throws(() => load(DESIGN.replace('mail: [eq, sub]', 'mial: [eq]')), refused('', 'indexes.mial: attribute type undefined in the schema'));
  t.throws(() => load(DESIGN.replace('loginCount: sum', 'logins: sum')), refused('', 'replication.attributePolicies.logins: attribute type undefined in the schema'));
  // A policy its attribute cannot carry would be lww without a word.
  t.throws(() => load(DESIGN.replace('loginCount: sum', 'employeeType: min')), refused('', 'replication.attributePolicies.employeeType: min orders concurrent values: employeeType must be SINGLE-VALUE with an ORDERING rule'));
  t.throws(() => load(DESIGN.replace('loginCount: sum', 'displayName: sum')), refused('', 'replication.attributePolicies.displayName: sum adds up concurrent increments: displayName must be a SINGLE-VALUE INTEGER'));
  t.throws(() => load(DESIGN.replace('loginCount: sum', 'description: manual')), refused('', 'replication.attributePolicies.description: manual logs the loser of concurrent values: description must be SINGLE-VALUE (a multi-valued attribute keeps every value)'));
  t.ok(load(DESIGN.replace('loginCount: sum', 'uidNumber: max, gidNumber: min, loginCount: sum')), 'single-valued integers with an ordering rule take min and max');
  t.throws(() => load(DESIGN.replace('managers: ["cn=replication manager,cn=config"]', 'managers: ["replication manager"]')), refused('', 'replication.managers.0: "replication manager" is not a valid DN'));
  // Only entries under cn=config may replicate: one elsewhere was accepted here and then refused every session.
  t.throws(() => load(DESIGN.replace('managers: ["cn=replication manager,cn=config"]', 'managers: ["uid=repl,ou=people,dc=example,dc=com"]')), refused('', 'replication.managers.0: "uid=repl,ou=people,dc=example,dc=com" is not below cn=config: Replication Manager entries are local to each server, under cn=config (e.g. "cn=replication manager,cn=config")'));
  t.throws(() => load(DESIGN.replace('managers: ["cn=replication manager,cn=config"]', 'managers: ["cn=config"]')), { message: /replication\.managers\.0: "cn=config" is not below cn=config/ });
  t.ok(load(DESIGN.replace('managers: ["cn=replication manager,cn=config"]', 'managers: ["CN=Replication Manager, CN=Config", "uid=m2,ou=replication,cn=config"]')), 'any entry below cn=config, however spelt');
  t.throws(() => load(DESIGN.replace(schemaDir, join(dir, 'none'))), { name: 'MeshdirError', message: new RegExp(`^${join(dir, 'server.yaml')}: schemaDir: .*cannot read schema directory`) });
  t.ok(load(DESIGN.replace('replication:', 'replication:\n  uniqueAttributes: { mail: rename }')), 'a known type is fine');
  const unique = (yaml: string) => {
    const file = join(dir, 'server.yaml');
    writeFileSync(file, DESIGN.replace('replication:', `replication:\n  uniqueAttributes: ${yaml}`));
    return loadServerConfig(file).replication.uniqueAttributes;
  };
  t.same(unique('{ uid: , mail: discard }'), { uid: 'rename', mail: 'discard' }, 'an attribute named without a policy takes the default, rename (DESIGN.md)');
  t.same(unique('[uid, mail]'), { uid: 'rename', mail: 'rename' }, 'a list: every one renames');
  t.throws(() => load(DESIGN.replace('replication:', 'replication:\n  uniqueAttributes: { emial: rename }')), refused('', 'replication.uniqueAttributes.emial: attribute type undefined in the schema'));
  // Client certificates checked against no CA of the administrator's would be checked against Node's public ones.
  t.throws(() => loadServerConfig((writeFileSync(join(dir, 'server.yaml'), `${DESIGN}tls: { cert: c.pem, key: k.pem, clientCert: require }\n`), join(dir, 'server.yaml'))),
    refused('', 'tls.ca: clientCert: require needs ca (the CA file that signs client certificates)'));
});

t.test('a rootPassword no bind could match is refused', async (t) => {
  const file = join(dir, 'server.yaml');
  const with_ = (pw: string, extra = '') => {
    writeFileSync(file, DESIGN.replace(/^rootPassword: .*$/m, `rootPassword: "${pw}"`) + extra);
    return loadServerConfig(file);
  };
  t.throws(() => with_('secret'), { name: 'MeshdirError', message: /rootPassword: not a password hash \(make one with `meshdir passwd`/ });
  t.throws(() => with_('{CRYPT}ab01FAX.bQRSU'), { message: /rootPassword: \{CRYPT\} is not a supported hash/ });
  t.equal(with_('secret', 'access: { allowCleartextPasswords: true }\n').rootPasswordHash, 'secret', 'cleartext when cleartext passwords are allowed');
  t.ok(with_('{PBKDF2-SHA512}10000$c2FsdA$aGFzaA'), 'another supported scheme');
});

t.test('a misspelt required key is named as unknown, not only as missing', async (t) => {
  const file = join(dir, 'server.yaml');
  writeFileSync(file, DESIGN.replace('suffix: dc=example,dc=com', 'sufix: dc=example,dc=com'));
  t.throws(() => loadServerConfig(file), refused('', 'sufix: unknown key (check its spelling against the documented keys)'));
  writeFileSync(file, DESIGN.replace(/^suffix: .*$/m, ''));
  t.throws(() => loadServerConfig(file), refused('', 'suffix: required'), 'left out: required');
});

t.test('hashes of a supported scheme that no password matches', async (t) => {
  const file = join(dir, 'server.yaml');
  const with_ = (pw: string) => {
    writeFileSync(file, DESIGN.replace(/^rootPassword: .*$/m, `rootPassword: "${pw}"`));
    return loadServerConfig(file);
  };
  t.throws(() => with_('{SSHA}!!!!'), refused('', 'rootPassword: not a hash any password matches: {SSHA} takes base64 (make one with `meshdir passwd`)'));
  t.throws(() => with_('{SSHA}c2hvcnQ='), { message: /rootPassword: not a hash any password matches: \{SSHA\} holds a 20-octet digest and a salt, not 5 octets/ });
  t.throws(() => with_('{PBKDF2-SHA512}garbage'), { message: /\{PBKDF2-SHA512\} takes ITERATIONS\$SALT\$HASH/ });
  t.ok(with_('{SSHA512}' + Buffer.alloc(72, 1).toString('base64')), 'a digest and a salt');
});

t.test('URLs, durations and attribute maps a server could not use', async (t) => {
  const file = join(dir, 'server.yaml');
  const bad = (from: string | RegExp, to: string, line: string) => {
    writeFileSync(file, DESIGN.replace(from, to));
    t.throws(() => loadServerConfig(file), refused('', line), line);
  };
  bad('listen: [ldap://127.0.0.1:1389]', 'listen: [ldap://127.0.0.1:70000]', 'listen.0: "ldap://127.0.0.1:70000" is not a valid URL (port 1-65535; an IPv6 address in brackets: ldap://[::1]:389)');
  bad('listen: [ldap://127.0.0.1:1389]', 'listen: [ldap://::1:1389]', 'listen.0: "ldap://::1:1389" is not a valid URL (port 1-65535; an IPv6 address in brackets: ldap://[::1]:389)');
  bad('referrals: [ldap://127.0.0.1:1389]', 'referrals: [ldap://127.0.0.1:0]', 'replication.referrals.0: port must be 1-65535');
  bad('referrals: [ldap://127.0.0.1:1389]', 'referrals: ["ldap://u:pw@127.0.0.1:1389"]', 'replication.referrals.0: takes no user or password');
  bad('referrals: [ldap://127.0.0.1:1389]', 'referrals: [ldap://999.1.1.1:1389]', 'replication.referrals.0: "999.1.1.1" is not an IPv4 address');
  bad('tombstoneLifetime: 7d', 'tombstoneLifetime: 7d\n  maintenanceInterval: 30d', 'replication.maintenanceInterval: must be at most 24d');
  bad('tombstoneLifetime: 7d', 'tombstoneLifetime: 3s', 'replication.tombstoneLifetime: must be at least changelog.maxAge (7d): a tombstone purged before the changelog forgets the delete lets replicas differ for good');
  bad('tombstoneLifetime: 7d', 'tombstoneLifetime: 0', 'replication.tombstoneLifetime: must be at least changelog.maxAge (7d): a tombstone purged before the changelog forgets the delete lets replicas differ for good');
  bad('maxAge: 7d', 'maxAge: 8d', 'replication.tombstoneLifetime: must be at least changelog.maxAge (8d): a tombstone purged before the changelog forgets the delete lets replicas differ for good');
  bad('maxAge: 7d', 'maxAge: { days: 7 }', 'replication.changelog.maxAge: must be a duration (seconds, or e.g. 90s, 15m, 12h, 7d)');
  bad('loginCount: sum', 'loginCount: sum, LOGINCOUNT: max', 'replication.attributePolicies.LOGINCOUNT: names the same attribute as "loginCount"');
  // One address twice was refused only when the server started, as "address already in use" (exit 1).
  bad('listen: [ldap://127.0.0.1:1389]', 'listen: [ldap://127.0.0.1:1389, ldap://127.0.0.1:1389]', 'listen.1: listens on 127.0.0.1:1389 as listen.0 does');
  bad('listen: [ldap://127.0.0.1:1389]', 'listen: [ldap://LOCALHOST, ldaps://localhost:389]\ntls: { cert: x.pem, key: y.pem }', 'listen.1: listens on localhost:389 as listen.0 does');
  writeFileSync(file, DESIGN.replace('listen: [ldap://127.0.0.1:1389]', 'listen: ["ldap://[::1]:1389", ldap://localhost]'));
  t.ok(loadServerConfig(file), 'IPv6 in brackets, and the default port');
  writeFileSync(file, DESIGN.replace('listen: [ldap://127.0.0.1:1389]', 'listen: [ldap://127.0.0.1:0, ldap://127.0.0.1:0, ldap://127.0.0.1:1389, "ldap://[::1]:1389"]'));
  t.ok(loadServerConfig(file), 'port 0 twice (each picks its own), one port on two addresses');
});

t.test('YAML faults name the file, the line and the key', async (t) => {
  const file = join(dir, 'server.yaml');
  writeFileSync(file, DESIGN + 'suffix: dc=other\n');
  t.throws(() => loadServerConfig(file), new ConfigError(`${file}:18: not valid YAML: key "suffix" given twice`));
  // A hash from `meshdir passwd` pasted unquoted is a YAML flow mapping: before, "Unexpected scalar at node end".
  writeFileSync(file, DESIGN.replace('rootPassword: "{SSHA}nIzdxLgn1vuV0ivXjPMG+tkgen+fCaY7"', 'rootPassword: {SSHA}nIzdxLgn1vuV0ivXjPMG+tkgen+fCaY7'));
  t.throws(() => loadServerConfig(file), new ConfigError(`${file}:7: rootPassword: not valid YAML: a value that starts with "{" must be quoted: rootPassword: "{SSHA}nIzdxLgn1vuV0ivXjPMG+tkgen+fCaY7"`));
  const bomb = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++) bomb.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  writeFileSync(file, bomb.join('\n') + '\n');
  t.throws(() => loadServerConfig(file), { message: new RegExp(`^${file}: not valid YAML: `) });
  t.throws(() => loadServerConfig(dir), new ConfigError(`${dir}: not a regular file`));
});

t.test('an empty schemaDir is named as such', async (t) => {
  const empty = mkdtempSync(join(dir, 'schema-'));
  t.throws(() => load(DESIGN.replace(schemaDir, empty)), refused('', `schemaDir: ${empty} holds no *.schema files (core.schema at least: see this project's schema/)`));
});

t.test('a log file that cannot be written stops the start with its field named', async (t) => {
  const file = join(dir, 'server.yaml');
  writeFileSync(file, DESIGN + 'log: { file: /proc/nope/x.log }\n');
  t.throws(() => loadServerConfig(file), refused('', 'log.file: cannot write /proc/nope/x.log: ENOENT'));
});
