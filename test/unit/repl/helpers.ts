// Small builders for the replication-core unit tests.
import type { Test } from 'tap';
import type { AddChange, Change, ConflictRecord, Mod, ModrdnChange } from '../../../src/repl/core/change.js';
import { type Csn, formatCsn } from '../../../src/repl/core/csn.js';
import { MemoryDit } from '../../sim/memory-dit.js';
import { makeRules } from '../../sim/rules.js';

export const rules = makeRules();

/** CSN at second `t` (2026-01-01 + t s) from replica `rid`. */
export function csn(t: number, rid = 1, counter = 0): Csn {
  return formatCsn({ time: (1767225600 + t) * 1_000_000, counter, replicaId: rid, subseq: 0 });
}

export const b = (s: string): Buffer => Buffer.from(s);

export function add(c: Csn, uuid: string, parent: string, cn: string, attrs: Record<string, string[]> = {}, pri?: number): AddChange {
  const all: [string, Buffer[]][] = [['objectClass', [b('top')]], ['cn', [b(cn)]]];
  for (const [a, vals] of Object.entries(attrs)) {
    const have = all.find(([n]) => n === a);
    if (have) have[1].push(...vals.map(b));
    else all.push([a, vals.map(b)]);
  }
  const ch: AddChange = { csn: c, op: 'add', uuid, parent, rdn: [['cn', b(cn)]], attrs: all };
  if (pri !== undefined) ch.pri = pri;
  return ch;
}

export function mod(c: Csn, uuid: string, mods: Mod[], pri?: number): Change {
  return pri === undefined ? { csn: c, op: 'modify', uuid, mods } : { csn: c, op: 'modify', uuid, mods, pri };
}

export const m = {
  add: (attr: string, ...vals: string[]): Mod => ({ op: 'add', attr, values: vals.map(b) }),
  del: (attr: string, ...vals: string[]): Mod => ({ op: 'delete', attr, values: vals.map(b) }),
  rep: (attr: string, ...vals: string[]): Mod => ({ op: 'replace', attr, values: vals.map(b) }),
  inc: (attr: string, delta: number): Mod => ({ op: 'increment', attr, delta: String(delta) }),
};

export function del(c: Csn, uuid: string): Change {
  return { csn: c, op: 'delete', uuid };
}

export function modrdn(c: Csn, uuid: string, oldCn: string, newCn: string, parent?: string, deleteOldRdn = true): ModrdnChange {
  const ch: ModrdnChange = { csn: c, op: 'modrdn', uuid, rdn: [['cn', b(newCn)]], oldRdn: [['cn', b(oldCn)]], deleteOldRdn };
  if (parent !== undefined) ch.parent = parent;
  return ch;
}

export function dit(): MemoryDit {
  return new MemoryDit(rules);
}

/** Apply changes in order to a fresh DIT. */
export function run(changes: Change[]): MemoryDit {
  const d = dit();
  for (const ch of changes) d.apply(ch);
  return d;
}

export function attrs(d: MemoryDit, uuid: string): Record<string, string[]> {
  const st = d.get(uuid);
  if (!st) return {};
  return Object.fromEntries(st.vis.attrs.map(([a, vals]) => [a, vals.map(String)]));
}

export function rdnText(d: MemoryDit, uuid: string): string {
  return d.get(uuid)!.vis.rdn.map(([a, v]) => `${a}=${v}`).join('+');
}

/** Every permutation's visible DIT equals the first order's. */
export function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

/**
 * Apply `base` in order, then `concurrent` in every order; every order must
 * give the same visible DIT and pass the audit. Returns the DITs and the
 * conflict records of each order.
 */
export function everyOrder(t: Test, base: Change[], concurrent: Change[]): { dits: MemoryDit[]; conflicts: ConflictRecord[][] } {
  const dits: MemoryDit[] = [];
  const conflicts: ConflictRecord[][] = [];
  for (const order of permutations(concurrent)) {
    const d = dit();
    const logged: ConflictRecord[] = [];
    for (const ch of [...base, ...order]) logged.push(...d.apply(ch).conflicts);
    dits.push(d);
    conflicts.push(logged);
  }
  const ref = dits[0]!.canonical();
  dits.forEach((d, i) => {
    t.same(d.audit(), [], `order ${i}: stored visible entries match a fresh derivation`);
    t.equal(d.canonical(), ref, `order ${i} gives the same DIT`);
  });
  return { dits, conflicts };
}
