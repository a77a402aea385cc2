// Tombstone and marker purge. The purge CSN must be one below which no
// change can still arrive (now − tombstoneLifetime, see purgeCsnFor): then
// tombstones, deleted-value markers and attribute delete CSNs older than it
// only ever stopped changes that will not come, and dropping them changes
// nothing any replica shows.
import { type Csn, csnAtTime } from './csn.js';
import { type AttrInfo, type AttrRules, comparesValues } from './policy.js';
import { type AttrState, type EntryState, sameState, type ValueState } from './state.js';
import { aliveValues, attrPlace, cmpPlace, compact, editable, withIncrements } from './values.js';

export function purgeCsnFor(nowMs: number, tombstoneLifetimeMs: number): Csn {
  return csnAtTime(nowMs - tombstoneLifetimeMs);
}

function purgeAttr(a: AttrState, attr: string, p: Csn, rules: AttrRules): AttrState | undefined {
  const info = rules.info(attr);
  // Under policy priority a low-priority change newer than the purge CSN
  // still loses to an old high-priority delete: keep those.
  if (info.policy === 'priority') return a;
  const w = editable(a);
  w.vals = w.vals.filter((vs) => vs.v !== undefined || vs.c >= p);
  const kept = placeHolder(a, info, p);
  if (kept) {
    const i = w.vals.findIndex((vs) => vs.k > kept.k);
    w.vals.splice(i < 0 ? w.vals.length : i, 0, kept);
  }
  if (w.x !== undefined && w.x < p) {
    delete w.x;
    delete w.xp;
  }
  if (w.inc) {
    const alive = aliveValues(w);
    const old = w.inc.filter(([c]) => c < p);
    // Not under min / max: there a delete names values (their keys), and a
    // folded value has another key than the one a later delete names
    // (seenAsDeletes), so a replica that folded would keep what the others
    // delete (sim seed 36444).
    if (info.singleValued && !comparesValues(info) && alive.length === 1) {
      // Fold old deltas into the one value; later values are newer than them.
      const only = alive[0]!;
      const v = withIncrements(only, old);
      if (!v.equals(only.v)) {
        const k = rules.keyOf(attr, v);
        w.vals = w.vals.filter((vs) => vs !== only && vs.k !== k);
        w.vals.push({ ...only, k, v });
        w.vals.sort((x, y) => (x.k < y.k ? -1 : x.k > y.k ? 1 : 0));
      }
      w.inc = w.inc.filter(([c]) => c >= p);
    } else {
      // A delta counts only for values added before it; old deltas older
      // than every value count for nothing, now or later.
      const oldest = alive.reduce<Csn | undefined>((m, vs) => (m === undefined || vs.c < m ? vs.c : m), undefined);
      w.inc = w.inc.filter(([c]) => c >= p || (oldest !== undefined && c > oldest));
    }
  }
  return compact(w, info);
}

/**
 * The deleted values older than `p` that hold the attribute in its place
 * (attrPlace: each one deleted while the attribute still had values) as one:
 * the one placed first, deleted when the last of them was. A value added
 * later can only be placed after it, so nothing older than `p` ever needs
 * more than that; it stays until the attribute goes.
 */
function placeHolder(a: AttrState, info: AttrInfo, p: Csn): ValueState | undefined {
  const held = new Set<ValueState>();
  attrPlace(a, info, held);
  let first: ValueState | undefined;
  let last: Csn | undefined;
  for (const vs of held) {
    if (vs.c >= p) continue;
    if (first === undefined || cmpPlace(vs, first) < 0) first = vs;
    if (last === undefined || vs.c > last) last = vs.c;
  }
  if (!first) return undefined;
  // Deleted when the last of them was: not at first's own earlier deletes.
  const { ds: _d, dp: _q, ...one } = first;
  return { ...one, c: last! };
}

/**
 * Purge one stored state. Returns null when the whole entry can be dropped (a
 * tombstone older than the purge CSN that no entry names as parent —
 * `hasChildren` is whether the store's childrenKey(uuid) index is non-empty),
 * the same object when nothing changed, else the purged state (its visible
 * entry is unchanged; its index keys may change).
 */
export function purgeState(s: EntryState, purgeCsn: Csn, hasChildren: boolean, rules: AttrRules): EntryState | null {
  if (s.del !== undefined) return s.del < purgeCsn && !hasChildren ? null : s;
  let out: EntryState | undefined;
  for (const attr of Object.keys(s.attrs)) {
    const before = s.attrs[attr]!;
    const after = purgeAttr(before, attr, purgeCsn, rules);
    if (after === before) continue;
    if (after && sameState(after, before)) continue;
    out ??= { ...s, attrs: { ...s.attrs } };
    if (after) out.attrs[attr] = after;
    else delete out.attrs[attr];
  }
  return out ?? s;
}
