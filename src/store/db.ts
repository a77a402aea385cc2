// The LMDB environment and its named databases. One environment per server
// data directory; every write is one LMDB transaction (see write.ts).
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { open, type Database, type RangeOptions, type RootDatabase } from 'lmdb';
import { MeshdirError } from '../errors.js';
import { BufferPackr } from './buffers.js';
import { compression } from './dictionary.js';
import { makeDirs } from '../dirs.js';
import { decodeRec, encodeRec } from './record.js';
import { checkLmdbFile, makeLockFile } from './lmdb-file.js';
import './writer-compression.js';
import { rdnOf } from '../dit/dn.js';

/** Bumped when the on-disk layout changes incompatibly. */
export const FORMAT_VERSION = 12;
/**
 * Formats this version opens, and upgrades to FORMAT_VERSION on the first
 * writable open. 5 differs only in that entries and states were never
 * compressed: lmdb-js reads a record that does not start with its
 * compression mark (≥ 250; ours start with their format octet, 1) as it is.
 * 6 only lacks values placed by a rename (VAL_OC in repl/core/codec.ts),
 * 7 deleted values placed by a rename's re-add (VAL_AC), which an older
 * version would misread: it refuses format 8. Before 9 the parent/child
 * index held bare child ids: it is rebuilt (childValue) on the first open.
 * 10 may hold states of codec format 2 (a value's `lc`, `ds` and `ap`), which a
 * format 9 version could not read: it refuses format 10. 11 may hold states
 * of codec format 3 (the priorities `dp` of a value's `ds`). Since 12 a
 * shown entry's state is stored after its record, not in `core`
 * (record.ts): an older version would find none; they are moved on the
 * first open.
 */
const READABLE_FORMATS = new Set([5, 6, 7, 8, 9, 10, 11, FORMAT_VERSION]);

export interface Dbs {
  env: RootDatabase;
  /** Small named values: generation ID, next id, RUV, clock, format. */
  meta: Database<any, string>;
  /** entry id → binary EntryRec followed by the entry's replication state (visible entries only; record.ts). */
  entries: Database<Buffer, number>;
  /** normalized DN → entry id. */
  dn2id: Database<number, string>;
  /** entryUUID → entry id (visible entries only). */
  uuid2id: Database<number, string>;
  /** parent id → its children as childValue() (dupsort): in slapd's order, the one a one-level search sends. */
  children: Database<Buffer, number>;
  /** `attr\0kind\0key` → entry ids (dupsort): the configured attribute indexes. */
  idx: Database<number, string>;
  /** entryUUID → replication state and visible form, binary (repl/core/codec.ts), of entries not shown (tombstones, mostly). */
  core: Database<Buffer, string>;
  /** Replication core's multimap (names, children, unique values) → entryUUIDs (dupsort). */
  coreIdx: Database<string, string>;
  /** CSN → changelog record. */
  changelog: Database<any, string>;
  /** CSN + sequence → conflict-log record. */
  conflicts: Database<any, string>;
  /** cn=config: normalized DN → local entry (never replicated). */
  config: Database<any, string>;
  /**
   * Where a total update staged its chunks until 2026-12-06 (now a file:
   * stage.ts). Still opened, so that every file has the same named
   * databases (compact.ts copies them all); emptied by the next total update.
   */
  stage: Database<Buffer, number>;
}

/** A child's RDN octets kept in its childValue (LMDB limits a dupsort value to 1978 octets). */
const CHILD_RDN_MAX = 1900;

/**
 * A child in its parent's dupsort list: u16 length in octets of its
 * normalized RDN, the RDN's octets, u32 id (all big-endian), so LMDB keeps
 * the children in slapd's (back-mdb's dn2id) order, by RDN length, then RDN
 * octets, and a one-level search reads them in that order with no sort. An
 * RDN longer than CHILD_RDN_MAX octets is cut there (its siblings of the
 * same length order by their first 1,900 octets, then by id).
 */
export function childValue(ndn: string, id: number): Buffer {
  const rdn = Buffer.from(rdnOf(ndn), 'utf8');
  const kept = Math.min(rdn.length, CHILD_RDN_MAX);
  const out = Buffer.allocUnsafe(2 + kept + 4);
  out.writeUInt16BE(Math.min(rdn.length, 0xffff), 0);
  rdn.copy(out, 2, 0, kept);
  out.writeUInt32BE(id, 2 + kept);
  return out;
}

export function childIdOf(value: Uint8Array): number {
  const n = value.length;
  return ((value[n - 4]! << 24) | (value[n - 3]! << 16) | (value[n - 2]! << 8) | value[n - 1]!) >>> 0;
}

