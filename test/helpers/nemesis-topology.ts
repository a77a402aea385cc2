// The nemesis topology: masters in a full mesh plus a consumer fed by some
// of them, every agreement pointing at its own TCP proxy so that links can
// be cut, healed and slowed one by one. Overlapping faults on one link are
// counted: a link carries bytes again only when the last cut on it heals.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Mesh, meshdirAsync, type ConflictLine } from './mesh.js';
import { Proxy } from './proxy.js';
import { launch, ROOT_DN, ROOT_PW } from './server.js';

export interface TopologyOptions {
  masters: string[];
  consumer: string;
  /** Masters with an agreement to the consumer. */
  feeders: string[];
  heartbeat?: string;
}

interface Link {
  from: string;
  to: string;
  proxy: Proxy;
  cuts: number;
  /** Latencies of the slowdowns in force; the link takes the largest. */
  slows: number[];
  /** Disables of its agreement in force: it is enabled again when the last ends. */
  disabled: number;
}

/** What the servers report about replication: equal RUVs and no lag anywhere means converged. */
export interface Settlement {
  converged: boolean;
  /** Why not, when not. */
  why: string;
}

export class Topology {
  readonly links: Link[] = [];
  /** Server exits nobody asked for: name → exit code/signal and stderr tail. */
  readonly crashes: string[] = [];
  #expectedExit = new Set<string>();
  /** Error-level log lines of every process so far (a restart starts a new log). */
  #errors: string[] = [];

  private constructor(readonly mesh: Mesh, readonly o: TopologyOptions) {}

  static async start(o: TopologyOptions): Promise<Topology> {
    const nodes: Record<string, 'master' | 'consumer'> = {};
    for (const m of o.masters) nodes[m] = 'master';
    nodes[o.consumer] = 'consumer';
    const mesh = await Mesh.start({ nodes, seed: o.masters[0] });
    const topo = new Topology(mesh, o);
    try {
      for (const name of mesh.nodes.keys()) topo.#watch(name);
      const pairs: [string, string][] = [];
      for (const a of o.masters) for (const b of o.masters) if (a !== b) pairs.push([a, b]);
      for (const f of o.feeders) pairs.push([f, o.consumer]);
      for (const [from, to] of pairs) {
        const proxy = await Proxy.start(mesh.node(to).url);
        const link: Link = { from, to, proxy, cuts: 0, slows: [], disabled: 0 };
        topo.links.push(link);
        topo.#agree(link, true);
      }
    } catch (e) {
      await topo.stop();
      throw e;
    }
    return topo;
  }

  get names(): string[] {
    return [...this.mesh.nodes.keys()];
  }

  /** Unordered pairs that have at least one link. */
  get pairs(): [string, string][] {
    const seen = new Map<string, [string, string]>();
    for (const l of this.links) seen.set([l.from, l.to].sort().join(' '), [l.from, l.to]);
    return [...seen.values()];
  }

