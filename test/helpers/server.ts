// Real meshdir server processes for integration, interop and fault tests:
// a temporary data dir and server file, `bin/meshdir serve` on 127.0.0.1
// with a free port (read back from the startup log line).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const REPO = resolve(new URL('../..', import.meta.url).pathname);
export const BIN = join(REPO, 'bin', 'meshdir');
export const EXAMPLE_LDIF = join(REPO, 'agreements', 'demo', 'example.ldif');
export const ROOT_DN = 'cn=Directory Manager';
export const ROOT_PW = 'secret';
/** slappasswd -s secret */
export const ROOT_HASH = '{SSHA}nIzdxLgn1vuV0ivXjPMG+tkgen+fCaY7';
export const SUFFIX = 'dc=example,dc=com';

export interface ServerOptions {
  /** Extra YAML appended to the server file (top-level keys). */
  yaml?: string;
  /** The `indexes` map, as YAML flow (default: objectClass, uid, cn, sn, mail, member). */
  indexes?: string;
  /** Load agreements/demo/example.ldif with `meshdir import` before starting. */
  seed?: boolean | string;
  replicaId?: number;
  role?: 'master' | 'hub' | 'consumer';
  /** Reuse this data dir (e.g. after a kill). */
  dir?: string;
  listen?: string[];
  env?: Record<string, string>;
}

export interface TestServer {
  url: string;
  port: number;
  dir: string;
  configFile: string;
  child: ChildProcess;
  /** Log lines (JSON) printed so far. */
  log: string[];
  stop(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function writeServerFile(dir: string, o: ServerOptions): string {
  const role = o.role ?? 'master';
  const lines = [
    role === 'master' ? `replicaId: ${o.replicaId ?? 1}` : '',
    `role: ${role}`,
    `listen: [${(o.listen ?? ['ldap://127.0.0.1:0']).join(', ')}]`,
    `dataDir: ${join(dir, 'data')}`,
    `suffix: ${SUFFIX}`,
    `rootDn: ${ROOT_DN}`,
    `rootPassword: "${ROOT_HASH}"`,
    `schemaDir: ${join(REPO, 'schema')}`,
    `indexes: ${o.indexes ?? '{ objectClass: [eq], uid: [eq], cn: [eq, sub], sn: [eq], mail: [eq, sub, pres], member: [eq] }'}`,
    o.yaml ?? '',
  ];
  const file = join(dir, 'server.yaml');
  writeFileSync(file, lines.filter(Boolean).join('\n') + '\n');
  return file;
}

/**
 * `[command, args]` that run node with `args` as a user runs it. Under tap,
 * every process a test spawns gets tap's module hooks through NODE_OPTIONS
 * (put back by a spawn hook even when the env drops it): ~1 s more CPU per
 * process start (2.2 against 0.7 s for a small `meshdir import`), a third
 * of the suite's CPU, and signal handlers a user's server does not have.
 * env(1) clears it; with a file size limit a shell (bash: its `ulimit -f`
 * counts KiB, dash's 512 bytes), started with --norc: a bash whose stdin
 * is a socket (an async spawn's stdio pipes are) reads ~/.bashrc as if
 * run by sshd: on the development VM, pyenv's init, ~25 ms more per start.
 * `npm run coverage` sets MESHDIR_TEST_CHILD_COVERAGE=1 to keep the hooks,
 * for the coverage of what the servers ran; never with a file size limit
 * (RLIMIT_FSIZE, as on a full disk: node ignores SIGXFSZ, tap's
 * signal-exit hooks re-raise it).
 */
export function nodeCommand(args: string[], fileSizeLimitKiB?: number): [string, string[]] {
  if (fileSizeLimitKiB !== undefined) {
    return ['/bin/bash', ['--norc', '--noprofile', '-c', `unset NODE_OPTIONS; ulimit -f ${fileSizeLimitKiB} && exec "$0" "$@"`, process.execPath, ...args]];
  }
  if (process.env.MESHDIR_TEST_CHILD_COVERAGE === '1') return [process.execPath, args];
  return ['/usr/bin/env', ['-u', 'NODE_OPTIONS', process.execPath, ...args]];
}

export function meshdir(args: string[], opts: { input?: string; env?: Record<string, string> } = {}) {
  const [cmd, argv] = nodeCommand([BIN, ...args]);
  return spawnSync(cmd, argv, { encoding: 'utf8', input: opts.input, env: { ...process.env, ...opts.env }, timeout: 120_000 });
}

export async function startServer(o: ServerOptions = {}): Promise<TestServer> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'meshdir-test-'));
  const configFile = writeServerFile(dir, o);
  if (o.seed) {
    const r = meshdir(['import', '--config', configFile, '--no-progress', typeof o.seed === 'string' ? o.seed : EXAMPLE_LDIF]);
    if (r.status !== 0) throw new Error(`import failed (exit ${r.status}, signal ${r.signal}): ${r.stderr}`);
  }
  try {
    return await launch(dir, configFile, o.env);
  } catch (e) {
    // A server that never started has nobody to clean up after it.
    if (!o.dir) cleanup(dir);
    throw e;
  }
}

/** Start (again) the server of an existing server file. */
export async function launch(dir: string, configFile: string, env?: Record<string, string>, o: { fileSizeLimitKiB?: number } = {}): Promise<TestServer> {
  const args = [BIN, 'serve', '--config', configFile];
  // RLIMIT_FSIZE: a write past it fails (EFBIG, or a short write), as on a
  // full disk.
  const [cmd, argv] = nodeCommand(args, o.fileSizeLimitKiB);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const log: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s: ${stderr}`)), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
    lines.on('line', (l) => {
      log.push(l);
      if (l.includes('"meshdir started"')) {
        clearTimeout(timer);
        const url = (JSON.parse(l) as { listen: string[] }).listen[0]!;
        resolvePort(Number(new URL(url).port));
      }
    });
  });
  const server: TestServer = {
    url: `ldap://127.0.0.1:${port}`,
    port,
    dir,
    configFile,
    child,
    log,
    async stop() {
      await server.kill('SIGTERM');
    },
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((r) => {
        child.once('exit', () => r());
        child.kill(signal);
      });
    },
  };
  return server;
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
