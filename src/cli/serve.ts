import type { Command } from 'commander';
import { loadServerConfig } from '../config/load.js';
import { loadServerSchema, startServer } from '../runtime.js';
import { acquireLock } from './lock.js';
import { onShutdown } from './signals.js';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run one server from its server file')
    .requiredOption('-c, --config <file>', 'server file (YAML)')
    .action(async (opts: { config: string }) => {
      const config = loadServerConfig(opts.config);
      // Schema faults (an index on an unknown type) are refused before the data directory is made.
      const schema = loadServerSchema(config);
      const release = acquireLock(config.dataDir, config.file);
      const running = await startServer(config, { schema }).catch((e) => {
        release();
        throw e;
      });
      onShutdown(async () => {
        await running.stop();
        release();
      });
    });
}
