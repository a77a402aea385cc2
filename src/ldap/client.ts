// A small LDAP client on our own codec, for the command line tools and
// replication sessions: TCP_NODELAY (ldapjs' client leaves Nagle on, which
// costs ~40 ms per exchange), StartTLS/ldaps, and message-level access for
// streaming. Non-success results reject with LdapError.
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { frameLength } from '../ber/frame.js';
import { parseFilter } from '../dit/filter.js';
import type { Filter } from '../dit/filter-types.js';
import { LdapError, MeshdirError, RC } from '../errors.js';
import { EXOP, decodeResponse, encodeRequest, type ClientRequest, type Control, type LdapResponse, type PartialAttribute } from './pdu/index.js';

/** The host of an LDAP URL, an IPv6 address without its brackets. */
const hostOf = (url: URL): string => url.hostname.replace(/^\[|\]$/g, '');

/** SNI carries host names only (RFC 6066 §3): none for an IP address, which Node warns about. */
const sni = (host: string): { servername?: string } => (isIP(host) ? {} : { servername: host });

export interface ClientOptions {
  /** TLS options for ldaps:// and startTls(). */
  tls?: ConnectionOptions;
  connectTimeoutMs?: number;
  /** Rejects a request that gets no final response in time. */
  timeoutMs?: number;
  /**
   * Count timeoutMs from the latest response on the connection, not from
   * each request's sending: pipelined requests queued behind others on a
   * slow link are not timed out while the peer keeps answering.
   */
  timeoutSinceProgress?: boolean;
}

interface Pending {
  handler: Handler;
  fail: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

export interface SearchEntry {
  dn: string;
  attrs: PartialAttribute[];
}

export interface SearchOptions {
  scope?: 0 | 1 | 2;
  attributes?: string[];
  sizeLimit?: number;
  timeLimit?: number;
  typesOnly?: boolean;
  controls?: Control[];
}

type Handler = (r: LdapResponse) => boolean; // true = final

const MAX_PDU = 256 * 1024 * 1024;

export class LdapClient {
  #socket: Socket;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #buf: Buffer | undefined;
  #closed = false;
  /** The message id of a StartTLS request: nothing after its response is read in the clear. */
  #tlsRequestId: number | undefined;
  /** Its response came: bytes after it wait in #buf for startTls() to refuse. */
  #tlsAnswered = false;
  readonly url: string;
  readonly #opts: ClientOptions;
  /** Called for unsolicited notifications (message id 0). */
  onNotice: ((r: LdapResponse) => void) | undefined;
  /** Called once when the connection ends. */
  onClose: ((err?: Error) => void) | undefined;

  private constructor(url: string, socket: Socket, opts: ClientOptions) {
    this.url = url;
    this.#opts = opts;
    this.#socket = socket;
    this.#attach(socket);
  }

