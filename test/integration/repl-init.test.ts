// A consumer that lacks changes its supplier has already trimmed cannot be
// fed incrementally: the agreement stops with `needs-init`, naming the
// replica and CSN, and `meshdir repl init` (a total update) puts it right.
// The supplier trims after 1 s (`changelog.maxAge`) and runs maintenance
// every second (`replication.maintenanceInterval`).
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Mesh, REPL_DN, REPL_PW, eventually } from '../helpers/mesh.js';
import { LdapClient } from '../../src/ldap/client.js';
import { LdapError, RC } from '../../src/errors.js';
import { REPL_OID, pack } from '../../src/repl/session/protocol.js';
import { launch, meshdir, REPO, SUFFIX } from '../helpers/server.js';
import { addPeople, agreeForInit, person, replInit, SHORT_CHANGELOG, stagedFiles, trimmedBy } from '../helpers/repl-init.js';

t.test('needs-init after trimming, fixed by repl init', async (t) => {
  const started = Date.now();
  const mesh = await Mesh.start({
    nodes: { m1: 'master', c1: 'consumer' },
    yaml: (name) => (name === 'm1' ? SHORT_CHANGELOG : ''),
  });
  t.teardown(() => mesh.stop());
  const m1 = await mesh.client('m1');
  t.teardown(() => m1.close());
  const add = (uid: string) => m1.add(`uid=${uid},ou=people,${SUFFIX}`, person(uid));
  const status = async () => (await mesh.agreement('m1', 'to-c1'))!;

  // No seed: m1 would trim an imported seed before the agreement exists.
  mesh.agree('m1', 'c1');
  await eventually(async () => (await mesh.agreement('m1', 'to-c1')) !== undefined, 5000, 'the agreement loaded');
  await m1.add(SUFFIX, { objectClass: ['top', 'dcObject', 'organization'], dc: 'example', o: 'Example' });
  await m1.add(`ou=people,${SUFFIX}`, { objectClass: ['top', 'organizationalUnit'], ou: 'people' });
  for (let i = 0; i < 3; i++) await add(`early${i}`);
  await eventually(async () => (await mesh.count('c1')) === 5, 20_000, 'c1 in sync');
  const ruvBefore = (await mesh.monitor('c1')).get('replication')!.ruv![0]!;

  await t.test('the consumer falls behind past the trim point', async (t) => {
    mesh.agree('m1', 'c1', { enabled: false });
    await eventually(async () => (await status()).state?.[0] === 'disabled', 5000, 'disabled');
    for (let i = 0; i < 5; i++) await add(`late${i}`);
    // m1 has written 10 changelog records (5 early, 5 late): once it has
    // trimmed 10, the late ones are gone too.
    await eventually(() => trimmedBy(mesh, 'm1') >= 10, 20_000, 'm1 trimming the late writes').catch((e: Error) => {
      throw new Error(`${e.message}: ${mesh.node('m1').server.log.filter((l) => l.includes('maintenance')).slice(-5).join(' ')}`);
    });
    t.pass('m1 trimmed its changelog');
    mesh.agree('m1', 'c1');
    await eventually(async () => (await status()).state?.[0] === 'needs-init', 10_000, 'needs-init');
    const s = await status();
    t.match(s.detail?.[0], /replica 1 up to \d{14}\.\d{6}Z#\d{6}#001#\d{6}/, `detail names the replica and CSN: ${s.detail?.[0]}`);
    t.match(s.detail?.[0], ruvBefore.split(' ')[1]!, 'and what the consumer has');
    // maxAge is 1 s: what it lacks was written over a second ago.
    t.ok(Number(s.lagms?.[0]) >= 1000, `lagMs ${s.lagms?.[0]}: at least the age of the newest trimmed change, not 0`);
    t.equal(await mesh.count('c1'), 5, 'c1 got none of the late writes (nothing applied out of order)');
    // The supplier looks again every few seconds, staying in needs-init, and says so once.
    await new Promise((r) => setTimeout(r, 4000));
    const states = mesh.node('m1').server.log.map((l) => JSON.parse(l) as { msg: string; agreement?: string; state?: string }).filter((o) => o.msg === 'agreement state' && o.agreement === 'to-c1');
    const since = states.slice(states.findIndex((o) => o.state === 'needs-init'));
    t.same(since.map((o) => o.state), ['needs-init'], 'one log line for needs-init, none for its retries');
    let out = '';
    await eventually(() => {
      out = meshdir(['repl', 'status', '--config', mesh.node('m1').server.configFile, '-D', 'cn=Directory Manager', '-w', 'secret']).stdout;
      return /to-c1\s+\S+\s+needs-init/.test(out);
    }, 10_000, 'repl status shows needs-init').catch(() => undefined);
    t.match(out, /to-c1\s+\S+\s+needs-init/, 'repl status shows needs-init');
  });

  await t.test('meshdir repl init fixes it', async (t) => {
    const t0 = Date.now();
    const r = meshdir(['repl', 'init', '--config', mesh.node('m1').server.configFile, '--agreement', 'to-c1', '--no-progress']);
    t.equal(r.status, 0, `exit 0 ${r.stderr.trim()}`);
    t.match(r.stderr, /initialised ldap:\/\/127\.0\.0\.1:\d+ with 10 entries/);
    t.comment(`repl init took ${Date.now() - t0} ms`);
    t.equal(await mesh.count('c1'), 10, 'c1 holds every entry right after the init');
    await add('after-init');
    const t1 = Date.now();
    await eventually(async () => (await mesh.count('c1')) === 11, 20_000, 'a write after the init on c1');
    t.pass(`incremental replication resumes: a new write reached c1 ${Date.now() - t1} ms later`);
    // A needs-init agreement retries every few seconds: in sync soon after the init.
    await eventually(async () => (await status()).state?.[0] === 'in-sync', 5000, 'in sync');
    t.pass(`agreement in sync ${Date.now() - t0} ms after the init started`);
    const check = mesh.check(['m1', 'c1']);
    t.ok(check.ok, check.output.split('\n')[0]);
  });

  t.comment(`total ${Date.now() - started} ms`);
});

// A consumer that a live agreement keeps feeding while `repl init` replaces
// its database: the live session must not carry on past the RUV the copy
// brought (its next group would leave a gap that RUV covers for ever).
t.test('repl init while the consumer is being fed loses nothing', async (t) => {
  const started = Date.now();
  const mesh = await Mesh.start({ nodes: { m1: 'master', c1: 'consumer' }, seed: 'm1' });
  t.teardown(() => mesh.stop());
  const m1 = await mesh.client('m1');
  t.teardown(() => m1.close());
  const add = (uid: string) => m1.add(`uid=${uid},ou=people,${SUFFIX}`, person(uid));
  // Big entries make the copy take long enough for live changes to land on
  // c1 between the snapshot and the swap. Written before the agreement, they
  // are 10 MB of changes at once for the first session: groups must stay
  // under the consumer's PDU limit (8 MiB) whatever groupSize says.
  for (let i = 0; i < 20; i++) {
    await m1.add(`uid=big${i},ou=people,${SUFFIX}`, { ...person(`big${i}`), description: randomBytes(384 * 1024).toString('base64') });
  }
  mesh.agree('m1', 'c1');
  await eventually(async () => (await mesh.count('c1')) === 32, 20_000, 'big entries on c1');
  t.pass('10 MB of changes replicated in groups under the PDU limit');
  // Writes stream to c1 through the live agreement during the whole total update.
  let stop = false;
  let k = 0;
  const load = (async () => {
    while (!stop) await add(`live${k++}`);
  })();
  await new Promise((r) => setTimeout(r, 300));
  const before = k;
  const r = await replInit(mesh, 'm1', 'c1');
  const during = k - before;
  await new Promise((r) => setTimeout(r, 300));
  stop = true;
  await load;
  t.equal(r.status, 0, `init exit 0 with ${during} writes during it: ${r.stderr.trim()}`);
  let last = '';
  await eventually(() => {
    const c = mesh.check(['m1', 'c1']);
    last = c.output;
    return c.ok;
  }, 15_000, 'c1 identical to m1').catch((e: Error) => {
    // What the sessions did, for a failure seen only under load.
    const m1Log = mesh.node('m1').server.log.filter((l) => l.includes('"agreement state"') && !/"state":"(sending|in-sync)"/.test(l));
    const c1Log = mesh.node('c1').server.log.filter((l) => /session|total update/.test(l));
    t.fail(`${e.message}\n${last.slice(0, 600)}\nm1: ${m1Log.slice(-6).join('\n')}\nc1: ${c1Log.slice(-10).join('\n')}`);
  });
  t.match(last, /^identical/m, `c1 holds all ${32 + k} entries`);
  t.comment(`total ${Date.now() - started} ms`);
});

// A master loaded on its own (another generation: its own history of the
// same DNs) that `repl init` makes a copy of another: replaced wholesale.
// Replaying its own changes on the copy made naming conflicts of every
// entry, its suffix entry's out of any search's reach, and replicated them.
t.test('repl init replaces a master of another generation wholesale', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master', m2: 'master' }, seed: 'm1' });
  t.teardown(() => mesh.stop());
  const m2 = await mesh.client('m2');
  t.teardown(() => m2.close());
  await m2.add(SUFFIX, { objectClass: ['top', 'dcObject', 'organization'], dc: 'example', o: 'Example' });
  await m2.add(`ou=people,${SUFFIX}`, { objectClass: ['top', 'organizationalUnit'], ou: 'people' });
  await m2.add(`uid=only-on-m2,ou=people,${SUFFIX}`, person('only-on-m2'));
  const database = async (name: string): Promise<Record<string, string[]>> => {
    const c = await mesh.client(name);
    try {
      const e = (await c.search('cn=database,cn=monitor', '(objectClass=*)', { scope: 0 })).entries[0]!;
      return Object.fromEntries(e.attrs.map((a) => [a.type.toLowerCase(), a.values.map(String)]));
    } finally {
      c.close();
    }
  };
  const genBefore = (await database('m2')).generationid![0];
  t.not(genBefore, (await database('m1')).generationid![0], 'two histories');

  await agreeForInit(mesh, 'm1', 'm2');
  // Two agreements for one consumer: the server runs one of them (the other is invalid); init refuses both.
  const dir = mesh.node('m1').agreementsDir;
  copyFileSync(join(dir, 'to-m2.yaml'), join(dir, 'to-m2b.yaml'));
  for (const name of ['to-m2b', 'to-m2']) {
    const dup = meshdir(['repl', 'init', '--config', mesh.node('m1').server.configFile, '--agreement', name, '--no-progress']);
    t.equal(dup.status, 2, `${name}: exit 2`);
    t.match(dup.stderr, /consumer: ldap:\/\/127\.0\.0\.1:\d+ is also the consumer of .*to-m2b?\.yaml \(one agreement per consumer\)/, `${name}: one line naming both files`);
  }
  unlinkSync(join(dir, 'to-m2b.yaml'));
  const r = meshdir(['repl', 'init', '--config', mesh.node('m1').server.configFile, '--agreement', 'to-m2', '--no-progress']);
  t.equal(r.status, 0, `exit 0 ${r.stderr.trim()}`);
  const want = await mesh.count('m1');
  t.equal(await mesh.count('m2'), want, 'm2 holds what m1 holds');
  const db = await database('m2');
  t.same([db.entries![0], db.conflicts![0], db.generationid![0]], [String(want), '0', (await database('m1')).generationid![0]], 'no hidden conflict entries, no conflicts, m1\'s generation');
  t.equal((await mesh.entries('m2', { filter: '(uid=only-on-m2)' })).size, 0, 'its own entries are gone');
  t.match(r.stderr, /warning: ldap:\/\/127\.0\.0\.1:\d+ was a master of another generation: 3 changes made on it that the copy lacks were discarded/, 'and the operator is told how many of its changes went');
  t.ok(mesh.check(['m1', 'm2']).ok, 'repl check: identical');
});

