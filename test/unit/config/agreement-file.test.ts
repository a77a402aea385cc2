// What an agreement file may not say: each fault is one line naming the
// file, the field and the reason (the supplier shows it as the agreement's
// status and runs nothing for it); DESIGN.md's example loads.
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadAgreement } from '../../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'meshdir-agr-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'm2.pw'), 'repl-secret\n');
writeFileSync(join(dir, 'empty.pw'), '');

// DESIGN.md "Files", the agreement file as printed there (transport plain: no certificates here).
const DESIGN = `consumer: ldap://127.0.0.1:2389
bindDn: cn=replication manager,cn=config
bindPasswordFile: ./m2.pw
transport: plain                   # plain | ldaps | starttls
enabled: true
schedule: always                   # or e.g. ["mon-fri 22:00-06:00"]
windowSize: 10
groupSize: 100
compression: 0                     # 0-9, zlib level
`;
const file = join(dir, 'to-m2.yaml');
const load = (yaml: string) => {
  writeFileSync(file, yaml);
  return loadAgreement(file);
};
const refused = (line: string) => new ConfigError(`${file}: ${line}`);

t.test("DESIGN.md's example loads", async (t) => {
  const a = load(DESIGN);
  t.equal(a.password, 'repl-secret');
  t.equal(a.heartbeatMs, 10_000);
  t.equal(load(DESIGN + 'heartbeat: 2s\n').heartbeatMs, 2000);
  t.same(load(DESIGN.replace('schedule: always', 'schedule: ["mon-fri 22:00-06:00", "sat 00:00-24:00"]')).schedule, ['mon-fri 22:00-06:00', 'sat 00:00-24:00']);
});

t.test('faults, by field', async (t) => {
  const bad = (from: string, to: string, line: string) => t.throws(() => load(DESIGN.replace(from, to)), refused(line), line);
  bad('consumer: ldap://127.0.0.1:2389', 'consumer: ldap://127.0.0.1:70000', 'consumer: "ldap://127.0.0.1:70000" is not a valid URL (port 1-65535; an IPv6 address in brackets: ldap://[::1]:389)');
  bad('bindDn: cn=replication manager,cn=config', 'bindDn: "cn=replication manager,,cn=config"', 'bindDn: "cn=replication manager,,cn=config" is not a valid DN');
  // A consumer takes replication only from entries below its cn=config: any other bindDn was refused every session.
  bad('bindDn: cn=replication manager,cn=config', 'bindDn: cn=Directory Manager', 'bindDn: "cn=Directory Manager" is not below cn=config: a consumer takes replication only from its Replication Managers, entries under its cn=config (e.g. "cn=replication manager,cn=config")');
  bad('bindDn: cn=replication manager,cn=config', 'bindDn: cn=config', 'bindDn: "cn=config" is not below cn=config: a consumer takes replication only from its Replication Managers, entries under its cn=config (e.g. "cn=replication manager,cn=config")');
  bad('bindDn: cn=replication manager,cn=config', 'bindDn: "uid=repl,ou=people,dc=example,dc=com"', 'bindDn: "uid=repl,ou=people,dc=example,dc=com" is not below cn=config: a consumer takes replication only from its Replication Managers, entries under its cn=config (e.g. "cn=replication manager,cn=config")');
  t.equal(load(DESIGN.replace('bindDn: cn=replication manager,cn=config', 'bindDn: "CN=Repl M2, CN=Config"')).bindDn, 'CN=Repl M2, CN=Config', 'any entry below cn=config, however spelt');
  bad('bindPasswordFile: ./m2.pw', 'bindPasswordFile: ./m2.pw\nbindPassword: x', 'bindPasswordFile: set only one of bindPassword and bindPasswordFile');
  bad('schedule: always', 'schedule: ["mon-fri 25:00-06:00"]', 'schedule.0: bad time 25:00 (a window is "DAYS HH:MM-HH:MM", e.g. "mon-fri 22:00-06:00")');
  bad('schedule: always', 'schedule: ["mon-fri 10:00-10:00"]', 'schedule.0: "mon-fri 10:00-10:00" starts where it ends: it never opens');
  bad('schedule: always', 'schedule: "mon-fri 22:00-06:00"', 'schedule: must be always or a list of windows, e.g. ["mon-fri 22:00-06:00"]');
  bad('compression: 0', 'compression: 0\nheartbeat: 0', 'heartbeat: must be at least 100ms');
  bad('compression: 0', 'compression: 0\nheartbeat: 30d', 'heartbeat: must be at most 24d');
  t.throws(() => load(DESIGN.replace('./m2.pw', './empty.pw')), refused(`bindPasswordFile: ${join(dir, 'empty.pw')} is empty`));
  // TLS settings that a plain session would ignore, sending the password in the clear.
  bad('compression: 0', 'compression: 0\ntlsCa: ./ca.pem', 'transport: tlsCa is set but transport is plain (the default): set transport: starttls or ldaps');
  bad('transport: plain                   # plain | ldaps | starttls\n', 'tlsInsecure: true\n', 'transport: tlsInsecure is set but transport is plain (the default): set transport: starttls or ldaps');
  // A CA file that is not there, or holds no certificate: the agreement is invalid, naming the field (not refused at every connection).
  bad('transport: plain ', `tlsCa: ${join(dir, 'no-ca.pem')}\ntransport: starttls `, `tlsCa: cannot read ${join(dir, 'no-ca.pem')}: ENOENT`);
  writeFileSync(join(dir, 'not-ca.pem'), 'hello\n');
  bad('transport: plain ', `tlsCa: ${join(dir, 'not-ca.pem')}\ntransport: starttls `, `tlsCa: ${join(dir, 'not-ca.pem')} holds no PEM certificate`);
});

t.test("DESIGN.md's layout: ./secrets/m2.pw next to the server file, the agreement in ./agreements/m1", async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'meshdir-layout-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'secrets'));
  mkdirSync(join(root, 'agreements', 'm1'), { recursive: true });
  writeFileSync(join(root, 'secrets', 'm2.pw'), 'from-the-server-dir\n');
  const agreement = join(root, 'agreements', 'm1', 'm2.yaml');
  writeFileSync(agreement, DESIGN.replace('./m2.pw', './secrets/m2.pw'));
  t.equal(loadAgreement(agreement, root).password, 'from-the-server-dir', 'found relative to the server file');
  t.throws(() => loadAgreement(agreement), /bindPasswordFile: cannot read .*agreements\/m1\/secrets\/m2\.pw: ENOENT/, 'without the server file, relative to the agreement only');
  mkdirSync(join(root, 'agreements', 'm1', 'secrets'));
  writeFileSync(join(root, 'agreements', 'm1', 'secrets', 'm2.pw'), 'next-to-the-agreement\n');
  t.equal(loadAgreement(agreement, root).password, 'next-to-the-agreement', 'the agreement file\'s own directory comes first');
});
