// `meshdir demo` (what `npm start` runs): the example servers of
// agreements/demo on 127.0.0.1 as child processes, the example data loaded
// into m1 (replication brings it to the others), Replication Manager entries
// added over LDAP, and the lines to try. Ctrl-C stops them all.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadServerConfig, type ServerConfig } from '../config/load.js';
import { createLogger } from '../log.js';
import { LdapClient } from '../ldap/client.js';
import { openStore } from '../runtime.js';
import { importLdif } from './import.js';
import { onShutdown } from './signals.js';
import { acquireLock, lockHolder } from './lock.js';
import { MeshdirError } from '../errors.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, '..', '..');
const DEMO = join(REPO, 'agreements', 'demo');
const BIN = join(REPO, 'bin', 'meshdir');
export const DEMO_SERVERS = ['m1', 'm2', 'm3', 'c1'];
const ROOT_PASSWORD = 'secret';
const REPLICATION_MANAGER = 'cn=replication manager,cn=config';

async function waitReady(url: string, child: ChildProcess, ms = 15000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: server exited with code ${child.exitCode} (see its log)`);
    try {
      const c = await LdapClient.connect(url, { connectTimeoutMs: 500, timeoutMs: 2000 });
      await c.search('', '(objectClass=*)', { scope: 0 });
      c.close();
      return;
    } catch (e) {
      if (Date.now() > until) throw new Error(`${url}: not answering after ${ms / 1000} s: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Entries under the suffix, as the rootDn sees them (-1: none, or not answering). */
async function entryCount(c: ServerConfig): Promise<number> {
  let client: LdapClient | undefined;
  try {
    client = await LdapClient.connect(c.listen[0]!, { connectTimeoutMs: 2000, timeoutMs: 5000 });
    await client.bind(c.rootDn, ROOT_PASSWORD);
    return (await client.search(c.suffix, '(objectClass=*)', { scope: 2, attributes: ['1.1'], sizeLimit: 0 })).entries.length;
  } catch {
    return -1;
  } finally {
    client?.close();
  }
}

/** Every server holds as many entries as m1, within `ms`. */
async function inSync(configs: [string, ServerConfig][], ms = 30_000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    const counts = await Promise.all(configs.map(([, c]) => entryCount(c)));
    if (counts[0]! > 0 && counts.every((n) => n === counts[0])) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('start the example mesh: three masters and a read-only consumer on 127.0.0.1')
    .option('--keep', 'keep the data of an earlier run instead of starting fresh')
    .action(async (opts: { keep?: boolean }) => {
      const configs = DEMO_SERVERS.map((n) => [n, loadServerConfig(join(DEMO, `${n}.yaml`))] as [string, ServerConfig]);
      // A demo already running: its data would be wiped from under it.
      for (const [, c] of configs) {
        const holder = lockHolder(c.dataDir);
        if (holder !== undefined) throw new MeshdirError('MESHDIR_LOCKED', `${c.dataDir} is in use by process ${holder}: is a demo already running? Stop it first (Ctrl-C)`);
      }
      // --keep without an earlier run (or with part of one) would start servers without data or Replication Managers.
      const missing = configs.find(([, c]) => !existsSync(join(c.dataDir, 'data.mdb')));
      if (opts.keep && missing) process.stderr.write(`meshdir demo: --keep: no earlier run to keep (${missing[1].dataDir} holds no database): starting from the example data\n`);
      const fresh = !opts.keep || missing !== undefined;
      if (fresh) {
        for (const [, c] of configs) {
          rmSync(c.dataDir, { recursive: true, force: true });
          if (c.log.file) rmSync(c.log.file, { force: true });
        }
      }
      if (fresh) {
        const [, m1] = configs[0]!;
        const release = acquireLock(m1.dataDir, m1.file);
        try {
          const store = openStore(m1, createLogger({ level: 'warn' }));
          try {
            await importLdif(store, join(DEMO, 'example.ldif'), { keepGoing: false, progress: false, rootDn: m1.rootDn });
          } finally {
            await store.close();
          }
        } finally {
          release();
        }
      }
      const children: ChildProcess[] = [];
      const stopAll = async (): Promise<void> => {
        await Promise.all(children.map((ch) => new Promise<void>((r) => {
          if (ch.exitCode !== null || ch.signalCode !== null) return r();
          ch.once('exit', () => r());
          ch.kill('SIGTERM');
        })));
        process.stderr.write('meshdir demo: all servers stopped\n');
      };
      onShutdown(stopAll);
      for (const [name] of configs) {
        const ch = spawn(process.execPath, [BIN, 'serve', '--config', join(DEMO, `${name}.yaml`)], { stdio: ['ignore', 'ignore', 'inherit'] });
        children.push(ch);
      }
      const replPassword = readFileSync(join(REPO, 'agreements', 'secrets', 'replication.pw'), 'utf8').trim();
      try {
        for (let i = 0; i < configs.length; i++) {
          const [, c] = configs[i]!;
          const url = c.listen[0]!;
          await waitReady(url, children[i]!);
          if (!fresh) continue;
          const client = await LdapClient.connect(url);
          try {
            await client.bind(c.rootDn, ROOT_PASSWORD);
            await client.add(REPLICATION_MANAGER, {
              objectClass: ['applicationProcess', 'simpleSecurityObject'],
              cn: 'replication manager',
              userPassword: replPassword,
            });
          } finally {
            client.close();
          }
        }
      } catch (e) {
        // One server could not start (its port taken): the others are
        // stopped too rather than left running without the demo.
        await stopAll();
        throw e;
      }
      // The lines printed below are meant to work when pasted at once: the
      // first reads alice on m2. Replication starts once the Replication
      // Managers exist (the agreements' first binds were refused): wait
      // until every server holds what m1 holds.
      if (!(await inSync(configs))) process.stderr.write('meshdir demo: replication has not brought the example data to every server yet (see the logs)\n');
      const lines = [
        '',
        'meshdir demo: running on 127.0.0.1 (Ctrl-C stops everything)',
        ...configs.map(([n, c]) => `  ${n}  ${c.listen[0]}  ${c.role}${c.replicaId ? ` (replicaId ${c.replicaId})` : ''}   log: ${c.log.file}`),
        '',
        `  suffix dc=example,dc=com   rootDn "cn=Directory Manager"   password ${ROOT_PASSWORD}`,
        '',
        'Try:',
        `  ldapsearch -x -H ldap://127.0.0.1:2389 -b dc=example,dc=com '(uid=alice)' cn mail`,
        `  ldapmodify -x -H ldap://127.0.0.1:1389 -D 'cn=Directory Manager' -w ${ROOT_PASSWORD} <<'EOF'`,
        '  dn: uid=alice,ou=people,dc=example,dc=com',
        '  changetype: modify',
        '  replace: mail',
        '  mail: alice.smith@example.com',
        '  EOF',
        `  ldapsearch -x -H ldap://127.0.0.1:3389 -b uid=alice,ou=people,dc=example,dc=com -s base mail     # the change, replicated`,
        `  printf 'dn: uid=alice,ou=people,dc=example,dc=com\\nchangetype: modify\\nreplace: mail\\nmail: x@example.com\\n' | ldapmodify -x -H ldap://127.0.0.1:4389 -D 'cn=Directory Manager' -w ${ROOT_PASSWORD}   # the consumer: a referral (10)`,
        `  node bin/meshdir repl status --config agreements/demo/m1.yaml`,
        `  node bin/meshdir repl check -D 'cn=Directory Manager' -w ${ROOT_PASSWORD} ldap://127.0.0.1:1389 ldap://127.0.0.1:2389 ldap://127.0.0.1:3389 ldap://127.0.0.1:4389`,
        '',
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}
