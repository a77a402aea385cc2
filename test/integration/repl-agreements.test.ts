// Agreement files changed under a running supplier: disabled and enabled,
// deleted, broken (bad YAML, unknown key: only that agreement goes off and
// its monitor entry says why); compression on and off; a wrong Replication
// Manager password and a bind DN that is not a Replication Manager.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { LdapError, RC } from '../../src/errors.js';
import { LdapClient } from '../../src/ldap/client.js';
import { REPL_OID, pack } from '../../src/repl/session/protocol.js';
import { Mesh, REPL_DN, eventually } from '../helpers/mesh.js';
import { SUFFIX } from '../helpers/server.js';

const person = (uid: string, extra: Record<string, string> = {}) => ({ objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid, cn: uid, sn: uid, ...extra });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const INTRUDER = 'cn=intruder,cn=config';

t.test('agreement files under a running supplier', async (t) => {
  const started = Date.now();
  const mesh = await Mesh.start({ nodes: { m1: 'master', c1: 'consumer', c2: 'consumer' }, seed: 'm1' });
  t.teardown(() => mesh.stop());
  const m1 = await mesh.client('m1');
  t.teardown(() => m1.close());
  let n = 0;
  /** Add an entry on m1; resolves with its DN. */
  const write = async (extra: Record<string, string> = {}): Promise<string> => {
    const uid = `e${n++}`;
    await m1.add(`uid=${uid},ou=people,${SUFFIX}`, person(uid, extra));
    return `uid=${uid},ou=people,${SUFFIX}`.toLowerCase();
  };
  const has = async (node: string, dn: string) => (await mesh.entries(node)).has(dn);
  const state = async (name: string) => (await mesh.agreement('m1', name))?.state?.[0];

  await t.test('compression 6 and compression 0 give equal data', async (t) => {
    mesh.agree('m1', 'c1', { compression: 0 });
    mesh.agree('m1', 'c2', { compression: 6 });
    for (let i = 0; i < 30; i++) await write({ description: `compressible ${'abc '.repeat(200)} ${i}` });
    await eventually(async () => (await mesh.count('c1')) === 42 && (await mesh.count('c2')) === 42, 20_000, '42 entries on c1 and c2');
    const r = mesh.check(['m1', 'c1', 'c2']);
    t.ok(r.ok, r.output.split('\n')[0]);
    const [a, b] = [(await mesh.agreement('m1', 'to-c1'))!, (await mesh.agreement('m1', 'to-c2'))!];
    t.equal(a.changessent?.[0], b.changessent?.[0], `both sent ${a.changessent?.[0]} changes`);
  });

  await t.test('an agreement\'s monitor attributes can be asked for by name', async (t) => {
    const r = await m1.search('cn=to-c2,cn=replication,cn=monitor', '(objectClass=*)', { scope: 0, attributes: ['lagMs', 'STATE'] });
    t.same(r.entries[0]?.attrs.map((a) => [a.type, a.values.map(String)]), [['state', ['in-sync']], ['lagMs', ['0']]]);
    const none = await m1.search('cn=to-c2,cn=replication,cn=monitor', '(objectClass=*)', { scope: 0, attributes: ['1.1'] });
    t.same(none.entries[0]?.attrs, [], '1.1: none');
    // And filtered on, as their strings (numbers as numbers).
    const names = async (filter: string) => (await m1.search('cn=replication,cn=monitor', filter, { scope: 1, attributes: ['1.1'] })).entries.map((e) => e.dn).sort();
    const both = ['cn=to-c1,cn=replication,cn=monitor', 'cn=to-c2,cn=replication,cn=monitor'];
    t.same(await names('(STATE=In-Sync)'), both);
    t.same(await names('(&(state=in-*)(lagMs<=0)(changesSent>=42)(!(changesSent>=100)))'), both);
    t.same(await names('(|(state=disabled)(consumer=*c2*))'), []);
    t.same(await names('(file=*/to-c2.yaml)'), ['cn=to-c2,cn=replication,cn=monitor']);
    t.same(await names('(nosuch=*)'), []);
  });

  await t.test('disabled, then enabled again, without a restart', async (t) => {
    mesh.agree('m1', 'c1', { enabled: false });
    await eventually(async () => (await state('to-c1')) === 'disabled', 5000, 'state disabled');
    t.pass('monitor shows state disabled');
    const dn = await write();
    await eventually(() => has('c2', dn), 10_000, 'the add on c2');
    await pause(1500);
    t.notOk(await has('c1', dn), 'a write while disabled does not reach c1 (it reached c2)');
    const lag = Number((await mesh.agreement('m1', 'to-c1'))?.lagms?.[0]);
    t.ok(lag >= 1000, `a disabled agreement's lag grows: ${lag} ms`);
    mesh.agree('m1', 'c1');
    await eventually(() => has('c1', dn), 10_000, 'the add on c1 after enabling');
    t.pass('enabled again: the write arrives');
  });

  await t.test('a schedule window is honoured: outside it nothing is sent, a window that includes now sends', async (t) => {
    const file = mesh.agree('m1', 'c1');
    const plain = readFileSync(file, 'utf8');
    // A one-minute window two hours from now (local time, as schedules are read).
    const now = new Date();
    const start = (now.getHours() * 60 + now.getMinutes() + 120) % 1440;
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    mesh.writeAgreement('m1', 'to-c1', `${plain}schedule: ["sun-sat ${hhmm(start)}-${hhmm((start + 1) % 1440)}"]\n`);
    await eventually(async () => (await state('to-c1')) === 'off-schedule', 5000, 'state off-schedule');
    t.match((await mesh.agreement('m1', 'to-c1'))?.detail?.[0], /^outside \["sun-sat \d\d:\d\d-\d\d:\d\d"\]$/, 'the detail names the schedule');
    const dn = await write();
    await eventually(() => has('c2', dn), 10_000, 'the add on c2');
    await pause(1500);
    t.notOk(await has('c1', dn), 'outside the window the write does not reach c1');
    mesh.writeAgreement('m1', 'to-c1', `${plain}schedule: ["mon-fri 00:00-24:00", "sat,sun 00:00-24:00"]\n`);
    await eventually(() => has('c1', dn), 10_000, 'the add on c1 once a window includes now');
    t.pass('inside the window it is sent');
    mesh.agree('m1', 'c1');
  });

  await t.test('an edited file restarts the session at once, without a backoff', async (t) => {
    const log = mesh.node('m1').server.log;
    const from = log.length;
    mesh.agree('m1', 'c1', { windowSize: 3, groupSize: 7 });
    const changed = () => log.slice(from).some((l) => l.includes('"agreement file changed"') && l.includes('"agreement":"to-c1"'));
    await eventually(changed, 10_000, 'the edit picked up');
    const dn = await write();
    await eventually(() => has('c1', dn), 10_000, 'a write after the edit on c1');
    const since = log.slice(from).filter((l) => l.includes('"agreement":"to-c1"'));
    t.same(since.filter((l) => /"state":"backoff"/.test(l)), [], 'no backoff (nor its warning) for the edit');
    t.equal((await mesh.agreement('m1', 'to-c1'))?.state?.[0], 'in-sync');
  });

  await t.test('a broken file disables only that agreement and says why', async (t) => {
    mesh.writeAgreement('m1', 'to-c1', 'consumer: [ldap://127.0.0.1:1\nbindDn: x\n');
    await eventually(async () => (await state('to-c1')) === 'invalid', 5000, 'state invalid');
    const bad = (await mesh.agreement('m1', 'to-c1'))!;
    t.match(bad.detail?.[0], /to-c1\.yaml.*not valid YAML/, `detail: ${bad.detail?.[0]}`);
    const dn = await write();
    await eventually(() => has('c2', dn), 10_000, 'the add on c2');
    t.equal(await state('to-c2'), 'in-sync', 'the other agreement keeps running');
    await pause(1500);
    t.notOk(await has('c1', dn), 'nothing reaches c1 through the broken agreement');

    mesh.writeAgreement('m1', 'to-c1', `consumer: ${mesh.node('c1').url}\nbindDn: ${REPL_DN}\nbindPasswordFile: ${mesh.node('m1').dir}/repl.pw\nwindowsize: 3\n`);
    await eventually(async () => /windowsize/.test((await mesh.agreement('m1', 'to-c1'))?.detail?.[0] ?? ''), 5000, 'the bad key named');
    const key = (await mesh.agreement('m1', 'to-c1'))!;
    t.equal(key.state?.[0], 'invalid', 'a misspelt key: invalid');
    t.match(key.detail?.[0], /windowsize: unknown key/, `detail: ${key.detail?.[0]}`);

    // A password file that is not there yet: invalid until it appears,
    // without the agreement file being touched again.
    const late = join(mesh.node('m1').dir, 'late.pw');
    mesh.agree('m1', 'c1', { bindPasswordFile: late });
    await eventually(async () => /ENOENT/.test((await mesh.agreement('m1', 'to-c1'))?.detail?.[0] ?? ''), 5000, 'the missing password file named');
    writeFileSync(late, readFileSync(join(mesh.node('m1').dir, 'repl.pw')));
    await eventually(() => has('c1', dn), 10_000, 'c1 catches up once the password file exists');
    t.pass('fixed: c1 catches up');
  });

  await t.test('one agreement per consumer: a second file for c1 is invalid and says which file feeds it', async (t) => {
    const file = mesh.writeAgreement('m1', 'zz-c1-again', `consumer: ${mesh.node('c1').url}\nbindDn: ${REPL_DN}\nbindPasswordFile: ${mesh.node('m1').dir}/repl.pw\n`);
    await eventually(async () => (await state('zz-c1-again')) === 'invalid', 5000, 'the second one invalid');
    t.match((await mesh.agreement('m1', 'zz-c1-again'))!.detail?.[0], /is already the consumer of .*to-c1\.yaml \(one agreement per consumer\)/);
    t.equal(await state('to-c1'), 'in-sync', 'the first one runs on');
    rmSync(file);
  });

  await t.test('a deleted file stops the agreement', async (t) => {
    mesh.removeAgreement('m1', 'to-c1');
    await eventually(async () => (await mesh.agreement('m1', 'to-c1')) === undefined, 5000, 'the monitor entry gone');
    t.pass('its cn=replication,cn=monitor entry is gone');
    const dn = await write();
    await eventually(() => has('c2', dn), 10_000, 'the add on c2');
    await pause(1500);
    t.notOk(await has('c1', dn), 'writes no longer reach c1');
  });

  await t.test('a wrong Replication Manager password is refused', async (t) => {
    mesh.agree('m1', 'c1', { bindPassword: 'wrong password', bindPasswordFile: null });
    await eventually(async () => (await state('to-c1')) === 'refused', 10_000, 'state refused');
    const s = (await mesh.agreement('m1', 'to-c1'))!;
    t.match(s.detail?.[0], /invalid credentials/, `detail: ${s.detail?.[0]}`);
    const line = mesh.node('c1').server.log.find((l) => l.includes('"bind failed"') && l.includes('cn=replication manager,cn=config'));
    t.ok(line, `the consumer logs the failed bind: ${line}`);
    // Put it right before the retries lock the manager DN (the bind guard counts them).
    mesh.agree('m1', 'c1');
    await eventually(async () => (await state('to-c1')) === 'in-sync', 20_000, 'in sync with the right password');
    t.pass('the right password: in sync again');
  });

  await t.test('a bind DN that is not a Replication Manager is refused', async (t) => {
    const c2 = await mesh.client('c2');
    await c2.add(INTRUDER, { objectClass: ['applicationProcess', 'simpleSecurityObject'], cn: 'intruder', userPassword: 'intruder-pw' });
    c2.close();
    mesh.agree('m1', 'c2', { bindDn: INTRUDER, bindPassword: 'intruder-pw', bindPasswordFile: null });
    await eventually(async () => (await state('to-c2')) === 'refused', 10_000, 'state refused');
    const s = (await mesh.agreement('m1', 'to-c2'))!;
    t.match(s.detail?.[0], /refused cn=intruder,cn=config/, `detail: ${s.detail?.[0]}`);
    t.ok(mesh.node('c2').server.log.some((l) => l.includes('not a Replication Manager') && l.includes('cn=intruder')), 'the consumer logs the refusal');
    // The result code itself, as a supplier sees it.
    const c = await LdapClient.connect(mesh.node('c2').url, { timeoutMs: 5000 });
    await c.bind(INTRUDER, 'intruder-pw');
    const err = await c.extended(REPL_OID.start, pack({ v: 1, suffix: SUFFIX, gen: 'x', url: 'ldap://127.0.0.1:1', agreement: 'probe' })).catch((e: unknown) => e);
    c.close();
    t.ok(err instanceof LdapError && err.code === RC.insufficientAccessRights, `insufficientAccessRights (${(err as Error).message})`);
  });

  t.comment(`total ${Date.now() - started} ms`);
});
