// What an administrator and a client see: OpenLDAP's ldapmodify against a
// consumer gets a referral to the masters (exit 10, URLs printed), and
// `meshdir repl status` prints the agreement table of a running server.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Mesh, REPL_DN, eventually, freePort } from '../helpers/mesh.js';
import { cleanup, meshdir, ROOT_DN, ROOT_PW, startServer, SUFFIX } from '../helpers/server.js';

const CONFIGURED = 'ldap://127.0.0.1:7389';

function ldapmodify(url: string, ldif: string) {
  return spawnSync('ldapmodify', ['-x', '-H', url, '-D', ROOT_DN, '-w', ROOT_PW], { input: ldif, encoding: 'utf8', timeout: 20_000 });
}

t.test('referrals and repl status', async (t) => {
  const started = Date.now();
  const mesh = await Mesh.start({
    nodes: { m1: 'master', m2: 'master', c1: 'consumer', c2: 'consumer' },
    seed: 'm1',
    yaml: (name) => (name === 'c2' ? `replication:\n  managers: ["${REPL_DN}"]\n  referrals: [${CONFIGURED}]\n` : ''),
  });
  t.teardown(() => mesh.stop());
  mesh.fullMesh(['m1', 'm2']);
  mesh.agree('m1', 'c1');
  mesh.agree('m2', 'c1');
  mesh.agree('m1', 'c2');
  await eventually(async () => (await Promise.all(['m2', 'c1', 'c2'].map((n) => mesh.count(n)))).every((n) => n === 12), 20_000, 'seed everywhere');
  const port = (n: string) => mesh.node(n).server.port;
  // Both suppliers have had a session with c1 (so both are known masters).
  await eventually(async () => Number((await mesh.monitor('c1')).get('replication')!.sessionsaccepted![0]) >= 2, 10_000, 'two sessions on c1');

  await t.test('ldapmodify against a consumer: referral to the masters', async (t) => {
    const r = ldapmodify(mesh.node('c1').url, `dn: uid=alice,ou=people,${SUFFIX}\nchangetype: modify\nreplace: description\ndescription: on a consumer\n`);
    t.equal(r.status, 10, 'exit 10 (referral)');
    const out = r.stdout + r.stderr;
    t.match(out, /Referral \(10\)/, 'ldapmodify says Referral');
    // As slapd's updateref: each URL names the entry the write was for.
    const refs = out.split('\n').filter((l) => /^\s+ldap:\/\//.test(l)).map((l) => l.trim()).sort();
    t.same(refs, [port('m1'), port('m2')].sort().map((p) => `ldap://127.0.0.1:${p}/uid=alice,ou=people,${SUFFIX}`), 'both masters, with the DN');
    const ren = spawnSync('ldapmodrdn', ['-x', '-H', mesh.node('c1').url, '-D', ROOT_DN, '-w', ROOT_PW, `UID=Alice , ou=people,${SUFFIX}`, 'uid=alicia'], { encoding: 'utf8', timeout: 20_000 });
    t.equal(ren.status, 10, 'ldapmodrdn: exit 10');
    t.match(ren.stdout + ren.stderr, `/uid=Alice,ou=people,${SUFFIX}\n`, 'the DN as slapd prettifies it');
    t.comment(out.trim().replace(/\n/g, ' | '));
    const c = await mesh.client('c1');
    const e = await c.search(`uid=alice,ou=people,${SUFFIX}`, '(objectClass=*)', { scope: 0, attributes: ['description'] });
    c.close();
    t.notOk(e.entries[0]!.attrs.some((a) => a.values.some((v) => v.toString() === 'on a consumer')), 'the consumer did not change');
  });

  await t.test('ldapsearch -E !dontUseCopy: a consumer refers to the masters, a master answers', async (t) => {
    const search = (node: string, scope = 'sub') => spawnSync('ldapsearch', ['-x', '-LLL', '-H', mesh.node(node).url, '-b', SUFFIX, '-s', scope, '-E', '!dontUseCopy', '(uid=alice)', 'dn'], { encoding: 'utf8', timeout: 20_000 });
    const c = search('c1');
    t.equal(c.status, 10, 'exit 10 (referral)');
    t.match(c.stdout + c.stderr, `Referral: ldap://127.0.0.1:${port('m1')}/${SUFFIX}??sub\n`, 'm1 URL printed with base and scope, as slapd');
    t.match(search('c1', 'children').stderr, `Referral: ldap://127.0.0.1:${port('m1')}/${SUFFIX}??subordinate\n`, 'children scope: subordinate, as slapd');
    const plain = spawnSync('ldapsearch', ['-x', '-LLL', '-H', mesh.node('c1').url, '-b', SUFFIX, '(uid=alice)', 'dn'], { encoding: 'utf8', timeout: 20_000 });
    t.equal(plain.stdout, `dn: uid=alice,ou=people,${SUFFIX}\n\n`, 'without the control the consumer answers');
    const m = search('m1');
    t.equal(m.status, 0);
    t.equal(m.stdout, `dn: uid=alice,ou=people,${SUFFIX}\n\n`, 'a master holds originals');
  });

  await t.test('configured replication.referrals win over the suppliers', async (t) => {
    const r = ldapmodify(mesh.node('c2').url, `dn: uid=zed,ou=people,${SUFFIX}\nchangetype: add\nobjectClass: person\ncn: zed\nsn: zed\n`);
    t.equal(r.status, 10, 'exit 10');
    t.match(r.stdout + r.stderr, `${CONFIGURED}/uid=zed,ou=people,${SUFFIX}\n`, 'the configured URL is printed, with the DN');
    t.notMatch(r.stdout + r.stderr, `:${port('m1')}`, 'not the supplier');
  });

  await t.test('meshdir repl status prints the table', async (t) => {
    const c = await mesh.client('m1');
    await c.modify(`uid=bob,ou=people,${SUFFIX}`, [{ op: 'replace', attr: 'description', values: ['for status'] }]);
    c.close();
    await eventually(async () => (await mesh.agreement('m1', 'to-c1'))?.consumerruv?.[0] === (await mesh.monitor('m1')).get('replication')!.ruv!.find((r) => r.startsWith('1 ')), 10_000, 'c1 acknowledged');
    const r = meshdir(['repl', 'status', '--config', mesh.node('m1').server.configFile]);
    t.equal(r.status, 0, `exit 0 ${r.stderr}`);
    const lines = r.stdout.split('\n');
    t.comment(r.stdout.trimEnd());
    t.match(lines[0], /role master, generation [0-9a-f-]{36}, conflicts \d+, peer clocks ahead by up to \d+ ms/);
    t.match(lines[1], /^RUV: 1 \d{14}\.\d{6}Z#/);
    const header = lines.find((l) => l.startsWith('AGREEMENT'));
    t.match(header, /^AGREEMENT\s+CONSUMER\s+STATE\s+LAST SESSION\s+RESULT\s+LAG\s+SENT$/);
    for (const [name, to] of [['to-c1', 'c1'], ['to-c2', 'c2'], ['to-m2', 'm2']]) {
      const row = lines.find((l) => l.startsWith(name + ' '));
      t.match(row, new RegExp(`^${name}\\s+ldap://127\\.0\\.0\\.1:${port(to!)}\\s+in-sync\\s+\\d+s ago\\s+ok\\s+0 ms\\s+(\\d+)$`), `${name} row: ${row}`);
      t.ok(Number(/(\d+)$/.exec(row ?? '')?.[1]) >= 13, `${name}: at least the 12 seed entries and the modify were sent`);
    }
  });

  await t.test('meshdir repl status --json gives the same figures to scripts', async (t) => {
    const r = meshdir(['repl', 'status', '--config', mesh.node('m1').server.configFile, '--json']);
    t.equal(r.status, 0, `exit 0 ${r.stderr}`);
    const o = JSON.parse(r.stdout) as { role: string; ruv: string[]; conflicts: number; agreements: { cn: string; consumer: string; state: string; lagMs: number; changesSent: number; consumerRuv: string[] }[] };
    t.equal(o.role, 'master');
    t.match(o.ruv[0], /^1 \d{14}\.\d{6}Z#/);
    t.equal(typeof o.conflicts, 'number');
    t.same(o.agreements.map((a) => a.cn).sort(), ['to-c1', 'to-c2', 'to-m2']);
    for (const a of o.agreements) {
      t.equal(a.state, 'in-sync', `${a.cn} in-sync`);
      t.equal(a.lagMs, 0, `${a.cn}: lag a number`);
      t.ok(a.changesSent >= 13, `${a.cn}: changesSent ${a.changesSent}`);
      t.ok(Array.isArray(a.consumerRuv) && a.consumerRuv.some((x) => x.startsWith('1 ')), `${a.cn}: the consumer's RUV as a list`);
      t.match(a.consumer, /^ldap:\/\/127\.0\.0\.1:\d+$/);
    }
  });

  await t.test('repl status with a wrong password names the server and the bind DN', async (t) => {
    const r = meshdir(['repl', 'status', '--config', mesh.node('m1').server.configFile, '-D', ROOT_DN, '-w', 'wrong']);
    t.not(r.status, 0, 'non-zero exit');
    t.equal(r.stderr.trim(), `meshdir: ${mesh.node('m1').url}: bind as ${ROOT_DN} failed: invalidCredentials`);
  });

  await t.test('repl status of a stopped server is one clear line', async (t) => {
    await mesh.kill('c2');
    const r = meshdir(['repl', 'status', '--config', mesh.node('c2').server.configFile]);
    t.not(r.status, 0, 'non-zero exit');
    t.match(r.stderr, /connection refused/);
    t.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr.trim()}`);
  });
  t.comment(`total ${Date.now() - started} ms`);
});

t.test('repl status of a server on port 0, or without anonymous read', async (t) => {
  const zero = await startServer({ replicaId: 1 });
  const z = meshdir(['repl', 'status', '--config', zero.configFile]);
  await zero.stop();
  cleanup(zero.dir);
  t.same([z.status, z.stderr], [2, `meshdir: ${zero.configFile}: listen: port 0 only (the port the system picked is in the server's "meshdir started" log line): repl status needs a fixed port\n`], 'a server file listening on port 0 only: said so (before: "connection refused" from port 0)');
  const s = await startServer({ replicaId: 1, listen: [`ldap://127.0.0.1:${await freePort()}`], yaml: 'access: { anonymousRead: false }\nagreementsDir: ./not-yet' });
  t.teardown(async () => { await s.stop(); cleanup(s.dir); });
  const r = meshdir(['repl', 'status', '--config', s.configFile]);
  t.equal(r.status, 1);
  t.equal(r.stderr, `meshdir: ${s.url}: anonymous read access is disabled: bind with -D and -w (e.g. -D '${ROOT_DN}' -w …, or MESHDIR_PASSWORD)\n`, 'one line naming the server and what to do (before: "meshdir: anonymous read access is disabled")');
  const ok = meshdir(['repl', 'status', '--config', s.configFile, '-D', ROOT_DN, '-w', ROOT_PW]);
  t.equal(ok.status, 0, 'bound as the rootDn');
  t.match(ok.stdout, 'no agreements');
  // An agreementsDir that cannot be read is said where an administrator looks (before: only once, in the log).
  t.match(ok.stdout, `\nagreementsDir ${join(s.dir, 'not-yet')}: cannot read (ENOENT): no agreement runs until it can be read\n`);
  mkdirSync(join(s.dir, 'not-yet'));
  await eventually(() => !meshdir(['repl', 'status', '--config', s.configFile, '-D', ROOT_DN, '-w', ROOT_PW]).stdout.includes('cannot read'), 10_000, 'the detail gone once the directory exists');
  t.pass('gone once the directory exists');
});
