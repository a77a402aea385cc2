// The read-only window onto the current DIT that apply() works through. The
// store implements it over LMDB inside its write transaction; the simulator
// in memory.
import type { Csn } from './csn.js';
import type { AttrRules } from './policy.js';
import { type EntryState, isKnown, isLive } from './state.js';
import { shownValues } from './values.js';
import { rdnKey, type Visible } from './visible.js';

/** What the store keeps per entryUUID. */
export interface Stored {
  state: EntryState;
  vis: Visible;
}

export interface StateView {
  get(uuid: string): Stored | undefined;
  /** entryUUIDs stored under an index key (see indexKeys), any order. */
  lookup(key: string): Iterable<string>;
  /** True if this change was applied already (e.g. its CSN is covered by the RUV). */
  applied?(csn: Csn): boolean;
}

/** Index keys: children of an entry (by wanted or add-time parent). */
export function childrenKey(parent: string): string {
  return `c\0${parent}`;
}

/** Index keys: entries that may want the same name under a parent. */
export function nameKey(parent: string, key: string): string {
  return `n\0${parent}\0${key}`;
}

export const UNIQUE_PREFIX = 'u\0';

/** Index keys: live entries holding a value of a unique attribute. */
export function uniqueKey(attr: string, k: string): string {
  return `${UNIQUE_PREFIX}${attr}\0${k}`;
}

export interface Holding {
  attr: string;
  k: string;
  c: Csn;
}

/** Values of unique attributes a live entry shows, with the CSN it got each. */
export function uniqueHoldings(s: EntryState, rules: AttrRules): Holding[] {
  if (!isLive(s)) return [];
  const out: Holding[] = [];
  for (const attr of Object.keys(s.attrs)) {
    const info = rules.info(attr);
    if (!info.unique) continue;
    for (const vs of shownValues(s.attrs[attr], info)) out.push({ attr, k: vs.k, c: vs.c });
  }
  return out;
}

/**
 * The keys under which the store must index this state (a multimap key →
 * entryUUID, e.g. an LMDB dupsort database). apply() returns the keys to add
 * and remove with every state it writes. `knownRdnKey`: rdnKey(s.rdn), when
 * the caller has it.
 */
export function indexKeys(s: EntryState, rules: AttrRules, knownRdnKey?: string): string[] {
  const keys = new Set<string>();
  const parents = new Set<string>();
  if (s.parent !== undefined) parents.add(s.parent);
  if (s.addParent !== undefined) parents.add(s.addParent);
  const rk = isKnown(s) || s.rdn ? (knownRdnKey ?? rdnKey(s.rdn ?? [], rules)) : undefined;
  for (const p of parents) {
    keys.add(childrenKey(p));
    if (rk !== undefined) keys.add(nameKey(p, rk));
  }
  for (const h of uniqueHoldings(s, rules)) keys.add(uniqueKey(h.attr, h.k));
  return [...keys].sort();
}
