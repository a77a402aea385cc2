// Random client operations, skewed to conflict (few names, few values), and
// checked against the replica's visible DIT the way the server checks them
// before it makes a change (entryAlreadyExists, noSuchAttribute,
// notAllowedOnNonLeaf, notAllowedOnRDN, unique values, schema).
import type { Change, Mod } from '../../src/repl/core/change.js';
import type { Csn } from '../../src/repl/core/csn.js';
import { seenAsDeletes, sumAsDeltas } from '../../src/repl/core/deltas.js';
import { heldValues } from '../../src/repl/core/merge.js';
import type { AttrRules, Ava } from '../../src/repl/core/policy.js';
import type { Stored } from '../../src/repl/core/view.js';
import { isConflictEntry, rdnKey } from '../../src/repl/core/visible.js';
import type { MemoryDit } from './memory-dit.js';
import type { Prng } from './prng.js';
import { RDN_ATTR, SIM_ATTRS } from './rules.js';

const NAMES = ['a', 'b', 'c', 'A'];
const POOLS: Record<string, string[]> = {
  sn: ['s1', 's2', 'S1'],
  description: ['d1', 'd2', 'D1', 'd3'],
  mail: ['m1', 'm2', 'M1', 'm3'],
  uid: ['u1', 'u2', 'u3'],
  title: ['t1', 't2', 't3'],
  employeeNumber: ['e1', 'e2', 'e3'],
  seeAlso: ['x', 'y', 'z'],
  cn: NAMES,
  loginCount: ['0', '5', '10'],
  lowMark: ['3', '7', '11', '20'],
  highMark: ['3', '7', '11', '20'],
};
const MODIFIABLE = Object.keys(POOLS).concat('objectClass');
const MAX_DEPTH = 3;

export interface ClientEnv {
  prng: Prng;
  rules: AttrRules;
  dit: MemoryDit;
  newUuid: () => string;
  csn: () => Csn;
  priority: number;
}

type Attrs = Map<string, Buffer[]>;

const b = (s: string): Buffer => Buffer.from(s);

function has(rules: AttrRules, attrs: Attrs, attr: string, v: Buffer): boolean {
  const k = rules.keyOf(attr, v);
  return (attrs.get(attr) ?? []).some((x) => rules.keyOf(attr, x) === k);
}

function present(dit: MemoryDit): [string, Stored][] {
  return [...dit.entries].filter(([, st]) => st.vis.kind !== 'hidden');
}

function liveEntries(dit: MemoryDit): [string, Stored][] {
  return present(dit).filter(([, st]) => st.vis.kind === 'live');
}

function nameTaken(env: ClientEnv, parent: string, rdn: Ava[], except?: string): boolean {
  const k = rdnKey(rdn, env.rules);
  return present(env.dit).some(([u, st]) => u !== except && st.vis.parent === parent && st.vis.rdn.length === 1 && rdnKey(st.vis.rdn, env.rules) === k);
}

function uniqueTaken(env: ClientEnv, attr: string, v: Buffer, except?: string): boolean {
  if (!SIM_ATTRS[attr]?.unique) return false;
  return liveEntries(env.dit).some(([u, st]) => u !== except && has(env.rules, new Map(st.vis.attrs), attr, v));
}

function depth(dit: MemoryDit, uuid: string): number {
  return dit.dnOf(uuid).length;
}

function isUnder(dit: MemoryDit, uuid: string, ancestor: string): boolean {
  for (let u = uuid; u !== ''; u = dit.get(u)!.vis.parent) if (u === ancestor) return true;
  return false;
}

function parentCandidates(env: ClientEnv): string[] {
  return liveEntries(env.dit)
    .filter(([u, st]) => !isConflictEntry(st.vis) && depth(env.dit, u) < MAX_DEPTH)
    .map(([u]) => u);
}

function addOp(env: ClientEnv): Change | undefined {
  const parents = parentCandidates(env);
  if (!parents.length) return undefined;
  const { prng } = env;
  const parent = prng.pick(parents);
  const cn = b(prng.pick(NAMES));
  const rdn: Ava[] = [[RDN_ATTR, cn]];
  if (nameTaken(env, parent, rdn)) return undefined;
  const attrs: Attrs = new Map([['objectClass', [b('top')]], ['cn', [cn]]]);
  for (const attr of Object.keys(POOLS)) {
    if (attr === 'cn' || !prng.chance(0.35)) continue;
    const v = b(prng.pick(POOLS[attr]!));
    if (uniqueTaken(env, attr, v)) continue;
    attrs.set(attr, [v]);
  }
  if (attrs.has('sn') && prng.chance(0.5)) attrs.get('objectClass')!.push(b('person'));
  return { csn: env.csn(), op: 'add', uuid: env.newUuid(), parent, rdn, attrs: [...attrs], pri: env.priority };
}

function deleteOp(env: ClientEnv): Change | undefined {
  const all = present(env.dit);
  const leaves = liveEntries(env.dit).filter(([u, st]) => st.vis.parent !== '' && !all.some(([, c]) => c.vis.parent === u));
  if (!leaves.length) return undefined;
  return { csn: env.csn(), op: 'delete', uuid: env.prng.pick(leaves)[0] };
}

