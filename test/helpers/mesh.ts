// A replication topology of real server processes on 127.0.0.1: server
// files with agreementsDir, Replication Manager entries added over LDAP,
// agreement files written (and rewritten) like an administrator would.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { LdapClient } from '../../src/ldap/client.js';
import { launch, meshdir, ROOT_DN, ROOT_PW, writeServerFile, type TestServer } from './server.js';

export const REPL_DN = 'cn=replication manager,cn=config';
export const REPL_PW = 'repl-secret';

export interface Node {
  name: string;
  role: 'master' | 'hub' | 'consumer';
  replicaId?: number;
  dir: string;
  agreementsDir: string;
  server: TestServer;
  url: string;
}

export interface MeshOptions {
  /** name → role; masters get replicaIds 1, 2, … in order. */
  nodes: Record<string, 'master' | 'hub' | 'consumer'>;
  /** Extra YAML for every server file (e.g. replication keys). */
  yaml?: string | ((name: string) => string);
  /** Load agreements/demo/example.ldif into this node before start. */
  seed?: string;
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
    let rid = 0;
    for (const [name, role] of Object.entries(o.nodes)) {
      const dir = join(mesh.root, name);
      const agreementsDir = join(dir, 'agreements');
      mkdirSync(agreementsDir, { recursive: true });
      writeFileSync(join(dir, 'repl.pw'), REPL_PW + '\n');
      const extra = typeof o.yaml === 'function' ? o.yaml(name) : (o.yaml ?? '');
      const replicaId = role === 'master' ? ++rid : undefined;
      const port = await freePort();
      const configFile = writeServerFile(dir, {
        role,
        replicaId,
        listen: [`ldap://127.0.0.1:${port}`],
        yaml: `agreementsDir: ${agreementsDir}\nlog: { level: info, access: false }\n${extra.includes('replication:') ? '' : `replication:\n  managers: ["${REPL_DN}"]\n`}${extra}`,
      });
      if (o.seed === name) {
        const r = meshdir(['import', '--config', configFile, '--no-progress', join(new URL('../..', import.meta.url).pathname, 'agreements', 'demo', 'example.ldif')]);
        if (r.status !== 0) throw new Error(`import failed: ${r.stderr}`);
      }
      const server = await launch(dir, configFile);
      mesh.nodes.set(name, { name, role, replicaId, dir, agreementsDir, server, url: server.url });
      await mesh.addManager(name);
    }
    return mesh;
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
    const c = await this.client(name);
    try {
      await c.add(REPL_DN, { objectClass: ['applicationProcess', 'simpleSecurityObject'], cn: 'replication manager', userPassword: password });
    } finally {
      c.close();
    }
  }

  /** Write (or rewrite) the agreement file `from`→`to`. */
  agree(from: string, to: string, extra: Record<string, string | number | boolean> = {}): string {
    const f = this.node(from);
    const file = join(f.agreementsDir, `to-${to}.yaml`);
    const fields: Record<string, string | number | boolean> = {
      consumer: this.node(to).url,
      bindDn: REPL_DN,
      bindPasswordFile: join(f.dir, 'repl.pw'),
      transport: 'plain',
      enabled: true,
      heartbeat: '2s',
      ...extra,
    };
    writeFileSync(file, Object.entries(fields).map(([k, v]) => `${k}: ${typeof v === 'string' && /[:#{}\[\],]/.test(v) ? JSON.stringify(v) : v}`).join('\n') + '\n');
    return file;
  }

  /** Full mesh between these nodes (each supplies each other). */
  fullMesh(names: string[]): void {
    for (const a of names) for (const b of names) if (a !== b) this.agree(a, b);
  }

  /** Restart a node's process on the same data. */
  async restart(name: string): Promise<void> {
    const n = this.node(name);
    await n.server.kill('SIGTERM');
    n.server = await launch(n.dir, n.server.configFile);
    n.url = n.server.url;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.server.kill('SIGTERM')));
    rmSync(this.root, { recursive: true, force: true });
  }
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
