// The simulator's invariants, checked once every change reached every replica:
// 1. convergence: every replica shows the same DIT (and each one's stored
//    visible entries and index agree with a from-scratch derivation);
// 2. no silent loss: every value a client was told was written is visible,
//    or superseded by a change with a greater CSN, or named in a conflict record;
// 3. order independence: the same changes applied to an empty DIT in a
//    random order (duplicates included) give the same DIT;
// 4. written order: every replica shows attributes and values in the same
//    order (part of the DIT compared in 1 and 3), and that order is the one
//    they were written in (orderProblems).
// The sim's op choices read the visible order too, so order bugs also
// change what the clients do.
import type { Change, ConflictRecord, Mod } from '../../src/repl/core/change.js';
import { type Csn, withSubseq } from '../../src/repl/core/csn.js';
import type { AttrRules } from '../../src/repl/core/policy.js';
import { type EntryState, sameState } from '../../src/repl/core/state.js';
import { attrPlace } from '../../src/repl/core/values.js';
import { type ApplyFn, MemoryDit } from './memory-dit.js';
import type { Prng } from './prng.js';

export interface Acked {
  replica: number;
  change: Change;
}

export interface CheckInput {
  prng: Prng;
  rules: AttrRules;
  dits: MemoryDit[];
  /** Every change every replica applied. */
  changes: Change[];
  /** Local changes whose commit was acknowledged to the client (and that reached everyone). */
  acked: Acked[];
  conflicts: ConflictRecord[];
  applyFn?: ApplyFn;
}

const MAX_REPORTED = 5;

/** States, changes and values as JSON with Buffers as text, for people to read. */
export function show(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => ((v as { type?: string })?.type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString() : v));
}

function stateDiff(a: EntryState | undefined, b: EntryState): string {
  if (!a) return 'missing on the replica';
  const out: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof EntryState>) {
    if (k === 'attrs') continue;
    if (!sameState(a[k], b[k])) out.push(`${k}: ${show(a[k])} / ${show(b[k])}`);
  }
  for (const k of new Set([...Object.keys(a.attrs), ...Object.keys(b.attrs)])) {
    if (!sameState(a.attrs[k], b.attrs[k])) out.push(`${k}: ${show(a.attrs[k])} / ${show(b.attrs[k])}`);
  }
  return out.join('; ');
}

function firstDifference(a: string, b: string): string {
  const la = new Set(a.split('\n'));
  const lb = new Set(b.split('\n'));
  const onlyA = [...la].filter((l) => !lb.has(l)).slice(0, MAX_REPORTED);
  const onlyB = [...lb].filter((l) => !la.has(l)).slice(0, MAX_REPORTED);
  return onlyA.map((l) => `\n    - ${l}`).join('') + onlyB.map((l) => `\n    + ${l}`).join('');
}

function canonical(dit: MemoryDit, who: string, failures: string[]): string | undefined {
  try {
    const dups = dit.duplicateDns();
    if (dups.length) failures.push(`${who}: two present entries share a DN: ${dups.slice(0, MAX_REPORTED).join('; ')}`);
    return dit.canonical();
  } catch (e) {
    failures.push(`${who}: ${(e as Error).message}`);
    return undefined;
  }
}

/** Values a change adds, with the CSN each is added at. */
function addedValues(ch: Change): { attr: string; value: Buffer; csn: Csn }[] {
  switch (ch.op) {
    case 'add':
      return ch.attrs.flatMap(([attr, vals]) => vals.map((value) => ({ attr, value, csn: ch.csn })));
    case 'modify':
      return ch.mods.flatMap((m, i) => (m.op === 'add' || m.op === 'replace' ? m.values.map((value) => ({ attr: m.attr, value, csn: withSubseq(ch.csn, i) })) : []));
    case 'modrdn':
      return ch.rdn.map(([attr, value]) => ({ attr, value, csn: withSubseq(ch.csn, 1) }));
    default:
      return [];
  }
}

/** Does `m` (made at `at`) remove or replace value `k` of `attr`? */
function modSupersedes(m: Mod, attr: string, k: string, single: boolean, rules: AttrRules): boolean {
  if (m.attr !== attr) return false;
  if (single || m.op === 'replace' || m.op === 'increment') return true;
  if (m.op === 'delete') return m.values.length === 0 || m.values.some((v) => rules.keyOf(attr, v) === k);
  return false;
}