  static connect(url: string, opts: ClientOptions = {}): Promise<LdapClient> {
    let u: URL | undefined;
    try {
      u = new URL(url);
    } catch {
      // Refused below, with the URL named.
    }
    if (u?.protocol !== 'ldap:' && u?.protocol !== 'ldaps:') return Promise.reject(new MeshdirError('MESHDIR_CONNECT', `${url}: not an LDAP URL (ldap://host:port or ldaps://host:port)`));
    const secure = u.protocol === 'ldaps:';
    const port = Number(u.port || (secure ? 636 : 389));
    const host = hostOf(u);
    return new Promise((resolve, reject) => {
      const socket: Socket = secure
        ? tlsConnect({ host, port, ...sni(host), ...opts.tls })
        : netConnect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new MeshdirError('MESHDIR_CONNECT', `${url}: connection timed out`));
      }, opts.connectTimeoutMs ?? 5000);
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new LdapClient(url, socket, opts));
      });
      socket.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new MeshdirError('MESHDIR_CONNECT', `${url}: ${e.code === 'ECONNREFUSED' ? 'connection refused' : e.message}`));
      });
    });
  }

  #attach(s: Socket): void {
    s.setNoDelay(true);
    s.on('data', (c: Buffer) => this.#onData(c));
    s.on('error', (e) => this.#end(e));
    s.on('close', () => this.#end());
  }

  #onData(chunk: Buffer): void {
    let buf = this.#buf ? Buffer.concat([this.#buf, chunk]) : chunk;
    this.#buf = undefined;
    let off = 0;
    try {
      while (!this.#tlsAnswered) {
        const len = frameLength(buf, off, MAX_PDU);
        if (len < 0) break;
        const r = decodeResponse(buf.subarray(off, off + len));
        off += len;
        if (r.id === 0) {
          this.onNotice?.(r);
          continue;
        }
        const p = this.#pending.get(r.id);
        if (p && p.handler(r)) {
          if (p.timer) clearTimeout(p.timer);
          this.#pending.delete(r.id);
        }
        if (this.#opts.timeoutSinceProgress) for (const [id, q] of this.#pending) this.#arm(id, q);
        // After the StartTLS response the next bytes are the TLS handshake:
        // anything else sent in the clear (by someone in the middle) must not
        // be read as a response, nor joined to what comes inside TLS.
        if (r.id === this.#tlsRequestId) this.#tlsAnswered = true;
      }
    } catch (e) {
      this.#end(e as Error);
      this.#socket.destroy();
      return;
    }
    if (off < buf.length) this.#buf = Buffer.from(buf.subarray(off));
  }

  #end(err?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    const e = err ?? new MeshdirError('MESHDIR_CONNECTION_CLOSED', `${this.url}: connection closed`);
    for (const p of this.#pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.fail(e);
    }
    this.#pending.clear();
    this.onClose?.(err);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends a request; `handler` sees every response for it and returns true
   * on the final one. Returns the message id.
   */
  send(op: ClientRequest, controls: Control[], handler: Handler, fail: (e: Error) => void): number {
    if (this.#closed) {
      fail(new MeshdirError('MESHDIR_CONNECTION_CLOSED', `${this.url}: connection closed`));
      return 0;
    }
    const id = this.#nextId++;
    if (this.#nextId > 0x7fffffff) this.#nextId = 1;
    const entry: Pending = { handler, fail };
    if (op.type !== 'abandon' && op.type !== 'unbind') this.#arm(id, entry);
    if (op.type !== 'abandon' && op.type !== 'unbind') this.#pending.set(id, entry);
    this.#socket.write(encodeRequest(id, op, controls));
    return id;
  }

  /** (Re)start a pending request's timer. */
  #arm(id: number, entry: Pending): void {
    if (!this.#opts.timeoutMs) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      this.#pending.delete(id);
      entry.fail(new MeshdirError('MESHDIR_TIMEOUT', `${this.url}: no answer within ${this.#opts.timeoutMs} ms`));
    }, this.#opts.timeoutMs);
  }

  /** One request, one final result (non-zero codes reject, except those listed in `ok`). */
  request(op: ClientRequest, controls: Control[] = [], ok: number[] = []): Promise<LdapResponse> {
    return new Promise((resolve, reject) => {
      this.send(op, controls, (r) => {
        if (r.op.type === 'result' || r.op.type === 'extended') {
          const { code, message, matchedDN, referrals } = r.op;
          if (code === RC.success || ok.includes(code)) resolve(r);
          else reject(new LdapError(code, message, matchedDN, referrals));
          return true;
        }
        return false;
      }, reject);
    });
  }

  async bind(dn: string, password: string | Buffer): Promise<void> {
    await this.request({ type: 'bind', version: 3, name: dn, auth: { kind: 'simple', password: Buffer.isBuffer(password) ? password : Buffer.from(password, 'utf8') } });
  }

  search(base: string, filter: string | Filter, o: SearchOptions = {}): Promise<{ entries: SearchEntry[]; controls: Control[]; code: number }> {
    const entries: SearchEntry[] = [];
    return new Promise((resolve, reject) => {
      this.send(
        {
          type: 'search', base, scope: o.scope ?? 2, deref: 0, sizeLimit: o.sizeLimit ?? 0, timeLimit: o.timeLimit ?? 0,
          typesOnly: o.typesOnly ?? false, filter: typeof filter === 'string' ? parseFilter(filter) : filter, attributes: o.attributes ?? [],
        },
        o.controls ?? [],
        (r) => {
          if (r.op.type === 'entry') {
            entries.push({ dn: r.op.dn, attrs: r.op.attrs });
            return false;
          }
          if (r.op.type === 'result') {
            if (r.op.code === RC.success || r.op.code === RC.sizeLimitExceeded) resolve({ entries, controls: r.controls, code: r.op.code });
            else reject(new LdapError(r.op.code, r.op.message, r.op.matchedDN, r.op.referrals));
            return true;
          }
          return false;
        },
        reject,
      );
    });
  }

  async add(dn: string, attrs: Record<string, string | string[] | Buffer[]>): Promise<void> {
    await this.request({ type: 'add', dn, attrs: Object.entries(attrs).map(([type, v]) => ({ type, values: toValues(v) })) });
  }

  async modify(dn: string, changes: { op: 'add' | 'delete' | 'replace' | 'increment'; attr: string; values?: string | string[] | Buffer[] }[]): Promise<void> {
    const code = { add: 0, delete: 1, replace: 2, increment: 3 } as const;
    await this.request({ type: 'modify', dn, changes: changes.map((c) => ({ op: code[c.op], attr: c.attr, values: toValues(c.values ?? []) })) });
  }

  async del(dn: string): Promise<void> {
    await this.request({ type: 'delete', dn });
  }

  async modrdn(dn: string, newRdn: string, deleteOldRdn = true, newSuperior?: string): Promise<void> {
    await this.request({ type: 'modrdn', dn, newRdn, deleteOldRdn, ...(newSuperior !== undefined ? { newSuperior } : {}) });
  }

  async compare(dn: string, attr: string, value: string): Promise<boolean> {
    const r = await this.request({ type: 'compare', dn, attr, value: Buffer.from(value, 'utf8') }, [], [RC.compareTrue, RC.compareFalse]);
    return r.op.type === 'result' && r.op.code === RC.compareTrue;
  }

  async extended(oid: string, value?: Buffer): Promise<{ name?: string; value?: Buffer }> {
    const r = await this.request({ type: 'extended', oid, ...(value ? { value } : {}) });
    return r.op.type === 'extended' ? { name: r.op.name, value: r.op.value } : {};
  }

  /** RFC 4511 §4.14: upgrade this connection; certificate checks per `tls` options. */
  async startTls(tls: ConnectionOptions = this.#opts.tls ?? {}): Promise<void> {
    this.#tlsRequestId = this.#nextId;
    try {
      await this.extended(EXOP.startTls);
    } finally {
      this.#tlsRequestId = undefined;
      this.#tlsAnswered = false;
    }
    const plain = this.#socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('error');
    plain.removeAllListeners('close');
    if (this.#buf?.length) {
      this.#buf = undefined;
      plain.destroy();
      this.#end();
      throw new MeshdirError('MESHDIR_TLS', `${this.url}: StartTLS failed: data received in the clear after the StartTLS response`);
    }
    const host = hostOf(new URL(this.url));
    const secure: TLSSocket = await new Promise((resolve, reject) => {
      // `host` is what the certificate is checked against when there is no SNI name.
      const s = tlsConnect({ socket: plain, host, ...sni(host), ...tls });
      s.once('secureConnect', () => resolve(s));
      s.once('error', (e) => reject(new MeshdirError('MESHDIR_TLS', `${this.url}: StartTLS failed: ${e.message}`)));
    });
    this.#socket = secure;
    this.#attach(secure);
  }

  close(): void {
    if (!this.#closed) {
      try {
        this.#socket.write(encodeRequest(this.#nextId++, { type: 'unbind' }));
      } catch {
        // already gone
      }
    }
    this.#socket.end();
    this.#end();
  }
}

function toValues(v: string | string[] | Buffer[]): Buffer[] {
  const arr = Array.isArray(v) ? v : [v];
  return arr.map((x) => (Buffer.isBuffer(x) ? x : Buffer.from(x, 'utf8')));
}
