// `meshdir export`: dump the database as LDIF (like slapcat), parents before
// children, with the operational attributes a reload needs.
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { loadServerConfig } from '../config/load.js';
import { formatEntry } from '../dit/ldif-write.js';
import { createLogger } from '../log.js';
import { openStore } from '../runtime.js';
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
      const store = openStore(config, createLogger({ level: 'warn' }));
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

export function* exportLdif(store: Store): Generator<string> {
  const top = store.byNdn(store.suffixNdn);
  if (!top) return;
  const stack = [top.id];
  while (stack.length) {
    const rec = store.byId(stack.pop()!);
    if (!rec) continue;
    yield formatEntry(rec.dn, rec.attrs.filter(([k]) => !SKIP.has(k)), { wrap: EXPORT_WRAP });
    const kids = [...store.childIds(rec.id)];
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
}