function superseded(later: Change[], attr: string, k: string, at: Csn, rules: AttrRules): boolean {
  const single = rules.info(attr).singleValued;
  for (const x of later) {
    if (x.op === 'delete' && x.csn > at) return true;
    if (x.op === 'modify' && x.mods.some((m, i) => withSubseq(x.csn, i) > at && modSupersedes(m, attr, k, single, rules))) return true;
    if (x.op === 'modrdn' && x.csn > at && x.deleteOldRdn && x.oldRdn.some(([a, v]) => a === attr && rules.keyOf(a, v) === k)) return true;
    if (x.op === 'add' && single && x.csn > at && x.attrs.some(([a]) => a === attr)) return true;
  }
  return false;
}

function silentLosses(i: CheckInput): string[] {
  const { rules } = i;
  const dit = i.dits[0]!;
  const byUuid = new Map<string, Change[]>();
  for (const ch of i.changes) byUuid.set(ch.uuid, [...(byUuid.get(ch.uuid) ?? []), ch]);
  const logged = (uuid: string, attr?: string): boolean =>
    i.conflicts.some((c) => c.uuid === uuid && (c.kind === 'modify-delete' || c.kind === 'unique' || (attr !== undefined && c.attr === attr && (c.kind === 'policy' || c.kind === 'lww' || c.kind === 'manual'))));
  const out: string[] = [];
  for (const { replica, change } of i.acked) {
    const vis = dit.get(change.uuid)?.vis;
    const live = vis?.kind === 'live';
    const history = byUuid.get(change.uuid) ?? [];
    if (change.op === 'add' && !live && !history.some((x) => x.op === 'delete') && !logged(change.uuid)) {
      out.push(`entry ${change.uuid} added at ${change.csn} on ${replica} is not live, not deleted, and no conflict says why`);
      continue;
    }
    for (const { attr, value, csn } of addedValues(change)) {
      const k = rules.keyOf(attr, value);
      const shown = live && (vis!.attrs.find(([a]) => a === attr)?.[1] ?? []).some((v) => rules.keyOf(attr, v) === k);
      if (shown || superseded(history, attr, k, csn, rules) || logged(change.uuid, attr)) continue;
      out.push(`${attr}: ${value} added to ${change.uuid} at ${csn} on ${replica} vanished: not visible, not superseded, not logged`);
    }
    if (change.op !== 'modify') continue;
    change.mods.forEach((m, n) => {
      if (m.op !== 'increment') return;
      // An increment counts while a shown value it adds to (one added before it) is there.
      const at = withSubseq(change.csn, n);
      const base = live && vis!.attrs.some(([a]) => a === m.attr) && dit.get(change.uuid)!.state.attrs[m.attr]?.vals.some((vs) => vs.v !== undefined && vs.c < at);
      if (base || incrementSuperseded(history, m.attr, at, rules.info(m.attr).singleValued) || logged(change.uuid, m.attr)) return;
      out.push(`${m.attr}: increment by ${m.delta} of ${change.uuid} at ${at} on ${replica} vanished: nothing it adds to is shown, not superseded, not logged`);
    });
  }
  return out;
}

/** A later change removed or replaced what an increment made at `at` added to (single-valued: any later write of it). */
function incrementSuperseded(later: Change[], attr: string, at: Csn, single: boolean): boolean {
  return later.some(
    (x) => (x.op === 'delete' && x.csn > at) || (x.op === 'modify' && x.mods.some((m, i) => m.attr === attr && (single || m.op === 'delete' || m.op === 'replace') && withSubseq(x.csn, i) > at)),
  );
}

type Place = [Csn, number];

function cmpPlace(a: Place, b: Place): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1];
}

/**
 * Live entries whose visible order is not the written order: values by the
 * (CSN, place in its change) that added them (or whose place a rename kept), attributes by their first
 * value, values that only the RDN holds after the others. Attributes with
 * increments are left out (their shown values are computed).
 */
