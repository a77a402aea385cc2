// One client connection: framing, dispatch, ordered writes, abandon,
// StartTLS. The loop is ours (not ldapjs'): PDUs are framed straight off
// the socket chunks and responses are corked so that everything one chunk
// produces leaves in one write.
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { frameLength } from '../ber/frame.js';
import { PduTooLarge, ProtocolError } from '../errors.js';
import { decodeMessage, EXOP, type LdapMessage } from './pdu/index.js';
import type { Logger } from '../log.js';
import type { PagedOwner } from './paged.js';

export type AuthLevel = 'anonymous' | 'user' | 'root';

/**
 * A request from a client that has not bound may be this large at most
 * (slapd's sockbuf_max_incoming default): an anonymous 8 MiB filter can
 * hold the server for seconds.
 */
export const ANONYMOUS_MAX_PDU = 262_143;
/** Responses queued beyond this, the client's requests are no longer read until it reads (and the queue drains). */
const OUTPUT_PAUSE_BYTES = 256 * 1024;

/** A bind or StartTLS: nothing more is read from its connection until it is answered (Connection#resume). */
export function holdsConnection(msg: LdapMessage): boolean {
  return msg.op.type === 'bind' || (msg.op.type === 'extended' && msg.op.oid === EXOP.startTls);
}

/** An operation in progress on a connection. */
export interface OpState {
  /** No response is to be sent (abandon, a closed connection, or a cancel, which sends its own). */
  abandoned: boolean;
  /** The request type; for extended operations their OID. */
  readonly kind: string;
  /** A cancel (RFC 3909) stopped it: it ends with result `canceled`. */
  canceled?: boolean;
  /** Called when it ends, before its response is written (a cancel answers after it). */
  onEnd?: () => void;
}

/** What an operation knows about the connection it came on. */
export interface Session {
  readonly id: number;
  readonly peer: string;
  /** Bound DN as the client gave it ('' = anonymous). */
  bindDn: string;
  /** Normalized bound DN ('' = anonymous). */
  bindNdn: string;
  auth: AuthLevel;
  tls: boolean;
}

export interface ConnectionHooks {
  /** Handle one decoded message; may answer synchronously or later. */
  dispatch(conn: Connection, msg: LdapMessage): void;
  log: Logger;
  maxPdu: number;
  idleTimeoutMs: number;
  /** A client that reads none of its queued responses for this long is disconnected (0: never). */
  writeTimeoutMs: number;
  onClose(conn: Connection): void;
}

export class Connection implements Session {
  readonly id: number;
  readonly peer: string;
  bindDn = '';
  bindNdn = '';
  auth: AuthLevel = 'anonymous';
  tls: boolean;
  /** Message IDs of operations still running (abandon marks them). */
  readonly outstanding = new Map<number, OpState>();
  /** Paged searches this connection left open (kept by ServerContext.paged). */
  readonly paged: PagedOwner = new Map();
  closed = false;
  #socket: Socket;
  #pending: Buffer | undefined;
  #hooks: ConnectionHooks;
  #paused = false;
  /** Input stopped because responses are piling up unread (see send). */
  #outputFull = false;
  #writeTimer: NodeJS.Timeout | undefined;

  constructor(id: number, socket: Socket, hooks: ConnectionHooks, tls: boolean) {
    this.id = id;
    this.#socket = socket;
    this.#hooks = hooks;
    this.tls = tls;
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.#attach(socket);
  }

