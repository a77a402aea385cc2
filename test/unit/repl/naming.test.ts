// Entry-level conflict rules: delete vs modify, add/add, glue, modrdn, cycles,
// schema and unique attributes — each in every delivery order.
import t from 'tap';
import { apply } from '../../../src/repl/core/urp.js';
import { isConflictEntry, meshdirConflictValues } from '../../../src/repl/core/visible.js';
import { add, attrs, csn, del, dit, everyOrder, m, mod, modrdn, rdnText, rules, run } from './helpers.js';

const root = add(csn(0), 'root', '', 'root');

t.test('modify vs delete: the delete wins and the late modify is logged, in every order', async (t) => {
  const r = everyOrder(t, [root, add(csn(1), 'E', 'root', 'e')], [del(csn(5, 1), 'E'), mod(csn(6, 2), 'E', [m.add('description', 'late')])]);
  for (const d of r.dits) t.equal(d.get('E')!.vis.kind, 'hidden');
  for (const logged of r.conflicts) t.match(logged, [{ kind: 'modify-delete', uuid: 'E' }]);
  const earlier = everyOrder(t, [root, add(csn(1), 'E', 'root', 'e')], [del(csn(6, 1), 'E'), mod(csn(5, 2), 'E', [m.add('description', 'x')])]);
  t.equal(earlier.dits[0]!.get('E')!.vis.kind, 'hidden', 'also when the modify has the smaller CSN');
});

t.test('add vs add of one DN: the smaller add CSN keeps it, the other is a conflict entry', async (t) => {
  const a = add(csn(5, 1), 'A', 'root', 'x', { sn: ['from A'] });
  const b = add(csn(6, 2), 'B', 'root', 'X', { sn: ['from B'] });
  const r = everyOrder(t, [root], [a, b]);
  const d = r.dits[0]!;
  t.equal(rdnText(d, 'A'), 'cn=x');
  t.equal(rdnText(d, 'B'), 'entryUUID=B+cn=X');
  const vb = d.get('B')!.vis;
  t.equal(vb.naming, 'A');
  t.ok(isConflictEntry(vb), 'hidden from ordinary searches');
  t.notOk(isConflictEntry(d.get('A')!.vis));
  t.same(meshdirConflictValues(vb, 'cn=X,cn=root'), ['naming cn=X,cn=root']);
  t.same(attrs(d, 'B').sn, ['from B'], 'the loser keeps its data');
  t.match(r.conflicts[0], [{ kind: 'naming', uuid: 'B', loser: 'B', winner: 'A' }], 'A first: B logged as it arrives');
  t.match(r.conflicts[1], [{ kind: 'naming', uuid: 'B', winner: 'A' }], 'B first: logged when A takes the name');
  // The winner goes away: the other entry gets the DN.
  const after = run([root, a, b]);
  const res = after.apply(del(csn(7, 1), 'A'));
  t.equal(rdnText(after, 'B'), 'cn=X');
  t.ok(res.writes >= 2, 'the promoted entry is among the writes, for the DN index');
});

t.test('add child vs delete of its parent: the parent stays as glue, logged', async (t) => {
  const r = everyOrder(t, [root, add(csn(1), 'P', 'root', 'p', { description: ['gone'] })], [del(csn(5, 1), 'P'), add(csn(6, 2), 'C', 'P', 'c')]);
  for (const [i, d] of r.dits.entries()) {
    t.equal(d.get('P')!.vis.kind, 'glue');
    t.same(attrs(d, 'P'), { cn: ['p'], objectClass: ['glue'] });
    t.equal(d.get('C')!.vis.kind, 'live');
    t.match(r.conflicts[i], [{ kind: 'glue', uuid: 'P' }]);
  }
  // Once the child goes, so does the glue.
  const d = r.dits[0]!;
  d.apply(del(csn(7, 2), 'C'));
  t.equal(d.get('P')!.vis.kind, 'hidden');
  t.same(d.audit(), []);
});

t.test('glue above glue: a live grandchild keeps both deleted ancestors', async (t) => {
  const r = everyOrder(t, [root, add(csn(1), 'P', 'root', 'p'), add(csn(2), 'Q', 'P', 'q')], [del(csn(5, 1), 'Q'), del(csn(6, 1), 'P'), add(csn(4, 2), 'C', 'Q', 'c')]);
  t.equal(r.dits[0]!.get('P')!.vis.kind, 'glue');
  t.equal(r.dits[0]!.get('Q')!.vis.kind, 'glue');
});

