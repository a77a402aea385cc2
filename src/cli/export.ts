// `meshdir export`: dump the database as LDIF (like slapcat), parents before
// children, with the operational attributes a reload needs.
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { loadServerConfig } from '../config/load.js';
import { formatEntry } from '../dit/ldif-write.js';
import { createLogger } from '../log.js';
import { openExistingStore } from '../runtime.js';
import type { Store } from '../store/store.js';

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
      try {
        for (const chunk of exportLdif(store)) {
          if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
        }
      } finally {
        await store.close();
        if (out !== process.stdout) await new Promise<void>((r) => (out as NodeJS.WritableStream).end(() => r()));
      }
    });
}

/**
 * slapcat's order, entry ids ascending (the order entries were added), but
 * never a child before its parent: an entry moved below a later one waits
 * until its parent is out, so the output always loads again (slapcat's can
 * fail to). Entries not under the suffix are not written.
 */
export function* exportLdif(store: Store): Generator<string> {
  const written = new Set<number>();
  const waiting = new Map<number, number[]>();
  for (const key of store.dbs.entries.getKeys()) {
    const rec = store.byId(key as number);
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
        const k = store.byId(kids[i]!);
        if (k) stack.push(k);
      }
    }
  }
}