/** One random mod valid against `cur` (LDAP semantics), applied to `cur`; undefined if none fits. */
function randomMod(env: ClientEnv, cur: Attrs, rdn: Ava[]): Mod | undefined {
  const { prng, rules } = env;
  const attr = prng.pick(MODIFIABLE);
  const vals = cur.get(attr) ?? [];
  if (attr === 'objectClass') {
    const person = b('person');
    if (has(rules, cur, attr, person)) {
      cur.set(attr, vals.filter((v) => rules.keyOf(attr, v) !== 'person'));
      return { op: 'delete', attr, values: [person] };
    }
    cur.set(attr, [...vals, person]);
    return { op: 'add', attr, values: [person] };
  }
  const pool = POOLS[attr]!;
  const spec = SIM_ATTRS[attr]!;
  const rdnVals = rdn.filter(([a]) => a === attr).map(([, v]) => v);
  const pick = (): Buffer => b(prng.pick(pool));
  const choice = prng.int(0, 3);
  if (spec.single) {
    if (vals.length && choice === 0 && spec.integer) {
      const delta = prng.int(-3, 5);
      cur.set(attr, [b(String(BigInt(vals[0]!.toString()) + BigInt(delta)))]);
      return { op: 'increment', attr, delta: String(delta) };
    }
    if (vals.length && choice === 1) {
      cur.delete(attr);
      return prng.chance(0.5) ? { op: 'delete', attr, values: [] } : { op: 'delete', attr, values: [vals[0]!] };
    }
    const v = pick();
    cur.set(attr, [v]);
    return vals.length || prng.chance(0.5) ? { op: 'replace', attr, values: [v] } : { op: 'add', attr, values: [v] };
  }
  if (choice === 0) {
    const v = pick();
    if (has(rules, cur, attr, v)) return undefined;
    cur.set(attr, [...vals, v]);
    return { op: 'add', attr, values: [v] };
  }
  if (choice === 1) {
    const deletable = vals.filter((v) => !rdnVals.some((r) => rules.keyOf(attr, r) === rules.keyOf(attr, v)));
    if (!deletable.length) return undefined;
    const v = prng.pick(deletable);
    cur.set(attr, vals.filter((x) => x !== v));
    return { op: 'delete', attr, values: [v] };
  }
  if (rdnVals.length) return undefined;
  if (choice === 2 && vals.length) {
    cur.delete(attr);
    return { op: 'delete', attr, values: [] };
  }
  const next: Buffer[] = [];
  for (let i = prng.int(0, 2); i > 0; i--) {
    const v = pick();
    if (!next.some((x) => rules.keyOf(attr, x) === rules.keyOf(attr, v))) next.push(v);
  }
  if (next.length) cur.set(attr, next);
  else cur.delete(attr);
  return { op: 'replace', attr, values: next };
}

function modifyOp(env: ClientEnv): Change | undefined {
  const live = liveEntries(env.dit);
  if (!live.length) return undefined;
  const [uuid, st] = env.prng.pick(live);
  const before: Attrs = new Map(st.vis.attrs);
  const cur: Attrs = new Map(st.vis.attrs);
  const mods: Mod[] = [];
  for (let i = env.prng.int(1, 3); i > 0; i--) {
    const m = randomMod(env, cur, st.state.rdn ?? []);
    if (m) mods.push(m);
  }
  if (!mods.length || env.rules.checkSchema(cur, st.state.rdn ?? []) !== null) return undefined;
  for (const m of mods) {
    if (m.op !== 'increment' && m.op !== 'delete' && m.values.some((v) => uniqueTaken(env, m.attr, v, uuid))) return undefined;
  }
  return { csn: env.csn(), op: 'modify', uuid, mods: seenAsDeletes(st.state, sumAsDeltas(before, mods, env.rules), env.rules), pri: env.priority };
}

function modrdnOp(env: ClientEnv): Change | undefined {
  const { prng, dit } = env;
  const movable = liveEntries(dit).filter(([, st]) => st.vis.parent !== '');
  if (!movable.length) return undefined;
  const [uuid, st] = prng.pick(movable);
  let parent: string | undefined;
  if (prng.chance(0.4)) {
    const targets = parentCandidates(env).filter((p) => !isUnder(dit, p, uuid));
    if (!targets.length) return undefined;
    parent = prng.pick(targets);
  }
  // Sometimes back to a name the entry holds (a value it keeps in place).
  const holds = st.vis.attrs.find(([a]) => a === RDN_ATTR)?.[1] ?? [];
  const rdn: Ava[] = [[RDN_ATTR, holds.length && prng.chance(0.3) ? prng.pick(holds) : b(prng.pick(NAMES))]];
  if (nameTaken(env, parent ?? st.vis.parent, rdn, uuid)) return undefined;
  const ch: Change = { csn: env.csn(), op: 'modrdn', uuid, rdn, oldRdn: st.state.rdn ?? [], deleteOldRdn: prng.chance(0.6), pri: env.priority };
  // Like the server: a rename names its parent also when it stays, and
  // keeps the new RDN values the entry holds as they are.
  ch.parent = parent ?? st.vis.parent;
  const held = heldValues(st.state, rdn, env.rules, ch.deleteOldRdn ? ch.oldRdn : []);
  if (held) ch.held = held;
  return ch;
}

export function clientOp(env: ClientEnv): Change | undefined {
  switch (env.prng.weighted([25, 50, 10, 15])) {
    case 0:
      return addOp(env);
    case 1:
      return modifyOp(env);
    case 2:
      return deleteOp(env);
    default:
      return modrdnOp(env);
  }
}
