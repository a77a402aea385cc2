// How a master records a client's modify so that the merge policies apply
// to concurrent changes only. `sum`: a replace of an existing integer is an
// increment by the difference, so replaces made concurrently on different
// masters add up. `min` / `max`: a replace deletes the values the master
// holds (all it has seen), so the client's value takes effect, while a value
// written concurrently elsewhere, unseen here, still competes by the policy.
import type { Mod } from './change.js';
import { comparesValues, type AttrRules } from './policy.js';
import type { EntryState } from './state.js';

const INTEGER = /^[-+]?\d+$/;

function int(v: Buffer | undefined): bigint | undefined {
  const s = v?.toString('latin1');
  return s !== undefined && INTEGER.test(s) ? BigInt(s) : undefined;
}

/**
 * The mods to record for a local modify. `current` holds the entry's visible
 * values before the modify (only the attributes the mods name are read).
 */
export function sumAsDeltas(current: ReadonlyMap<string, readonly Buffer[]>, mods: readonly Mod[], rules: AttrRules): Mod[] {
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

/** The mods to record for a local modify under `min` / `max`; `state` is the entry's before it. */
export function seenAsDeletes(state: EntryState | undefined, mods: readonly Mod[], rules: AttrRules): Mod[] {
  const out: Mod[] = [];
  for (const m of mods) {
    const info = rules.info(m.attr);
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
