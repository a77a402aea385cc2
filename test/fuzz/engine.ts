// Drives mutated PDUs at a running server over many raw connections and
// checks each answer arrives. The client frames what it sends exactly as
// the server will (same framing function, same decoder), so it knows for
// every mutant whether the server must answer it, stay silent, or close the
// connection; a PDU whose length promises more octets than it has is padded
// to its declared end so the stream stays in step. After each batch a
// sentinel Who-am-I, sent last, must be answered together with every
// answerable mutant of the batch: a missing answer is a hang, a close the
// framing did not call for is an unexpected close.
import { connect, type Socket } from 'node:net';
import { declaredFrameLength, frameLength } from '../../src/ber/frame.js';
import { ANONYMOUS_MAX_PDU } from '../../src/ldap/connection.js';
import { ProtocolError, RC } from '../../src/errors.js';
import { decodeMessage } from '../../src/ldap/pdu/decode-request.js';
import { decodeResponse } from '../../src/ldap/pdu/decode-response.js';
import { encodeRequest } from '../../src/ldap/pdu/encode-request.js';
import { EXOP, OP } from '../../src/ldap/pdu/protocol.js';
import type { LdapMessage, LdapResponse } from '../../src/ldap/pdu/types.js';
import { corpus } from './corpus.js';
import { Mutator, type Mutant } from './mutate.js';

/** What the server must do with one framed PDU. */
export type Expect = 'answer' | 'silent' | 'close' | 'tls';

export interface Frame {
  bytes: Buffer;
  expect: Expect;
  msg?: LdapMessage;
  /** decodeMessage threw something other than ProtocolError: the server would too. */
  decoderFault?: string;
}

export interface Plan {
  mutant: Mutant;
  /** The octets to send: the mutant, padded to its declared end. */
  wire: Buffer;
  frames: Frame[];
  /** open: the connection stays usable; abort: too much to pad, the client hangs up. */
  end: 'open' | 'close' | 'tls' | 'abort';
}

/** Tag, and a length of at most 1 + 4 octets as framing accepts. */
const HEADER_MAX = 6;
/** Padding beyond this is not sent; the client drops the connection mid-PDU instead. */
const PAD_CAP = 256 * 1024;

/** Requests whose bad content (not encoding) gets a protocolError answer (others: notice of disconnection). */
const ANSWERED_TAGS = new Set<number>([
  OP.bindRequest, OP.searchRequest, OP.modifyRequest, OP.addRequest, OP.delRequest, OP.modDNRequest, OP.compareRequest, OP.extendedRequest,
]);

function classify(bytes: Buffer): Frame {
  let msg: LdapMessage;
  try {
    msg = decodeMessage(bytes);
  } catch (e) {
    if (e instanceof ProtocolError) return { bytes, expect: 'close' };
    return { bytes, expect: 'close', decoderFault: String(e) };
  }
  const op = msg.op;
  switch (op.type) {
    case 'unbind':
      return { bytes, expect: 'close', msg };
    case 'abandon':
      return { bytes, expect: 'silent', msg };
    case 'invalid':
      return { bytes, expect: ANSWERED_TAGS.has(op.tag) && !op.disconnect ? 'answer' : 'close', msg };
    case 'extended':
      return { bytes, expect: op.oid === EXOP.startTls ? 'tls' : 'answer', msg };
    default:
      return { bytes, expect: 'answer', msg };
  }
}

/** Splits a mutant into the frames the server will see (see the file comment). */
/** The largest request the server reads on a connection: less until it is bound (ANONYMOUS_MAX_PDU). */
export function pduLimit(maxPdu: number, bound: boolean): number {
  return bound ? maxPdu : Math.min(maxPdu, ANONYMOUS_MAX_PDU);
}

