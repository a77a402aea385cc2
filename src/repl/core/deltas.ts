// How a master records a client's modify so that the merge policies apply
// to concurrent changes only. `sum`: a replace of an existing integer is an
// increment by the difference, so replaces made concurrently on different
// masters add up. `min` / `max`: a replace deletes the values the master
// holds (all it has seen), so the client's value takes effect, while a value
// written concurrently elsewhere, unseen here, still competes by the policy.
import type { Mod } from './change.js';
import { comparesValues, type AttrRules } from './policy.js';
import type { AttrState, EntryState } from './state.js';
import { aliveValues, withIncrements } from './values.js';

const INTEGER = /^[-+]?\d+$/;

function int(v: Buffer | undefined): bigint | undefined {
  const s = v?.toString('latin1');
  return s !== undefined && INTEGER.test(s) ? BigInt(s) : undefined;
}

/**
 * The mods to record for a local modify. `current` holds the entry's visible
 * values before the modify (only the attributes the mods name are read).
 */
export function sumAsDeltas(current: { get(attr: string): readonly Buffer[] | undefined }, mods: readonly Mod[], rules: AttrRules): Mod[] {
  const now = new Map<string, bigint | undefined>();
  const valueOf = (attr: string): bigint | undefined => (now.has(attr) ? now.get(attr) : int(current.get(attr)?.[0]));
  return mods.map((m): Mod => {
    const info = rules.info(m.attr);
    if (info.policy !== 'sum' || !info.singleValued) return m;
    const was = valueOf(m.attr);
    if (m.op === 'increment') {
      now.set(m.attr, was === undefined ? undefined : was + BigInt(m.delta));
      return m;
    }
    const next = m.op === 'delete' ? undefined : int(m.values[0]);
    now.set(m.attr, next);
    if (m.op === 'replace' && was !== undefined && next !== undefined) {
      return { op: 'increment', attr: m.attr, delta: (next - was).toString() };
    }
    return m;
  });
}

/**
 * The mods to record for a local modify under `min` / `max`; `state` is the
 * entry's before it. A value the client deletes may be shown incremented
 * (3 stored, +4, shown 7): the delete also names the stored value, whose key
 * is what the merge deletes by (sim seed 36444: `delete: 7` deleted nothing).
 */
export function seenAsDeletes(state: EntryState | undefined, mods: readonly Mod[], rules: AttrRules): Mod[] {
  const out: Mod[] = [];
  // Increments made by this modify's earlier mods, per attribute.
  const pending = new Map<string, bigint>();
  for (const m of mods) {
    const info = rules.info(m.attr);
    if (m.op === 'increment') pending.set(m.attr, (pending.get(m.attr) ?? 0n) + BigInt(m.delta));
    if (comparesValues(info) && m.op === 'delete' && m.values.length > 0) {
      out.push({ ...m, values: [...m.values, ...storedBehind(state?.attrs[m.attr], m, pending.get(m.attr) ?? 0n, rules)] });
      continue;
    }
    if (!comparesValues(info) || m.op !== 'replace' || m.values.length === 0) {
      out.push(m);
      continue;
    }
    const seen = (state?.attrs[m.attr]?.vals ?? []).flatMap((vs) => (vs.v === undefined ? [] : [vs.v]));
    if (seen.length) out.push({ op: 'delete', attr: m.attr, values: seen });
    out.push({ op: 'add', attr: m.attr, values: m.values });
  }
  return out;
}

/** Stored values of `a` whose shown value (with its increments and `extra`) a delete names, and which it does not name itself. */
function storedBehind(a: AttrState | undefined, m: Mod & { values: Buffer[] }, extra: bigint, rules: AttrRules): Buffer[] {
  if (!a?.inc && extra === 0n) return [];
  const named = new Set(m.values.map((v) => rules.keyOf(m.attr, v)));
  const out: Buffer[] = [];
  for (const vs of aliveValues(a)) {
    if (named.has(vs.k)) continue;
    let shown = withIncrements(vs, a!.inc);
    const n = int(shown);
    if (extra !== 0n && n !== undefined) shown = Buffer.from((n + extra).toString(), 'latin1');
    if (named.has(rules.keyOf(m.attr, shown))) out.push(vs.v);
  }
  return out;
}
