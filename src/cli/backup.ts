// `meshdir backup` (consistent, compacted copy while the server runs: one
// read transaction, see store/compact.ts) and `meshdir restore` (server stopped; the
// restored database gets a NEW generation ID so it cannot silently mix its
// older history with its peers — replication with it stops with
// `generation-mismatch` until an administrator runs `meshdir repl init`).
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, linkSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, loadServerConfig } from '../config/load.js';
import { MeshdirError } from '../errors.js';
import { createLogger } from '../log.js';
import { loadServerSchema, openExistingStore, openStore } from '../runtime.js';
import { compactInPlace, fsyncFile, writeCompactCopy } from '../store/compact.js';
import { acquireLock } from './lock.js';
import { checkLmdbFile } from '../store/lmdb-file.js';
import { entryCount, openDbs } from '../store/db.js';
import { makeDirs } from '../dirs.js';

interface Manifest {
  format: 1;
  suffix: string;
  generationId: string;
  ruv: Record<string, string>;
  entries: number;
  takenAt: string;
  from: string;
}

export function backupCommands(program: Command): void {
  program
    .command('backup')
    .description('write a consistent copy of the database to DIR (the server may be running)')
    .requiredOption('-c, --config <file>', 'server file (YAML)')
    .argument('<dir>', 'backup directory (created; must be empty)')
    .action(async (dir: string, opts: { config: string }) => {
      const config = loadServerConfig(opts.config);
      if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ConfigError(`${dir}: not a directory`);
      if (existsSync(dir) && readdirSync(dir).length) throw new ConfigError(`${dir}: backup directory is not empty`);
      const store = openExistingStore(config, createLogger({ level: 'warn' }));
      makeDirs(join(dir, 'db'), 0o700);
      try {
        const started = Date.now();
        await writeCompactCopy(store.dbs.env, join(dir, 'db'), config.mapSizeMiB).catch((e: unknown) => {
          // No half copy left to fill the target (it has no manifest: restore would refuse it anyway).
          rmSync(join(dir, 'db'), { recursive: true, force: true });
          throw e;
        });
        // Described from the copy itself: the live database may have moved on since its snapshot.
        const copy = openDbs(join(dir, 'db'), { readOnly: true, mapSizeMiB: config.mapSizeMiB });
        let manifest: Manifest;
        try {
          manifest = {
            format: 1, suffix: config.suffix, generationId: copy.meta.get('generationId') as string, ruv: (copy.meta.get('ruv') as Manifest['ruv'] | undefined) ?? {},
            entries: entryCount(copy), takenAt: new Date().toISOString(), from: config.file,
          };
        } finally {
          await copy.env.close();
          rmSync(join(dir, 'db', 'lock.mdb'), { force: true });
        }
        writeFileSync(join(dir, 'meshdir-backup.json'), JSON.stringify(manifest, null, 2) + '\n');
        process.stderr.write(`backup of ${manifest.entries} entries written to ${dir} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      } finally {
        await store.close();
      }
    });

  program
    .command('restore')
    .description('replace the database with a backup (server stopped); gives it a new generation ID')
    .requiredOption('-c, --config <file>', 'server file (YAML)')
    .argument('<dir>', 'a directory written by `meshdir backup`')
    .action(async (dir: string, opts: { config: string }) => {
      const config = loadServerConfig(opts.config);
      let manifest: Manifest;
      try {
        manifest = JSON.parse(readFileSync(join(dir, 'meshdir-backup.json'), 'utf8')) as Manifest;
      } catch (e) {
        throw new MeshdirError('MESHDIR_RESTORE', `${dir}: not a meshdir backup (meshdir-backup.json: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      if (!existsSync(join(dir, 'db', 'data.mdb'))) throw new MeshdirError('MESHDIR_RESTORE', `${dir}: db/data.mdb is missing`);
      // Refused before anything in dataDir is touched.
      if (typeof manifest.suffix !== 'string' || typeof manifest.entries !== 'number') throw new MeshdirError('MESHDIR_RESTORE', `${dir}: not a meshdir backup (meshdir-backup.json lacks suffix or entries)`);
      const schema = loadServerSchema(config);
      if (schema.normalizeDN(manifest.suffix) !== schema.normalizeDN(config.suffix)) throw new MeshdirError('MESHDIR_RESTORE', `${dir}: a backup of ${manifest.suffix}; ${config.file} serves ${config.suffix}; nothing was changed`);
      try {
        checkLmdbFile(join(dir, 'db', 'data.mdb'));
      } catch (e) {
        throw new MeshdirError('MESHDIR_RESTORE', `${(e as Error).message}; nothing was changed`);
      }
      const release = acquireLock(config.dataDir, config.file);
      try {
        // The copy is made, checked and given its new generation ID beside
        // the database, then renamed over it: a kill at any point leaves
        // either the old database or the whole restored one with its new
        // generation, never a partial file or the backup's generation.
        const tmp = join(config.dataDir, '.restore');
        rmSync(tmp, { recursive: true, force: true });
        makeDirs(tmp, 0o700);
        cpSync(join(dir, 'db', 'data.mdb'), join(tmp, 'data.mdb'));
        fsyncFile(join(tmp, 'data.mdb'));
        const gen = randomUUID();
        const store = openStore({ ...config, dataDir: tmp }, createLogger({ level: 'warn' }));
        try {
          await store.write((tx) => {
            store.dbs.meta.put('generationId', gen);
            // Its own changes made after the backup may be held elsewhere.
            store.renewOwnFloor(tx);
          });
        } catch (e) {
          await store.close();
          rmSync(tmp, { recursive: true, force: true });
          throw e;
        }
        await store.close();
        const live = join(config.dataDir, 'data.mdb');
        const aside = `${config.dataDir}.before-restore-${Date.now()}`;
        if (existsSync(live)) {
          makeDirs(aside, 0o700);
          // A second name for the old file; the rename below replaces the live name in one step.
          linkSync(live, join(aside, 'data.mdb'));
          fsyncFile(aside);
        }
        renameSync(join(tmp, 'data.mdb'), live);
        fsyncFile(config.dataDir);
        rmSync(join(config.dataDir, 'lock.mdb'), { force: true });
        rmSync(tmp, { recursive: true, force: true });
        process.stderr.write(
          `restored ${manifest.entries} entries (backup of ${manifest.takenAt}) into ${config.dataDir}${existsSync(aside) ? `; the previous database is in ${aside}` : ''}\n` +
            `new generation ID ${gen}: replication with this server stops (generation-mismatch) until you run \`meshdir repl init\` from it to its peers or from a peer to it\n`,
        );
      } finally {
        release();
      }
    });

  program
    .command('compact')
    .description('rewrite the database compacted, one named database after the other (server stopped)')
    .requiredOption('-c, --config <file>', 'server file (YAML)')
    .action(async (opts: { config: string }) => {
      const config = loadServerConfig(opts.config);
      // As the other commands that read a database: a fault of the server file, exit 2.
      if (!existsSync(join(config.dataDir, 'data.mdb'))) throw new ConfigError(`${config.file}: dataDir: no database in ${config.dataDir} (nothing to compact)`);
      const release = acquireLock(config.dataDir, config.file);
      try {
        const c = await compactInPlace(config.dataDir, config.mapSizeMiB);
        process.stderr.write(`compacted ${config.dataDir}: ${c.summary}\n`);
      } finally {
        release();
      }
    });
}