  #watch(name: string): void {
    const { child, dir } = this.mesh.node(name).server;
    // The whole log of every run of the server, for a post-mortem (kept with the data on failure).
    const file = createWriteStream(join(dir, 'server.log'), { flags: 'a' });
    child.once('exit', () => file.end());
    child.stdout!.pipe(file, { end: false });
    child.stderr!.pipe(file, { end: false });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    let partial = '';
    child.stdout!.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const l of lines) if (/"level":(5|6)\d/.test(l)) this.#errors.push(`${name}: ${l.slice(0, 400)}`);
    });
    child.once('exit', (code, signal) => {
      if (this.#expectedExit.delete(name)) return;
      this.crashes.push(`${name} exited by itself (code ${code}, signal ${signal}): ${err.trim().slice(-1500)}`);
    });
  }

  #between(a: string, b: string): Link[] {
    return this.links.filter((l) => (l.from === a && l.to === b) || (l.from === b && l.to === a));
  }

  #touching(n: string): Link[] {
    return this.links.filter((l) => l.from === n || l.to === n);
  }

  #cut(links: Link[]): void {
    for (const l of links) if (l.cuts++ === 0) l.proxy.cut();
  }

  #heal(links: Link[], reset: boolean): void {
    for (const l of links) {
      if (--l.cuts > 0) continue;
      // A reset on heal is a peer that rebooted its network: both ends see the connection die.
      if (reset) l.proxy.reset();
      l.proxy.heal();
    }
  }

  cut(a: string, b: string): (reset?: boolean) => void {
    const links = this.#between(a, b);
    this.#cut(links);
    return (reset = false) => this.#heal(links, reset);
  }

  isolate(n: string): (reset?: boolean) => void {
    const links = this.#touching(n);
    this.#cut(links);
    return (reset = false) => this.#heal(links, reset);
  }

  slow(a: string, b: string, latencyMs: number): () => void {
    const links = this.#between(a, b);
    for (const l of links) {
      l.slows.push(latencyMs);
      l.proxy.slow(Math.max(...l.slows));
    }
    return () => {
      for (const l of links) {
        l.slows.splice(l.slows.indexOf(latencyMs), 1);
        l.proxy.slow(l.slows.length ? Math.max(...l.slows) : 0);
      }
    };
  }

  async kill(name: string): Promise<void> {
    this.#expectedExit.add(name);
    await this.mesh.kill(name, 'SIGKILL');
  }

  /** Start a stopped server again on its data and port, its wall clock shifted by `skewMs`. */
  async relaunch(name: string, skewMs = 0): Promise<void> {
    const n = this.mesh.node(name);
    n.server = await launch(n.dir, n.server.configFile, skewMs ? { MESHDIR_CLOCK_SKEW_MS: String(skewMs) } : {});
    n.url = n.server.url;
    this.#watch(name);
  }

  isUp(name: string): boolean {
    const c = this.mesh.node(name).server.child;
    return c.exitCode === null && c.signalCode === null;
  }

  healAll(): void {
    for (const l of this.links) {
      if (l.disabled > 0) {
        l.disabled = 0;
        this.#agree(l, true);
      }
      l.cuts = 0;
      l.slows = [];
      l.proxy.slow(0);
      l.proxy.heal();
    }
  }

  /** Every RUV equal, every agreement in sync with no lag and its consumer's RUV that RUV. */
  async settled(): Promise<Settlement> {
    const ruvs = new Map<string, string>();
    const agreements: [string, Record<string, string[]>][] = [];
    for (const name of this.names) {
      const mon = await this.mesh.monitor(name);
      ruvs.set(name, (mon.get('replication')?.ruv ?? []).join(', '));
      for (const [cn, attrs] of mon) if (cn !== 'replication') agreements.push([`${name} ${cn}`, attrs]);
    }
    const distinct = new Set(ruvs.values());
    if (distinct.size !== 1) return { converged: false, why: `RUVs differ: ${[...ruvs].map(([n, r]) => `${n} [${r}]`).join('; ')}` };
    const ruv = [...distinct][0]!;
    for (const [name, a] of agreements) {
      const state = a.state?.[0];
      const lag = Number(a.lagms?.[0] ?? 0);
      const theirs = (a.consumerruv ?? []).join(', ');
      if (state !== 'in-sync' || lag !== 0 || theirs !== ruv) return { converged: false, why: `${name}: ${state}, lag ${lag} ms, consumer RUV [${theirs}] ${a.detail?.[0] ?? ''}` };
    }
    return { converged: true, why: '' };
  }

  #agree(link: Link, enabled: boolean): void {
    this.mesh.agree(link.from, link.to, { consumer: link.proxy.url, heartbeat: this.o.heartbeat ?? '1s', enabled });
  }

  /** Rewrite the agreement file `from` → `to` with `enabled: false`; the function returned undoes it. */
  disable(from: string, to: string): () => void {
    const link = this.links.find((l) => l.from === from && l.to === to)!;
    if (link.disabled++ === 0) this.#agree(link, false);
    return () => {
      if (--link.disabled === 0) this.#agree(link, true);
    };
  }

  /** Agreements, supplier → consumer. */
  get agreements(): [string, string][] {
    return this.links.map((l) => [l.from, l.to]);
  }

  /** `meshdir repl init` over the agreement `from` → `to` (through its proxy), as an operator runs it. */
  async init(from: string, to: string): Promise<{ ok: boolean; output: string }> {
    const r = await meshdirAsync(['repl', 'init', '--config', this.mesh.node(from).server.configFile, '--agreement', `to-${to}`, '--no-progress']);
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
  }

  /** `meshdir repl check` over every server, without blocking the proxies of this process. */
  async check(): Promise<{ ok: boolean; output: string }> {
    const r = await meshdirAsync(['repl', 'check', '-D', ROOT_DN, '-w', ROOT_PW, ...this.names.map((n) => this.mesh.node(n).url)]);
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  }

  /** Every server's conflict log, tagged with the server. */
  async conflicts(): Promise<(ConflictLine & { node: string })[]> {
    const out: (ConflictLine & { node: string })[] = [];
    for (const name of this.names) {
      const r = await meshdirAsync(['conflicts', '--config', this.mesh.node(name).server.configFile, '--json']);
      if (r.status !== 0) throw new Error(`meshdir conflicts on ${name} failed: ${r.stderr}`);
      for (const line of r.stdout.split('\n')) if (line.trim()) out.push({ ...(JSON.parse(line) as ConflictLine), node: name });
    }
    return out;
  }

  /** Log lines of level error or worse printed by the servers. */
  errors(): string[] {
    return [...this.#errors];
  }

  async stop(o: { keep?: boolean } = {}): Promise<void> {
    for (const name of this.names) this.#expectedExit.add(name);
    await Promise.all(this.links.map((l) => l.proxy.close()));
    await this.mesh.stop(o);
  }
}
