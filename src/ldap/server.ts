// Listeners (ldap:// and ldaps://) and the set of open connections.
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { MeshdirError } from '../errors.js';
import { Connection } from './connection.js';
import type { ServerContext } from './context.js';
import { dispatch } from './dispatch.js';
import type { TlsMaterial } from './tls.js';

export interface Listening {
  url: string;
  port: number;
}

export class LdapServer {
  readonly #ctx: ServerContext;
  readonly #tls: TlsMaterial | undefined;
  readonly #servers: Server[] = [];
  readonly connections = new Set<Connection>();
  #nextId = 1;

  constructor(ctx: ServerContext, tls: TlsMaterial | undefined) {
    this.#ctx = ctx;
    this.#tls = tls;
  }

  #accept(socket: Socket, secure: boolean): Connection | undefined {
    const ctx = this.#ctx;
    if (this.connections.size >= ctx.config.limits.maxConnections) {
      ctx.log.warn({ peer: socket.remoteAddress, limit: ctx.config.limits.maxConnections }, 'connection refused: too many connections');
      socket.destroy();
      return undefined;
    }
    const conn = new Connection(this.#nextId++, socket, {
      dispatch: (c, m) => dispatch(ctx, c, m),
      log: ctx.log,
      maxPdu: ctx.config.limits.maxPduBytes,
      idleTimeoutMs: ctx.config.limits.idleTimeout,
      writeTimeoutMs: ctx.config.limits.writeTimeout,
      onClose: (c) => {
        this.connections.delete(c);
        ctx.paged.dropAll(c.paged);
        ctx.counters.connectionsCurrent = this.connections.size;
        ctx.log.debug({ conn: c.id }, 'connection closed');
      },
    }, false);
    this.connections.add(conn);
    ctx.counters.connectionsTotal++;
    ctx.counters.connectionsCurrent = this.connections.size;
    ctx.log.debug({ conn: conn.id, peer: conn.peer, tls: secure }, 'connection accepted');
    return conn;
  }

  /** Listens on every URL; resolves with the bound ports (port 0 picks a free one). */
  async listen(urls: readonly string[]): Promise<Listening[]> {
    const out: Listening[] = [];
    for (const url of urls) {
      const u = new URL(url);
      const secure = u.protocol === 'ldaps:';
      const host = u.hostname.replace(/^\[|\]$/g, '') || '0.0.0.0';
      const port = u.port === '' ? (secure ? 636 : 389) : Number(u.port);
      let server: Server;
      if (secure) {
        if (!this.#tls) throw new MeshdirError('MESHDIR_TLS', `${url}: an ldaps:// listener needs tls.cert and tls.key`);
        const tls = this.#tls;
        const clientCert = this.#ctx.config.tls?.clientCert ?? 'none';
        // A connection from accept, handshake included, as StartTLS does it:
        // counted against maxConnections and under idleTimeout while the
        // client says nothing (a tls.Server's sockets are neither until
        // their handshake ends), with the same client certificate checks.
        server = createNetServer((s) => {
          const conn = this.#accept(s, true);
          conn?.startTls(tls.context, clientCert !== 'none', clientCert === 'require', (err) => {
            if (!err) return;
            this.#ctx.log.debug({ conn: conn.id, err: err.message }, 'TLS handshake failed');
            conn.close();
          });
        });
      } else {
        server = createNetServer((s) => this.#accept(s, false));
      }
      await new Promise<void>((resolve, reject) => {
        server.once('error', (e: NodeJS.ErrnoException) =>
          reject(new MeshdirError('MESHDIR_LISTEN', `cannot listen on ${url}: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.message}`)));
        server.listen(port, host, () => resolve());
      });
      const addr = server.address();
      const bound = typeof addr === 'object' && addr ? addr.port : port;
      this.#servers.push(server);
      out.push({ url: `${u.protocol}//${u.hostname}:${bound}`, port: bound });
    }
    return out;
  }

  /** Stop accepting, close every connection, wait for the listeners. */
  async close(): Promise<void> {
    for (const c of this.connections) c.close();
    await Promise.all(this.#servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
