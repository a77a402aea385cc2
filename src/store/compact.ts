// A compacted copy of the database, written record by record in key order,
// one named database after the other. After an import every write had
// touched entries, indexes, states and changelog alike, so their pages lie
// interleaved in the file; a search then faults in entry pages, and the
// kernel maps the cached pages around each fault (fault-around), so the
// server ended up mapping the whole file (783 MiB RSS at 100,000 entries).
// In the copy the pages a search reads are contiguous.
//
// lmdb-js' own compacting copy (`env.backup(path, true)`, LMDB's
// MDB_CP_COMPACT) is not used: it is reported to corrupt databases now and
// then (lmdb-js issue #198), and a server writing to such a copy here
// aborted once in mdb_page_alloc. This copy uses only ordinary puts.
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { MeshdirError } from '../errors.js';
import { makePrivate } from './db.js';
import { checkLmdbFile, makeLockFile } from './lmdb-file.js';
import { makeDirs } from '../dirs.js';

/**
 * Every named database and the LMDB flags a raw copy must give it, in the
 * order they are written: what searches read first, so it lies together.
 */
const LAYOUT: readonly { name: string; uint32?: boolean; dup?: boolean; slack?: number }[] = [
  // An entry's state (record.ts) grows by its first change's CSN (~8 %):
  // in pages the copy left full, the first modify of every entry split a
  // page, and 30 s of modifies at 100,000 entries doubled the states'
  // pages (57 → 113 MiB, when they had a database of their own). A fifth
  // of a record's size is left free around it, as a B-tree's fill factor
  // does.
  { name: 'entries', uint32: true, slack: 0.2 },
  { name: 'dn2id' },
  { name: 'uuid2id' },
  { name: 'children', uint32: true, dup: true },
  { name: 'idx', dup: true },
  { name: 'meta' },
  { name: 'config' },
  { name: 'core', slack: 0.2 },
  { name: 'coreidx', dup: true },
  { name: 'changelog' },
  { name: 'conflicts' },
  { name: 'stage', uint32: true },
];

/** Records per write transaction of the copy (LMDB keeps a transaction's dirty pages in memory). */
const PER_TXN = 20_000;

function raw(env: RootDatabase, l: (typeof LAYOUT)[number]): Database<Buffer, Buffer | number> {
  return env.openDB(l.name, { keyEncoding: l.uint32 ? 'uint32' : 'binary', encoding: 'binary', dupSort: !!l.dup });
}

/**
 * Writes a compacted copy of `src` (one consistent snapshot: the server may
 * be writing meanwhile) to `destDir`/data.mdb; every transaction of the copy
 * is a synced commit. Returns the number of records copied. Refuses a
 * database holding a named database it does not know, rather than leave it
 * out.
 */
export async function writeCompactCopy(src: RootDatabase, destDir: string, mapSizeMiB = 4096): Promise<number> {
  const known = new Set(LAYOUT.map((l) => l.name));
  for (const name of src.getKeys() as Iterable<string>) {
    if (!known.has(name)) throw new MeshdirError('MESHDIR_COMPACT', `database "${name}" is not one of meshdir's; not copied`);
  }
  makeDirs(destDir, 0o700);
  if (existsSync(join(destDir, 'data.mdb'))) throw new MeshdirError('MESHDIR_COMPACT', `${destDir}/data.mdb exists already`);
  const srcMap = (src.getStats() as { mapSize: number }).mapSize;
  makeLockFile(destDir);
  const dest = open({ path: destDir, maxDbs: 32, mapSize: Math.max(mapSizeMiB * 1024 * 1024, srcMap), overlappingSync: false });
  // Handles first: opening a database inside the read transaction would end it.
  const dbs = LAYOUT.map((l) => ({ l, from: raw(src, l), to: raw(dest, l) }));
  const txn = src.useReadTransaction();
  let copied = 0;
  try {
    for (const { l, from, to } of dbs) {
      const it = from.getRange({ transaction: txn } as never)[Symbol.iterator]();
      let n = 0;
      for (let done = false; !done; ) {
        dest.transactionSync(() => {
          const padded: { key: Buffer | number; value: Buffer }[] = [];
          for (let i = 0; i < PER_TXN; i++) {
            const r = it.next();
            if (r.done) {
              done = true;
              break;
            }
            const { key, value } = r.value as { key: Buffer | number; value: Buffer };
            // MDB_APPEND fills each page instead of splitting it in half;
            // LMDB has no append for a key's duplicate values (lmdb-js does
            // not pass MDB_APPENDDUP), so dupsort databases take plain puts.
            // Slack: appended padded, then put at its size, which LMDB does
            // in place on the same page and leaves the rest free.
            if (l.slack) {
              to.put(key, Buffer.concat([value, Buffer.alloc(Math.ceil(value.length * l.slack))]), { append: true } as never);
              padded.push({ key, value });
            } else to.put(key, value, (l.dup ? undefined : { append: true }) as never);
            n++;
          }
          for (const { key, value } of padded) to.put(key, value);
        });
      }
      const got = (to.getStats() as { entryCount: number }).entryCount;
      if (got !== n) throw new MeshdirError('MESHDIR_COMPACT', `${l.name}: ${n} records read, ${got} in the copy`);
      copied += n;
    }
  } catch (e) {
    if (e instanceof MeshdirError) throw e;
    // Say where ("Input/output error" alone is what LMDB reports of a page
    // write a full disk cut short, or of a read error).
    throw new MeshdirError('MESHDIR_COMPACT', `cannot copy the database to ${destDir}: ${(e as Error).message}`);
  } finally {
    txn.done();
    await dest.close();
  }
  makePrivate(destDir);
  return copied;
}

/**
 * Replaces the database in `dataDir` (not open anywhere: the caller holds
 * the data directory's lock and has closed its store) by a compacted copy.
 * The original stays in place until the copy is complete and synced; the
 * switch is one rename.
 */
export async function compactInPlace(dataDir: string, mapSizeMiB = 4096): Promise<{ before: number; after: number; summary: string }> {
  const started = Date.now();
  const file = join(dataDir, 'data.mdb');
  const tmp = join(dataDir, '.compact');
  rmSync(tmp, { recursive: true, force: true });
  const before = statSync(file).size;
  checkLmdbFile(file);
  makeLockFile(dataDir, { readOnly: true });
  const src = open({ path: dataDir, maxDbs: 32, mapSize: mapSizeMiB * 1024 * 1024, readOnly: true });
  try {
    await writeCompactCopy(src, tmp, mapSizeMiB);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    await src.close();
  }
  renameSync(join(tmp, 'data.mdb'), file);
  fsyncFile(dataDir);
  rmSync(tmp, { recursive: true, force: true });
  const after = statSync(file).size;
  const mib = (n: number): string => `${(n / 1048576).toFixed(0)} MiB`;
  return { before, after, summary: `${mib(before)} → ${mib(after)} in ${((Date.now() - started) / 1000).toFixed(1)} s` };
}

/** fsync a file or a directory (a rename in it is durable once the directory is). */
export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