export function plan(mutant: Mutant, maxPdu: number): Plan {
  let stream = mutant.pdu;
  const frames: Frame[] = [];
  let off = 0;
  while (off < stream.length) {
    let total: number;
    try {
      total = declaredFrameLength(stream, off, maxPdu);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      // The header alone makes the server hang up; the rest need not be sent.
      const wire = stream.subarray(0, off + HEADER_MAX);
      frames.push({ bytes: wire.subarray(off), expect: 'close' });
      return { mutant, wire, frames, end: 'close' };
    }
    if (total === -1) {
      stream = Buffer.concat([stream, Buffer.alloc(1)]);
      continue;
    }
    const missing = off + total - stream.length;
    if (missing > PAD_CAP) return { mutant, wire: stream, frames, end: 'abort' };
    if (missing > 0) stream = Buffer.concat([stream, Buffer.alloc(missing)]);
    const frame = classify(stream.subarray(off, off + total));
    off += total;
    frames.push(frame);
    if (frame.expect === 'close' || frame.expect === 'tls') return { mutant, wire: stream.subarray(0, off), frames, end: frame.expect };
  }
  return { mutant, wire: stream, frames, end: 'open' };
}

export interface Anomaly {
  kind: 'hang' | 'unexpected-close' | 'no-close' | 'bad-response' | 'decoder-fault' | 'internal-error' | 'bind-failed' | 'connect-failed';
  detail: string;
  /** Mutant numbers involved (regenerate with the seed). */
  mutants: number[];
  /** Their PDUs as sent. */
  hex: string[];
}

const HEX_SHOWN = 2048;

/** An anomaly as text, with each PDU's hex (shortened) and how to replay it. */
export function describeAnomaly(a: Anomaly, seed: number, bound = false): string {
  const lines = [`${a.kind}: ${a.detail}`];
  a.mutants.forEach((m, i) => {
    const h = a.hex[i]!;
    const shown = h.length <= HEX_SHOWN ? h : `${h.slice(0, HEX_SHOWN)}… (${h.length / 2} octets)`;
    lines.push(`  mutant ${m} (replay: npm run fuzz -- --seed ${seed} --only ${m}${bound ? ' --bound' : ''}): ${shown}`);
  });
  return lines.join('\n');
}

/** A write the server accepted, or whose answer never came (it may have committed). */
export interface WriteOutcome {
  mutant: number;
  msg: LdapMessage;
  /** undefined: no answer before the connection closed. */
  code?: number;
}

export interface FuzzOptions {
  url: string;
  seed: number;
  count: number;
  /** First mutant number (default 0). */
  start?: number;
  connections: number;
  /** The server's limits.maxPduBytes. */
  maxPdu: number;
  /** Bind each connection cleanly first (else every mutant runs anonymously). */
  bind?: { dn: string; password: string };
  /** Mutants per sentinel. */
  batch?: number;
  timeoutMs?: number;
  /** True once the server is gone: the run stops. */
  stopped?: () => boolean;
  onProgress?: (sent: number) => void;
}

export interface FuzzReport {
  mutants: number;
  frames: number;
  responses: number;
  connections: number;
  serverCloses: number;
  clientAborts: number;
  /** Final results by result code (sentinels excluded). */
  codes: Map<number, number>;
  /** Mutants by kind of mutation. */
  kinds: Map<string, number>;
  /** The last mutants sent, newest last: the suspects if the server died. */
  recent: number[];
  writes: WriteOutcome[];
  anomalies: Anomaly[];
  ms: number;
}

const SENTINEL_BASE = 0x7f000000;
/** How many recent mutants a report keeps as suspects. */
const RECENT = 256;
const WRITES = new Set(['add', 'modify', 'delete', 'modrdn']);

function isWrite(msg: LdapMessage): boolean {
  return WRITES.has(msg.op.type) || (msg.op.type === 'extended' && msg.op.oid === EXOP.passwordModify);
}

function hasWrite(p: Plan): boolean {
  return p.frames.some((f) => f.msg !== undefined && isWrite(f.msg));
}