export function orderProblems(dit: MemoryDit, rules: AttrRules): string[] {
  const out: string[] = [];
  for (const [uuid, st] of dit.entries) {
    if (st.vis.kind !== 'live') continue;
    let prev: Place | undefined;
    let rdnOnly: string | undefined;
    for (const [attr, vals] of st.vis.attrs) {
      const a = st.state.attrs[attr];
      if (a?.inc) continue;
      const places = vals.map((v): Place | undefined => {
        const k = rules.keyOf(attr, v);
        const vs = a?.vals.find((x) => x.k === k && x.v !== undefined);
        return vs && [vs.oc ?? vs.c, vs.o ?? 0];
      });
      const firstRdn = places.indexOf(undefined);
      if (firstRdn >= 0 && places.slice(firstRdn).some((p) => p)) out.push(`${uuid} ${attr}: a value only the RDN holds is not last`);
      const written = places.filter((p): p is Place => p !== undefined);
      if (written.some((p, n) => n > 0 && cmpPlace(written[n - 1]!, p) > 0)) out.push(`${uuid} ${attr}: values out of written order`);
      if (!written.length) {
        // Shown for the RDN alone; a single value replaced by the RDN's keeps its place.
        if (!a?.vals.some((x) => x.v !== undefined)) rdnOnly = attr;
        continue;
      }
      if (rdnOnly !== undefined) out.push(`${uuid}: ${attr} comes after ${rdnOnly}, which only the RDN holds`);
      // An attribute sits where its current life began (values deleted
      // since may place it before its first shown value): attrPlace.
      const place = attrPlace(a, rules.info(attr))!;
      const at: Place = [place.oc ?? place.c, place.o ?? 0];
      if (cmpPlace(at, written[0]!) > 0) out.push(`${uuid} ${attr}: placed after its first value`);
      if (prev && cmpPlace(prev, at) > 0) out.push(`${uuid}: ${attr} is out of written order`);
      prev = at;
    }
  }
  return out;
}

export function checkAll(i: CheckInput): string[] {
  const failures: string[] = [];
  i.dits.forEach((d, n) => {
    const problems = d.audit();
    if (problems.length) failures.push(`replica ${n + 1} stored state disagrees with a fresh derivation: ${problems.slice(0, MAX_REPORTED).join('; ')}`);
  });
  const ref = canonical(i.dits[0]!, 'replica 1', failures);
  i.dits.slice(1).forEach((d, n) => {
    const c = canonical(d, `replica ${n + 2}`, failures);
    if (ref !== undefined && c !== undefined && c !== ref) failures.push(`replica ${n + 2} diverged from replica 1:${firstDifference(ref, c)}`);
  });

  const fresh = new MemoryDit(i.rules);
  if (i.applyFn) fresh.applyFn = i.applyFn;
  const seen = new Set<Csn>();
  fresh.isApplied = (csn) => seen.has(csn);
  const order = i.prng.shuffle(i.changes);
  for (const ch of order) {
    fresh.apply(ch);
    // A duplicate the RUV would not catch: the state must absorb it.
    if (i.prng.chance(0.05)) fresh.apply(ch);
    seen.add(ch.csn);
  }
  const problems = fresh.audit();
  if (problems.length) failures.push(`permuted replay: stored state disagrees with a fresh derivation: ${problems.slice(0, MAX_REPORTED).join('; ')}`);
  const permuted = canonical(fresh, 'permuted replay', failures);
  if (ref !== undefined && permuted !== undefined && permuted !== ref) {
    const states = [...fresh.entries].filter(([u, st]) => {
      const o = i.dits[0]!.get(u);
      return !o || !sameState(o.state, st.state);
    });
    const detail = states.slice(0, MAX_REPORTED).map(([u, st]) => `\n    ${u}: ${stateDiff(i.dits[0]!.get(u)?.state, st.state)}`);
    failures.push(`the same changes in another order give another DIT:${firstDifference(ref, permuted)}\n  states that differ:${detail.join('')}`);
  }

  for (const [who, d] of [['replica 1', i.dits[0]!], ['permuted replay', fresh]] as const) {
    const wrong = orderProblems(d, i.rules);
    if (wrong.length) failures.push(`${who} shows entries out of written order: ${wrong.slice(0, MAX_REPORTED).join('; ')}`);
  }

  const losses = silentLosses(i);
  if (losses.length) failures.push(`silent loss (${losses.length}): ${losses.slice(0, MAX_REPORTED).join('; ')}`);
  return failures;
}
