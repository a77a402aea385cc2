// `meshdir` subcommands. Errors are one line on stderr and a non-zero exit:
// 2 for a bad config or usage, 1 for everything else.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.js';
import { MeshdirError } from '../errors.js';
import { VENDOR_VERSION } from '../ldap/ops/virtual.js';
import { serveCommand } from './serve.js';
import { importCommand } from './import.js';
import { exportCommand } from './export.js';
import { passwdCommand } from './passwd.js';
import { demoCommand } from './demo.js';
import { conflictsCommand, replCommand } from './repl.js';
import { backupCommands } from './backup.js';

export function fail(e: unknown): never {
  const code = e instanceof ConfigError ? 2 : 1;
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`meshdir: ${msg}\n`);
  if (process.env.MESHDIR_DEBUG && e instanceof Error && !(e instanceof MeshdirError)) process.stderr.write(`${e.stack}\n`);
  process.exit(code);
}

// `meshdir export | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  fail(new Error(`cannot write the output: ${e.message}`));
});

const program = new Command('meshdir')
  .description('multi-master LDAPv3 directory server')
  .version(VENDOR_VERSION)
  // DESIGN.md: an error is one clear line (commander's, e.g. "error: required
  // option '-c, --config <file>' not specified"); --help shows the usage.
  .configureOutput({ outputError: (s, write) => write(`meshdir: ${s.replace(/^error: /, '').trimEnd()} (see meshdir --help)\n`) })
  .exitOverride();

serveCommand(program);
demoCommand(program);
importCommand(program);
exportCommand(program);
passwdCommand(program);
replCommand(program);
conflictsCommand(program);
backupCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  fail(e);
}