/** LMDB keys are limited (1978 octets here); longer ones keep a prefix and a digest. */
const MAX_KEY = 1000;

export function dbKey(s: string): string {
  if (s.length * 3 <= MAX_KEY || Buffer.byteLength(s, 'utf8') <= MAX_KEY) return s;
  return s.slice(0, 200) + '\u0001' + createHash('sha256').update(s).digest('base64');
}

const utf8Keys = {
  writeKey(key: unknown, target: Buffer, start: number): number {
    if (typeof key === 'string') return start + target.write(dbKey(key), start, 'utf8');
    // Range bounds lmdb-js makes itself (e.g. an open start) are not strings.
    if (key instanceof Uint8Array) {
      target.set(key, start);
      return start + key.length;
    }
    return start;
  },
  readKey(source: Buffer, start: number, end: number): string {
    return source.toString('utf8', start, end);
  },
};

/**
 * msgpack record structures are stored once per database under this key
 * (ids start at 1, so 0 is free in the uint32-keyed ones) instead of inside
 * every value: smaller values, much cheaper encode and decode. copyBuffers:
 * decoded Buffers must own their bytes, not view lmdb-js' reused read buffer.
 */
const STRUCTURES = Symbol.for('structures');

function shared(key: symbol | number): { sharedStructuresKey: symbol | number } {
  // copyBuffers is an encoder option lmdb-js passes through but does not type.
  return { sharedStructuresKey: key, copyBuffers: true, encoder: { Encoder: BufferPackr } } as { sharedStructuresKey: symbol | number };
}

export interface OpenOptions {
  mapSizeMiB?: number;
  readOnly?: boolean;
}

/**
 * The database holds password hashes: its files are the owner's only, as
 * slapd's back-mdb makes them (its `mode` default, 0600). Applied at every
 * open, so files made before this rule, or copied in, are closed too.
 */
export function makePrivate(dir: string): void {
  for (const f of ['data.mdb', 'lock.mdb']) {
    try {
      chmodSync(join(dir, f), 0o600);
    } catch (e) {
      // Not there yet, or not ours (e.g. an export run by another user with group access).
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'EPERM') throw new MeshdirError('MESHDIR_STORE_OPEN', `cannot make ${join(dir, f)} private (mode 0600): ${(e as Error).message}`);
    }
  }
}

/**
 * Records of a database opened with shared(STRUCTURES), from LMDB's O(1)
 * count: getCount walks every record (a changelog of 200,000 took 1.2 s,
 * and mapped every page of it). LMDB counts the record where lmdb-js keeps
 * msgpack's shared structures too, which getCount and ranges skip.
 */
export function msgpackRecordCount(db: Database): number {
  return (db.getStats() as { entryCount: number }).entryCount - (db.doesExist(STRUCTURES) ? 1 : 0);
}

/** No key in `db` (or in `range` of it), from the first one at most. */
export function isEmpty(db: Pick<Database, 'getKeys'>, range: RangeOptions = {}): boolean {
  for (const _ of db.getKeys({ ...range, limit: 1 })) return false;
  return true;
}

/** Entries in the database: getStats is O(1); getCount walks every record (and maps the whole database). */
export function entryCount(dbs: Dbs): number {
  return (dbs.entries.getStats() as { entryCount: number }).entryCount;
}

export function openDbs(dir: string, opts: OpenOptions = {}): Dbs {
  if (!opts.readOnly) makeDirs(dir, 0o700);
  checkLmdbFile(join(dir, 'data.mdb'));
  makeLockFile(dir, { readOnly: opts.readOnly });
  let env: RootDatabase;
  try {
    env = open({
      path: dir,
      maxDbs: 32,
      mapSize: (opts.mapSizeMiB ?? 4096) * 1024 * 1024,
      // Acknowledge writes only once durable: without overlappingSync the
      // commit promise resolves after LMDB's own fsync of the commit.
      overlappingSync: false,
      noSync: false,
      readOnly: opts.readOnly ?? false,
    });
  } catch (e) {
    throw new MeshdirError('MESHDIR_STORE_OPEN', `cannot open the database in ${dir}: ${(e as Error).message}`, { cause: e });
  }
  if (!opts.readOnly) makePrivate(dir);
  const dup = { dupSort: true, encoding: 'ordered-binary' as const };
  // Index keys are built with NUL separators, which ordered-binary would
  // read as multi-part keys: store them as plain UTF-8.
  const text = { keyEncoder: utf8Keys };
  return {
    env,
    meta: env.openDB('meta', { ...shared(STRUCTURES) }),
    // Binary records (record.ts): a search copies their attribute bytes as they are.
    // LZ4 with an LDAP dictionary (dictionary.ts): the records and states
    // whose pages a server holds mapped.
    entries: env.openDB('entries', { keyEncoding: 'uint32', encoding: 'binary', compression: compression() }),
    dn2id: env.openDB('dn2id', { encoding: 'ordered-binary', ...text }),
    uuid2id: env.openDB('uuid2id', { encoding: 'ordered-binary' }),
    children: env.openDB('children', { keyEncoding: 'uint32', dupSort: true, encoding: 'binary' }),
    idx: env.openDB('idx', { ...dup, ...text }),
    core: env.openDB('core', { encoding: 'binary', compression: compression() }),
    coreIdx: env.openDB('coreidx', { dupSort: true, encoding: 'string', ...text }),
    changelog: env.openDB('changelog', { ...shared(STRUCTURES) }),
    conflicts: env.openDB('conflicts', { ...shared(STRUCTURES) }),
    config: env.openDB('config', { encoding: 'msgpack', ...text, encoder: { Encoder: BufferPackr } } as object),
    stage: env.openDB('stage', { keyEncoding: 'uint32', encoding: 'binary' }),
  };
}

