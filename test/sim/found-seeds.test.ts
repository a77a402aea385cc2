// Seeds outside CI's range (seeds-0, seeds-1000) on which the simulator once
// failed, each named in the README with what it found: they must keep passing.
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { runSeed } from './simulation.js';

const FOUND: [number, string][] = [
  [67906, 'priority: a later add lost to an older higher-priority replace without a record'],
  [36444, 'min: a delete of an incremented value kept by replicas that had purged'],
  [71007, 'attribute place from a value deleted twice, after a purge'],
  [258, 'attribute place when an add arrives between two deletes'],
  [4727, "a purge's placeholder placed by its first value's earlier delete"],
  [14279, 'a change made after a total init with a CSN below the copied data'],
  [56768, 'priority: the place of a deleted value taken from a later add of lower priority'],
  [157154, 'priority: a lower-priority delete that lost to the add taken as when the value went'],
  [107522, 'a chain of total updates dropping changes the replaced replicas no longer held in their changelogs'],
  [403876, "a total update dropping the consumer's records of changes its supplier had trimmed: two halves of the mesh refused each other's copy"],
];

for (const [seed, what] of FOUND) {
  t.test(`seed ${seed}: ${what}`, async (t) => {
    const r = runSeed(seed);
    t.same(r.failures, [], `replay: npm run sim -- --seed ${seed}`);
  });
}

t.test('npm run sim -- --seed S --entry UUID --attr A shows the changes and every replica', async (t) => {
  const r = spawnSync(process.execPath, ['--import=./test/loader/register.mjs', 'scripts/sim.ts', '--seed', '67906', '--entry', 'root', '--attr', 'employeeNumber'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /changes to root touching employeeNumber/);
  t.match(r.stdout, /modify \[\{"op":"add","attr":"employeeNumber","values":\["e1"\]\}\]/, 'a change, values as text');
  t.match(r.stdout, /conflict .*"kind":"policy"/);
  t.match(r.stdout, /replica 4: shown \["employeeNumber",\["e3"\]\]/, 'each replica');
  t.match(r.stdout, /seed 67906: ok/);
});
