import t from 'tap';
import type { Change } from '../../../src/repl/core/change.js';
import { csnAtTime, csnTimeMs } from '../../../src/repl/core/csn.js';
import { purgeCsnFor, purgeState } from '../../../src/repl/core/purge.js';
import { add, attrs, csn, del, m, mod, rules, run } from './helpers.js';

const root = add(csn(0), 'root', '', 'root');

t.test('purgeCsnFor is now minus the tombstone lifetime', async (t) => {
  t.equal(purgeCsnFor(1_000_000, 1000), csnAtTime(999_000));
});

t.test('an old tombstone without children is dropped; with children, or newer, it stays', async (t) => {
  const d = run([root, add(csn(1), 'A', 'root', 'a'), add(csn(2), 'B', 'root', 'b'), add(csn(3), 'C', 'B', 'c'), del(csn(4), 'A'), del(csn(5, 2), 'B')]);
  const p = csn(10);
  t.equal(purgeState(d.get('A')!.state, p, false, rules), null);
  t.equal(purgeState(d.get('B')!.state, p, true, rules), d.get('B')!.state, 'glue: children still name it');
  t.equal(purgeState(d.get('A')!.state, csn(4), false, rules), d.get('A')!.state, 'not older than the purge CSN');
  t.equal(purgeState(d.get('C')!.state, p, false, rules), d.get('C')!.state, 'a live entry with nothing to purge is returned as is');
});

t.test('deleted-value markers and attribute delete CSNs go; what is visible stays', async (t) => {
  const changes: Change[] = [
    root,
    add(csn(1), 'E', 'root', 'e', { description: ['a', 'b'], sn: ['s'], loginCount: ['10'], seeAlso: ['x'] }),
    mod(csn(2), 'E', [m.del('description', 'a'), m.rep('sn', 't'), m.inc('loginCount', 5), m.del('seeAlso', 'x')]),
    mod(csn(3), 'E', [m.inc('loginCount', 1)]),
    mod(csn(20), 'E', [m.inc('loginCount', 100), m.del('description', 'b')]),
  ];
  const d = run(changes);
  const st = d.get('E')!.state;
  const purged = purgeState(st, csn(10), false, rules)!;
  t.not(purged, st, 'something was purged');
  t.same(purged.attrs.description!.vals.map((v) => v.k), ['b'], 'the old marker of a is gone, the newer delete of b stays');
  t.equal(purged.attrs.sn!.x, undefined, 'the replace half-delete is gone');
  t.same(purged.attrs.loginCount!.inc, [[changes[4]!.csn, '100']], 'old deltas folded into the value');
  t.same(purged.attrs.loginCount!.vals.map((v) => String(v.v)), ['16']);
  t.ok(purged.attrs.seeAlso!.vals.length === 1 && purged.attrs.seeAlso!.vals[0]!.v === undefined, 'markers of policy priority stay');
  // The visible entry is the same before and after.
  const d2 = run(changes);
  d2.entries.set('E', { state: purged, vis: d2.get('E')!.vis });
  t.same(d2.audit(), [], 'the stored visible entry still matches a derivation from the purged state');
  t.same(attrs(d2, 'E'), attrs(d, 'E'));
  t.same(attrs(d, 'E').loginCount, ['116']);
});

t.test('after a purge, changes newer than the purge CSN merge as before', async (t) => {
  const base: Change[] = [root, add(csn(1), 'E', 'root', 'e', { description: ['a'], highMark: ['5'] }), mod(csn(2), 'E', [m.del('description', 'a'), m.del('highMark')])];
  const later: Change[] = [mod(csn(12, 2), 'E', [m.add('description', 'a'), m.add('highMark', '3')]), mod(csn(13, 3), 'E', [m.inc('highMark', 1)])];
  const plain = run([...base, ...later]);
  const d = run(base);
  const st = d.get('E')!;
  d.entries.set('E', { state: purgeState(st.state, csn(10), false, rules)!, vis: st.vis });
  for (const ch of later) d.apply(ch);
  t.equal(d.canonical(), plain.canonical());
  t.ok(csnTimeMs(csn(12)) > csnTimeMs(csn(10)));
});
