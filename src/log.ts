// One pino logger per process. Access lines (one per operation, like
// slapd's `loglevel stats`) go through the same logger with `access: true`.
import { openSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { makeDirs } from './dirs.js';

export type { Logger };

export function createLogger(opts: { level?: LevelWithSilent; file?: string; name?: string } = {}): Logger {
  // The file is opened here, not by sonic-boom in the background: a process
  // that exits right away (a bad server file) must not find its log not
  // ready (sonic-boom then throws from its exit handler: exit 1, not 2).
  const fd = opts.file ? openLog(opts.file) : 1;
  const dest = pino.destination({ fd, sync: false });
  const level = opts.level ?? 'info';
  // At debug and trace, times to the microsecond: enough to follow one
  // change from server to server on one machine.
  const fine = level === 'debug' || level === 'trace';
  return pino({ level, name: opts.name, base: { pid: process.pid }, ...(fine ? { timestamp: () => `,"time":${(performance.timeOrigin + performance.now()).toFixed(3)}` } : {}) }, dest);
}

function openLog(file: string): number {
  makeDirs(dirname(file));
  return openSync(file, 'a');
}

/** For tools and tests that must stay quiet. */
export const silentLogger: Logger = pino({ level: 'silent' });
