// An in-memory DIT implementing the core's StateView the way the LMDB store
// does: states + visible entries by entryUUID, and the index multimap.
// Stored objects and index sets are never edited in place, so a snapshot is
// two shallow map copies (the simulator snapshots at every commit).
import { apply, type ApplyResult } from '../../src/repl/core/urp.js';
import type { Change, ConflictRecord } from '../../src/repl/core/change.js';
import type { Csn } from '../../src/repl/core/csn.js';
import { World } from '../../src/repl/core/naming.js';
import type { AttrRules } from '../../src/repl/core/policy.js';
import { purgeState } from '../../src/repl/core/purge.js';
import { childrenKey, indexKeys, type StateView, type Stored } from '../../src/repl/core/view.js';
import { rdnKey, sameVisible, type Visible } from '../../src/repl/core/visible.js';

export type ApplyFn = (view: StateView, ch: Change, rules: AttrRules) => ApplyResult;

export class MemoryDit implements StateView {
  entries: Map<string, Stored>;
  index: Map<string, ReadonlySet<string>>;
  readonly rules: AttrRules;
  /** Skip changes already applied (the caller's RUV or seen set). */
  isApplied: ((csn: Csn) => boolean) | undefined;
  applyFn: ApplyFn = apply;

  constructor(rules: AttrRules, from?: MemoryDit) {
    this.rules = rules;
    this.entries = new Map(from?.entries);
    this.index = new Map(from?.index);
    this.isApplied = from?.isApplied;
    if (from) this.applyFn = from.applyFn;
  }

  snapshot(): MemoryDit {
    return new MemoryDit(this.rules, this);
  }

  get(uuid: string): Stored | undefined {
    return this.entries.get(uuid);
  }

  lookup(key: string): Iterable<string> {
    return this.index.get(key) ?? [];
  }

  applied(csn: Csn): boolean {
    return this.isApplied?.(csn) ?? false;
  }

  #key(key: string, uuid: string, add: boolean): void {
    const s = new Set(this.index.get(key));
    if (add) s.add(uuid);
    else s.delete(uuid);
    if (s.size) this.index.set(key, s);
    else this.index.delete(key);
  }

  apply(ch: Change): { writes: number; conflicts: ConflictRecord[] } {
    const r = this.applyFn(this, ch, this.rules);
    for (const w of r.writes) {
      if (w.state) {
        this.entries.set(w.uuid, { state: w.state, vis: w.vis });
        for (const k of w.delKeys ?? []) this.#key(k, w.uuid, false);
        for (const k of w.addKeys ?? []) this.#key(k, w.uuid, true);
      } else {
        const cur = this.entries.get(w.uuid);
        if (!cur) throw new Error(`write of the visible entry of unknown ${w.uuid}`);
        this.entries.set(w.uuid, { state: cur.state, vis: w.vis });
      }
    }
    return { writes: r.writes.length, conflicts: r.conflicts };
  }

  /** Purge markers below `csn` and tombstones below `tombstoneCsn`; returns how many entries were dropped or changed. */
  purge(csn: Csn, tombstoneCsn: Csn): number {
    let n = 0;
    for (const [uuid, st] of [...this.entries]) {
      const hasChildren = (this.index.get(childrenKey(uuid))?.size ?? 0) > 0;
      const after = purgeState(st.state, st.state.del === undefined ? csn : tombstoneCsn, hasChildren, this.rules);
      if (after === st.state) continue;
      n++;
      const oldKeys = indexKeys(st.state, this.rules);
      const newKeys = after ? indexKeys(after, this.rules) : [];
      for (const k of oldKeys) if (!newKeys.includes(k)) this.#key(k, uuid, false);
      for (const k of newKeys) if (!oldKeys.includes(k)) this.#key(k, uuid, true);
      if (after) this.entries.set(uuid, { state: after, vis: st.vis });
      else this.entries.delete(uuid);
    }
    return n;
  }

  /** Differences between the stored visible entries / index and a from-scratch derivation. */
  audit(): string[] {
    const problems: string[] = [];
    const world = new World(this, this.rules);
    for (const [uuid, st] of this.entries) {
      const fresh = world.vis(uuid);
      if (!sameVisible(st.vis, fresh)) {
        problems.push(`stale visible entry ${uuid}: stored ${describeVis(st.vis)} / derived ${describeVis(fresh)}`);
      }
      for (const k of indexKeys(st.state, this.rules)) {
        if (!this.index.get(k)?.has(uuid)) problems.push(`index key ${JSON.stringify(k)} misses ${uuid}`);
      }
    }
    for (const [k, set] of this.index) {
      for (const uuid of set) {
        const st = this.entries.get(uuid);
        if (!st || !indexKeys(st.state, this.rules).includes(k)) problems.push(`index key ${JSON.stringify(k)} holds stale ${uuid}`);
      }
    }
    return problems;
  }

  /** The DN of a present entry as a list of visible RDN keys (leaf first). */
  dnOf(uuid: string): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    for (let u = uuid; u !== ''; ) {
      if (seen.has(u)) throw new Error(`parent cycle in visible DIT at ${u}`);
      seen.add(u);
      const st = this.entries.get(u);
      if (!st || st.vis.kind === 'hidden') throw new Error(`visible ${uuid} has a hidden ancestor ${u}`);
      out.push(rdnKey(st.vis.rdn, this.rules));
      u = st.vis.parent;
    }
    return out;
  }

  /**
   * The visible DIT in a canonical text form: equal strings = identical DITs,
   * attributes and values in the order shown (order must converge too).
   */
  canonical(): string {
    const lines: string[] = [];
    for (const [uuid, st] of this.entries) {
      const v = st.vis;
      if (v.kind === 'hidden') continue;
      const attrs = v.attrs.map(([a, vals]) => `${a}=${vals.map((b) => b.toString('base64')).join('|')}`).join(' ');
      const flags = [v.naming && `naming:${v.naming}`, v.unique && `unique:${v.unique}`, v.schema && `schema:${v.schema}`, v.broken && 'broken'].filter(Boolean).join(' ');
      lines.push(`${this.dnOf(uuid).join(',')} ${uuid} ${v.kind} ${flags} ${attrs} csn=${v.csn}`);
    }
    return lines.sort().join('\n');
  }

  /** DN uniqueness: no two present entries at the same DN. */
  duplicateDns(): string[] {
    const seen = new Map<string, string>();
    const dups: string[] = [];
    for (const [uuid, st] of this.entries) {
      if (st.vis.kind === 'hidden') continue;
      const dn = this.dnOf(uuid).join(',');
      const other = seen.get(dn);
      if (other) dups.push(`${dn}: ${other} and ${uuid}`);
      seen.set(dn, uuid);
    }
    return dups;
  }
}

export function describeVis(v: Visible | undefined): string {
  if (!v) return 'none';
  const { attrs, ...rest } = v;
  return JSON.stringify({ ...rest, rdn: v.rdn.map(([a, b]) => `${a}=${b.toString()}`), attrs: attrs.map(([a, vals]) => `${a}:${vals.map(String).join('|')}`) });
}
