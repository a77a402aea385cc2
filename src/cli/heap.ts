// How far the V8 heap may grow between full collections, for a server. By
// default V8 lets the old generation reach up to 4× what survived the last
// one before it collects again; a server's live heap is small (~16–40 MiB
// at 100,000 entries: the data lives in LMDB's map), so most of its
// anonymous memory was that slack. At 1.5× (bench/HISTORY.md, 2026-12-07):
// 145.6 → 86.2 MiB of it after 30 s of modifies at 100,000 entries, and no
// write or search measured slower. V8 reads the flag at every collection,
// so setting it at start takes effect; a value given on node's command
// line (NODE_OPTIONS may not carry it) is left as it is.
import { setFlagsFromString } from 'node:v8';

const FLAG = '--heap-growing-percent';
export const HEAP_GROWING_PERCENT = 50;

/** Sets the growth limit unless node was started with one; returns whether it did. */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((a) => a.replace(/_/g, '-').startsWith(FLAG))) return false;
  setFlagsFromString(`${FLAG}=${HEAP_GROWING_PERCENT}`);
  return true;
}
