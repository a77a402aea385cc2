// Limits and safety nets a directory must keep under load or misuse: the
// look-through limit for unindexed searches, TLS required for simple binds,
// a full LMDB map, and backup/restore with a new generation ID.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { LdapError, RC } from '../../src/errors.js';
import { LdapClient } from '../../src/ldap/client.js';
import { hashPassword } from '../../src/auth/password.js';
import { cleanup, launch, meshdir, ROOT_DN, ROOT_PW, startServer, SUFFIX, type TestServer } from '../helpers/server.js';

const ALICE = `uid=alice,ou=people,${SUFFIX}`;
const code = (e: unknown) => (e instanceof LdapError ? e.code : e);
/** Adds uid=<uid> under ou=people; `group` is its cn and sn (what the tests search by). */
const addPerson = (c: LdapClient, uid: string, group: string, description?: string) =>
  c.add(`uid=${uid},ou=people,${SUFFIX}`, { objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid, cn: group, sn: group, ...(description ? { description } : {}) });
/** 200 kB, so that a few dozen entries fill a 16 MiB map. */
const BIG = 'x'.repeat(200_000);

/** A server with the example data and this YAML, stopped and removed when the test ends. */
async function seeded(t: Test, yaml: string): Promise<TestServer> {
  const s = await startServer({ seed: true, yaml });
  t.teardown(async () => {
    await s.stop();
    cleanup(s.dir);
  });
  return s;
}

async function client(s: TestServer, bind = true): Promise<LdapClient> {
  const c = await LdapClient.connect(s.url, { timeoutMs: 20_000 });
  if (bind) await c.bind(ROOT_DN, ROOT_PW);
  return c;
}

t.test('look-through limit: an unindexed search over more entries gets adminLimitExceeded', async (t) => {
  const s = await seeded(t, 'limits: { lookThroughLimit: 3 }');
  const anon = await client(s, false);
  t.teardown(() => anon.close());
  t.equal(code(await anon.search(SUFFIX, '(!(description=nothing))', { scope: 2 }).catch((e) => e)), RC.adminLimitExceeded, 'unindexed: adminLimitExceeded');
  const r = await anon.search(SUFFIX, '(uid=alice)', { scope: 2 });
  t.equal(r.entries.length, 1, 'an indexed search is not affected');
  const root = await client(s);
  t.teardown(() => root.close());
  t.ok((await root.search(SUFFIX, '(!(description=nothing))', { scope: 2 })).entries.length > 3, 'the rootDn is not limited');
});

t.test('requireTlsForBind: a simple bind in the clear gets confidentialityRequired', async (t) => {
  const s = await seeded(t, 'access: { requireTlsForBind: true }');
  const c = await client(s, false);
  t.teardown(() => c.close());
  t.equal(code(await c.bind(ROOT_DN, ROOT_PW).catch((e) => e)), RC.confidentialityRequired);
  t.equal((await c.search(ALICE, '(objectClass=*)', { scope: 0 })).entries.length, 1, 'anonymous reads still work');
});

t.test('a full map: unwillingToPerform with a clear message, no damage, reads go on', async (t) => {
  const s = await seeded(t, 'mapSizeMiB: 16\ngrowMap: false');
  const c = await client(s);
  t.teardown(() => c.close());
  let added = 0;
  let refused: unknown;
  for (let i = 0; i < 200 && refused === undefined; i++) {
    await addPerson(c, `big${i}`, 'big', BIG).then(() => added++, (e: unknown) => (refused = e));
  }
  t.ok(refused instanceof LdapError && refused.code === RC.unwillingToPerform, `an add is refused with unwillingToPerform after ${added} adds`);
  t.match((refused as Error).message, /database is full/);
  const r = await c.search(`ou=people,${SUFFIX}`, '(cn=big)', { scope: 1, attributes: ['1.1'] });
  t.equal(r.entries.length, added, 'every acknowledged add is there, nothing else');
  await c.del(`uid=big0,ou=people,${SUFFIX}`);
  t.pass('a delete still works on a full database');
  t.equal((await c.search(ALICE, '(objectClass=*)', { scope: 0 })).entries.length, 1, 'reads go on');
});

t.test('backup while running, restore with a new generation ID', async (t) => {
  const s = await startServer({ seed: true, yaml: 'replication:\n  managers: ["cn=replication manager,cn=config"]' });
  const backupDir = join(mkdtempSync(join(tmpdir(), 'meshdir-backup-')), 'b');
  t.teardown(() => rmSync(join(backupDir, '..'), { recursive: true, force: true }));
  const generation = async (srv: TestServer) => {
    const c = await client(srv);
    try {
      const r = await c.search('cn=replication,cn=monitor', '(objectClass=*)', { scope: 0, attributes: ['*', '+'] });
      return r.entries[0]!.attrs.find((a) => a.type.toLowerCase() === 'generationid')!.values[0]!.toString();
    } finally {
      c.close();
    }
  };
  const genBefore = await generation(s);
  const b = meshdir(['backup', '--config', s.configFile, backupDir]);
  t.equal(b.status, 0, `backup exit 0 ${b.stderr.trim()}`);
  const c = await client(s);
  await addPerson(c, 'after-backup', 'x');
  c.close();
  t.equal(meshdir(['restore', '--config', s.configFile, backupDir]).status === 0, false, 'restore refuses while the server runs');
  await s.stop();
  const r = meshdir(['restore', '--config', s.configFile, backupDir]);
  t.equal(r.status, 0, `restore exit 0 ${r.stderr.trim()}`);
  t.match(r.stderr, /new generation ID/);
  const s2 = await launch(s.dir, s.configFile);
  t.teardown(async () => {
    await s2.stop();
    cleanup(s2.dir);
  });
  const c2 = await client(s2);
  t.teardown(() => c2.close());
  t.equal((await c2.search(ALICE, '(objectClass=*)', { scope: 0 })).entries.length, 1, 'the backed-up data is back');
  t.equal(code(await c2.search(`uid=after-backup,ou=people,${SUFFIX}`, '(objectClass=*)', { scope: 0 }).catch((e) => e)), RC.noSuchObject, 'the later write is not');
  t.not(await generation(s2), genBefore, 'a new generation ID');
});

