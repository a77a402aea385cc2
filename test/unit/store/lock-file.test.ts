// LMDB's lock file (lock.mdb) is written through a shared map. Made by LMDB
// it is a file of holes (ftruncate), and on a disk with no free page the
// first write to the map is SIGBUS: the process dies with no message. Made
// by meshdir (lmdb-file.ts makeLockFile) every page is written before LMDB
// maps it, so a full disk is ENOSPC: one clear line.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDbs } from '../../../src/store/db.js';
import { writeCompactCopy } from '../../../src/store/compact.js';
import { makeLockFile } from '../../../src/store/lmdb-file.js';
import { MeshdirError } from '../../../src/errors.js';
import { nodeCommand } from '../../helpers/server.js';

function tmp(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-lockfile-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** No holes: every octet of the file has its block on the disk. */
const whole = (file: string): boolean => {
  const st = statSync(file);
  return st.size > 0 && st.blocks * 512 >= st.size;
};

t.test('a new database\'s lock file has no holes', async (t) => {
  const dir = tmp(t);
  const dbs = openDbs(join(dir, 'db'));
  await dbs.meta.put('x', 1);
  t.ok(whole(join(dir, 'db', 'lock.mdb')), `lock.mdb of ${statSync(join(dir, 'db', 'lock.mdb')).size} octets, ${statSync(join(dir, 'db', 'lock.mdb')).blocks * 512} on disk`);
  t.equal(dbs.meta.get('x'), 1, 'and LMDB works with it');
  await dbs.env.close();
  const again = openDbs(join(dir, 'db'));
  t.equal(again.meta.get('x'), 1, 'opened again');
  await again.env.close();
});

t.test('a compacted copy\'s lock file has no holes', async (t) => {
  const dir = tmp(t);
  const dbs = openDbs(join(dir, 'db'));
  await dbs.meta.put('x', 1);
  await writeCompactCopy(dbs.env, join(dir, 'copy'), 64);
  await dbs.env.close();
  t.ok(whole(join(dir, 'copy', 'lock.mdb')), 'no holes');
});

t.test('an existing lock file is left as it is (a running server may be using it)', async (t) => {
  const dir = tmp(t);
  writeFileSync(join(dir, 'lock.mdb'), 'in use');
  makeLockFile(dir);
  t.equal(readFileSync(join(dir, 'lock.mdb'), 'utf8'), 'in use');
});

t.test('on a full disk: a clear error, not SIGBUS (a tmpfs mount: root only)', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to mount a small tmpfs', () => {});
  const mnt = tmp(t);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) return t.skip(`cannot mount a tmpfs: ${m.stderr.trim()}`, () => {});
  t.teardown(() => spawnSync('umount', [mnt]));
  mkdirSync(join(mnt, 'db'));
  // Fill it: a file grown until the disk refuses.
  const chunk = Buffer.alloc(4096);
  for (let i = 0; ; i++) {
    try {
      writeFileSync(join(mnt, `fill${i}`), chunk);
    } catch {
      break;
    }
  }
  t.throws(() => makeLockFile(join(mnt, 'db')), new MeshdirError('MESHDIR_STORE_OPEN', `cannot create ${join(mnt, 'db', 'lock.mdb')}: no space left on the disk`));
  // The whole open, in a child process: without the lock file made first, LMDB's SIGBUS kills it.
  const script = `import { openDbs } from ${JSON.stringify(new URL('../../../dist/store/db.js', import.meta.url).pathname)};
    try { openDbs(${JSON.stringify(join(mnt, 'db'))}); console.log('opened'); } catch (e) { console.log(e.message); process.exit(1); }`;
  const r = spawnSync(...nodeCommand(['--input-type=module', '-e', script]), { encoding: 'utf8' });
  t.equal(r.signal, null, `not killed by a signal (${r.signal})`);
  t.equal(r.status, 1);
  t.match(r.stdout, /lock\.mdb: no space left on the disk/);
});
