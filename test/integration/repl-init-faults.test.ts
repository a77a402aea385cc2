// A total update under faults: a full disk while the copy is staged and
// while it replaces the database, and the consumer killed (SIGKILL) in
// either step. The consumer keeps its old data or takes the whole copy,
// never part of it, and leaves no staged copy behind.
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Mesh, eventually } from '../helpers/mesh.js';
import { addPeople, agreeForInit, person, replInit, stagedFiles } from '../helpers/repl-init.js';
import { LdapError, RC } from '../../src/errors.js';
import { launch, SUFFIX } from '../helpers/server.js';

t.test('a replacement that fails on a full disk: the supplier and the consumer\'s log are told, the old data stays, writes go on', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master', m2: 'master' } });
  t.teardown(() => mesh.stop());
  const m1 = await mesh.client('m1');
  await addPeople(m1, 3000, 200);
  m1.close();
  // m2's own data (another generation) is as large as the copy: the staged
  // copy (~10 MiB, a file of its own) fits under the file size limit below,
  // the replacing transaction (~8.5 MiB more in data.mdb) does not.
  const m2c = await mesh.client('m2');
  await addPeople(m2c, 3000, 200);
  m2c.close();
  const held = await mesh.count('m2');
  const n2 = mesh.node('m2');
  await n2.server.stop();
  const size = statSync(join(n2.dir, 'data', 'data.mdb')).size;
  n2.server = await launch(n2.dir, n2.server.configFile, undefined, { fileSizeLimitKiB: Math.ceil(size / 1024) + 4_000 });
  await agreeForInit(mesh, 'm1', 'm2');
  const r = await replInit(mesh, 'm1', 'm2');
  t.equal(r.status, 1, 'repl init fails');
  t.match(r.stderr, /could not write|no space|Input\/output error|File too large/, `and says why: ${r.stderr.trim()}`);
  t.ok(n2.server.log.some((l) => l.includes('total update received: replacing the database')), 'the copy was received: the replacement failed (else lower the limit)');
  t.ok(n2.server.log.some((l) => /"level":50,.*replaced/.test(l) || /"level":50,.*could not be written/.test(l)), "the consumer's log has an error line for it");
  t.equal(n2.server.child.exitCode, null, 'm2 still runs');
  t.same(stagedFiles(n2.dir), [], 'the staged copy is gone');
  const c = await mesh.client('m2');
  t.teardown(() => c.close());
  await c.add(`uid=after,${SUFFIX}`, person('after'));
  t.equal(await mesh.count('m2'), held + 1, 'm2 keeps its old data and takes writes');
});

t.test('a copy that cannot be staged (a full disk): refused, the staged part removed, the old data stays', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master', m2: 'master' } });
  t.teardown(() => mesh.stop());
  const m1 = await mesh.client('m1');
  await addPeople(m1, 3000, 200);
  m1.close();
  const n2 = mesh.node('m2');
  await n2.server.stop();
  // What a server killed during a transfer leaves behind.
  writeFileSync(join(n2.dir, 'data', 'total-update.stage.1.2'), 'cut short');
  // No file in m2's data directory may pass 2 MiB: the copy is ~10 MiB.
  n2.server = await launch(n2.dir, n2.server.configFile, undefined, { fileSizeLimitKiB: 2048 });
  t.same(stagedFiles(n2.dir), [], 'a staged copy left from before the start is removed');
  await agreeForInit(mesh, 'm1', 'm2');
  const r = await replInit(mesh, 'm1', 'm2');
  t.equal(r.status, 1, 'repl init fails');
  t.match(r.stderr, /could not write the staged copy of the total update \(no space left on the database disk\)/, `and says why: ${r.stderr.trim()}`);
  t.notOk(n2.server.log.some((l) => l.includes('total update received')), 'nothing was replaced');
  t.same(stagedFiles(n2.dir), [], 'what was staged is removed at once');
  t.equal(n2.server.child.exitCode, null, 'm2 still runs');
  const c = await mesh.client('m2');
  t.teardown(() => c.close());
  await c.add(SUFFIX, { objectClass: ['top', 'dcObject', 'organization'], dc: 'example', o: 'Example' });
  t.equal(await mesh.count('m2'), 1, 'm2 keeps its (empty) database and takes writes');
});

t.test('SIGKILL of the consumer while it stages the copy and while it replaces its database: it restarts with its old data or the whole copy, and a new repl init completes', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master', c1: 'consumer' } });
  t.teardown(() => mesh.stop());
  const m1 = await mesh.client('m1');
  await addPeople(m1, 3000, 200);
  m1.close();
  const total = await mesh.count('m1');
  await agreeForInit(mesh, 'm1', 'c1');
  const c1 = mesh.node('c1');
  const held = async (): Promise<number> => mesh.count('c1').catch((e: unknown) => (e instanceof LdapError && e.code === RC.noSuchObject ? 0 : Promise.reject(e)));
  const init = () => replInit(mesh, 'm1', 'c1');
  const stagedBytes = () => stagedFiles(c1.dir).reduce((n, f) => n + statSync(join(c1.dir, 'data', f)).size, 0);

  // 1. Part of the copy staged.
  let run = init();
  await eventually(() => stagedBytes() > 0, 20_000, 'part of the copy staged');
  await mesh.kill('c1', 'SIGKILL');
  t.equal((await run).status, 1, 'repl init fails when the consumer dies');
  t.not(stagedFiles(c1.dir).length, 0, 'the killed consumer left its staged part');
  await mesh.launch('c1');
  t.same(stagedFiles(c1.dir), [], 'removed when it starts again');
  t.equal(await held(), 0, 'and it holds its old data (none)');

  // 2. The replacing transaction under way (or just done): all or nothing.
  run = init();
  const log = () => mesh.node('c1').server.log;
  for (const until = Date.now() + 30_000; !log().some((l) => l.includes('total update received: replacing the database')); ) {
    if (Date.now() > until) throw new Error('the copy was never received');
    await new Promise((r) => setTimeout(r, 2));
  }
  const replaced = () => log().some((l) => l.includes('total update done'));
  await mesh.kill('c1', 'SIGKILL');
  t.comment(`killed ${replaced() ? 'after' : 'during'} the replacement`);
  await run;
  await mesh.launch('c1');
  const after = await held();
  t.ok(after === 0 || after === total, `c1 holds its old data or the whole copy: ${after} of ${total} entries`);
  t.same(stagedFiles(c1.dir), [], 'no staged copy left');

  // 3. And the next one completes.
  const r = await init();
  t.equal(r.status, 0, `repl init exit 0 ${r.stderr.trim()}`);
  t.ok(mesh.check(['m1', 'c1']).ok, 'repl check: identical');
});
