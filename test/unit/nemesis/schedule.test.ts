// The nemesis test asserts that its run killed two masters, one of them with
// a skewed clock: every schedule of its length must contain both.
import t from 'tap';
import { schedule } from '../../nemesis/schedule.js';

t.test('every 30 s schedule kills two masters, the skewed one with a clock skew', async (t) => {
  const opts = { masters: ['m1', 'm2', 'm3'], others: ['c1'], pairs: [['m1', 'm2'], ['m1', 'm3'], ['m2', 'm3'], ['m1', 'c1']] as [string, string][], skewed: 'm3' };
  const bad: number[] = [];
  for (let seed = 0; seed < 2000; seed++) {
    const kills = schedule(seed, 30_000, { ...opts, skewed: opts.masters[seed % 3]! }).filter((s) => s.fault.kind === 'kill');
    if (kills.length < 2 || !kills.some((s) => s.fault.kind === 'kill' && s.fault.skewMs !== undefined)) bad.push(seed);
  }
  t.same(bad, [], 'seeds without two kills and a skew');
  t.ok(schedule(226492, 30_000, opts).filter((s) => s.fault.kind === 'kill').length >= 2, 'seed 226492 (one kill before) has two');
});
