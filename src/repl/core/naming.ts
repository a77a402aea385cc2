// Derived naming. Each state holds the name it *wants* (RDN + parent); what
// readers see is a function of all states, so every delivery order yields the
// same DIT:
// - concurrent moves that form a cycle: the move with the greatest CSN in the
//   cycle is set aside and that entry sits under its add-time parent;
// - an entry is rooted when its parent chain reaches the suffix entry;
// - live = added, not deleted, not discarded for a unique value; a deleted
//   (or discarded) entry with present children stays as glue;
// - among present entries wanting the same RDN under the same parent, the
//   smallest naming CSN keeps the name; the others show `entryUUID=<uuid>+<rdn>`;
// - for unique attributes, the entry that got the value first keeps it; the
//   other is renamed like a naming conflict, or discarded.
// A World evaluates these lazily, with memos, over a StateView plus the one
// state apply() is changing.
import type { Csn } from './csn.js';
import type { AttrRules } from './policy.js';
import { type EntryState, isKnown, isLive, namingCsn } from './state.js';
import { findValue } from './values.js';
import { childrenKey, nameKey, type StateView, uniqueHoldings, uniqueKey } from './view.js';
import { conflictRdn, glueAttrMap, liveAttrMap, rdnKey, type Visible } from './visible.js';

export interface Overlay {
  uuid: string;
  state: EntryState;
  /** Index keys the new state gains / loses. */
  addKeys: ReadonlySet<string>;
  delKeys: ReadonlySet<string>;
}

interface UniqueLoss {
  discard: boolean;
  rename: string[];
}

const NO_LOSS: UniqueLoss = { discard: false, rename: [] };

function before(c1: Csn, u1: string, c2: Csn, u2: string): boolean {
  return c1 < c2 || (c1 === c2 && u1 < u2);
}

export class World {
  readonly #view: StateView;
  readonly #rules: AttrRules;
  readonly #over: Overlay | undefined;
  /** Entries whose latest move is set aside to break a cycle. */
  readonly #broken = new Set<string>();
  readonly #rooted = new Map<string, boolean>();
  readonly #rdnKey = new Map<string, string>();
  readonly #unique = new Map<string, UniqueLoss>();
  readonly #below = new Map<string, boolean>();
  readonly #vis = new Map<string, Visible>();

  constructor(view: StateView, rules: AttrRules, over?: Overlay) {
    this.#view = view;
    this.#rules = rules;
    this.#over = over;
  }

