// `npm run nemesis -- --minutes M [--seed S] [--loops L] [--pace MS] [--gap MS]`
// One nemesis run of M minutes (default 10) of writes and faults; prints
// the schedule as it goes, then the figures; exits 1 on any problem, with
// the seed to run it again.
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { formatReport, runNemesis } from './engine.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    seed: { type: 'string' },
    loops: { type: 'string', default: '2' },
    pace: { type: 'string', default: '20' },
    gap: { type: 'string', default: '3000' },
    quiet: { type: 'boolean', default: false },
  },
});
const seed = values.seed !== undefined ? Number(values.seed) >>> 0 : randomInt(2 ** 31);
const durationMs = Math.round(Number(values.minutes) * 60_000);
console.log(`nemesis seed ${seed}, ${values.minutes} min (rerun with --seed ${seed})`);
const started = Date.now();
const report = await runNemesis({
  seed,
  durationMs,
  loopsPerMaster: Number(values.loops),
  paceMs: Number(values.pace),
  meanGapMs: Number(values.gap),
  keepOnFailure: true,
  log: values.quiet ? undefined : (l) => console.log(`  [${((Date.now() - started) / 1000).toFixed(0)}s] ${l}`),
});
for (const l of formatReport(report)) console.log(l);
process.exitCode = report.problems.length ? 1 : 0;
