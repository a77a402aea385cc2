// lmdb-js decodes values with msgpackr; with copyBuffers (needed so values do
// not alias lmdb-js' reused read buffer) binary fields come back as plain
// Uint8Array. The rest of meshdir works with Node Buffers (entry values are
// Buffers), so decoded values are turned into Buffers over the same memory.
import { Packr } from 'msgpackr';

/** A Node Buffer over the same memory. */
export function asBuffer(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function toBuffers(v: unknown): unknown {
  if (v instanceof Uint8Array) return asBuffer(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = toBuffers(v[i]);
    return v;
  }
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k in o) o[k] = toBuffers(o[k]);
  }
  return v;
}

export class BufferPackr extends Packr {
  override decode(source: Buffer | Uint8Array, end?: number | { start?: number; end?: number; lazy?: boolean }): unknown {
    return toBuffers(super.decode(source as Buffer, end as number));
  }
  override unpack(source: Buffer | Uint8Array, end?: number | { start?: number; end?: number; lazy?: boolean }): unknown {
    return toBuffers(super.unpack(source as Buffer, end as number));
  }
}

/** lmdb-js' reusable read buffer: valid until the next read; `lastSize` octets are the value. */
interface FastReader<K> {
  getBinaryFast(key: K): Uint8Array | undefined;
}

/** A binary value as stored, a view of lmdb-js' reused read buffer: valid until the next read. */
export function readFast<K>(db: FastReader<K>, key: K): Buffer | undefined {
  const fast = db.getBinaryFast(key);
  if (fast === undefined) return undefined;
  return asBuffer(fast).subarray(0, (db as unknown as { lastSize: number }).lastSize);
}

/** Whether a binary value is stored as `raw` (undefined: absent), without copying it. */
export function storedAs<K>(db: FastReader<K>, key: K, raw: Buffer | undefined): boolean {
  const stored = readFast(db, key);
  if (stored === undefined || raw === undefined) return stored === raw;
  return raw.equals(stored);
}
