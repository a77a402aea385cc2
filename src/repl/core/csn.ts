// Change sequence numbers. The string form is fixed width and compares
// byte-wise in CSN order, so CSNs are kept and compared as plain strings
// everywhere (state, changelog keys, RUVs):
//
//   YYYYMMDDHHMMSS.ffffffZ#cccccc#rrr#ssssss
//   └ UTC time, µs (22) ┘ └ctr┘ └rid┘ └subseq┘
//
// counter: 6 lower-case hex digits (0..0xffffff), ticks when time does not
// advance; replicaId: 3 hex digits (0..4095, as OpenLDAP's SID); subseq:
// 6 hex digits, numbers the modifications inside one change (mod i of a
// modify is applied at subseq i, so later mods of one operation win).
import { MeshdirError } from '../../errors.js';

export type Csn = string;

export interface CsnParts {
  /** Microseconds since the Unix epoch (UTC). */
  time: number;
  counter: number;
  replicaId: number;
  subseq: number;
}

export const CSN_LENGTH = 40;
export const MAX_COUNTER = 0xffffff;
export const MAX_REPLICA_ID = 0xfff;
export const MAX_SUBSEQ = 0xffffff;
/** Microseconds stay exact in a JS number until 2255-06-05. */
export const MAX_TIME = Number.MAX_SAFE_INTEGER;

const CSN_RE = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\.(\d{6})Z#([0-9a-f]{6})#([0-9a-f]{3})#([0-9a-f]{6})$/;
const RID_AT = 30;
const SUBSEQ_AT = 34;

function bad(message: string): MeshdirError {
  return new MeshdirError('MESHDIR_CSN_INVALID', message);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function checkInt(name: string, n: number, max: number): void {
  if (!Number.isInteger(n) || n < 0 || n > max) throw bad(`CSN ${name} ${n} is outside 0..${max}`);
}

// formatCsn runs on every local write; most calls fall in the same second.
let cachedSecond = -1;
let cachedPrefix = '';

export function formatCsn(p: CsnParts): Csn {
  checkInt('time', p.time, MAX_TIME);
  checkInt('counter', p.counter, MAX_COUNTER);
  checkInt('replicaId', p.replicaId, MAX_REPLICA_ID);
  checkInt('subseq', p.subseq, MAX_SUBSEQ);
  const second = Math.floor(p.time / 1_000_000);
  if (second !== cachedSecond) {
    const d = new Date(second * 1000);
    cachedPrefix =
      pad(d.getUTCFullYear(), 4) + pad(d.getUTCMonth() + 1, 2) + pad(d.getUTCDate(), 2) +
      pad(d.getUTCHours(), 2) + pad(d.getUTCMinutes(), 2) + pad(d.getUTCSeconds(), 2);
    cachedSecond = second;
  }
  return `${cachedPrefix}.${pad(p.time % 1_000_000, 6)}Z#${hex(p.counter, 6)}#${hex(p.replicaId, 3)}#${hex(p.subseq, 6)}`;
}

// parseCsn runs on every change applied (the clock observes it); most fall
// in the same second as the one before.
let parsedHead = '';
let parsedMs = 0;

function secondOf(s: string, m: RegExpExecArray): number {
  const head = s.slice(0, 14);
  if (head === parsedHead) return parsedMs;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  if (
    year < 1970 || d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day ||
    d.getUTCHours() !== hour || d.getUTCMinutes() !== minute || d.getUTCSeconds() !== second
  ) {
    throw bad(`not a CSN: ${JSON.stringify(s)} (no such time)`);
  }
  parsedHead = head;
  parsedMs = d.getTime();
  return parsedMs;
}

export function parseCsn(s: string): CsnParts {
  const m = typeof s === 'string' ? CSN_RE.exec(s) : null;
  if (!m) throw bad(`not a CSN: ${JSON.stringify(s)} (expected YYYYMMDDHHMMSS.ffffffZ#cccccc#rrr#ssssss, lower-case hex)`);
  const time = secondOf(s, m) * 1000 + Number(m[7]);
  if (time > MAX_TIME) throw bad(`not a CSN: ${JSON.stringify(s)} (time beyond ${MAX_TIME} µs)`);
  return {
    time,
    counter: parseInt(m[8]!, 16),
    replicaId: parseInt(m[9]!, 16),
    subseq: parseInt(m[10]!, 16),
  };
}

export function isCsn(s: unknown): s is Csn {
  if (typeof s !== 'string' || s.length !== CSN_LENGTH) return false;
  try {
    parseCsn(s);
    return true;
  } catch {
    return false;
  }
}

function hexDigit(code: number): number {
  return code <= 57 ? code - 48 : code - 87;
}

/** The replica that made the change (read straight from the fixed-width string: it runs per record sent). */
export function csnReplicaId(csn: Csn): number {
  return (hexDigit(csn.charCodeAt(RID_AT)) << 8) | (hexDigit(csn.charCodeAt(RID_AT + 1)) << 4) | hexDigit(csn.charCodeAt(RID_AT + 2));
}

/** The same CSN with another subseq (the CSN of mod `n` of a change). */
export function withSubseq(csn: Csn, n: number): Csn {
  checkInt('subseq', n, MAX_SUBSEQ);
  return csn.slice(0, SUBSEQ_AT) + hex(n, 6);
}

/** Milliseconds since the epoch encoded in the CSN. */
export function csnTimeMs(csn: Csn): number {
  return Math.floor(parseCsn(csn).time / 1000);
}

/** The greatest CSN replica r can issue: a RUV entry that covers all of r's changes. */
export function lastCsnOf(replicaId: number): Csn {
  return formatCsn({ time: MAX_TIME, counter: MAX_COUNTER, replicaId, subseq: MAX_SUBSEQ });
}

/** The smallest CSN at or after the given time: every CSN made later sorts above it. */
export function csnAtTime(ms: number): Csn {
  return formatCsn({ time: Math.max(0, Math.floor(ms)) * 1000, counter: 0, replicaId: 0, subseq: 0 });
}
