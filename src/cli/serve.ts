import type { Command } from 'commander';
import { loadServerConfig } from '../config/load.js';
import { loadServerSchema, startServer } from '../runtime.js';
import { acquireLock } from './lock.js';
import { onShutdown } from './signals.js';
import { reopenLog } from '../log.js';
import { HEAP_GROWING_PERCENT, limitHeapGrowth } from './heap.js';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run one server from its server file')
    .requiredOption('-c, --config <file>', 'server file (YAML)')
    .action(async (opts: { config: string }) => {
      const heapLimited = limitHeapGrowth();
      const config = loadServerConfig(opts.config);
      // Schema faults (an index on an unknown type) are refused before the data directory is made.
      const schema = loadServerSchema(config);
      const release = acquireLock(config.dataDir, config.file);
      const running = await startServer(config, { schema }).catch((e) => {
        release();
        throw e;
      });
      if (heapLimited) running.ctx.log.info({ heapGrowingPercent: HEAP_GROWING_PERCENT }, 'V8 heap growth between full collections limited');
      onShutdown(async () => {
        await running.stop();
        release();
      });
      // Log rotation (logrotate's postrotate `kill -HUP`): a log file is
      // opened again by its name. Logging to standard output, SIGHUP keeps
      // its default (a hangup ends the process).
      const file = config.log.file;
      if (file) {
        process.on('SIGHUP', () => {
          reopenLog(running.ctx.log);
          running.ctx.log.info({ file }, 'log file reopened (SIGHUP)');
        });
      }
    });
}
