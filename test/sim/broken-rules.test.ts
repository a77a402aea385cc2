// The checks must be able to fail: a simulator run with a deliberately broken
// rule has to report it.
import t from 'tap';
import type { ApplyFn } from './memory-dit.js';
import { apply } from '../../src/repl/core/urp.js';
import { runSeed } from './simulation.js';

function caught(applyFn: ApplyFn, seeds = 40): number[] {
  const bad: number[] = [];
  for (let seed = 0; seed < seeds; seed++) if (!runSeed(seed, { applyFn }).ok) bad.push(seed);
  return bad;
}

t.test('delete losing to a newer modify is caught (divergence)', async (t) => {
  const deleteLoses: ApplyFn = (view, ch, rules) => {
    const st = view.get(ch.uuid)?.state;
    if (ch.op === 'delete' && st && st.csn > ch.csn) return { writes: [], conflicts: [] };
    return apply(view, ch, rules);
  };
  const bad = caught(deleteLoses);
  t.ok(bad.length > 0, `failing seeds: ${bad.join(' ')}`);
  const r = runSeed(bad[0]!, { applyFn: deleteLoses });
  t.match(r.failures.join('\n'), /diverged|another order/);
});

t.test('a policy loss not written to the conflict log is caught (silent loss)', async (t) => {
  const silent: ApplyFn = (view, ch, rules) => {
    const r = apply(view, ch, rules);
    return { writes: r.writes, conflicts: r.conflicts.filter((c) => c.kind !== 'policy') };
  };
  const bad = caught(silent);
  t.ok(bad.length > 0, `failing seeds: ${bad.join(' ')}`);
  t.match(runSeed(bad[0]!, { applyFn: silent }).failures.join('\n'), /silent loss/);
});

t.test('attributes shown in arrival order instead of written order are caught', async (t) => {
  // A modify moves what it touches last, wherever its CSN puts it.
  const byArrival: ApplyFn = (view, ch, rules) => {
    const r = apply(view, ch, rules);
    if (ch.op !== 'modify') return r;
    const touched = new Set(ch.mods.map((m) => m.attr));
    const writes = r.writes.map((w) => {
      if (w.uuid !== ch.uuid) return w;
      const attrs = [...w.vis.attrs.filter(([a]) => !touched.has(a)), ...w.vis.attrs.filter(([a]) => touched.has(a))];
      return { ...w, vis: { ...w.vis, attrs } };
    });
    return { writes, conflicts: r.conflicts };
  };
  const bad = caught(byArrival);
  t.ok(bad.length > 0, `failing seeds: ${bad.join(' ')}`);
  t.match(runSeed(bad[0]!, { applyFn: byArrival }).failures.join('\n'), /stale visible entry|diverged|another order|written order/);
});

t.test('the unbroken rules pass the same seeds', async (t) => {
  t.same(caught(apply, 10), []);
});
