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

export function fail(e: unknown): never {
  const code = e instanceof ConfigError ? 2 : 1;
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`meshdir: ${msg}\n`);
  if (process.env.MESHDIR_DEBUG && e instanceof Error && !(e instanceof MeshdirError)) process.stderr.write(`${e.stack}\n`);
  process.exit(code);
}

const program = new Command('meshdir')
  .description('multi-master LDAPv3 directory server')
  .version(VENDOR_VERSION)
  .showHelpAfterError()
  .exitOverride();

serveCommand(program);
demoCommand(program);
importCommand(program);
exportCommand(program);
passwdCommand(program);
replCommand(program);
conflictsCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  fail(e);
}
