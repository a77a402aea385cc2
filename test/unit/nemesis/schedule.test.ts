// The nemesis test asserts that its run killed two masters, one of them with
// a skewed clock, ran a total update and disabled an agreement: every
// schedule of its length must contain them.
import t from 'tap';
import { schedule } from '../../nemesis/schedule.js';

t.test('every 30 s schedule kills two masters, the skewed one with a clock skew, runs a total update and disables an agreement', async (t) => {
  const opts = { masters: ['m1', 'm2', 'm3'], others: ['c1'], pairs: [['m1', 'm2'], ['m1', 'm3'], ['m2', 'm3'], ['m1', 'c1']] as [string, string][], skewed: 'm3' };
  const agreements: [string, string][] = [['m1', 'm2'], ['m2', 'm1'], ['m1', 'm3'], ['m3', 'm1'], ['m2', 'm3'], ['m3', 'm2'], ['m1', 'c1']];
  const bad: number[] = [];
  for (let seed = 0; seed < 20_000; seed++) {
    const steps = schedule(seed, 30_000, { ...opts, agreements, skewed: opts.masters[seed % 3]! });
    const kills = steps.filter((s) => s.fault.kind === 'kill');
    if (kills.length < 2 || !kills.some((s) => s.fault.kind === 'kill' && s.fault.skewMs !== undefined) || !steps.some((s) => s.fault.kind === 'init') || !steps.some((s) => s.fault.kind === 'disable')) bad.push(seed);
  }
  t.same(bad, [], 'seeds without two kills, a skew, a total update and a disabled agreement');
  t.ok(schedule(226492, 30_000, opts).filter((s) => s.fault.kind === 'kill').length >= 2, 'seed 226492 (one kill before) has two');
});
