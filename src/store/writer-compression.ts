// lmdb-js starts the LZ4 compression of a value put outside a transaction
// body (an async put, Store.#pipeline) on a napi AsyncWorker of its own, so
// that it is done before lmdb-js' writer thread reaches the put: ~14 µs of
// the main thread per value (against ~1 µs for the put of an uncompressed
// one; bench/HISTORY.md, 2026-12-07), and a pipelined modify puts two
// compressed values. When no worker started it, the writer thread
// compresses the value itself as it writes it (lmdb-js src/writer.cpp), off
// the main thread: that is what this arranges, by giving lmdb-js' write path
// a `compress` that starts nothing. Values put inside a transaction body are
// compressed by the native put, as before.
//
// This reaches into lmdb-js' internals (native.js, whose
// setNativeFunctions write.js takes `compress` from), so it is done only for
// the release it was read from; with another one the AsyncWorker stays,
// which costs time but changes nothing stored.
import { readFileSync } from 'node:fs';
import * as lmdb from 'lmdb';

const CHECKED = '3.5.6';

async function compressOnWriterThread(): Promise<boolean> {
  const index = new URL(import.meta.resolve('lmdb'));
  const { version } = JSON.parse(readFileSync(new URL('package.json', index), 'utf8')) as { version: string };
  if (version !== CHECKED) return false;
  const native = (await import(new URL('native.js', index).href)) as { setNativeFunctions?: (externals: object) => void };
  if (typeof native.setNativeFunctions !== 'function') return false;
  const { nativeAddon } = lmdb as unknown as { nativeAddon: object };
  native.setNativeFunctions(Object.create(nativeAddon, { compress: { value: () => undefined } }));
  return true;
}

/** Whether lmdb-js' writer thread compresses async puts itself (false: lmdb-js as shipped). */
export const writerCompresses: boolean = await compressOnWriterThread();