/**
 * Format and generation ID, set once when the database is created. A new
 * generation ID marks a history that must not be mixed with another one
 * (DESIGN.md "Replication protocol" 5).
 */
export function initMeta(dbs: Dbs, suffix: string): { generationId: string } {
  const meta = dbs.env.transactionSync(() => {
    const format = dbs.meta.get('format') as number | undefined;
    if (format !== undefined && !READABLE_FORMATS.has(format))
      throw new MeshdirError('MESHDIR_STORE_FORMAT', `database format ${format} is not supported by this version (expects ${[...READABLE_FORMATS].join(' or ')})`);
    const storedSuffix = dbs.meta.get('suffix') as string | undefined;
    if (storedSuffix !== undefined && storedSuffix !== suffix)
      throw new MeshdirError('MESHDIR_STORE_SUFFIX', `database holds suffix "${storedSuffix}", the server file says "${suffix}"`);
    let generationId = dbs.meta.get('generationId') as string | undefined;
    if (format !== undefined && format < 9) rebuildChildren(dbs);
    if (format !== undefined && format < 12) dbs.meta.putSync('statesMoving', true);
    if (format === undefined) dbs.meta.putSync('suffix', suffix);
    if (format !== FORMAT_VERSION) dbs.meta.putSync('format', FORMAT_VERSION);
    if (generationId === undefined) {
      generationId = randomUUID();
      dbs.meta.putSync('generationId', generationId);
    }
    return { generationId };
  });
  if (dbs.meta.get('statesMoving')) statesToRecords(dbs);
  return meta;
}

/**
 * Shown entries' states from `core` to the end of their records (format
 * 12), a few thousand per transaction: one transaction of 100,000 kept
 * LMDB's dirty pages in memory, and the server's heap 140 MiB larger for
 * good. The file is marked format 12 and moving before (an older version
 * refuses it), so that a move cut short goes on at the next open.
 */
function statesToRecords(dbs: Dbs): void {
  for (;;) {
    const moved = dbs.env.transactionSync(() => {
      // Keys first: no cursor over `core` while its records are removed.
      // Tombstones stay: the scan goes on past them.
      const after = dbs.meta.get('statesMovedTo') as string | undefined;
      const range = after === undefined ? { limit: MOVE_SLICE } : { start: after, exclusiveStart: true, limit: MOVE_SLICE };
      const keys = [...dbs.core.getKeys(range as never)] as string[];
      for (const key of keys) {
        const id = dbs.uuid2id.get(key);
        const buf = id === undefined ? undefined : dbs.entries.get(id);
        if (buf === undefined) continue;
        dbs.entries.putSync(id!, encodeRec(decodeRec(id!, Buffer.from(buf)), Buffer.from(dbs.core.get(key)!)));
        dbs.core.removeSync(key);
      }
      if (keys.length > 0) dbs.meta.putSync('statesMovedTo', keys[keys.length - 1]);
      else {
        dbs.meta.removeSync('statesMoving');
        dbs.meta.removeSync('statesMovedTo');
      }
      return keys.length;
    });
    if (moved === 0) return;
  }
}

const MOVE_SLICE = 5000;

/** The parent/child index from the entry records (inside the caller's write transaction). */
function rebuildChildren(dbs: Dbs): void {
  dbs.children.clearSync();
  for (const { key, value } of dbs.entries.getRange()) {
    const rec = decodeRec(key, value);
    dbs.children.putSync(rec.parent, childValue(rec.ndn, rec.id));
  }
}
