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
  const dest = pino.destination({ fd, sync: false, maxLength: MAX_BUFFERED });
  // sonic-boom reopens only a file it opened itself: it is told the path.
  if (opts.file) (dest as unknown as { file: string }).file = opts.file;
  keepGoingWhenFull(dest, opts.file ?? 'standard output');
  const level = opts.level ?? 'info';
  // At debug and trace, times to the microsecond: enough to follow one
  // change from server to server on one machine.
  const fine = level === 'debug' || level === 'trace';
  return pino({ level, name: opts.name, base: { pid: process.pid }, ...(fine ? { timestamp: () => `,"time":${(performance.timeOrigin + performance.now()).toFixed(3)}` } : {}) }, dest);
}

/** Log text held while the log cannot be written (a full disk); later lines are dropped. */
const MAX_BUFFERED = 16 * 1024 * 1024;

/**
 * A log that cannot be written (a full disk, a file-size limit) must not
 * stop the server: sonic-boom emits the write error (pino re-emits it with
 * no listener left: an uncaught exception), and its flush at exit retries a
 * failed write for ever, so the process neither served nor exited. Here
 * the first failure is said once on stderr, lines are held up to
 * MAX_BUFFERED and then dropped, the next line tries again, and the flush
 * at exit is skipped while writes fail.
 */
function keepGoingWhenFull(dest: ReturnType<typeof pino.destination>, name: string): void {
  let failing = false;
  dest.on('error', (e: NodeJS.ErrnoException) => {
    if (!failing) process.stderr.write(`meshdir: cannot write the log (${name}): ${e.code ?? e.message}; log lines are held, then dropped, until it can\n`);
    failing = true;
  });
  dest.on('write', () => {
    if (!failing) return;
    failing = false;
    process.stderr.write(`meshdir: the log (${name}) can be written again\n`);
  });
  const flushSync = dest.flushSync.bind(dest);
  dest.flushSync = () => {
    if (!failing) flushSync();
  };
}

function openLog(file: string): number {
  makeDirs(dirname(file));
  return openSync(file, 'a');
}

/**
 * Opens the log file again by its path (after logrotate renamed it, say):
 * lines written from now on go to the new file, those still buffered too.
 */
export function reopenLog(log: Logger): void {
  ((log as unknown as Record<symbol, { reopen(): void }>)[pino.symbols.streamSym])!.reopen();
}

/** For tools and tests that must stay quiet. */
export const silentLogger: Logger = pino({ level: 'silent' });
