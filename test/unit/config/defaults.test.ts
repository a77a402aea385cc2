// What a key of DESIGN.md "Files" left out means, and the ends of the
// allowed ranges: the tables in README "Files".
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAgreement, loadServerConfig } from '../../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'meshdir-defaults-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'm2.pw'), 'repl-secret\n');

const SERVER = `listen: [ldap://127.0.0.1:1389]
replicaId: 1
dataDir: ./data
suffix: dc=example,dc=com
rootDn: cn=Directory Manager
rootPassword: "{SSHA}nIzdxLgn1vuV0ivXjPMG+tkgen+fCaY7"
`;
const AGREEMENT = `consumer: ldap://127.0.0.1:2389
bindDn: cn=replication manager,cn=config
bindPasswordFile: ./m2.pw
`;
const server = (yaml: string) => {
  const file = join(dir, 'server.yaml');
  writeFileSync(file, yaml);
  return loadServerConfig(file);
};
const agreement = (yaml: string) => {
  const file = join(dir, 'to-m2.yaml');
  writeFileSync(file, yaml);
  return loadAgreement(file);
};

t.test('server file: the defaults of the keys left out', async (t) => {
  const c = server(SERVER);
  t.equal(c.role, 'master');
  t.equal(c.tls, undefined);
  t.equal(c.schemaDir, join(dir, 'schema'), 'schemaDir: ./schema beside the server file');
  t.same(c.indexes, { objectClass: ['eq'] });
  t.equal(c.agreementsDir, undefined);
  t.same(c.replication.managers, []);
  t.same(c.replication.referrals, []);
  t.equal(c.replication.changelog.maxAge, 7 * 86_400_000);
  t.equal(c.replication.tombstoneLifetime, 7 * 86_400_000);
  t.equal(c.replication.conflictLog.maxAge, 30 * 86_400_000);
  t.equal(c.replication.priority, 0);
  t.same(c.replication.attributePolicies, {});
  t.equal(c.dataDir, join(dir, 'data'), 'relative to the server file');
});

t.test('server file: the ends of the ranges', async (t) => {
  t.equal(server(SERVER.replace('replicaId: 1', 'replicaId: 4095')).replicaId, 4095);
  t.throws(() => server(SERVER.replace('replicaId: 1', 'replicaId: 4096')), { message: /replicaId: Too big/ });
  t.throws(() => server(SERVER.replace('replicaId: 1', 'replicaId: 0')), { message: /replicaId: Too small/ });
  t.throws(() => server(SERVER.replace('replicaId: 1\n', '')), { message: /replicaId: a master needs a replicaId/ });
  t.equal(server(SERVER.replace('replicaId: 1\n', 'role: consumer\n')).replicaId, undefined, 'a consumer has none');
  t.throws(() => server(SERVER.replace('replicaId: 1\n', 'replicaId: 1\nrole: hub\n')), { message: /replicaId: a hub has no replicaId/ });
  t.equal(server(SERVER + 'replication: { changelog: { maxAge: 90 }, tombstoneLifetime: 1d12h }\n').replication.changelog.maxAge, 90_000, 'a number of seconds');
  t.equal(server(SERVER + 'replication: { tombstoneLifetime: 2w }\n').replication.tombstoneLifetime, 14 * 86_400_000);
  t.equal(server(SERVER + 'replication: { conflictLog: { maxAge: 0 } }\n').replication.conflictLog.maxAge, 0, 'conflictLog.maxAge 0: kept for ever');
  t.throws(() => server(SERVER + 'replication: { conflictLog: { maxAge: soon } }\n'), { message: /replication\.conflictLog\.maxAge: "soon" is not a duration/ });
});

t.test('agreement file: the defaults of the keys left out', async (t) => {
  const a = agreement(AGREEMENT);
  t.equal(a.transport, 'plain');
  t.equal(a.enabled, true);
  t.equal(a.schedule, 'always');
  t.equal(a.windowSize, 10);
  t.equal(a.groupSize, 100);
  t.equal(a.compression, 0);
  t.equal(a.password, 'repl-secret');
  t.equal(a.name, 'to-m2');
});

t.test('agreement file: the ends of the ranges', async (t) => {
  for (const [key, lo, hi] of [['windowSize', 1, 1000], ['groupSize', 1, 10000], ['compression', 0, 9]] as const) {
    t.equal(agreement(`${AGREEMENT}${key}: ${lo}\n`)[key], lo, `${key}: ${lo}`);
    t.equal(agreement(`${AGREEMENT}${key}: ${hi}\n`)[key], hi, `${key}: ${hi}`);
    t.throws(() => agreement(`${AGREEMENT}${key}: ${lo - 1}\n`), { message: new RegExp(`: ${key}: Too small`) });
    t.throws(() => agreement(`${AGREEMENT}${key}: ${hi + 1}\n`), { message: new RegExp(`: ${key}: Too big`) });
  }
  t.same(agreement(`${AGREEMENT}schedule: ["sat,sun 00:00-24:00", "mon-fri 22:00-06:00"]\n`).schedule, ['sat,sun 00:00-24:00', 'mon-fri 22:00-06:00']);
  t.throws(() => agreement(`${AGREEMENT}transport: ldaps\n`), { message: /transport: transport ldaps needs an ldaps:\/\/ consumer URL/ });
  t.equal(agreement(`${AGREEMENT.replace('ldap://', 'ldaps://')}transport: ldaps\n`).transport, 'ldaps');
});
