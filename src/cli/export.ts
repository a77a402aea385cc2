// `meshdir export`: dump the database as LDIF (like slapcat), parents before
// children, with the operational attributes a reload needs.
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { loadServerConfig } from '../config/load.js';
import { formatEntry } from '../dit/ldif-write.js';
import { createLogger } from '../log.js';
import { openExistingStore } from '../runtime.js';
import type { Store } from '../store/store.js';
import { MeshdirError } from '../errors.js';

/** Computed attributes slapcat leaves out too. */
const SKIP = new Set(['entryDN', 'hasSubordinates', 'subschemaSubentry']);
/** OpenLDAP 2.5's slapcat folds lines at 78 columns. */
export const EXPORT_WRAP = 78;

export function exportCommand(program: Command): void {
  program
    .command('export')
    .description('write every entry as LDIF (works while the server runs)')
    .requiredOption('-c, --config <file>', 'server file (YAML)')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (opts: { config: string; output?: string }) => {
      const config = loadServerConfig(opts.config);
      const store = openExistingStore(config, createLogger({ level: 'warn' }));
      const out = opts.output ? createWriteStream(opts.output, { mode: 0o600 }) : process.stdout;
      // A write error (ENOENT/EACCES on -o, ENOSPC) is one line and exit 1, not an unhandled 'error' event.
      let writeError: Error | undefined;
      const onError = (e: Error): void => {
        writeError ??= e;
      };
      out.on('error', onError);
      const drained = (): Promise<void> =>
        new Promise<void>((r) => {
          const done = (): void => {
            out.off('drain', done);
            out.off('error', done);
            r();
          };
          out.once('drain', done);
          out.once('error', done);
        });
      try {
        for (const chunk of exportLdif(store)) {
          if (writeError) break;
          if (!out.write(chunk)) await drained();
        }
      } finally {
        await store.close();
      }
      // A file's open and write errors may come after the last write (and after end's callback): wait for its close.
      if (out !== process.stdout && !writeError) {
        await new Promise<void>((r) => {
          out.once('close', () => r());
          out.end();
        });
      }
      if (writeError) throw new MeshdirError('MESHDIR_EXPORT', `cannot write ${opts.output ?? 'the output'}: ${writeError.message}`);
    });
}

/**
 * slapcat's order, entry ids ascending (the order entries were added), but
 * never a child before its parent: an entry moved below a later one waits
 * until its parent is out, so the output always loads again (slapcat's can
 * fail to). Entries not under the suffix are not written.
 */
export function* exportLdif(store: Store): Generator<string> {
  // One read snapshot for the whole dump (as slapcat holds one read
  // transaction): reads outside it see later commits, and an entry moved
  // under a parent added after the dump began would wait for a parent that
  // never comes, and be left out without a word.
  const txn = store.dbs.env.useReadTransaction();
  try {
    yield* dump(store, txn);
  } finally {
    txn.done();
  }
}

function* dump(store: Store, transaction: unknown): Generator<string> {
  const byId = (id: number) => store.byId(id, transaction);
  const written = new Set<number>();
  const waiting = new Map<number, number[]>();
  for (const key of store.dbs.entries.getKeys({ transaction } as never)) {
    const rec = byId(key as number);
    if (!rec) continue;
    if (rec.ndn !== store.suffixNdn && !written.has(rec.parent)) {
      const w = waiting.get(rec.parent);
      if (w) w.push(rec.id);
      else waiting.set(rec.parent, [rec.id]);
      continue;
    }
    const stack = [rec];
    while (stack.length) {
      const r = stack.pop()!;
      yield formatEntry(r.dn, r.attrs.filter(([k]) => !SKIP.has(k)), { wrap: EXPORT_WRAP });
      written.add(r.id);
      const kids = waiting.get(r.id) ?? [];
      waiting.delete(r.id);
      for (let i = kids.length - 1; i >= 0; i--) {
        const k = byId(kids[i]!);
        if (k) stack.push(k);
      }
    }
  }
  // Within one snapshot every parent is an entry: what still waits is not
  // under the suffix (cn=config). Say so rather than drop it silently.
  let left = 0;
  for (const ids of waiting.values()) left += ids.length;
  if (left > 0) process.stderr.write(`meshdir: export: ${left} entr${left === 1 ? 'y' : 'ies'} outside ${store.suffixNdn} not written\n`);
}
