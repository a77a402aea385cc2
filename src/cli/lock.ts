// One process per data directory: `serve`, `import`, `compact` and `restore`
// take this lock (a pid file); a stale lock from a dead process is taken over.
// The file holds the process's start time too (Linux: /proc/PID/stat field
// 22): pids are reused (pid_max is 32768 on many systems, and a test run or a
// busy host goes through that many), and a lock held by "process 4162" that
// is now an unrelated program would otherwise keep a killed server from
// starting again.
import { createHash } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MeshdirError } from '../errors.js';
import { makeDirs } from '../dirs.js';
import { ConfigError } from '../config/load.js';

/** Fields of /proc/PID/stat after the command name: [0] state, …, [19] start time. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function startTime(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

function alive(pid: number, started: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  const f = statFields(pid);
  // No /proc (not Linux): the pid alone has to do.
  if (f === undefined) return true;
  // A killed server whose parent has not reaped it yet is a zombie: dead.
  if (f[0] === 'Z') return false;
  return started === undefined || f[19] === started;
}

export function lockHolder(dataDir: string): number | undefined {
  try {
    return holderOf(readFileSync(join(dataDir, 'meshdir.pid'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The live process a lock file's text names, if any. */
function holderOf(text: string): number | undefined {
  const [pidText, started] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  return pid > 0 && pid !== process.pid && alive(pid, started) ? pid : undefined;
}

/** A takeover token older than this was left by a process killed while taking a stale lock over. */
const TOKEN_TTL_MS = 10_000;

function mtimeMs(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function acquireLock(dataDir: string, configFile: string): () => void {
  // A new data directory is private (README "Security"), whoever makes it first.
  try {
    makeDirs(dataDir, 0o700);
  } catch (e) {
    throw new ConfigError(`${configFile}: dataDir: cannot create ${dataDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const file = join(dataDir, 'meshdir.pid');
  const started = startTime(process.pid);
  const mine = started === undefined ? `${process.pid}\n` : `${process.pid} ${started}\n`;
  // The lock appears whole (written to a file of our own, then linked to
  // its name: link() fails if the name exists), so no one ever reads a
  // half-written one as stale. A stale lock is removed only by the process
  // that creates its takeover token (O_EXCL: one process per stale
  // lock), and only while it still holds what was judged stale: a lock that
  // another process has just taken is never removed. (Renaming the stale
  // lock aside and putting back a live one found there left a moment with
  // no lock, in which a third process took it: two holders.)
  const tmp = join(dataDir, `.meshdir.pid.${process.pid}`);
  try {
    writeFileSync(tmp, mine, { mode: 0o600 });
  } catch (e) {
    // A full disk: no empty file left behind.
    if ((e as NodeJS.ErrnoException).code !== 'EISDIR') rmSync(tmp, { force: true });
    throw new MeshdirError('MESHDIR_LOCKED', `cannot write the lock file in ${dataDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // Long enough for a token left by a killed taker to be given up.
  const giveUpAt = Date.now() + TOKEN_TTL_MS + 2000;
  try {
    for (;;) {
      try {
        linkSync(tmp, file);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        if (Date.now() > giveUpAt) throw new MeshdirError('MESHDIR_LOCKED', `${dataDir}: another process is taking its stale lock over; try again`);
      }
      let seen: string;
      try {
        seen = readFileSync(file, 'utf8');
      } catch {
        continue; // gone meanwhile: try again
      }
      const holder = holderOf(seen);
      if (holder !== undefined) throw new MeshdirError('MESHDIR_LOCKED', `${dataDir} is in use by process ${holder} (${commandOf(holder)}; stop it first)`);
      const token = join(dataDir, `.meshdir.pid.takeover.${createHash('sha1').update(seen).digest('hex')}`);
      try {
        // Made now (O_EXCL: one process per stale lock), so its time is the takeover's.
        closeSync(openSync(token, 'wx', 0o600));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        // Another process is taking this one over (microseconds); a token
        // left by one killed meanwhile is given up after TOKEN_TTL_MS.
        if (Date.now() - mtimeMs(token) > TOKEN_TTL_MS) rmSync(token, { force: true });
        else sleepMs(5);
        continue;
      }
      try {
        if (readFileSync(file, 'utf8') === seen) rmSync(file);
      } catch {
        // gone meanwhile
      } finally {
        rmSync(token, { force: true });
      }
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  return () => {
    // Only our own: never a lock another process has taken since.
    try {
      if (readFileSync(file, 'utf8') === mine) rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
}

/** What holds a lock, as far as its command line tells (a meshdir serve, import, compact or restore). */
function commandOf(pid: number): string {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const sub = args.find((a) => ['serve', 'import', 'compact', 'restore', 'demo'].includes(a));
    return sub ? `meshdir ${sub}` : 'another program';
  } catch {
    return 'a meshdir server, import, compact or restore';
  }
}
