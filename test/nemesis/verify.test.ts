// The nemesis verdict on hand-made ledgers and data: it must name lost,
// stale, resurrected and made-up writes, and accept the explanations the
// rules allow (a concurrent write, a conflict record, a delete).
import t from 'tap';
import type { Write } from './ledger.js';
import { baseDn, verify, type ConflictRec, type Final } from './verify.js';

const ALICE = 'uid=alice,ou=people,dc=example,dc=com';
const dn = (uid: string) => `uid=${uid},ou=people,dc=example,dc=com`;

let clock = 0;
/** A write sent and answered one tick apart, after every write made before it. */
function w(p: Partial<Write> & Pick<Write, 'id' | 'op' | 'dn'>): Write {
  const sent = ++clock;
  return { node: 'm1', mods: [], sent, done: ++clock, outcome: 'acked', ...p };
}
const add = (id: number, uid: string, node = 'm1') => w({ id, op: 'add', dn: dn(uid), tag: `c-${id}`, node });
const desc = (id: number, node = 'm1', target = ALICE) => w({ id, op: 'modify', dn: target, node, mods: [{ op: 'replace', attr: 'description', values: [`d-${id}`] }] });

function data(entries: Record<string, Record<string, string[]>>): Final {
  const f: Final = new Map([[ALICE, { uid: ['alice'], entryuuid: ['u-alice'] }]]);
  for (const [k, v] of Object.entries(entries)) f.set(k, { ...f.get(k), ...v });
  return f;
}
const check = (writes: Write[], final: Final, conflicts: ConflictRec[] = []) => verify(writes, final, conflicts, [ALICE]);

