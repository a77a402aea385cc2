// One process per data directory: `serve`, `import` and `restore` take this
// lock (a pid file); a stale lock from a dead process is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MeshdirError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed server whose parent has not reaped it yet is a zombie: dead.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

export function lockHolder(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'meshdir.pid'), 'utf8').trim());
    return pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function acquireLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const holder = lockHolder(dataDir);
  if (holder !== undefined) throw new MeshdirError('MESHDIR_LOCKED', `${dataDir} is in use by process ${holder} (stop that server first)`);
  const file = join(dataDir, 'meshdir.pid');
  writeFileSync(file, `${process.pid}\n`);
  return () => rmSync(file, { force: true });
}
