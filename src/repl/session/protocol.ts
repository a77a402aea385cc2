// The replication protocol's messages, carried as LDAP extended operations
// (DESIGN.md "Replication protocol"). Payloads are msgpack; change groups and
// init chunks may be zlib-compressed.
import { deflateSync, inflateSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import { ProtocolError } from '../../errors.js';

/** Experimental arc (unregistered, like meshdir.schema's). */
export const REPL_OID = {
  start: '1.3.6.1.4.1.99999.2.1',
  group: '1.3.6.1.4.1.99999.2.2',
  heartbeat: '1.3.6.1.4.1.99999.2.3',
  end: '1.3.6.1.4.1.99999.2.4',
  initBegin: '1.3.6.1.4.1.99999.2.5',
  initChunk: '1.3.6.1.4.1.99999.2.6',
  initEnd: '1.3.6.1.4.1.99999.2.7',
} as const;

export const PROTOCOL_VERSION = 1;

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

export function pack(v: unknown): Buffer {
  return packr.pack(v);
}

export function unpack(b: Buffer | undefined, what: string): Record<string, unknown> {
  if (!b || b.length === 0) throw new ProtocolError(`${what}: empty payload`);
  let v: unknown;
  try {
    v = packr.unpack(b);
  } catch (e) {
    throw new ProtocolError(`${what}: undecodable payload: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ProtocolError(`${what}: payload is not a map`);
  return v as Record<string, unknown>;
}

export interface StartRequest {
  v: number;
  suffix: string;
  gen: string;
  /** Supplier replicaId (masters), for logs. */
  rid?: number;
  /** Where clients should write (the supplier's first listen URL). */
  url: string;
  agreement: string;
  /** Its heartbeat: a session quiet for two of them no longer counts as feeding its origin. */
  hb?: number;
  /** Its merge policies (Store.policySignature): a consumer merging otherwise refuses the session. */
  rules?: string;
  /** A hub's or consumer's own write targets (the masters): where the consumer refers writes, instead of `url`. */
  refs?: string[];
}

export interface StartResponse {
  gen: string;
  ruv: Record<string, string>;
  role: string;
  /** The consumer adopted the supplier's generation (it was empty). */
  adopted?: boolean;
  /** A master consumer's replicaId: the supplier need not send its own changes back (ruv.ts withOrigin). */
  rid?: number;
  /** Its own changes at or below this CSN it holds only as its RUV says (ruv.ts Origin). */
  floor?: string;
  /** Masters feeding it their own changes in sessions of their own (also in group and heartbeat responses). */
  direct?: number[];
}

/** A list of records, packed and optionally compressed at `level`. */
export function packList(items: unknown[], level: number): { z: number; data: Buffer } {
  const raw = packr.pack(items);
  return level > 0 ? { z: 1, data: deflateSync(raw, { level }) } : { z: 0, data: raw };
}

/**
 * Groups and init chunks stay under this many bytes before compression, far
 * below a consumer's PDU limit (limits.maxPduBytes, 8 MiB by default): a
 * group of large entries over that limit closes the connection, and the
 * same group would be sent again after every reconnect, for ever.
 */
export const MAX_BATCH_BYTES = 1024 * 1024;

/** About how many bytes `v` packs to (binary values and strings dominate). */
export function approxBytes(v: unknown): number {
  if (typeof v === 'string') return v.length + 5;
  if (v instanceof Uint8Array) return v.length + 5;
  if (Array.isArray(v)) {
    let n = 5;
    for (const x of v) n += approxBytes(x);
    return n;
  }
  if (v !== null && typeof v === 'object') {
    let n = 5;
    for (const [k, x] of Object.entries(v)) n += k.length + 1 + approxBytes(x);
    return n;
  }
  return 9;
}

/** The longest prefix of `items` within `budget` bytes; never empty when `items` is not. */
export function fitBatch<T>(items: T[], budget = MAX_BATCH_BYTES): T[] {
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    total += approxBytes(items[i]);
    if (total > budget && i > 0) return items.slice(0, i);
  }
  return items;
}

const MAX_INFLATED = 256 * 1024 * 1024;

/** The raw (inflated) msgpack bytes of a packList() result. */
export function inflateList(z: unknown, data: unknown, what: string): Buffer {
  if (!Buffer.isBuffer(data) && !(data instanceof Uint8Array)) throw new ProtocolError(`${what}: data is not binary`);
  const raw = Buffer.from(data as Uint8Array);
  if (z === 0) return raw;
  if (z !== 1) throw new ProtocolError(`${what}: unknown compression ${String(z)}`);
  try {
    return inflateSync(raw, { maxOutputLength: MAX_INFLATED });
  } catch (e) {
    throw new ProtocolError(`${what}: cannot inflate: ${(e as Error).message}`);
  }
}

/** The list in inflateList() bytes. */
export function decodeList(raw: Buffer, what: string): unknown[] {
  let v: unknown;
  try {
    v = packr.unpack(raw);
  } catch (e) {
    throw new ProtocolError(`${what}: undecodable records: ${(e as Error).message}`);
  }
  if (!Array.isArray(v)) throw new ProtocolError(`${what}: records are not a list`);
  return v;
}

export function unpackList(z: unknown, data: unknown, what: string): unknown[] {
  return decodeList(inflateList(z, data, what), what);
}