t.test('modrdn vs modrdn: the greater CSN sets name and parent', async (t) => {
  const base = [root, add(csn(1), 'P', 'root', 'p'), add(csn(2), 'E', 'root', 'e')];
  const r = everyOrder(t, base, [modrdn(csn(5, 1), 'E', 'e', 'one'), modrdn(csn(6, 2), 'E', 'e', 'two', 'P')]);
  const v = r.dits[0]!.get('E')!.vis;
  t.equal(rdnText(r.dits[0]!, 'E'), 'cn=two');
  t.equal(v.parent, 'P');
  t.same(attrs(r.dits[0]!, 'E').cn, ['one', 'two'], 'each rename deleted the old value, added its own');
  // Permutations: [one, two] then [two, one]. The losing rename is logged where it arrives late.
  t.same(r.conflicts[0], [], 'the later rename arriving last overrides: nothing lost late');
  t.match(r.conflicts[1], [{ kind: 'lww', uuid: 'E', loser: 'cn=one', winner: 'cn=two' }], 'the earlier rename arriving late lost the name: logged');
});

t.test('modrdn vs modrdn: a rename that keeps its parent still sets it, against an earlier move', async (t) => {
  // A renames E in place (greater CSN, naming the parent it keeps); B moved
  // it under P concurrently. A's name and parent win together, in every order.
  const base = [root, add(csn(1), 'P', 'root', 'p'), add(csn(2), 'E', 'root', 'e')];
  const r = everyOrder(t, base, [modrdn(csn(6, 1), 'E', 'e', 'renamed', 'root'), modrdn(csn(5, 2), 'E', 'e', 'e', 'P')]);
  for (const d of r.dits) {
    t.equal(rdnText(d, 'E'), 'cn=renamed');
    t.equal(d.get('E')!.vis.parent, 'root', 'not under P: no name that neither rename gave');
  }
});

t.test('a rename onto a name taken concurrently is an add/add clash: the smaller naming CSN wins', async (t) => {
  const base = [root, add(csn(1), 'E', 'root', 'e')];
  const r = everyOrder(t, base, [modrdn(csn(5, 1), 'E', 'e', 'x'), add(csn(6, 2), 'N', 'root', 'x')]);
  t.equal(rdnText(r.dits[0]!, 'E'), 'cn=x');
  t.equal(rdnText(r.dits[0]!, 'N'), 'entryUUID=N+cn=x');
  const r2 = everyOrder(t, base, [modrdn(csn(7, 1), 'E', 'e', 'x'), add(csn(6, 2), 'N', 'root', 'x')]);
  t.equal(rdnText(r2.dits[0]!, 'E'), 'entryUUID=E+cn=x');
  t.equal(rdnText(r2.dits[0]!, 'N'), 'cn=x');
});

t.test('concurrent moves that form a cycle: the later move is set aside', async (t) => {
  const base = [root, add(csn(1), 'A', 'root', 'a'), add(csn(2), 'B', 'root', 'b'), add(csn(3), 'K', 'B', 'k')];
  const r = everyOrder(t, base, [modrdn(csn(5, 1), 'A', 'a', 'a', 'B'), modrdn(csn(6, 2), 'B', 'b', 'b', 'A')]);
  const d = r.dits[0]!;
  t.equal(d.get('A')!.vis.parent, 'B', 'the earlier move stands');
  t.equal(d.get('B')!.vis.parent, 'root', 'the later one is set aside: B stays under its add-time parent');
  t.equal(d.get('B')!.vis.broken, true);
  t.equal(d.get('K')!.vis.kind, 'live', 'the subtree stays reachable');
  for (const logged of r.conflicts) t.match(logged, [{ kind: 'cycle', uuid: 'B' }]);
  // Undo the earlier move: B's move is no longer a cycle and takes effect.
  d.apply(modrdn(csn(7, 1), 'A', 'a', 'a', 'root'));
  t.equal(d.get('B')!.vis.parent, 'A');
  t.notOk(d.get('B')!.vis.broken);
  t.same(d.audit(), []);
});

t.test('a three-way cycle resolves the same in every order', async (t) => {
  const base = [root, add(csn(1), 'A', 'root', 'a'), add(csn(2), 'B', 'root', 'b'), add(csn(3), 'C', 'root', 'c')];
  const r = everyOrder(t, base, [modrdn(csn(5, 1), 'A', 'a', 'a', 'B'), modrdn(csn(6, 2), 'B', 'b', 'b', 'C'), modrdn(csn(7, 3), 'C', 'c', 'c', 'A')]);
  const d = r.dits[0]!;
  t.same(['A', 'B', 'C'].map((u) => d.get(u)!.vis.parent), ['B', 'C', 'root']);
});

t.test('schema violations after a merge: kept, marked, logged', async (t) => {
  const base = [root, add(csn(1), 'E', 'root', 'e', { objectClass: ['person'], sn: ['s'] })];
  // One master stops the entry being a person and drops sn; another re-asserts the classes.
  const r = everyOrder(t, base, [
    mod(csn(5, 1), 'E', [m.del('objectClass', 'person'), m.del('sn')]),
    mod(csn(6, 2), 'E', [m.rep('objectClass', 'top', 'person')]),
  ]);
  const v = r.dits[0]!.get('E')!.vis;
  t.equal(v.kind, 'live');
  t.equal(v.schema, 'objectClass person requires sn');
  t.same(meshdirConflictValues(v, 'cn=e,cn=root'), ['schema objectClass person requires sn']);
  t.notOk(isConflictEntry(v), 'a schema conflict stays in ordinary searches');
  for (const logged of r.conflicts) t.match(logged, [{ kind: 'schema', uuid: 'E', detail: 'objectClass person requires sn' }]);
  const d = r.dits[0]!;
  d.apply(mod(csn(7, 1), 'E', [m.add('sn', 'fixed')]));
  t.equal(d.get('E')!.vis.schema, undefined, 'fixed by a later modify');
});