  state(u: string): EntryState | undefined {
    if (this.#over && u === this.#over.uuid) return this.#over.state;
    return this.#view.get(u)?.state;
  }

  lookup(key: string): string[] {
    const out = new Set(this.#view.lookup(key));
    const o = this.#over;
    if (o) {
      if (o.delKeys.has(key)) out.delete(o.uuid);
      if (o.addKeys.has(key)) out.add(o.uuid);
    }
    return [...out];
  }

  #edge(u: string, s: EntryState): string {
    return this.#broken.has(u) ? s.addParent! : (s.parent ?? s.addParent!);
  }

  /** Set aside the latest move of a cycle; false if the cycle has no move to set aside. */
  #breakCycle(cycle: string[]): boolean {
    let victim: string | undefined;
    let vc = '';
    for (const n of cycle) {
      const s = this.state(n)!;
      if (this.#broken.has(n) || s.parent === s.addParent) continue;
      const c = s.parentCsn ?? '';
      if (victim === undefined || before(vc, victim, c, n)) {
        victim = n;
        vc = c;
      }
    }
    if (victim === undefined) return false;
    this.#broken.add(victim);
    return true;
  }

  rooted(u: string): boolean {
    for (;;) {
      const path: string[] = [];
      const pos = new Map<string, number>();
      let n = u;
      let r: boolean | undefined;
      for (;;) {
        const m = this.#rooted.get(n);
        if (m !== undefined) {
          r = m;
          break;
        }
        const s = this.state(n);
        if (!isKnown(s)) {
          r = false;
          break;
        }
        const at = pos.get(n);
        if (at !== undefined) {
          if (!this.#breakCycle(path.slice(at))) r = false;
          break;
        }
        pos.set(n, path.length);
        path.push(n);
        const p = this.#edge(n, s);
        if (p === '') {
          r = true;
          break;
        }
        n = p;
      }
      if (r === undefined) continue;
      for (const p of path) this.#rooted.set(p, r);
      return r;
    }
  }

  /** Resolved parent of a known entry (after cycle breaking). */
  parentOf(u: string): string | undefined {
    const s = this.state(u);
    if (!isKnown(s)) return undefined;
    this.rooted(u);
    return this.#edge(u, s);
  }

  isBroken(u: string): boolean {
    this.rooted(u);
    return this.#broken.has(u);
  }

  rdnKeyOf(u: string): string {
    let k = this.#rdnKey.get(u);
    if (k === undefined) {
      k = rdnKey(this.state(u)?.rdn ?? [], this.#rules);
      this.#rdnKey.set(u, k);
    }
    return k;
  }

  uniqueLoss(u: string): UniqueLoss {
    let r = this.#unique.get(u);
    if (r) return r;
    r = NO_LOSS;
    const s = this.state(u);
    if (s && isLive(s)) {
      for (const h of uniqueHoldings(s, this.#rules)) {
        const lost = this.lookup(uniqueKey(h.attr, h.k)).some((o) => {
          if (o === u) return false;
          const os = this.state(o);
          if (!isLive(os)) return false;
          const vs = findValue(os!.attrs[h.attr], h.k);
          return vs?.v !== undefined && before(vs.c, o, h.c, u);
        });
        if (!lost) continue;
        if (r === NO_LOSS) r = { discard: false, rename: [] };
        if (this.#rules.info(h.attr).unique === 'discard') r.discard = true;
        else if (!r.rename.includes(h.attr)) r.rename.push(h.attr);
      }
      r.rename.sort();
    }
    this.#unique.set(u, r);
    return r;
  }

  liveKept(u: string): boolean {
    return isLive(this.state(u)) && !this.uniqueLoss(u).discard;
  }

  #liveBelow(u: string): boolean {
    let r = this.#below.get(u);
    if (r !== undefined) return r;
    this.#below.set(u, false);
    r = this.lookup(childrenKey(u)).some(
      (c) => this.parentOf(c) === u && (this.liveKept(c) || this.#liveBelow(c)),
    );
    this.#below.set(u, r);
    return r;
  }

  present(u: string): boolean {
    if (!isKnown(this.state(u)) || !this.rooted(u)) return false;
    return this.liveKept(u) || this.#liveBelow(u);
  }

  /** The entry keeping the name `u` wants, if not `u`. */
  namingWinner(u: string): string | undefined {
    const p = this.parentOf(u);
    if (p === undefined) return undefined;
    const k = this.rdnKeyOf(u);
    let best = u;
    let bc = namingCsn(this.state(u)!);
    for (const m of this.lookup(nameKey(p, k))) {
      if (m === u) continue;
      if (!this.present(m) || this.parentOf(m) !== p || this.rdnKeyOf(m) !== k) continue;
      if (this.liveKept(m) && this.uniqueLoss(m).rename.length) continue; // it shows a conflict name
      const mc = namingCsn(this.state(m)!);
      if (before(mc, m, bc, best)) {
        best = m;
        bc = mc;
      }
    }
    return best === u ? undefined : best;
  }

  vis(u: string): Visible {
    let v = this.#vis.get(u);
    if (!v) {
      v = this.#derive(u);
      this.#vis.set(u, v);
    }
    return v;
  }

  #derive(u: string): Visible {
    const s = this.state(u);
    if (!isKnown(s)) return { kind: 'hidden', parent: s?.parent ?? '', rdn: s?.rdn ?? [], rooted: false, attrs: [], csn: s?.csn ?? '' };
    const rooted = this.rooted(u);
    const v: Visible = { kind: 'hidden', parent: this.#edge(u, s), rdn: s.rdn, rooted, attrs: [], csn: s.csn };
    if (this.#broken.has(u)) v.broken = true;
    if (isLive(s) && this.uniqueLoss(u).discard) v.discarded = true;
    if (!this.present(u)) return v;
    const live = this.liveKept(u);
    const renamed = live ? this.uniqueLoss(u).rename : [];
    if (renamed.length) v.unique = renamed;
    else {
      const w = this.namingWinner(u);
      if (w !== undefined) v.naming = w;
    }
    if (v.unique || v.naming !== undefined) v.rdn = conflictRdn(u, s.rdn);
    if (live) {
      v.kind = 'live';
      const m = liveAttrMap(s, this.#rules);
      const why = this.#rules.checkSchema(m, s.rdn);
      if (why !== null) v.schema = why;
      v.attrs = [...m];
    } else {
      v.kind = 'glue';
      v.attrs = [...glueAttrMap(s, this.#rules)];
    }
    return v;
  }
}