t.test('an acknowledged add that is nowhere is lost', async (t) => {
  const v = check([add(1, 'x')], data({}));
  t.equal(v.lost.length, 1);
  t.match(v.lost[0], /#1 add uid=x/);
});

t.test('an add undone by a delete is explained only if the delete may come after it', async (t) => {
  const later = check([add(1, 'x'), w({ id: 2, op: 'delete', dn: dn('x'), node: 'm2' })], data({}));
  t.same(later.lost, []);
  t.equal(later.deleted, 1);
  const earlier = check([w({ id: 2, op: 'delete', dn: dn('x') }), add(1, 'x')], data({}));
  t.equal(earlier.lost.length, 1, 'a delete the same master finished before the add was sent cannot explain it');
});

t.test('a renamed entry is found under its new name, not under a name no rename gave it', async (t) => {
  const writes = [add(1, 'x'), w({ id: 2, op: 'modrdn', dn: dn('x'), newDn: dn('y') })];
  const ok = check(writes, data({ [dn('y')]: { carlicense: ['c-1'], entryuuid: ['u1'] } }));
  t.same([ok.lost, ok.problems], [[], []]);
  t.equal(ok.present, 2);
  const bad = check(writes, data({ [dn('z')]: { carlicense: ['c-1'], entryuuid: ['u1'] } }));
  t.match(bad.problems.join('\n'), /under a name no rename gave it/);
});

t.test('last writer wins: a concurrent write supersedes, a later one of the same master must win', async (t) => {
  const concurrent = check([desc(1, 'm1'), desc(2, 'm2')], data({ [ALICE]: { description: ['d-1'] } }));
  t.same([concurrent.lost, concurrent.problems], [[], []]);
  t.equal(concurrent.superseded, 1);
  const stale = check([desc(1, 'm1'), desc(2, 'm1')], data({ [ALICE]: { description: ['d-1'] } }));
  t.match(stale.problems.join('\n'), /description ends as d-1 .* #2 modify .* came later on the same master and is lost/);
  const two = check([desc(1, 'm1'), desc(2, 'm2')], data({ [ALICE]: { description: ['d-1', 'd-2'] } }));
  t.match(two.problems.join('\n'), /holds 2 values/);
});

t.test('a replace that lost and is named by an lww record counts as explained by the conflict log', async (t) => {
  const x = dn('x');
  const writes = [add(1, 'x'), desc(2, 'm1', x), w({ id: 3, op: 'delete', dn: x, node: 'm2', outcome: 'refused' })];
  const lost = check(writes, data({ [x]: { carlicense: ['c-1'], entryuuid: ['u1'] } }));
  t.equal(lost.lost.length, 1, 'nothing explains the missing description');
  const logged = check(writes, data({ [x]: { carlicense: ['c-1'], entryuuid: ['u1'] } }), [{ kind: 'lww', uuid: 'u1', attr: 'description', loser: 'd-2' }]);
  t.same(logged.lost, []);
  t.equal(logged.byConflict, 1);
});

t.test('a value an acknowledged delete removed may not come back', async (t) => {
  const writes = [
    w({ id: 1, op: 'modify', dn: ALICE, mods: [{ op: 'add', attr: 'mail', values: ['m-1@nemesis.example.com'] }] }),
    w({ id: 2, op: 'modify', dn: ALICE, node: 'm3', mods: [{ op: 'delete', attr: 'mail', values: ['m-1@nemesis.example.com'] }] }),
  ];
  t.same(check(writes, data({})).problems, []);
  t.match(check(writes, data({ [ALICE]: { mail: ['m-1@nemesis.example.com'] } })).problems.join('\n'), /is back on/);
});

t.test('nothing appears that no write made, or that a refused write made', async (t) => {
  t.match(check([], data({ [ALICE]: { description: ['d-99'] } })).problems.join('\n'), /no write made/);
  const refused = add(5, 'r');
  refused.outcome = 'refused';
  refused.why = 'entryAlreadyExists';
  t.match(check([refused], data({ [dn('r')]: { carlicense: ['c-5'], entryuuid: ['u5'] } })).problems.join('\n'), /refused write/);
});

t.test('a conflict entry needs its naming record', async (t) => {
  const cdn = `entryuuid=u2+uid=x,ou=people,dc=example,dc=com`;
  t.equal(baseDn(cdn), dn('x'));
  const writes = [add(1, 'x', 'm1'), add(2, 'x', 'm2')];
  const final = data({ [dn('x')]: { carlicense: ['c-1'], entryuuid: ['u1'] }, [cdn]: { carlicense: ['c-2'], entryuuid: ['u2'] } });
  t.match(check(writes, final).problems.join('\n'), /without a naming\/unique record/);
  t.same(check(writes, final, [{ kind: 'naming', uuid: 'u2' }]).problems, []);
});

t.test('an entry still there after an acknowledged delete needs a re-add or rename that may come after it', async (t) => {
  const x = dn('x');
  const reAdded = check([add(1, 'x'), w({ id: 2, op: 'delete', dn: x }), add(3, 'x', 'm2')], data({ [x]: { carlicense: ['c-3'], entryuuid: ['u3'] } }));
  t.same(reAdded.problems, []);
  const undone = check([add(1, 'x'), w({ id: 2, op: 'delete', dn: x })], data({ [x]: { carlicense: ['c-1'], entryuuid: ['u1'] } }));
  t.match(undone.problems.join('\n'), /still there after #2 delete/);
});

t.test('a rename that went nowhere is lost unless a delete or another rename may come after it', async (t) => {
  const writes = [add(1, 'x'), w({ id: 2, op: 'modrdn', dn: dn('x'), newDn: dn('y') })];
  const lost = check(writes, data({}));
  t.same(lost.lost.map((l) => l.split(' ')[1]), ['add', 'modrdn']);
  const moved = check([...writes, w({ id: 3, op: 'modrdn', dn: dn('x'), newDn: dn('z'), node: 'm2' })], data({ [dn('z')]: { carlicense: ['c-1'], entryuuid: ['u1'] } }));
  t.same([moved.lost, moved.problems], [[], []]);
});

t.test('a rename can lose to a concurrent rename that started from an older name of the entry', async (t) => {
  // m1 renames x→a then a→c; m2, not yet aware of the first, renames x→b
  // with the greater CSN: the entry ends as b, and a→c is superseded.
  const base = [add(1, 'x'), w({ id: 2, op: 'modrdn', dn: dn('x'), newDn: dn('a') }), w({ id: 4, op: 'modrdn', dn: dn('a'), newDn: dn('c') })];
  const atB = data({ [dn('b')]: { carlicense: ['c-1'], entryuuid: ['u1'] } });
  const other = check([...base, w({ id: 3, op: 'modrdn', dn: dn('x'), newDn: dn('b'), node: 'm2' })], atB);
  t.same([other.lost, other.problems], [[], []]);
  // Without m2's rename nothing explains where a→c went.
  const alone = check(base, data({}));
  t.match(alone.lost.join('\n'), /#4 modrdn/);
});