t.test('one total update at a time; none from an empty supplier', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master', m2: 'master' }, seed: 'm1' });
  t.teardown(() => mesh.stop());
  const gen = (await mesh.monitor('m1')).get('replication')!.generationid![0]!;
  const begin = async () => {
    const c = await LdapClient.connect(mesh.node('m2').url, { timeoutMs: 5000 });
    await c.bind(REPL_DN, REPL_PW);
    const r = await c.extended(REPL_OID.initBegin, pack({ gen, ruv: {}, suffix: SUFFIX, url: 'ldap://127.0.0.1:1', agreement: 'by-hand', total: 1 })).then(
      () => 0,
      (e: LdapError) => e.code,
    );
    return { c, r };
  };
  const first = await begin();
  t.teardown(() => first.c.close());
  t.equal(first.r, 0, 'a first total update begins');
  const second = await begin();
  t.teardown(() => second.c.close());
  t.equal(second.r, RC.busy, 'a second one, while it runs: busy (they would share the stage)');
  // m2 refuses local writes meanwhile: it is a master of another generation, whose writes the copy would drop.
  const m2 = await mesh.client('m2');
  t.teardown(() => m2.close());
  await t.rejects(m2.add(SUFFIX, { objectClass: ['top', 'dcObject', 'organization'], dc: 'example', o: 'Example' }), { code: RC.unwillingToPerform, message: /total update .* is replacing this database/ });
  first.c.close();
  await eventually(async () => (await begin().then(({ c, r }) => (c.close(), r))) === 0, 5000, 'once the first session is gone, another may begin');

  // m2 holds nothing: a total update from it would empty m1.
  await agreeForInit(mesh, 'm2', 'm1');
  const before = await mesh.count('m1');
  const r = meshdir(['repl', 'init', '--config', mesh.node('m2').server.configFile, '--agreement', 'to-m1', '--no-progress']);
  t.equal(r.status, 1);
  t.match(r.stderr, /this server holds no entries; a total update from it would empty ldap:\/\/127\.0\.0\.1:\d+/);
  t.equal(await mesh.count('m1'), before, 'm1 keeps its entries');
});

