// The nemesis verdict: after convergence, every acknowledged write must be
// present in the data or explained — superseded by a write on the same entry
// and attribute that is not known to precede it, named by a conflict record
// on some server, or undone with its entry by a delete not known to precede
// it. "Known to precede" is the one order the test can be sure of: acked on
// the same master before the other was sent (that master's CSNs only grow,
// across restarts and clock skews). Across masters nothing is assumed.
// Besides, nothing may appear that no write made, a value an acknowledged
// delete removed may not come back, and on the stable entries (whose DN
// never changes) the last-writer-wins winner may not be a write that a later
// write of the same master should have beaten.
import type { Write } from './ledger.js';
import { tokenId } from './ledger.js';

/** Visible and conflict entries by lowercase DN, attribute names lowercase. */
export type Final = Map<string, Record<string, string[]>>;

export interface ConflictRec {
  kind: string;
  uuid: string;
  attr?: string;
  loser?: string;
  node?: string;
}

export interface Verdict {
  acked: number;
  present: number;
  superseded: number;
  byConflict: number;
  deleted: number;
  /** Acknowledged writes neither present nor explained. */
  lost: string[];
  /** Everything else that must not happen. */
  problems: string[];
}

const TRACKED = ['description', 'title', 'mail'];

/** The DN an entry would have without a naming conflict (entryUUID=…+rdn → rdn). */
export function baseDn(dn: string): string {
  const comma = dn.indexOf(',');
  const rdn = comma < 0 ? dn : dn.slice(0, comma);
  if (!rdn.includes('entryuuid=')) return dn;
  const kept = rdn.split('+').filter((p) => !p.startsWith('entryuuid='));
  return kept.join('+') + (comma < 0 ? '' : dn.slice(comma));
}

/** DNs linked by renames: an entry only ever carries names of its class. */
class Classes {
  #parent = new Map<string, string>();

  find(x: string): string {
    let root = x;
    while (this.#parent.has(root)) root = this.#parent.get(root)!;
    for (let y = x; y !== root; ) {
      const next = this.#parent.get(y)!;
      this.#parent.set(y, root);
      y = next;
    }
    return root;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.#parent.set(ra, rb);
  }
}

/** A set of writes, asked how many are not known to precede a given write. */
class Times {
  total = 0;
  #acked = new Map<string, number[]>();
  #sorted = true;

  add(w: Write): void {
    this.total++;
    if (w.outcome !== 'acked') return;
    const xs = this.#acked.get(w.node) ?? [];
    xs.push(w.done);
    this.#acked.set(w.node, xs);
    this.#sorted = false;
  }

  /** Members not acked on w's master before w was sent (w itself is never before itself). */
  notBefore(w: Write, self = false): number {
    if (!this.#sorted) {
      for (const xs of this.#acked.values()) xs.sort((a, b) => a - b);
      this.#sorted = true;
    }
    const xs = this.#acked.get(w.node) ?? [];
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid]! < w.sent) lo = mid + 1;
      else hi = mid;
    }
    return this.total - lo - (self ? 1 : 0);
  }
}

class Keyed {
  #m = new Map<string, Times>();
  add(k: string, w: Write): void {
    let t = this.#m.get(k);
    if (!t) this.#m.set(k, (t = new Times()));
    t.add(w);
  }
  notBefore(k: string, w: Write, self = false): number {
    return this.#m.get(k)?.notBefore(w, self) ?? 0;
  }
}

const before = (a: Write, b: Write): boolean => a.outcome === 'acked' && a.node === b.node && a.done < b.sent;
const show = (w: Write): string => `#${w.id} ${w.op} ${w.dn}${w.newDn ? ` -> ${w.newDn}` : ''}${w.mods.length ? ` [${w.mods.map((m) => `${m.op} ${m.attr}${m.values.length ? ` ${m.values.join(',')}` : ''}`).join('; ')}]` : ''}${w.tag ? ` (${w.tag})` : ''} on ${w.node}`;

