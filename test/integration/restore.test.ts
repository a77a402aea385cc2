// `meshdir restore` checks a backup before it touches the data directory,
// and never leaves a cut-short database behind (one that makes LMDB die of
// SIGBUS at every open): the copy is made beside the database and renamed
// over it. A data.mdb cut short some other way is refused in one line.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cleanup, meshdir, startServer } from '../helpers/server.js';

t.test('a bad backup is refused and nothing is changed; a cut-short database is one line', async (t) => {
  const s = await startServer({ seed: true });
  const work = mkdtempSync(join(tmpdir(), 'meshdir-restore-'));
  t.teardown(() => {
    rmSync(work, { recursive: true, force: true });
    cleanup(s.dir);
  });
  const backup = join(work, 'b');
  writeFileSync(join(work, 'a-file'), '');
  t.same(meshdir(['backup', '--config', s.configFile, join(work, 'a-file')]).stderr, `meshdir: ${join(work, 'a-file')}: not a directory\n`, 'backup into a file: one line');
  t.equal(meshdir(['backup', '--config', s.configFile, backup]).status, 0, 'backup');
  t.same(readdirSync(join(backup, 'db')), ['data.mdb'], 'the backup holds the database file alone');
  t.equal(JSON.parse(readFileSync(join(backup, 'meshdir-backup.json'), 'utf8')).entries, 12, 'its manifest counts the copy');
  await s.stop();
  const live = join(s.dir, 'data', 'data.mdb');
  const liveBytes = readFileSync(live);
  const unchanged = (what: string) => {
    t.ok(readFileSync(live).equals(liveBytes), `${what}: the live database is as it was`);
    t.same(readdirSync(join(s.dir)).filter((f) => f.includes('before-restore')), [], `${what}: nothing moved aside`);
  };

  const cut = join(work, 'cut');
  cpSync(backup, cut, { recursive: true });
  truncateSync(join(cut, 'db', 'data.mdb'), Math.floor(statSync(join(cut, 'db', 'data.mdb')).size / 3));
  const r1 = meshdir(['restore', '--config', s.configFile, cut]);
  t.equal(r1.status, 1);
  t.match(r1.stderr, /^meshdir: .*data\.mdb: not a complete database \(.*\); it was cut short or is not an LMDB file; nothing was changed\n$/);
  unchanged('a cut-short backup');

  const other = join(work, 'other');
  cpSync(backup, other, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(other, 'meshdir-backup.json'), 'utf8'));
  writeFileSync(join(other, 'meshdir-backup.json'), JSON.stringify({ ...manifest, suffix: 'dc=other,dc=org' }));
  const r2 = meshdir(['restore', '--config', s.configFile, other]);
  t.equal(r2.status, 1);
  t.match(r2.stderr, /a backup of dc=other,dc=org; .* serves dc=example,dc=com; nothing was changed/);
  unchanged('a backup of another suffix');

  const r3 = meshdir(['restore', '--config', s.configFile, backup]);
  t.equal(r3.status, 0, r3.stderr);
  t.same(readdirSync(join(s.dir, 'data')).filter((f) => f.startsWith('.')), [], 'no work directory left in dataDir');

  // A database cut short by something else (a full disk, a bad copy): one line, not SIGBUS.
  truncateSync(live, Math.floor(statSync(live).size / 2));
  const r4 = meshdir(['export', '--config', s.configFile]);
  t.equal(r4.signal, null, 'no signal');
  t.match(r4.stderr, /^meshdir: .*data\.mdb: not a complete database/);
});
