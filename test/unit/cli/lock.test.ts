// The data directory's lock file (src/cli/lock.ts), with real processes.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { acquireLock, lockHolder } from '../../../src/cli/lock.js';
import { nodeCommand } from '../../helpers/server.js';

const startOf = (pid: number): string => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
};

t.test('a lock names its live holder, and is stale once the pid is dead or belongs to another process', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-lock-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const other = spawn(...nodeCommand(['-e', 'setTimeout(() => {}, 60000)']), { stdio: 'ignore' });
  t.teardown(() => other.kill('SIGKILL'));
  const pid = other.pid!;
  const file = join(dir, 'meshdir.pid');

  writeFileSync(file, `${pid} ${startOf(pid)}\n`);
  t.equal(lockHolder(dir), pid, 'pid and start time match: held');
  t.throws(() => acquireLock(dir, 'server.yaml'), { code: 'MESHDIR_LOCKED', message: new RegExp(`in use by process ${pid}`) });

  writeFileSync(file, `${pid} ${Number(startOf(pid)) + 1}\n`);
  t.equal(lockHolder(dir), undefined, 'same pid, other start time: a reused pid, stale');

  writeFileSync(file, `${pid}\n`);
  t.equal(lockHolder(dir), pid, 'a pid-only file (older servers) still counts while the pid lives');

  await new Promise((r) => {
    other.once('exit', r);
    other.kill('SIGKILL');
  });
  writeFileSync(file, `${pid} ${'1'}\n`);
  t.equal(lockHolder(dir), undefined, 'dead: stale');

  const release = acquireLock(dir, 'server.yaml');
  t.equal(readFileSync(file, 'utf8'), `${process.pid} ${startOf(process.pid)}\n`, 'the new holder writes its pid and start time');
  release();
  t.equal(lockHolder(dir), undefined, 'released');
});

t.test('a data directory the lock makes is private (0700), whatever the umask', async (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'meshdir-lock-'));
  t.teardown(() => rmSync(parent, { recursive: true, force: true }));
  const old = process.umask(0o022);
  try {
    const release = acquireLock(join(parent, 'data', 'm1'), 'server.yaml');
    release();
  } finally {
    process.umask(old);
  }
  t.equal(statSync(join(parent, 'data', 'm1')).mode & 0o777, 0o700);
});

const RACERS = 8;

t.test('taken exclusively, and released only by its holder', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-lock-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'meshdir.pid');
  // Processes that start at once: exactly one holds the lock. The holder
  // keeps it until every racer has answered (a holder that exited on a
  // timer left a stale lock that a racer slow to start, on a loaded
  // machine, rightly took over).
  const released = join(dir, 'released');
  const script = `import('${new URL('../../../dist/cli/lock.js', import.meta.url).href}').then(({ acquireLock }) => {
    try { acquireLock(process.argv[1], 'server.yaml'); console.log('held'); }
    catch (e) { console.log('refused: ' + e.message); return; }
    const t = setInterval(() => { if (require('node:fs').existsSync(process.argv[2])) clearInterval(t); }, 20);
  })`;
  const race = async (): Promise<string[]> => {
    const racers = Array.from({ length: RACERS }, () => spawn(...nodeCommand(['-e', script, dir, released]), { stdio: ['ignore', 'pipe', 'inherit'] }));
    const exited = racers.map((p) => new Promise((r) => p.on('exit', r)));
    const outs = await Promise.all(racers.map((p) => new Promise<string>((r) => {
      let out = '';
      p.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) r(out.trim());
      });
      p.on('exit', () => r(out.trim()));
    })));
    writeFileSync(released, '');
    await Promise.all(exited);
    rmSync(released);
    return outs;
  };
  for (const stale of [false, true, true]) {
    // A stale lock (a killed server's) that all of them judge stale at once: still only one may take it over.
    if (stale) writeFileSync(file, '999999 1\n');
    const outs = await race();
    const what = stale ? 'over a stale lock' : 'no lock';
    t.equal(outs.filter((o) => o === 'held').length, 1, `${what}: one of ${RACERS} holds it: ${outs.join(' | ')}`);
    t.ok(outs.filter((o) => o !== 'held').every((o) => /refused: .* is in use by process \d+ \(another program; stop it first\)/.test(o)), `${what}: the others are refused, naming the holder`);
    rmSync(file, { force: true });
  }

  const release = acquireLock(dir, 'server.yaml');
  writeFileSync(file, '1 1\n'); // as if another process had taken it over since
  release();
  t.equal(readFileSync(file, 'utf8'), '1 1\n', "a release leaves another holder's lock alone");
});

t.test('a takeover token left by a process killed while taking a stale lock over is given up after 10 s', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-lock-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const stale = '999999 1\n';
  writeFileSync(join(dir, 'meshdir.pid'), stale);
  const token = join(dir, `.meshdir.pid.takeover.${createHash('sha1').update(stale).digest('hex')}`);
  // A token 20 s old: given up at once.
  writeFileSync(token, '');
  const old = (Date.now() - 20_000) / 1000;
  utimesSync(token, old, old);
  let release = acquireLock(dir, 'server.yaml');
  t.match(readFileSync(join(dir, 'meshdir.pid'), 'utf8'), new RegExp(`^${process.pid} `), 'taken over');
  t.notOk(existsSync(token), 'the token is gone');
  release();
  // A fresh one (a taker at work, or killed a moment ago): waited for, then given up.
  writeFileSync(join(dir, 'meshdir.pid'), stale);
  writeFileSync(token, '');
  const t0 = Date.now();
  release = acquireLock(dir, 'server.yaml');
  const waited = Date.now() - t0;
  t.ok(waited >= 9_000 && waited < 13_000, `taken over after the token's 10 s (${waited} ms)`);
  t.notOk(existsSync(token), 'the token is gone');
  release();
});

t.test('a lock file that cannot be written is one line naming the directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-lock-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // What this process would write its lock to is taken (here by a directory; on a full disk, by no space).
  mkdirSync(join(dir, `.meshdir.pid.${process.pid}`));
  t.throws(() => acquireLock(dir, 'server.yaml'), { code: 'MESHDIR_LOCKED', message: `cannot write the lock file in ${dir}: EISDIR` });
  t.notOk(existsSync(join(dir, 'meshdir.pid')), 'no lock taken');
});