export function verify(writes: readonly Write[], final: Final, conflicts: readonly ConflictRec[], stable: readonly string[]): Verdict {
  const v: Verdict = { acked: 0, present: 0, superseded: 0, byConflict: 0, deleted: 0, lost: [], problems: [] };
  const applied = writes.filter((w) => w.outcome !== 'refused');
  const byId = new Map(writes.map((w) => [w.id, w]));
  const classes = new Classes();
  for (const w of applied) if (w.op === 'modrdn') classes.union(w.dn, w.newDn!);
  const cls = (dn: string) => classes.find(baseDn(dn));

  const losers = new Set(conflicts.filter((c) => c.attr && c.loser).map((c) => `${c.attr!.toLowerCase()}\0${c.loser!.toLowerCase()}`));
  const kinds = new Map<string, Set<string>>();
  for (const c of conflicts) {
    if (!kinds.has(c.uuid)) kinds.set(c.uuid, new Set());
    kinds.get(c.uuid)!.add(c.kind);
  }

  // Where everything is now.
  const tagAt = new Map<string, string>();
  const valueAt = new Map<string, string>();
  /** Names that a conflict entry would have without its conflict. */
  const clashed = new Set<string>();
  for (const [dn, e] of final) {
    const uuid = e.entryuuid?.[0] ?? '';
    const tags = e.carlicense ?? [];
    if (tags.length > 1) v.problems.push(`${dn} carries ${tags.length} add tags: ${tags.join(', ')}`);
    for (const t of tags) {
      tagAt.set(t.toLowerCase(), dn);
      const w = byId.get(tokenId(t) ?? -1);
      if (!w || w.op !== 'add' || w.tag !== t.toLowerCase()) v.problems.push(`${dn}: tag ${t} that no add wrote`);
      else if (w.outcome === 'refused') v.problems.push(`${dn}: made by a refused write (${w.why}): ${show(w)}`);
      else if (cls(dn) !== cls(w.dn)) v.problems.push(`${dn}: the entry of ${show(w)} under a name no rename gave it`);
    }
    for (const a of TRACKED) {
      for (const val of e[a] ?? []) {
        const id = tokenId(val);
        if (id === undefined) continue;
        const lv = val.toLowerCase();
        valueAt.set(`${a}\0${lv}`, dn);
        const w = byId.get(id);
        if (!w || !w.mods.some((m) => m.attr === a && m.op !== 'delete' && m.values.includes(lv))) v.problems.push(`${dn}: ${a} ${val} that no write made`);
        else if (w.outcome === 'refused') v.problems.push(`${dn}: ${a} ${val} from a refused write (${w.why}): ${show(w)}`);
        else if (cls(dn) !== cls(w.dn)) v.problems.push(`${dn}: ${a} ${val} of ${show(w)} on an entry no rename links to ${w.dn}`);
      }
    }
    if (baseDn(dn) !== dn) clashed.add(baseDn(dn));
    if (baseDn(dn) !== dn && !['naming', 'unique'].some((k) => kinds.get(uuid)?.has(k))) v.problems.push(`${dn}: conflict entry without a naming/unique record for ${uuid}`);
    if ((e.objectclass ?? []).some((o) => o.toLowerCase() === 'glue') && !kinds.get(uuid)?.has('glue')) v.problems.push(`${dn}: glue entry without a glue record`);
  }

  // What could explain what.
  const touch = new Keyed(); // class \0 attr: replaces and attribute deletes
  const deletes = new Keyed(); // class: entry deletes
  const into = new Keyed(); // exact DN: adds and renames to it
  const away = new Keyed(); // exact DN: deletes and renames from it
  const renames = new Keyed(); // class: renames (of an entry under any of its names)
  const valueDeletes = new Set<string>();
  for (const w of applied) {
    if (w.op === 'delete') {
      deletes.add(cls(w.dn), w);
      away.add(w.dn, w);
    } else if (w.op === 'add') into.add(w.dn, w);
    else if (w.op === 'modrdn') {
      into.add(w.newDn!, w);
      away.add(w.dn, w);
      renames.add(cls(w.dn), w);
    } else {
      for (const m of w.mods) {
        if (m.op === 'replace' || (m.op === 'delete' && m.values.length === 0)) touch.add(`${cls(w.dn)}\0${m.attr}`, w);
        if (m.op === 'delete') for (const x of m.values) valueDeletes.add(`${m.attr}\0${x}`);
      }
    }
  }

  type Fate = 'present' | 'superseded' | 'byConflict' | 'deleted' | 'lost';
  const rank: Fate[] = ['present', 'superseded', 'byConflict', 'deleted', 'lost'];
  const fates: Record<Fate, number> = { present: 0, superseded: 0, byConflict: 0, deleted: 0, lost: 0 };
  const entryGone = (w: Write): Fate => (deletes.notBefore(cls(w.dn), w) > 0 ? 'deleted' : 'lost');

  for (const w of writes) {
    if (w.outcome !== 'acked') continue;
    v.acked++;
    let fate = 'present' as Fate;
    const worse = (f: Fate) => {
      if (rank.indexOf(f) > rank.indexOf(fate)) fate = f;
    };
    if (w.op === 'add') {
      if (!tagAt.has(w.tag!)) worse(entryGone(w));
    } else if (w.op === 'modify') {
      for (const m of w.mods) {
        if (m.op === 'delete' && m.values.length) {
          for (const x of m.values) if (valueAt.has(`${m.attr}\0${x}`)) v.problems.push(`${m.attr} ${x} is back on ${valueAt.get(`${m.attr}\0${x}`)} after ${show(w)}`);
        } else if (m.op === 'delete') {
          const e = final.get(w.dn);
          for (const x of e?.[m.attr] ?? []) {
            const writer = byId.get(tokenId(x) ?? -1);
            if (writer && before(writer, w)) v.problems.push(`${w.dn}: ${m.attr} ${x} of ${show(writer)} survived the later ${show(w)}`);
            else worse('superseded');
          }
        } else {
          for (const x of m.values) {
            if (valueAt.has(`${m.attr}\0${x}`)) continue;
            if (losers.has(`${m.attr}\0${x}`)) worse('byConflict');
            else if (m.op === 'add' && valueDeletes.has(`${m.attr}\0${x}`)) worse('superseded');
            else if (m.op === 'replace' && touch.notBefore(`${cls(w.dn)}\0${m.attr}`, w, true) > 0) worse('superseded');
            else worse(entryGone(w));
          }
        }
      }
    } else if (w.op === 'delete') {
      const e = final.get(w.dn);
      if (e) {
        const uuid = e.entryuuid?.[0] ?? '';
        if (into.notBefore(w.dn, w) > 0) worse('superseded');
        else if (kinds.get(uuid)?.has('naming') || kinds.get(uuid)?.has('glue')) worse('byConflict');
        else v.problems.push(`${w.dn} is still there after ${show(w)}`);
      }
    } else {
      const renamedHere = final.has(w.newDn!);
      if (!renamedHere && clashed.has(w.newDn!)) worse('byConflict');
      else if (!renamedHere) {
        // A concurrent rename wins by CSN even when it started from another
        // of the entry's names (one its master saw before this rename).
        const later = away.notBefore(w.dn, w, true) + away.notBefore(w.newDn!, w) + renames.notBefore(cls(w.dn), w, true);
        if (later > 0) worse('superseded');
        else worse(entryGone(w));
      }
    }
    fates[fate]++;
    if (fate === 'lost') {
      // The entry's other renames and deletes, for whoever has to tell a real loss from a gap here.
      const related = w.op === 'modrdn' ? applied.filter((x) => x !== w && (x.op === 'modrdn' || x.op === 'delete') && cls(x.dn) === cls(w.dn)) : [];
      v.lost.push(show(w) + (related.length ? `; other renames/deletes of the entry: ${related.map((x) => `${show(x)} [${x.outcome}]`).join('; ')}` : ''));
    }
  }
  v.present = fates.present;
  v.superseded = fates.superseded;
  v.byConflict = fates.byConflict;
  v.deleted = fates.deleted;

  staleWinners(writes, final, stable, byId, v);
  return v;
}