/** A raw client connection that decodes what the server sends. */
class Conn {
  readonly socket: Socket;
  closed = false;
  badResponse: string | undefined;
  onResponse: (r: LdapResponse) => void = () => {};
  #buf: Buffer | undefined;
  #waiters = new Set<() => void>();

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => this.#data(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
  }

  static open(url: string): Promise<Conn> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const s = connect({ host: u.hostname, port: Number(u.port) });
      s.once('connect', () => {
        s.removeAllListeners('error');
        resolve(new Conn(s));
      });
      s.once('error', reject);
    });
  }

  #data(chunk: Buffer): void {
    let buf = this.#buf ? Buffer.concat([this.#buf, chunk]) : chunk;
    let off = 0;
    try {
      for (;;) {
        const len = frameLength(buf, off, 1 << 30);
        if (len < 0) break;
        const r = decodeResponse(buf.subarray(off, off + len));
        off += len;
        this.onResponse(r);
      }
    } catch (e) {
      this.badResponse = `${String(e)}: ${buf.subarray(off, off + 256).toString('hex')}`;
      this.socket.destroy();
    }
    buf = buf.subarray(off);
    this.#buf = buf.length ? Buffer.from(buf) : undefined;
    this.#wake();
  }

  #wake(): void {
    for (const w of this.#waiters) w();
  }

  write(b: Buffer): void {
    if (!this.closed) this.socket.write(b);
  }

  /** Resolves true once `done()` holds, false after `ms`. */
  wait(done: () => boolean, ms: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): void => {
        if (!done()) return;
        finish(true);
      };
      const finish = (v: boolean): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(v);
      };
      const timer = setTimeout(() => finish(false), ms);
      this.#waiters.add(check);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

interface Pending {
  plan: Plan;
  write?: WriteOutcome;
}

