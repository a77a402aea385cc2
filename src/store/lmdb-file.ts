// A data.mdb shorter than its own meta page says (a copy cut short: a
// killed `restore` or `cp`, a full disk) makes LMDB touch pages past the end
// of the file: the process dies of SIGBUS, with no message, at every open.
// Checked before an open, so it is one clear line instead.
import { closeSync, existsSync, fstatSync, linkSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MeshdirError } from '../errors.js';

const MAGIC = 0xbeefc0de;

/** Throws MESHDIR_STORE_OPEN when `file` is not a whole LMDB file; absent files pass (LMDB creates them). */
export function checkLmdbFile(file: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    const bad = (why: string): never => {
      throw new MeshdirError('MESHDIR_STORE_OPEN', `${file}: not a complete database (${why}); it was cut short or is not an LMDB file`);
    };
    // The meta pages are read before the size is taken: a server committing
    // meanwhile writes its new pages before the meta page that counts them,
    // and never shrinks the file, so a size taken first could be short of a
    // meta page read after it (a live, whole database refused).
    const head = Buffer.alloc(256);
    if (readSync(fd, head, 0, 256, 0) === 0) bad('empty file');
    // The meta record follows the page header: 16 octets in LMDB 0.9, 24 in the LMDB lmdb-js bundles.
    const m = [16, 24].find((o) => head.readUInt32LE(o) === MAGIC);
    if (m === undefined) return bad('no LMDB meta page');
    const psize = head.readUInt32LE(m + 24);
    if (psize < 512 || psize > 65536) return bad(`page size ${psize}`);
    let lastPg = -1n;
    let txnid = -1n;
    for (const page of [0, 1]) {
      const b = Buffer.alloc(256);
      readSync(fd, b, 0, 256, page * psize);
      if (b.readUInt32LE(m) !== MAGIC) continue;
      const t = b.readBigUInt64LE(m + 128);
      if (t > txnid) {
        txnid = t;
        lastPg = b.readBigUInt64LE(m + 120);
      }
    }
    if (lastPg < 0n) bad('no valid meta page');
    const size = fstatSync(fd).size;
    if (size < 2 * psize) bad(`page size ${psize}, file ${size} octets`);
    const need = (lastPg + 1n) * BigInt(psize);
    if (BigInt(size) < need) bad(`${size} octets, its last page ends at ${need}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Size of the lock file LMDB makes for lmdb-js' 126 readers (its
 * mdb_env_setup_locks: the reader table's header and slots). A larger file
 * is taken as it is (more reader slots); a smaller one LMDB extends.
 */
const LOCK_FILE_SIZE = 8272;

/**
 * LMDB makes `lock.mdb` with ftruncate, a file of holes, and writes it
 * through a shared memory map: on a disk without a free page the first
 * write to the map kills the process with SIGBUS, with no message (a
 * server started on a full disk after a restore, a backup or compact to a
 * full disk). Made here first, its pages written, so a full disk is one
 * clear line instead. It appears whole (written under another name, then
 * linked: link() fails if the name exists), and an existing lock file is
 * left alone: a running server may be using it.
 */
export function makeLockFile(dir: string, opts: { readOnly?: boolean } = {}): void {
  const file = join(dir, 'lock.mdb');
  if (existsSync(file)) return;
  const tmp = join(dir, `.lock.mdb.${process.pid}`);
  const fail = (e: unknown): never => {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOSPC' || code === 'EDQUOT' ? 'no space left on the disk' : (e as Error).message;
    throw new MeshdirError('MESHDIR_STORE_OPEN', `cannot create ${file}: ${why}`);
  };
  let fd: number;
  try {
    fd = openSync(tmp, 'w', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // No directory (LMDB says so), or a read-only open, where LMDB goes without a lock file.
    if (code === 'ENOENT' || (opts.readOnly && (code === 'EROFS' || code === 'EACCES'))) return;
    return fail(e);
  }
  try {
    try {
      const zeros = Buffer.alloc(LOCK_FILE_SIZE);
      for (let at = 0; at < zeros.length; ) at += writeSync(fd, zeros, at, zeros.length - at, at);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  } catch (e) {
    fail(e);
  } finally {
    rmSync(tmp, { force: true });
  }
}