  #attach(socket: Socket): void {
    socket.setNoDelay(true);
    if (this.#hooks.idleTimeoutMs > 0) socket.setTimeout(this.#hooks.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('timeout', () => {
      if (this.outstanding.size === 0) this.close('idle timeout');
    });
    socket.on('error', (e: NodeJS.ErrnoException) => this.#hooks.log.debug({ conn: this.id, err: e.code ?? e.message }, 'socket error'));
    socket.on('close', () => this.#closed());
    socket.on('drain', () => this.#drained());
  }

  #onData(chunk: Buffer): void {
    let buf = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = undefined;
    let off = 0;
    try {
      while (off < buf.length && !this.closed && !this.#paused) {
        const len = frameLength(buf, off, this.auth === 'anonymous' ? Math.min(this.#hooks.maxPdu, ANONYMOUS_MAX_PDU) : this.#hooks.maxPdu);
        if (len < 0) break;
        const pdu = buf.subarray(off, off + len);
        off += len;
        const msg = decodeMessage(pdu);
        // What follows a bind runs under the identity it sets, and what
        // follows a StartTLS must not be read as if it came inside TLS
        // (RFC 4511 §4.2.1, §4.14.1; a client must wait for these answers):
        // the rest waits until the operation ends (resume), copied, as
        // resume() may run it before dispatch returns.
        if (holdsConnection(msg)) {
          this.#paused = true;
          if (off < buf.length) this.#pending = Buffer.from(buf.subarray(off));
          this.#hooks.dispatch(this, msg);
          return;
        }
        this.#hooks.dispatch(this, msg);
      }
    } catch (e) {
      if (e instanceof ProtocolError) {
        this.#hooks.log.warn({ conn: this.id, peer: this.peer, reason: e.message }, e instanceof PduTooLarge ? 'closing connection: PDU too large' : 'closing connection: malformed PDU');
        this.close();
        return;
      }
      throw e;
    }
    if (off < buf.length && !this.closed) {
      // Keep only the unconsumed tail; decoded messages hold views of `buf`.
      buf = buf.subarray(off);
      this.#pending = this.#paused ? buf : Buffer.from(buf);
    }
  }

  #corked = false;
  readonly #flush = (): void => this.flushNow();

  /**
   * Queue bytes to the client. Everything sent during one turn of the event
   * loop leaves in one write (corked until setImmediate). Returns false when
   * the socket buffer is full.
   */
  send(bytes: Buffer): boolean {
    if (this.closed) return false;
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      setImmediate(this.#flush);
    }
    const ok = this.#socket.write(bytes);
    if (!ok) this.#backedUp();
    return ok;
  }

  /**
   * The socket holds more than it could send. A client that sends requests
   * and never reads the answers would otherwise make the server buffer
   * every response (1.4 GB in a minute); one that stops reading a search
   * would keep its LMDB snapshot, so freed pages could not be reused while
   * others write (the file grew 65 MB → 877 MB in 40 s).
   */
  #backedUp(): void {
    if (!this.#outputFull && this.#socket.writableLength > OUTPUT_PAUSE_BYTES) {
      this.#outputFull = true;
      this.#socket.pause();
    }
    if (this.#writeTimer === undefined && this.#hooks.writeTimeoutMs > 0) {
      this.#writeTimer = setTimeout(() => {
        this.#writeTimer = undefined;
        if (this.#socket.writableNeedDrain) this.close(`write timeout: responses unread for ${this.#hooks.writeTimeoutMs / 1000} s`);
      }, this.#hooks.writeTimeoutMs);
      this.#writeTimer.unref();
    }
  }

  /** Write out what is corked now (before switching the socket to TLS). */
  flushNow(): void {
    if (this.#corked) {
      this.#corked = false;
      this.#socket.uncork();
    }
  }

  get writableNeedDrain(): boolean {
    return this.#socket.writableNeedDrain;
  }

  #drainWaiters: (() => void)[] = [];
  /** Resolves when the socket can take more (back-pressure for long searches). */
  whenDrained(): Promise<void> {
    if (!this.#socket.writableNeedDrain || this.closed) return Promise.resolve();
    return new Promise((r) => this.#drainWaiters.push(r));
  }
  #drained(): void {
    clearTimeout(this.#writeTimer);
    this.#writeTimer = undefined;
    if (this.#outputFull) {
      this.#outputFull = false;
      if (!this.closed) this.#socket.resume();
    }
    const w = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const r of w) r();
  }

  begin(id: number, kind: string): OpState {
    const st: OpState = { abandoned: false, kind };
    this.outstanding.set(id, st);
    return st;
  }

  /**
   * `st`: the operation that ends. An abandoned one may end after a new
   * request took its message ID; that one stays outstanding.
   */
  end(id: number, st: OpState | undefined = this.outstanding.get(id)): void {
    if (st !== undefined && this.outstanding.get(id) === st) this.outstanding.delete(id);
    st?.onEnd?.();
    this.#wakeIdle();
  }

  #idleWaiters: (() => void)[] = [];
  #wakeIdle(): void {
    const w = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const f of w) f();
  }

  /** Resolves once no operation but `id` is outstanding (or the connection is gone). */
  whenOthersDone(id: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.closed || ![...this.outstanding.keys()].some((k) => k !== id)) resolve();
        else this.#idleWaiters.push(check);
      };
      check();
    });
  }

  abandon(id: number): void {
    const st = this.outstanding.get(id);
    if (st) st.abandoned = true;
  }

  /**
   * RFC 4511 §4.14: after the StartTLS response is written, the next bytes
   * on the wire are the TLS handshake. Reading stops until it completes.
   */
  startTls(context: SecureContext, requestCert: boolean, rejectUnauthorized: boolean, onReady: (err?: Error) => void): void {
    const plain = this.#socket;
    this.#paused = true;
    plain.removeAllListeners('data');
    plain.removeAllListeners('timeout');
    plain.removeAllListeners('close');
    plain.removeAllListeners('drain');
    const tls = new TLSSocket(plain, { isServer: true, secureContext: context, requestCert, rejectUnauthorized });
    // Bytes that came in the clear after the StartTLS request were sent
    // before the client could have seen its answer (or by someone in the
    // middle): never treated as if they came inside TLS (CVE-2011-0411).
    // startTls() is only called when there were none; drop any that slipped in.
    if (this.#pending?.length) this.#hooks.log.warn({ conn: this.id, peer: this.peer, octets: this.#pending.length }, 'discarding data sent in the clear after StartTLS');
    this.#pending = undefined;
    const failed = (e: Error): void => onReady(e);
    tls.once('secure', () => {
      // Errors after the handshake (a client's reset) are not handshake failures.
      tls.off('error', failed);
      // A TLSSocket made outside a tls.Server does not check the client's
      // certificate itself (OpenSSL's verify callback accepts every chain
      // and Node checks it in tls.Server's 'secure' handler only): check it
      // here, as an ldaps:// listener does, before anything is read inside TLS.
      if (requestCert && rejectUnauthorized) {
        // What Node's own onServerSocketSecure asks (lib/_tls_wrap.js).
        const handle = (tls as unknown as { _handle?: { verifyError(): Error | null } })._handle;
        const err = handle ? handle.verifyError() : new Error('no TLS handle');
        if (err) {
          tls.destroy();
          onReady(new Error(`client certificate refused: ${err.message}`));
          return;
        }
      }
      this.tls = true;
      this.resume();
      onReady();
    });
    tls.once('error', failed);
    this.#socket = tls;
    this.#attach(tls);
  }

  /** Bytes read and not yet handled (e.g. requests pipelined after a StartTLS request). */
  get pendingInput(): boolean {
    return (this.#pending?.length ?? 0) > 0;
  }

  /** Read on after a bind or StartTLS ended (see #onData). */
  resume(): void {
    if (!this.#paused || this.closed) return;
    this.#paused = false;
    if (this.#pending) this.#onData(Buffer.alloc(0));
  }

  get socket(): Socket {
    return this.#socket;
  }

  close(reason?: string): void {
    if (this.closed) return;
    if (reason) this.#hooks.log.info({ conn: this.id, peer: this.peer, reason }, 'closing connection');
    this.closed = true;
    for (const st of this.outstanding.values()) st.abandoned = true;
    this.#socket.end();
    this.#socket.destroySoon?.();
    setTimeout(() => this.#socket.destroy(), 2000).unref();
  }

  #closed(): void {
    if (!this.closed) {
      this.closed = true;
      for (const st of this.outstanding.values()) st.abandoned = true;
    }
    this.#drained();
    this.#wakeIdle();
    this.#hooks.onClose(this);
  }
}