export async function fuzz(o: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const mutator = new Mutator(o.seed, corpus(), o.maxPdu);
  const batchSize = o.batch ?? 8;
  const timeoutMs = o.timeoutMs ?? 15_000;
  const stopped = o.stopped ?? (() => false);
  const start = o.start ?? 0;
  let next = start;
  const rep: FuzzReport = {
    mutants: 0, frames: 0, responses: 0, connections: 0, serverCloses: 0, clientAborts: 0, codes: new Map(), kinds: new Map(), recent: [], writes: [], anomalies: [], ms: 0,
  };
  const anomaly = (kind: Anomaly['kind'], detail: string, plans: Plan[]): void => {
    rep.anomalies.push({ kind, detail, mutants: plans.map((p) => p.mutant.index), hex: plans.map((p) => p.wire.toString('hex')) });
  };
  let sentinelId = SENTINEL_BASE;
  /** Mutants held back for a batch of their own when their connection ended first. */
  const leftovers: Plan[] = [];
  const more = (): boolean => leftovers.length > 0 || next < start + o.count;

  async function connection(): Promise<boolean> {
    let conn: Conn;
    try {
      conn = await Conn.open(o.url);
    } catch (e) {
      if (!stopped()) anomaly('connect-failed', String(e), []);
      return false;
    }
    rep.connections++;
    const pending = new Map<number, Pending[]>();
    let sentinel = -1;
    let carry: Plan | undefined;
    let sentinelSeen = false;
    let tlsId = -1;
    let tlsAnswer: number | undefined;
    conn.onResponse = (r) => {
      rep.responses++;
      if (r.op.type !== 'result' && r.op.type !== 'extended') return;
      if (r.id === sentinel) {
        sentinelSeen = true;
        return;
      }
      rep.codes.set(r.op.code, (rep.codes.get(r.op.code) ?? 0) + 1);
      const q = pending.get(r.id);
      const p = q?.shift();
      if (q && q.length === 0) pending.delete(r.id);
      if (p?.write) p.write.code = r.op.code;
      // RC.other is how the server answers an exception it did not expect.
      if (r.op.code === RC.other) anomaly('internal-error', `result ${r.op.code} "${r.op.message}" to message ${r.id}`, p ? [p.plan] : []);
      if (r.id === tlsId) tlsAnswer = r.op.code;
    };
    const settled = (): boolean => conn.closed || (sentinelSeen && pending.size === 0);
    try {
      if (o.bind) {
        const main = conn.onResponse;
        let code: number | undefined;
        conn.onResponse = (r) => {
          if (r.id === 1 && r.op.type === 'result') code = r.op.code;
        };
        conn.write(encodeRequest(1, { type: 'bind', version: 3, name: o.bind.dn, auth: { kind: 'simple', password: Buffer.from(o.bind.password) } }));
        await conn.wait(() => conn.closed || code !== undefined, timeoutMs);
        conn.onResponse = main;
        if (code !== 0) {
          if (!stopped()) anomaly('bind-failed', `clean bind answered ${code}`, []);
          return false;
        }
      }
      while (!conn.closed && (carry || more()) && !stopped()) {
        const first = carry ?? leftovers.pop();
        const plans: Plan[] = first ? [first] : [];
        carry = undefined;
        const open = (): boolean => plans.length === 0 || plans[plans.length - 1]!.end === 'open';
        while (plans.length < batchSize && open() && next < start + o.count) {
          const p = plan(mutator.at(next++), pduLimit(o.maxPdu, o.bind !== undefined));
          // A write's answer must not be lost to a hang-up right behind it:
          // the mutant that closes the connection waits for the next batch.
          if (p.end !== 'open' && plans.some(hasWrite)) {
            carry = p;
            break;
          }
          plans.push(p);
        }
        if (plans.length === 0) break;
        rep.mutants += plans.length;
        for (const p of plans) {
          rep.kinds.set(p.mutant.kind, (rep.kinds.get(p.mutant.kind) ?? 0) + 1);
          rep.recent.push(p.mutant.index);
        }
        if (rep.recent.length > RECENT * 2) rep.recent.splice(0, rep.recent.length - RECENT);
        o.onProgress?.(rep.mutants);
        for (const p of plans) {
          for (const f of p.frames) {
            rep.frames++;
            if (f.decoderFault) anomaly('decoder-fault', f.decoderFault, [p]);
            const msg = f.msg;
            if (!msg) continue;
            if (msg.op.type === 'abandon') {
              pending.delete(msg.op.id);
              continue;
            }
            if (f.expect === 'tls') tlsId = msg.id;
            if (f.expect !== 'answer' && f.expect !== 'tls') continue;
            const entry: Pending = { plan: p };
            if (isWrite(msg)) {
              entry.write = { mutant: p.mutant.index, msg };
              rep.writes.push(entry.write);
            }
            pending.set(msg.id, [...(pending.get(msg.id) ?? []), entry]);
          }
        }
        const last = plans[plans.length - 1]!;
        const wire = plans.map((p) => p.wire);
        sentinelSeen = false;
        if (last.end === 'open') {
          sentinel = sentinelId++;
          wire.push(encodeRequest(sentinel, { type: 'extended', oid: EXOP.whoAmI }));
        }
        conn.write(Buffer.concat(wire));
        switch (last.end) {
          case 'open':
            if (!(await conn.wait(settled, timeoutMs))) {
              anomaly('hang', `no answer within ${timeoutMs} ms to ${sentinelSeen ? '' : 'the sentinel and '}${pending.size} request(s)`, plans);
              return !stopped();
            }
            if (conn.closed && !stopped()) anomaly('unexpected-close', 'server closed a connection whose PDUs were all well-formed', plans);
            break;
          case 'close':
            if (await conn.wait(() => conn.closed, timeoutMs)) rep.serverCloses++;
            else anomaly('no-close', 'a PDU that must close the connection did not', plans);
            return true;
          case 'tls':
            if (!(await conn.wait(() => conn.closed || tlsAnswer !== undefined, timeoutMs))) anomaly('hang', 'no answer to StartTLS', plans);
            if (tlsAnswer === 0 || tlsAnswer === undefined) {
              rep.clientAborts++;
              return true;
            }
            tlsAnswer = undefined;
            break;
          case 'abort':
            rep.clientAborts++;
            return true;
        }
        if (conn.badResponse) {
          anomaly('bad-response', conn.badResponse, plans);
          return true;
        }
      }
      return true;
    } finally {
      if (carry) leftovers.push(carry);
      conn.destroy();
    }
  }

  async function worker(): Promise<void> {
    while (more() && !stopped()) {
      if (!(await connection())) return;
    }
  }
  await Promise.all(Array.from({ length: o.connections }, () => worker()));
  rep.writes = rep.writes.filter((w) => w.code === undefined || w.code === 0);
  rep.recent = rep.recent.slice(-RECENT);
  rep.ms = performance.now() - started;
  return rep;
}
