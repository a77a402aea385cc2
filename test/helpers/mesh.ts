// A replication topology of real server processes on 127.0.0.1: server
// files with agreementsDir, Replication Manager entries added over LDAP,
// agreement files written (and rewritten) like an administrator would.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { LdapClient, type SearchEntry } from '../../src/ldap/client.js';
import { BIN, launch, meshdir, nodeCommand, ROOT_DN, ROOT_PW, SUFFIX, writeServerFile, type TestServer } from './server.js';

export const REPL_DN = 'cn=replication manager,cn=config';

/** An entry's attributes by lowercase type, values as strings. */
export function attrsOf(e: SearchEntry): Record<string, string[]> {
  const attrs: Record<string, string[]> = {};
  for (const a of e.attrs) attrs[a.type.toLowerCase()] = a.values.map((v) => v.toString());
  return attrs;
}

/** One entry read anonymously (monitor entries), {} when it cannot be read (yet). */
export async function readEntry(url: string, dn: string): Promise<Record<string, string[]>> {
  const c = await LdapClient.connect(url, { timeoutMs: 20_000 });
  try {
    const r = await c.search(dn, '(objectClass=*)', { scope: 0, attributes: ['*'] });
    return r.entries[0] ? attrsOf(r.entries[0]) : {};
  } catch {
    return {};
  } finally {
    c.close();
  }
}
export const REPL_PW = 'repl-secret';

export interface Node {
  name: string;
  role: 'master' | 'hub' | 'consumer';
  replicaId?: number;
  dir: string;
  agreementsDir: string;
  server: TestServer;
  url: string;
  /** Its ldaps:// listener, for nodes named in MeshOptions.ldaps. */
  ldapsUrl?: string;
}

/** One line of `meshdir conflicts --json`. */
export interface ConflictLine {
  csn: string;
  kind: string;
  uuid: string;
  dn?: string;
  attr?: string;
  detail: string;
  loser?: string;
  winner?: string;
  at: number;
}

export interface MeshOptions {
  /** name → role; masters get replicaIds 1, 2, … in order. */
  nodes: Record<string, 'master' | 'hub' | 'consumer'>;
  /** Extra YAML for every server file (e.g. replication keys). */
  yaml?: string | ((name: string) => string);
  /** Load agreements/demo/example.ldif into this node before start. */
  seed?: string;
  /** Nodes that also listen on ldaps:// (their yaml must give tls cert and key). */
  ldaps?: string[];
}