t.test('brute force: failed binds are slowed, then the DN is locked for a while, logged; a success resets the count', async (t) => {
  const s = await seeded(t, 'access: { bruteForce: { delayAfter: 1, lockAfter: 3, lockFor: 2s } }');
  const bindAs = async (password: string): Promise<{ code: unknown; ms: number }> => {
    const c = await client(s, false);
    const t0 = Date.now();
    try {
      return { code: await c.bind(ALICE, password).then(() => 0, code), ms: Date.now() - t0 };
    } finally {
      c.close();
    }
  };
  t.equal((await bindAs('wrong')).code, RC.invalidCredentials);
  const slowed = await bindAs('wrong');
  t.equal(slowed.code, RC.invalidCredentials);
  t.ok(slowed.ms >= 90, `the second failure in a row is slowed down (${slowed.ms} ms)`);
  t.equal((await bindAs('secret')).code, 0, 'two failures: not locked, the right password works');
  // Without the reset these would be failures 3 and 4: locked.
  t.equal((await bindAs('wrong')).code, RC.invalidCredentials);
  t.equal((await bindAs('wrong')).code, RC.invalidCredentials);
  t.equal((await bindAs('secret')).code, 0, 'the success reset the count');
  for (let i = 0; i < 3; i++) t.equal((await bindAs('wrong')).code, RC.invalidCredentials);
  t.equal((await bindAs('secret')).code, RC.invalidCredentials, 'three failures: locked, the right password is refused too');
  t.ok(s.log.some((l) => l.includes('bind locked after repeated failures') && l.includes('uid=alice')), 'the lock is logged');
  await new Promise((r) => setTimeout(r, 2200));
  t.equal((await bindAs('secret')).code, 0, 'after lockFor the right password works again');
});

t.test('brute force: parallel binds against a slow hash ({PBKDF2-SHA512}) verify no more than lockAfter passwords', async (t) => {
  const s = await seeded(t, 'access: { bruteForce: { delayAfter: 100, lockAfter: 5, lockFor: 1m } }');
  const root = await client(s);
  t.teardown(() => root.close());
  // A hash that takes milliseconds to check: before the fix every bind of a
  // burst passed the lock check before the first of them had failed.
  await root.modify(ALICE, [{ op: 'replace', attr: 'userPassword', values: await hashPassword('secret', 'PBKDF2-SHA512') }]);
  const burst = async (passwords: string[]): Promise<unknown[]> => {
    const cs = await Promise.all(passwords.map(() => client(s, false)));
    try {
      return await Promise.all(cs.map((c, i) => c.bind(ALICE, passwords[i]!).then(() => 0, code)));
    } finally {
      for (const c of cs) c.close();
    }
  };
  t.same(await burst(Array(12).fill('secret')), Array(12).fill(0), 'twelve binds at once with the right password all succeed');
  const guesses = [...Array.from({ length: 29 }, (_, i) => `wrong${i}`), 'secret'];
  const codes = await burst(guesses);
  t.same(codes, Array(30).fill(RC.invalidCredentials), 'thirty guesses at once: all refused, the right one (last) too');
  t.equal((await burst(['secret']))[0], RC.invalidCredentials, 'alice is locked');
  // The log comes on the server's stdout, which may trail its answers: wait
  // for the lock's line, then count.
  const checked = () => s.log.filter((l) => l.includes('uid=alice') && (l.includes('"bind failed"') || l.includes('bind locked after repeated failures'))).length;
  for (const until = Date.now() + 5000; !s.log.some((l) => l.includes('bind locked after repeated failures')) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 200));
  t.equal(checked(), 5, `${checked()} passwords were checked: lockAfter, not the whole burst`);
});

t.test('growMap (the default): the map grows past mapSizeMiB', async (t) => {
  const s = await seeded(t, 'mapSizeMiB: 16');
  const c = await client(s);
  t.teardown(() => c.close());
  for (let i = 0; i < 120; i++) await addPerson(c, `grow${i}`, 'grow', BIG);
  const r = await c.search(`ou=people,${SUFFIX}`, '(cn=grow)', { scope: 1, attributes: ['1.1'] });
  t.equal(r.entries.length, 120, '24 MB of entries in a map that started at 16 MiB');
});