t.test('unique attribute, policy rename: the later holder gets a conflict name', async (t) => {
  const r = everyOrder(t, [root], [add(csn(5, 1), 'A', 'root', 'a', { mail: ['m@x'] }), add(csn(6, 2), 'B', 'root', 'b', { mail: ['M@X'] })]);
  const d = r.dits[0]!;
  t.equal(rdnText(d, 'A'), 'cn=a');
  t.equal(rdnText(d, 'B'), 'entryUUID=B+cn=b');
  t.same(d.get('B')!.vis.unique, ['mail']);
  t.ok(isConflictEntry(d.get('B')!.vis));
  for (const logged of r.conflicts) t.match(logged, [{ kind: 'unique', uuid: 'B', attr: 'mail' }]);
  d.apply(mod(csn(7, 1), 'A', [m.del('mail', 'm@x')]));
  t.equal(rdnText(d, 'B'), 'cn=b', 'the value freed, B gets its name back');
  t.same(d.audit(), []);
});

t.test('unique attribute, policy discard: the later entry is discarded', async (t) => {
  const r = everyOrder(t, [root], [add(csn(5, 1), 'A', 'root', 'a', { uid: ['u1'] }), add(csn(6, 2), 'B', 'root', 'b', { uid: ['u1'] }), add(csn(7, 2), 'K', 'B', 'k')]);
  const d = r.dits[0]!;
  t.equal(d.get('A')!.vis.kind, 'live');
  t.equal(d.get('B')!.vis.discarded, true);
  t.equal(d.get('B')!.vis.kind, 'glue', 'discarded, but its child needs a home');
  for (const logged of r.conflicts) t.match(logged, [{ kind: 'unique', uuid: 'B', detail: /discarded/ }]);
});

t.test('idempotence: a change applied again, or an old one again, changes nothing', async (t) => {
  const changes = [
    root,
    add(csn(1), 'E', 'root', 'e', { description: ['a'] }),
    mod(csn(2), 'E', [m.add('description', 'b'), m.inc('loginCount', 1)]),
    modrdn(csn(3), 'E', 'e', 'f'),
    add(csn(4), 'C', 'E', 'c'),
    del(csn(5), 'C'),
    mod(csn(6, 2), 'E', [m.rep('title', 't')]),
  ];
  const d = run(changes);
  const before = d.canonical();
  const states = JSON.stringify([...d.entries]);
  for (const ch of changes) {
    const r = apply(d, ch, rules);
    t.same(r.writes, [], `${ch.op} ${ch.csn} again: no writes`);
  }
  t.equal(d.canonical(), before);
  t.equal(JSON.stringify([...d.entries]), states);
  // With the RUV check the store does, a late duplicate logs nothing either.
  const late = mod(csn(1, 3), 'E', [m.rep('title', 'old')]);
  const first = d.apply(late);
  t.match(first.conflicts, [], 'title is lww: an older value just loses');
  d.isApplied = (c) => c === late.csn;
  t.same(apply(d, late, rules), { writes: [], conflicts: [] });
});

t.test('writes name every entry whose visible entry changed, with index keys', async (t) => {
  const d = run([root, add(csn(1), 'P', 'root', 'p')]);
  const r = apply(d, add(csn(2), 'C', 'P', 'c'), rules);
  t.equal(r.writes.length, 1);
  const w = r.writes[0]!;
  t.equal(w.uuid, 'C');
  t.ok(w.state);
  t.equal(w.before, undefined);
  t.ok(w.addKeys!.some((k) => k.startsWith('c\0P')));
  t.same(w.delKeys, []);
  const d2 = run([root, add(csn(1), 'P', 'root', 'p'), add(csn(2), 'C', 'P', 'c')]);
  const r2 = apply(d2, del(csn(3, 2), 'P'), rules);
  t.same(r2.writes.map((x) => x.uuid), ['P'], 'P becomes glue; C is unchanged');
  t.equal(r2.writes[0]!.vis.kind, 'glue');
  t.equal(r2.writes[0]!.before!.kind, 'live');
});

t.test('changes that arrive before the entry (any order) wait in a stub', async (t) => {
  const r = everyOrder(t, [root], [add(csn(1), 'P', 'root', 'p'), add(csn(2), 'C', 'P', 'c'), mod(csn(3), 'C', [m.add('description', 'd')])]);
  t.same(attrs(r.dits[0]!, 'C').description, ['d']);
  const d = dit();
  d.apply(root);
  d.apply(mod(csn(3), 'X', [m.add('description', 'd')]));
  t.equal(d.get('X')!.vis.kind, 'hidden');
});