/** A port free right now (kept in the server file, so a restart reuses it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class Mesh {
  readonly root: string;
  readonly nodes = new Map<string, Node>();

  private constructor(root: string) {
    this.root = root;
  }

  static async start(o: MeshOptions): Promise<Mesh> {
    const mesh = new Mesh(mkdtempSync(join(tmpdir(), 'meshdir-mesh-')));
    live.add(mesh);
    try {
      await mesh.#startNodes(o);
    } catch (e) {
      // Nodes already running would outlive the test (nobody holds the mesh yet).
      await mesh.stop();
      throw e;
    }
    return mesh;
  }

  async #startNodes(o: MeshOptions): Promise<void> {
    let rid = 0;
    for (const [name, role] of Object.entries(o.nodes)) {
      const dir = join(this.root, name);
      const agreementsDir = join(dir, 'agreements');
      mkdirSync(agreementsDir, { recursive: true });
      writeFileSync(join(dir, 'repl.pw'), REPL_PW + '\n');
      const extra = typeof o.yaml === 'function' ? o.yaml(name) : (o.yaml ?? '');
      const replicaId = role === 'master' ? ++rid : undefined;
      const yaml = `agreementsDir: ${agreementsDir}\nlog: { level: ${process.env.MESHDIR_TEST_LOG_LEVEL ?? 'info'}, access: false }\n${extra.includes('replication:') ? '' : `replication:\n  managers: ["${REPL_DN}"]\n`}${extra}`;
      let server: TestServer | undefined;
      let ldapsUrl: string | undefined;
      // A port found free can be taken by a test running alongside before
      // the server binds it: then try other ports.
      for (let attempt = 1; !server; attempt++) {
        ldapsUrl = o.ldaps?.includes(name) ? `ldaps://127.0.0.1:${await freePort()}` : undefined;
        const configFile = writeServerFile(dir, { role, replicaId, listen: [`ldap://127.0.0.1:${await freePort()}`, ...(ldapsUrl ? [ldapsUrl] : [])], yaml });
        if (o.seed === name && attempt === 1) {
          const r = meshdir(['import', '--config', configFile, '--no-progress', join(new URL('../..', import.meta.url).pathname, 'agreements', 'demo', 'example.ldif')]);
          if (r.status !== 0) throw new Error(`import failed (exit ${r.status}, signal ${r.signal}): ${r.stderr}`);
        }
        try {
          server = await launch(dir, configFile);
        } catch (e) {
          if (attempt >= 5 || !/address already in use/.test((e as Error).message)) throw e;
        }
      }
      this.nodes.set(name, { name, role, replicaId, dir, agreementsDir, server, url: server.url, ...(ldapsUrl ? { ldapsUrl } : {}) });
      await this.addManager(name);
    }
  }

  node(name: string): Node {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  async client(name: string, bind = true): Promise<LdapClient> {
    const c = await LdapClient.connect(this.node(name).url, { timeoutMs: 20_000 });
    if (bind) await c.bind(ROOT_DN, ROOT_PW);
    return c;
  }

  async addManager(name: string, password = REPL_PW): Promise<void> {
    await addReplManager(this.node(name).url, password);
  }

  /** Write (or rewrite) the agreement file `from`→`to`; a field set to null is left out. */
  agree(from: string, to: string, extra: Record<string, string | number | boolean | null> = {}): string {
    const f = this.node(from);
    const fields: Record<string, string | number | boolean | null> = {
      consumer: this.node(to).url,
      bindDn: REPL_DN,
      bindPasswordFile: join(f.dir, 'repl.pw'),
      transport: 'plain',
      enabled: true,
      heartbeat: '2s',
      ...extra,
    };
    return this.writeAgreement(from, `to-${to}`, Object.entries(fields).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${typeof v === 'string' && /[:#{}\[\],]/.test(v) ? JSON.stringify(v) : v}`).join('\n') + '\n');
  }

  /**
   * Put raw text in `from`'s agreementsDir as `<name>.yaml`, all at once
   * (write then rename), so the server never reads half a file.
   */
  writeAgreement(from: string, name: string, text: string): string {
    const file = join(this.node(from).agreementsDir, `${name}.yaml`);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
    return file;
  }

  removeAgreement(from: string, name: string): void {
    rmSync(join(this.node(from).agreementsDir, `${name}.yaml`), { force: true });
  }

  /** Full mesh between these nodes (each supplies each other). */
  fullMesh(names: string[]): void {
    for (const a of names) for (const b of names) if (a !== b) this.agree(a, b);
  }

  /** Restart a node's process on the same data. */
  async restart(name: string): Promise<void> {
    await this.kill(name, 'SIGTERM');
    await this.launch(name);
  }

  /** End a node's process (SIGKILL: no shutdown at all). */
  async kill(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.node(name).server.kill(signal);
  }

  /** Start a stopped node again on its data dir and server file (same port). */
  async launch(name: string): Promise<void> {
    const n = this.node(name);
    n.server = await launch(n.dir, n.server.configFile);
    n.url = n.server.url;
  }

  /** `meshdir repl check` over these nodes' URLs. */
  check(names: string[]): { ok: boolean; output: string } {
    const r = meshdir(['repl', 'check', '-D', ROOT_DN, '-w', ROOT_PW, ...names.map((n) => this.node(n).url)]);
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  }

  /** Every node's conflict log (`meshdir conflicts --json`), as records tagged with the node. */
  conflicts(names: string[]): (ConflictLine & { node: string })[] {
    const out: (ConflictLine & { node: string })[] = [];
    for (const name of names) {
      const r = meshdir(['conflicts', '--config', this.node(name).server.configFile, '--json']);
      if (r.status !== 0) throw new Error(`meshdir conflicts on ${name} failed: ${r.stderr}`);
      for (const line of r.stdout.split('\n')) if (line.trim()) out.push({ ...(JSON.parse(line) as ConflictLine), node: name });
    }
    return out;
  }

  /** The entries of cn=replication,cn=monitor, by cn (lowercase attribute names). */
  async monitor(name: string): Promise<Map<string, Record<string, string[]>>> {
    const c = await this.client(name);
    try {
      const r = await c.search('cn=replication,cn=monitor', '(objectClass=*)', { scope: 2 });
      const out = new Map<string, Record<string, string[]>>();
      for (const e of r.entries) {
        const attrs = attrsOf(e);
        out.set(attrs.cn?.[0] ?? e.dn, attrs);
      }
      return out;
    } finally {
      c.close();
    }
  }

  /** One agreement's monitor entry (undefined when the server has no such agreement). */
  async agreement(from: string, name: string): Promise<Record<string, string[]> | undefined> {
    return (await this.monitor(from)).get(name);
  }

  /** The visible entries under the suffix, by lowercased DN (conflict entries too when `conflicts`). */
  async entries(name: string, o: { filter?: string; conflicts?: boolean } = {}): Promise<Map<string, Record<string, string[]>>> {
    const filter = o.filter ?? (o.conflicts ? '(|(objectClass=*)(meshdirConflict=*))' : '(objectClass=*)');
    const c = await this.client(name);
    try {
      const r = await c.search(SUFFIX, filter, { scope: 2, attributes: ['*', 'entryUUID', 'entryCSN'], sizeLimit: 0 });
      const out = new Map<string, Record<string, string[]>>();
      for (const e of r.entries) out.set(e.dn.toLowerCase(), attrsOf(e));
      return out;
    } finally {
      c.close();
    }
  }

  async count(name: string): Promise<number> {
    return (await this.entries(name)).size;
  }

  /** Stop every node; `keep` leaves the data directories for a post-mortem. */
  async stop(o: { keep?: boolean } = {}): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.server.kill('SIGTERM')));
    live.delete(this);
    if (!o.keep) rmSync(this.root, { recursive: true, force: true });
  }
}

