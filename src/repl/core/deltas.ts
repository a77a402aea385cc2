// Policy `sum`: the server records a client's replace of an existing integer
// as an increment by the difference, so replaces made concurrently on
// different masters add up instead of one overwriting the other.
import type { Mod } from './change.js';
import type { AttrRules } from './policy.js';

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
