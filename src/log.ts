// One pino logger per process. Access lines (one per operation, like
// slapd's `loglevel stats`) go through the same logger with `access: true`.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export function createLogger(opts: { level?: LevelWithSilent; file?: string; name?: string } = {}): Logger {
  const dest = opts.file ? pino.destination({ dest: opts.file, mkdir: true, sync: false }) : pino.destination({ fd: 1, sync: false });
  const level = opts.level ?? 'info';
  // At debug and trace, times to the microsecond: enough to follow one
  // change from server to server on one machine.
  const fine = level === 'debug' || level === 'trace';
  return pino({ level, name: opts.name, base: { pid: process.pid }, ...(fine ? { timestamp: () => `,"time":${(performance.timeOrigin + performance.now()).toFixed(3)}` } : {}) }, dest);
}

/** For tools and tests that must stay quiet. */
export const silentLogger: Logger = pino({ level: 'silent' });