/** Meshes not stopped yet: their servers die with this process, whatever ends it early. */
const live = new Set<Mesh>();
process.on('exit', () => {
  for (const mesh of live) {
    for (const n of mesh.nodes.values()) if (n.server.child.exitCode === null && n.server.child.signalCode === null) n.server.child.kill('SIGKILL');
    rmSync(mesh.root, { recursive: true, force: true });
  }
});

/** `meshdir …` without blocking this process (spawnSync would stop its clients too). */
export function meshdirAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [cmd, argv] = nodeCommand([BIN, ...args]);
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Add the Replication Manager entry (REPL_DN) on the server at `url`, as its rootDn. */
export async function addReplManager(url: string, password = REPL_PW): Promise<void> {
  const c = await LdapClient.connect(url, { timeoutMs: 20_000 });
  try {
    await c.bind(ROOT_DN, ROOT_PW);
    await c.add(REPL_DN, { objectClass: ['applicationProcess', 'simpleSecurityObject'], cn: 'replication manager', userPassword: password });
  } finally {
    c.close();
  }
}


/**
 * A `meshdir serve` started without launch() (which waits for the start
 * line on stdout: here the log goes to a file, or a wrapper runs it): its
 * stderr collected, SIGKILLed at the end if still running, and a client
 * once it listens on `port`, closed at the end.
 */
export async function serving(t: { teardown(fn: () => unknown): void }, child: ChildProcess, port: number): Promise<{ client: LdapClient; stderr: () => string }> {
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let client: LdapClient | undefined;
  await eventually(async () => {
    client = await LdapClient.connect(`ldap://127.0.0.1:${port}`, { timeoutMs: 5000 });
    return true;
  }, 20_000, 'the server listening');
  t.teardown(() => client!.close());
  return { client: client!, stderr: () => stderr };
}
/** Poll until `check` returns true (or throw after ms). */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 20_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export type LedgerMod = { op: 'add' | 'delete' | 'replace'; attr: string; values: string[] };

/** A write a client was told succeeded, with when it was sent and answered. */
export interface Acked {
  node: string;
  dn: string;
  op: 'add' | 'modify' | 'delete';
  /** modify: its changes; add: its attributes as adds. */
  mods: LedgerMod[];
  sent: number;
  acked: number;
}

const now = (): number => performance.timeOrigin + performance.now();

/**
 * Every write of a workload, kept only if the server acknowledged it: the
 * list a test checks the replicas against ("no acknowledged write lost").
 */
export class Ledger {
  readonly acked: Acked[] = [];
  /** Writes that got an error (or no answer): never acknowledged. */
  failed = 0;

  async modify(c: LdapClient, node: string, dn: string, mods: LedgerMod[]): Promise<boolean> {
    return this.#run(node, dn, 'modify', mods, () => c.modify(dn, mods));
  }

  async add(c: LdapClient, node: string, dn: string, attrs: Record<string, string | string[]>): Promise<boolean> {
    const mods = Object.entries(attrs).map(([attr, v]) => ({ op: 'add' as const, attr, values: Array.isArray(v) ? v : [v] }));
    return this.#run(node, dn, 'add', mods, () => c.add(dn, attrs));
  }

  async del(c: LdapClient, node: string, dn: string): Promise<boolean> {
    return this.#run(node, dn, 'delete', [], () => c.del(dn));
  }

  async #run(node: string, dn: string, op: Acked['op'], mods: LedgerMod[], f: () => Promise<void>): Promise<boolean> {
    const sent = now();
    try {
      await f();
    } catch {
      this.failed++;
      return false;
    }
    this.acked.push({ node, dn, op, mods, sent, acked: now() });
    return true;
  }
}