t.test('the consumer answers searches while the copy replaces its database', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master', c1: 'consumer' } });
  t.teardown(() => mesh.stop());
  const m1 = await mesh.client('m1');
  // Enough entries that the replacing transaction takes a good part of a second.
  await addPeople(m1, 2000, 24);
  m1.close();
  await agreeForInit(mesh, 'm1', 'c1');
  const c1 = mesh.node('c1').server;
  const probe = await LdapClient.connect(c1.url);
  t.teardown(() => probe.close());
  const logged = (msg: string) => c1.log.some((l) => l.includes(`"msg":"${msg}"`));
  const init = replInit(mesh, 'm1', 'c1');
  await eventually(() => logged('total update received: replacing the database'), 60_000, 'the copy received');
  const r = await probe.search('', '(objectClass=*)', { scope: 0 });
  t.equal(r.code, 0, 'a search sent once the copy was received is answered');
  t.notOk(logged('total update done: database replaced'), 'before the database was replaced (the server was not held by it)');
  const done = await init;
  t.equal(done.status, 0, `repl init exit 0 ${done.stderr.trim()}`);
  t.equal(await mesh.count('c1'), await mesh.count('m1'), 'and the copy is whole');
  // The staged copy took about as much room as the data: had it been staged
  // in data.mdb, the file would hold both (and its free list for good).
  const mdb = (node: string) => statSync(join(mesh.node(node).dir, 'data', 'data.mdb')).size;
  t.ok(mdb('c1') < mdb('m1'), `c1's data.mdb (${mdb('c1')} bytes) smaller than m1's with its changelog (${mdb('m1')})`);
  t.same(stagedFiles(mesh.node('c1').dir), [], 'and the staged copy is gone');
});

