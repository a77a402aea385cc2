// A TCP proxy on 127.0.0.1 standing for the network between two servers:
// an agreement's consumer URL points at it, and a test cuts, heals or slows
// the link. A cut behaves like a partition, not like a refused port: open
// connections stop moving bytes (nothing is closed, so only heartbeats and
// timeouts can tell) and new ones are accepted but get nothing through.
import { createServer, connect, type Server, type Socket } from 'node:net';

interface Pipe {
  client: Socket;
  upstream: Socket;
  /** Bytes held back while cut, per direction, delivered in order on heal. */
  held: { toUpstream: Buffer[]; toClient: Buffer[] };
}

export class Proxy {
  readonly url: string;
  readonly port: number;
  #server: Server;
  #target: { host: string; port: number };
  #pipes = new Set<Pipe>();
  #cut = false;
  #latencyMs = 0;
  /** Connections accepted so far (reconnects show up here). */
  accepted = 0;

  private constructor(server: Server, port: number, target: { host: string; port: number }) {
    this.#server = server;
    this.port = port;
    this.url = `ldap://127.0.0.1:${port}`;
    this.#target = target;
  }

  /** Proxy to `targetUrl` (ldap://host:port) on a free loopback port. */
  static async start(targetUrl: string): Promise<Proxy> {
    const u = new URL(targetUrl);
    const target = { host: u.hostname, port: Number(u.port) };
    let self: Proxy | undefined;
    const server = createServer({ noDelay: true }, (client) => self!.#accept(client));
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
    self = new Proxy(server, port, target);
    return self;
  }

  get isCut(): boolean {
    return this.#cut;
  }

  /** Stop every byte in both directions, on open and new connections. */
  cut(): void {
    this.#cut = true;
  }

  /** Let bytes through again; what was held back is delivered first. */
  heal(): void {
    this.#cut = false;
    for (const p of this.#pipes) {
      for (const b of p.held.toUpstream.splice(0)) this.#forward(b, p.upstream);
      for (const b of p.held.toClient.splice(0)) this.#forward(b, p.client);
    }
  }

  /** Delay every chunk by this much in each direction (0: none). */
  slow(latencyMs: number): void {
    this.#latencyMs = latencyMs;
  }

  /** Close every connection now (like a peer reset); the listener stays. */
  reset(): void {
    for (const p of this.#pipes) {
      p.client.destroy();
      p.upstream.destroy();
    }
    this.#pipes.clear();
  }

  async close(): Promise<void> {
    this.reset();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  #accept(client: Socket): void {
    this.accepted++;
    const upstream = connect({ ...this.#target, noDelay: true });
    const pipe: Pipe = { client, upstream, held: { toUpstream: [], toClient: [] } };
    this.#pipes.add(pipe);
    const end = (): void => {
      if (!this.#pipes.delete(pipe)) return;
      // end(), not destroy(): bytes just released by heal() still get out.
      client.end();
      upstream.end();
      setTimeout(() => {
        client.destroy();
        upstream.destroy();
      }, 1000).unref();
    };
    client.on('data', (b: Buffer) => (this.#cut ? pipe.held.toUpstream.push(b) : this.#forward(b, upstream)));
    upstream.on('data', (b: Buffer) => (this.#cut ? pipe.held.toClient.push(b) : this.#forward(b, client)));
    // While cut, a closing side must not be seen by the other either.
    const onClose = (): void => {
      if (this.#cut) {
        const wait = setInterval(() => {
          if (this.#cut && this.#pipes.has(pipe)) return;
          clearInterval(wait);
          end();
        }, 50);
        wait.unref();
      } else end();
    };
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', onClose);
    }
  }

  /** Chunks waiting out a latency, per destination, oldest first. */
  #queues = new WeakMap<Socket, { at: number; b: Buffer }[]>();

  #forward(b: Buffer, to: Socket): void {
    // A later chunk never overtakes an earlier one (TCP keeps order), also
    // when the latency drops or a slowdown ends: one queue per socket.
    const q = this.#queues.get(to) ?? [];
    if (this.#latencyMs === 0 && q.length === 0) {
      if (!to.destroyed) to.write(b);
      return;
    }
    this.#queues.set(to, q);
    q.push({ at: Date.now() + this.#latencyMs, b });
    if (q.length === 1) this.#drain(to, q);
  }

  #drain(to: Socket, q: { at: number; b: Buffer }[]): void {
    setTimeout(() => {
      while (q.length > 0 && q[0]!.at <= Date.now()) {
        const { b } = q.shift()!;
        if (!to.destroyed) to.write(b);
      }
      if (q.length > 0) this.#drain(to, q);
    }, Math.max(0, q[0]!.at - Date.now())).unref();
  }
}
