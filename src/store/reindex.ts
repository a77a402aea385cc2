// The indexes derived from configuration, kept in line with it. The
// attribute indexes follow the server file's `indexes` (and the matching
// rules the schema gives each type); the replication core's index holds
// the keys of `uniqueAttributes` and naming policies. Both are written as
// entries change, so a type indexed, unindexed or re-ruled since the last
// start would leave them describing another configuration: an index added
// to `indexes` found none of the entries already there, and a search it
// answered returned nothing (slapd needs slapindex for this; 389-DS a
// reindex task). What each was built for is kept in `meta`; a server or an
// import that finds it different rebuilds what changed before it serves.
import type { Database, Key } from 'lmdb';
import type { Schema } from '../schema/schema.js';
import { indexKeys as coreIndexKeys } from '../repl/core/view.js';
import { indexKeys, type IndexKind, type IndexPlan } from './indexes.js';
import { decodeRec } from './record.js';
import { isEmpty } from './db.js';
import type { Store } from './store.js';

export interface Reindexed {
  /** Attribute types whose index was (re)built from the entries. */
  built: string[];
  /** Types no longer indexed, their keys removed. */
  dropped: string[];
  /** The replication core's index was rebuilt (its policies changed). */
  core: boolean;
  /** Entries (or states) read to do it. */
  read: number;
  ms: number;
}

/** What each indexed type's keys depend on: its kinds and matching rules. */
export function indexSignatures(schema: Schema, plan: IndexPlan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, kinds] of plan.byType) {
    const at = schema.attributeType(name)!;
    out[name] = `${[...kinds].sort().join(',')}|${at.equality?.name ?? ''}|${at.substr?.name ?? ''}`;
  }
  return out;
}

/**
 * Rebuilds what no longer matches the configuration, in one transaction
 * (before the server listens: nothing else writes). A database written
 * before these were recorded has everything rebuilt once. Undefined when
 * all matched.
 */
export function reconcileIndexes(store: Store): Reindexed | undefined {
  const { dbs, schema, plan } = store;
  const t0 = performance.now();
  const want = indexSignatures(schema, plan);
  const had = dbs.meta.get('indexes') as Record<string, string> | undefined;
  const coreHad = dbs.meta.get('coreIndexRules') as string | undefined;
  const empty = store.entryCount() === 0 && isEmpty(dbs.core);
  const build = Object.keys(want).filter((t) => !empty && had?.[t] !== want[t]);
  const dropped = had === undefined ? [] : Object.keys(had).filter((t) => want[t] === undefined);
  const core = !empty && coreHad !== store.policySignature;
  if (build.length === 0 && dropped.length === 0 && !core && had !== undefined && coreHad !== undefined) return undefined;
  let read = 0;
  dbs.env.transactionSync(() => {
    // Unknown history: keys of types indexed then may be anywhere.
    if (had === undefined && !empty) clearAll(dbs.idx as Database<unknown, Key>);
    else for (const t of [...build, ...dropped]) clearPrefix(dbs.idx as Database<unknown, Key>, `${t}\0`);
    if (build.length > 0) {
      const only: IndexPlan = { byType: new Map(build.map((t) => [t, plan.byType.get(t) as Set<IndexKind>])) };
      for (const { key, value } of dbs.entries.getRange({})) {
        const rec = decodeRec(key as number, value as Buffer);
        for (const k of indexKeys(schema, only, rec.attrs)) dbs.idx.put(k, rec.id);
        read++;
      }
    }
    if (core) {
      clearAll(dbs.coreIdx as Database<unknown, Key>);
      for (const { uuid, raw } of store.states()) {
        const s = store.fromRaw(raw, uuid);
        for (const k of coreIndexKeys(s.state, store.rules)) dbs.coreIdx.put(k, s.state.uuid);
        read++;
      }
    }
    dbs.meta.put('indexes', want);
    dbs.meta.put('coreIndexRules', store.policySignature);
  });
  if (build.length === 0 && dropped.length === 0 && !core) return undefined;
  return { built: build, dropped, core, read, ms: Math.round(performance.now() - t0) };
}

function clearAll(db: Database<unknown, Key>): void {
  for (const k of db.getKeys({})) db.remove(k);
}

function clearPrefix(db: Database<unknown, Key>, prefix: string): void {
  // Keys are UTF-8 strings: every one starting with the prefix sorts below prefix + U+0001.
  for (const k of db.getKeys({ start: prefix, end: `${prefix.slice(0, -1)}\u0001` })) db.remove(k);
}