t.test('the copy is written with the schema the consumer runs, not what its schemaDir holds now', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master', c1: 'consumer' } });
  t.teardown(() => mesh.stop());
  // c1 reads its own copy of the schema directory.
  const c1 = mesh.node('c1');
  await c1.server.stop();
  const schemaDir = join(c1.dir, 'schema');
  cpSync(join(REPO, 'schema'), schemaDir, { recursive: true });
  writeFileSync(c1.server.configFile, readFileSync(c1.server.configFile, 'utf8').replace(/^schemaDir: .*$/m, `schemaDir: ${schemaDir}`));
  c1.server = await launch(c1.dir, c1.server.configFile);
  const m1 = await mesh.client('m1');
  await addPeople(m1, 20);
  m1.close();
  // An administrator drafts a schema file for the next restart (not valid yet).
  writeFileSync(join(schemaDir, 'zz-draft.schema'), "attributetype ( 1.3.6.1.4.1.99999.1 NAME 'draftAttr'\n  SUP noSuchType )\n");
  await agreeForInit(mesh, 'm1', 'c1');
  const r = await replInit(mesh, 'm1', 'c1');
  t.equal(r.status, 0, `repl init exit 0 ${r.stderr.trim()}`);
  t.equal(await mesh.count('c1').catch(() => 0), 22, 'and c1 holds the copy');
});
