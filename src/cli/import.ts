// `meshdir import`: load LDIF offline (like slapadd). Entries go through the
// normal write path (schema checks, indexes, changelog), many per LMDB
// commit, with a progress bar on a terminal.
import { createReadStream, statSync } from 'node:fs';
import type { Command } from 'commander';
import { storedPasswords } from '../auth/password.js';
import { loadServerConfig } from '../config/load.js';
import { progressBar } from './progress.js';
import { formatDN, parentDN, parseDN } from '../dit/dn.js';
import { readFileUrl, readLdif, type LdifAdd, type LdifContent } from '../dit/ldif.js';
import { LdapError, MeshdirError, RC } from '../errors.js';
import { createLogger } from '../log.js';
import { openStore, reindex } from '../runtime.js';
import { compactInPlace } from '../store/compact.js';
import { CONFIG_DN } from '../store/local-tree.js';
import { localAdd } from '../store/update.js';
import { acquireLock } from './lock.js';

type LdifEntry = LdifContent | LdifAdd;

/** Adds in flight at once: they share LMDB commits (group commit) and bound memory. */
const IN_FLIGHT = 2000;

export function importCommand(program: Command): void {
  program
    .command('import')
    .description('load entries from an LDIF file into the database (server stopped)')
    .requiredOption('-c, --config <file>', 'server file (YAML)')
    .option('--continue', 'skip entries that fail instead of stopping')
    .option('--no-progress', 'no progress bar')
    .option('--no-compact', 'leave the database as written (default: rewrite it compacted, one named database after the other)')
    .argument('<ldif>', 'LDIF file of entries (content records or changetype: add)')
    .action(async (file: string, opts: { config: string; continue?: boolean; progress: boolean; compact: boolean }) => {
      const config = loadServerConfig(opts.config);
      // Refused before a database is made for it.
      if (config.replicaId === undefined) {
        throw new MeshdirError('MESHDIR_IMPORT', `${config.file}: a ${config.role} holds what replication or \`repl init\` gives it; import into a master (53, unwilling to perform)`);
      }
      let isFile = false;
      try {
        isFile = statSync(file).isFile();
      } catch (e) {
        throw new MeshdirError('MESHDIR_IMPORT', `${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      if (!isFile) throw new MeshdirError('MESHDIR_IMPORT', `${file}: not a file`);
      const release = acquireLock(config.dataDir, config.file);
      const log = createLogger({ level: 'warn', file: config.log.file });
      const store = openStore(config, log);
      try {
        reindex(store, log);
        let r: ImportResult;
        try {
          r = await importLdif(store, file, { keepGoing: !!opts.continue, progress: opts.progress && process.stderr.isTTY, rootDn: config.rootDn });
        } catch (e) {
          if (!(e instanceof ImportStopped)) throw e;
          // As with slapadd without -c, what was imported stays.
          process.stderr.write(`meshdir: ${e.message}\nimport stopped: ${e.added} ${e.added === 1 ? 'entry was' : 'entries were'} imported and stay${e.added === 1 ? 's' : ''} in the database (--continue skips bad entries)\n`);
          process.exitCode = 1;
          return;
        } finally {
          await store.close();
        }
        process.stderr.write(`imported ${r.added} entries from ${file} in ${(r.ms / 1000).toFixed(1)} s${r.failed ? `, ${r.failed} failed` : ''}\n`);
        if (r.failed) process.exitCode = 1;
        if (opts.compact && r.added > 0) {
          const c = await compactInPlace(config.dataDir, config.mapSizeMiB);
          process.stderr.write(`compacted the database: ${c.summary}\n`);
        }
      } finally {
        release();
      }
    });
}

/** A conflict entry's DN without the entryUUID its conflict RDN adds (`entryUUID=<uuid>+uid=x,…` → `uid=x,…`). */
function conflictFree(dn: string): string {
  try {
    const parsed = parseDN(dn);
    const first = parsed[0];
    if (!first || first.length < 2) return dn;
    const rest = first.filter((ava) => ava.type.toLowerCase() !== 'entryuuid' && ava.type !== '1.3.6.1.1.16.4');
    return rest.length === first.length || rest.length === 0 ? dn : formatDN([rest, ...parsed.slice(1)]);
  } catch {
    return dn;
  }
}

/** The first bad entry stopped an import (without --continue). */
export class ImportStopped extends MeshdirError {
  constructor(message: string, readonly added: number) {
    super('MESHDIR_IMPORT', message);
  }
}

/**
 * An entry after the one that stopped the import: not written. An LdapError,
 * so that Store.write passes it on as it is: any other error thrown inside a
 * write is logged there as an internal "write failed" (with its stack).
 */
class NotReached extends LdapError {
  constructor() {
    super(RC.other, 'not written: the import stopped at an earlier entry');
  }
}

export interface ImportResult {
  added: number;
  failed: number;
  ms: number;
}

export async function importLdif(
  store: import('../store/store.js').Store, file: string, o: { keepGoing: boolean; progress: boolean; rootDn: string },
): Promise<ImportResult> {
  const size = statSync(file).size;
  const bar = o.progress ? await progressBar({ format: 'import [{bar}] {percentage}% | {entries} entries | {eta_formatted} left', hideCursor: true }) : undefined;
  let read = 0;
  const stream = createReadStream(file);
  stream.on('data', (c) => (read += (c as Buffer).length));
  bar?.start(size, 0, { entries: 0 });
  const started = Date.now();
  let added = 0;
  let failed = 0;
  let firstError: { line: number; msg: string } | undefined;
  const pending = new Set<Promise<void>>();
  // Entries that came before their parent, by the parent's normalized DN:
  // added once it is (slapadd takes such files too, as OpenLDAP's test001 checks).
  const waiting = new Map<string, LdifEntry[]>();
  const waitingDns = new Set<string>();
  const parentKey = (dn: string): string | undefined => {
    // Normalized first: parentDN splits at the first comma, which a normalized DN escapes inside values.
    const n = store.schema.normalizeDN(dn);
    return n === undefined ? undefined : (parentDN(n) ?? undefined);
  };
  // With --continue a bad record is named and skipped (slapadd -c); without, the first one is kept to stop the import.
  const skipped = (msg: string): void => {
    failed++;
    process.stderr.write(`meshdir: ${msg}\n`);
  };
  const fail = (rec: LdifEntry, e: Error): void => {
    const why = e instanceof LdapError ? `${e.message || 'error'} (result ${e.code})` : e.message;
    const msg = `${file}:${rec.line}: ${rec.dn}: ${why}`;
    if (o.keepGoing) return skipped(msg);
    failed++;
    if (firstError === undefined || rec.line < firstError.line) firstError = { line: rec.line, msg };
  };
  // Without --continue the import stops at its first bad entry, as slapadd
  // does: no entry after it is written, also when its write was queued
  // already. Write bodies run in the order they were queued, so the line
  // that stops the import is known before a later body runs.
  let stopLine = Infinity;
  // Entry ids in slapadd's order: an entry takes the next id when it is read,
  // and one whose superiors are missing is preceded by an id for each of them
  // (slapadd adds glue there), which the superior takes when it comes. So a
  // file with children before their parents loads into the same order as
  // with slapadd: what an unindexed subtree search and the export list
  // (OpenLDAP's test001-slapadd loads such a file and compares the search).
  const reserved = new Map<string, number>();
  const ids = new WeakMap<LdifEntry, number>();
  const reserve = (rec: LdifEntry): void => {
    const ndn = store.schema.normalizeDN(rec.dn);
    const suffix = store.suffixNdn;
    if (ndn === undefined || (ndn !== suffix && !ndn.endsWith(`,${suffix}`))) return;
    const missing: string[] = [];
    for (let a = ndn === suffix ? undefined : parentKey(rec.dn); a !== undefined; a = a === suffix ? undefined : (parentDN(a) ?? undefined)) {
      if (reserved.has(a) || store.idOf(a) !== undefined) break;
      missing.push(a);
    }
    for (const a of missing.reverse()) reserved.set(a, store.nextId++);
    let id = reserved.get(ndn);
    if (id === undefined && store.idOf(ndn) === undefined) reserved.set(ndn, (id = store.nextId++));
    if (id !== undefined) ids.set(rec, id);
  };
  const configNdn = store.schema.normalizeDN(CONFIG_DN)!;
  const inConfig = (dn: string): boolean => {
    const n = store.schema.normalizeDN(dn);
    return n !== undefined && (n === configNdn || n.endsWith(`,${configNdn}`));
  };
  const mayWait = (e: unknown, again: boolean): boolean => e instanceof LdapError && e.code === RC.noSuchObject && !again;
  const submit = (rec: LdifEntry, again = false): void => {
    const typeOf = (type: string) => store.schema.canonicalDescription(type)?.type.name;
    const conflict = isConflict(rec);
    // Stored hashed, as an add over LDAP is (DESIGN.md "Security"; slapadd keeps cleartext).
    // meshdirConflict is derived: the replication core marks the entry again.
    const attrs = rec.attrs
      .filter(([type]) => !conflict || typeOf(type) !== 'meshdirConflict')
      .map(([type, values]) => ({ type, values: typeOf(type) === 'userPassword' ? storedPasswords(values, true) : values }));
    const dn = conflict ? conflictFree(rec.dn) : rec.dn;
    const kind = !conflict ? undefined : dn !== rec.dn ? 'naming' : 'schema';
    const p = store
      .write((tx) => {
        if (rec.line > stopLine) throw new NotReached();
        try {
          // README: cn=config is local to each server, neither exported nor imported (slapd's answer, "no global superior knowledge", did not say so).
          if (inConfig(dn)) throw new LdapError(RC.unwillingToPerform, 'entries under cn=config (Replication Managers) are local to each server and are not imported: add them with ldapadd as the rootDn, or move them with backup and restore');
          localAdd(tx, { dn: o.rootDn }, dn, attrs, { import: true, id: ids.get(rec), conflict: kind });
        } catch (e) {
          let err = e;
          // Two entries of one DN waiting for their parent: the second is bad
          // at its own line, found here, before any later entry's body runs
          // (found when it is added again, entries after it would be written).
          if (mayWait(err, again)) {
            const ndn = store.schema.normalizeDN(rec.dn) ?? rec.dn;
            if (waitingDns.has(ndn)) err = new LdapError(RC.entryAlreadyExists, 'the file gives this DN twice');
            else waitingDns.add(ndn);
          }
          if (!o.keepGoing && !mayWait(err, again)) stopLine = Math.min(stopLine, rec.line);
          throw err;
        }
      })
      .then(
        () => {
          added++;
          const key = store.schema.normalizeDN(rec.dn) ?? '';
          const kids = waiting.get(key);
          waiting.delete(key);
          for (const k of kids ?? []) submit(k, true);
        },
        (e: Error) => {
          if (e instanceof NotReached) return;
          const parent = mayWait(e, again) ? parentKey(rec.dn) : undefined;
          if (parent === undefined) return fail(rec, e);
          // Its parent may have been added since this write was queued.
          if (store.idOf(parent) !== undefined) return submit(rec, true);
          const list = waiting.get(parent) ?? [];
          list.push(rec);
          waiting.set(parent, list);
        },
      )
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  // An export's replication conflict entries (`meshdirConflict`: the
  // later of two adds of one DN, shown as entryUUID=<uuid>+<rdn>; a merge
  // the schema refuses) are added after the other entries, as replication
  // added them: the core makes them conflicts again (the entry that held
  // the DN keeps it), where they were refused (64, 65, 68) before.
  const isConflict = (rec: LdifEntry): boolean => rec.attrs.some(([type]) => store.schema.canonicalDescription(type)?.type.name === 'meshdirConflict');
  const deferred: LdifEntry[] = [];
  // A record that is not LDIF, or not an entry, stops the import after
  // every entry before it (all of them submitted by then) is written.
  let badRecord: MeshdirError | undefined;
  try {
    const onError = o.keepGoing ? (e: MeshdirError) => skipped(e.message) : undefined;
    for await (const rec of readLdif(stream, { source: file, readUrl: readFileUrl, onError })) {
      const critical = rec.type === 'add' ? rec.controls.find((c) => c.critical) : undefined;
      if ((rec.type !== 'content' && rec.type !== 'add') || critical) {
        // A critical control must be honoured or the record refused (RFC 2849, RFC 4511 §4.1.11: 12 from a server).
        const msg = critical
          ? `${file}:${rec.line}: ${rec.dn}: critical control ${critical.oid} is not supported by import (result 12)`
          : `${file}:${rec.line}: import takes entries; "changetype: ${rec.type}" is for ldapmodify`;
        if (!o.keepGoing) {
          badRecord = new MeshdirError('MESHDIR_LDIF', msg);
          break;
        }
        skipped(msg);
        continue;
      }
      reserve(rec);
      if (isConflict(rec)) deferred.push(rec);
      else submit(rec);
      if (pending.size >= IN_FLIGHT) {
        await Promise.race(pending);
        bar?.update(read, { entries: added });
      }
      if (stopLine !== Infinity || firstError) break;
    }
  } catch (e) {
    if (!(e instanceof MeshdirError)) throw e;
    badRecord = e;
  } finally {
    // Read before what stopped the import, if anything did (a later line's write is NotReached).
    for (const rec of deferred) submit(rec);
    // Never leave writes in flight: the caller closes the store next.
    while (pending.size > 0) await Promise.all([...pending]);
    bar?.update(read, { entries: added });
    bar?.stop();
    stream.destroy();
  }
  // Parents that never came (or came after the line that stopped the import).
  if (stopLine === Infinity && badRecord === undefined) {
    for (const [parent, list] of waiting) {
      const err = new LdapError(RC.noSuchObject, `its parent ${parent} is neither in the file nor in the database`);
      for (const w of list) fail(w, err);
    }
  }
  // A bad entry before the bad record stopped it first.
  if (firstError ?? badRecord) throw new ImportStopped(firstError?.msg ?? badRecord!.message, added);
  return { added, failed, ms: Date.now() - started };
}