/**
 * On an entry whose DN never changes, the value an attribute ends with comes
 * from one write (or from a whole-attribute delete, or the seed when empty);
 * a write the same master acknowledged after it carries a greater CSN and
 * had to win.
 */
function staleWinners(writes: readonly Write[], final: Final, stable: readonly string[], byId: Map<number, Write>, v: Verdict): void {
  for (const dn of stable) {
    const e = final.get(dn);
    if (!e) {
      v.problems.push(`stable entry ${dn} is gone`);
      continue;
    }
    for (const attr of ['description', 'title']) {
      const ws = writes.filter((w) => w.dn === dn && w.outcome !== 'refused' && w.mods.some((m) => m.attr === attr && (m.op === 'replace' || (m.op === 'delete' && m.values.length === 0))));
      const vals = e[attr] ?? [];
      if (vals.length > 1) v.problems.push(`${dn}: ${attr} holds ${vals.length} values after replaces: ${vals.join(', ')}`);
      const sets = (w: Write) => w.mods.some((m) => m.attr === attr && m.op === 'replace');
      let candidates: (Write | 'seed')[];
      if (vals.length) {
        const w = byId.get(tokenId(vals[0]!) ?? -1);
        candidates = w ? [w] : [];
      } else candidates = ['seed', ...ws.filter((w) => !sets(w))];
      const stale = (c: Write | 'seed') =>
        ws.find((w) => w.outcome === 'acked' && w !== c && (c === 'seed' ? sets(w) : before(c, w) && (sets(c) || sets(w))));
      const beaten = candidates.map((c) => [c, stale(c)] as const);
      if (candidates.length && beaten.every(([, s]) => s)) {
        const [c, s] = beaten[0]!;
        v.problems.push(`${dn}: ${attr} ends as ${vals[0] ?? '(none)'}${c === 'seed' ? '' : ` from ${show(c)}`}, but ${show(s!)} came later on the same master and is lost`);
      }
    }
  }
}
