// `meshdir passwd`: print a password hash for a server file (like slappasswd).
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { hashPassword, SCHEMES, type Scheme } from '../auth/password.js';
import { ConfigError } from '../config/load.js';

async function readSecret(): Promise<string> {
  if (!process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) return line;
    throw new ConfigError('no password given on standard input');
  }
  const ask = (q: string): Promise<string> =>
    new Promise((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
      // Hide what is typed.
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s) => {
        if (s.startsWith(q)) process.stderr.write(q);
      };
      rl.question(q, (a) => {
        rl.close();
        process.stderr.write('\n');
        resolve(a);
      });
    });
  const a = await ask('New password: ');
  const b = await ask('Re-enter new password: ');
  if (a !== b) throw new ConfigError('password values do not match');
  return a;
}

export function passwdCommand(program: Command): void {
  program
    .command('passwd')
    .description('print a hashed password for rootPassword or userPassword')
    .option('-s, --secret <password>', 'the password (else prompted, or read from standard input)')
    .option('-h, --scheme <scheme>', `hash scheme: ${SCHEMES.join(', ')}`, 'SSHA')
    .action(async (opts: { secret?: string; scheme: string }) => {
      const scheme = opts.scheme.replace(/^\{|\}$/g, '').toUpperCase() as Scheme;
      if (!SCHEMES.includes(scheme)) throw new ConfigError(`unknown scheme "${opts.scheme}" (use ${SCHEMES.join(', ')})`);
      const secret = opts.secret ?? (await readSecret());
      if (secret === '') throw new ConfigError('the password is empty');
      process.stdout.write((await hashPassword(secret, scheme)) + '\n');
    });
}
