// A total update's received copy, kept in a plain file beside the database
// until the replacing transaction reads it back (replica.ts stageCommit).
//
// It used to be a named database of the LMDB file: the staged chunks, the
// new data and the old data then all lived in data.mdb at once, and the
// pages the stage freed stayed in the file for good. A consumer initialised
// with 100,000 entries held a 484 MiB file against its supplier's 222 MiB,
// and every later commit wrote ~3 more pages (LMDB's free list of them);
// each staged chunk also cost a synced commit. The copy needs no durability
// of its own: a consumer that stops before the replacement gets a new total
// update, and the file is read back before it could be lost.
import { closeSync, openSync, readdirSync, readSync, rmSync, write } from 'node:fs';
import { join } from 'node:path';
import { LdapError, RC } from '../errors.js';

const PREFIX = 'total-update.stage.';

/** Removes staged copies left in `dataDir` (a total update cut short, a server stopped during one). */
export function discardStages(dataDir: string): void {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return;
  }
  for (const n of names) if (n.startsWith(PREFIX)) rmSync(join(dataDir, n), { force: true });
}

/**
 * The file one total update stages its chunks in: length-prefixed, in the
 * order received. Each total update gets a new file, so a write still
 * under way for an abandoned one cannot land in the next one's copy.
 */
export class StageFile {
  #fd: number | undefined;
  /** Bytes staged so far. */
  size = 0;
  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.#fd = fd;
  }

  /** A new, empty stage in `dataDir` (older ones removed). */
  static create(dataDir: string): StageFile {
    discardStages(dataDir);
    const path = join(dataDir, `${PREFIX}${process.pid}.${Date.now()}`);
    try {
      return new StageFile(path, openSync(path, 'wx', 0o600));
    } catch (e) {
      throw stageError(e);
    }
  }

  /** Appends one chunk; appends must not overlap (the consumer chains them). */
  append(chunk: Buffer): Promise<void> {
    const fd = this.#fd;
    if (fd === undefined) return Promise.reject(new LdapError(RC.operationsError, 'the staged copy was closed'));
    const buf = Buffer.allocUnsafe(4 + chunk.length);
    buf.writeUInt32BE(chunk.length, 0);
    chunk.copy(buf, 4);
    return new Promise((resolve, reject) => {
      // A short write (a disk filling up) is continued, then fails with its cause.
      const go = (at: number): void =>
        write(fd, buf, at, buf.length - at, null, (err, n) => {
          if (err) reject(stageError(err));
          else if (at + n < buf.length) go(at + n);
          else {
            this.size += buf.length;
            resolve();
          }
        });
      go(0);
    });
  }

  /** Closes the file (written data stays for `readStage`). */
  close(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }

  discard(): void {
    this.close();
    rmSync(this.path, { force: true });
  }
}

/** The chunks of a stage file, in order; one chunk in memory at a time. */
export function* readStage(path: string): Generator<Buffer> {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4);
    for (;;) {
      const got = readSync(fd, head, 0, 4, null);
      if (got === 0) return;
      if (got !== 4) throw new LdapError(RC.operationsError, `${path}: the staged copy ends inside a chunk header`);
      const chunk = Buffer.alloc(head.readUInt32BE(0));
      let at = 0;
      while (at < chunk.length) {
        const n = readSync(fd, chunk, at, chunk.length - at, null);
        if (n === 0) throw new LdapError(RC.operationsError, `${path}: the staged copy ends inside a chunk`);
        at += n;
      }
      yield chunk;
    }
  } finally {
    closeSync(fd);
  }
}

/** A write of the staged copy that failed, as the supplier's `repl init` should read it. */
function stageError(e: unknown): LdapError {
  const err = e as NodeJS.ErrnoException;
  const full = err.code === 'ENOSPC' || err.code === 'EDQUOT' || err.code === 'EFBIG';
  return new LdapError(RC.unwillingToPerform, `could not write the staged copy of the total update${full ? ' (no space left on the database disk)' : ''}: ${err.message}`);
}
