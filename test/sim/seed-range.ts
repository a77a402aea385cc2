// Runs a range of simulator seeds inside a tap test.
import type { Test } from 'tap';
import { runSeed } from './simulation.js';

const KINDS = ['naming', 'unique', 'glue', 'modify-delete', 'schema', 'policy', 'manual', 'cycle'];

export function seedRange(t: Test, from: number, count: number): void {
  const failed: string[] = [];
  const totals: Record<string, number> = {};
  for (let seed = from; seed < from + count; seed++) {
    const r = runSeed(seed);
    for (const [k, v] of Object.entries(r.stats)) totals[k] = (totals[k] ?? 0) + v;
    if (!r.ok) failed.push(`seed ${seed} (replay: npm run sim -- --seed ${seed}):\n  ${r.failures.join('\n  ')}`);
  }
  t.same(failed.slice(0, 3), [], `seeds ${from}..${from + count - 1}: converge, lose nothing silently, ignore delivery order`);
  for (const k of KINDS) t.ok((totals[`conflict.${k}`] ?? 0) > 0, `the schedules produced ${k} conflicts (${totals[`conflict.${k}`] ?? 0})`);
  for (const k of ['crashes', 'partitions', 'msg.dropped', 'msg.duplicated', 'purged', 'totalInits']) {
    t.ok((totals[k] ?? 0) > 0, `the schedules exercised ${k} (${totals[k] ?? 0})`);
  }
}
