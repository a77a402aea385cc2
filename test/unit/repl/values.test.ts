// Value-level conflict rules and per-attribute policies, each in every delivery order.
import t from 'tap';
import { seenAsDeletes, sumAsDeltas } from '../../../src/repl/core/deltas.js';
import { purgeState } from '../../../src/repl/core/purge.js';
import { add, attrs, b, csn, del, dit, everyOrder, m, mod, modrdn, rules, run } from './helpers.js';

const root = add(csn(0), 'root', '', 'root');
const entry = (extra: Record<string, string[]> = {}) => add(csn(1), 'E', 'root', 'e', extra);

t.test('add vs delete of one value: the greater CSN wins', async (t) => {
  const base = [root, entry({ description: ['d1'] })];
  let r = everyOrder(t, base, [mod(csn(5, 1), 'E', [m.del('description', 'd1')]), mod(csn(4, 2), 'E', [m.add('description', 'D1', 'd2')])]);
  t.same(attrs(r.dits[0]!, 'E').description, ['D1', 'd2'], 'the later delete removes d1; D1 is another value (caseExact), d2 stays');
  r = everyOrder(t, [root, entry({ cn: ['x'] })], [mod(csn(5, 1), 'E', [m.del('cn', 'x')]), mod(csn(4, 2), 'E', [m.add('cn', 'X')])]);
  t.same(attrs(r.dits[0]!, 'E').cn, ['e'], 'cn is caseIgnore: X is x, and the later delete wins');
  r = everyOrder(t, base, [mod(csn(4, 1), 'E', [m.del('description', 'd1')]), mod(csn(5, 2), 'E', [m.add('description', 'd1')])]);
  t.same(attrs(r.dits[0]!, 'E').description, ['d1'], 'the later add brings it back');
  t.same(r.conflicts.flat(), [], 'time decided it: nothing to log');
});

t.test('replace vs replace on a single-valued attribute: last writer wins, other attributes of both apply', async (t) => {
  const r = everyOrder(t, [root, entry({ sn: ['s0'] })], [
    mod(csn(5, 1), 'E', [m.rep('sn', 'a'), m.add('description', 'x')]),
    mod(csn(6, 2), 'E', [m.rep('sn', 'b'), m.add('seeAlso', 'y')]),
  ]);
  t.same(attrs(r.dits[0]!, 'E'), { cn: ['e'], description: ['x'], objectClass: ['top'], seeAlso: ['y'], sn: ['b'] });
});

t.test('the server\'s own stamps (modifyTimestamp, modifiersName) of two concurrent modifies are not logged as conflicts', async (t) => {
  const stamp = (c: number, who: string) => [m.rep('modifyTimestamp', `2026010100000${c}Z`), m.rep('modifiersName', who)];
  const r = everyOrder(t, [root, entry({ sn: ['s0'] })], [
    mod(csn(5, 1), 'E', [m.rep('sn', 'a'), ...stamp(5, 'cn=one')]),
    mod(csn(6, 2), 'E', [m.rep('sn', 'b'), ...stamp(6, 'cn=two')]),
  ]);
  t.same(attrs(r.dits[0]!, 'E').modifiersName, ['cn=two']);
  for (const logged of r.conflicts) t.same(logged.map((c) => c.attr), logged.length ? ['sn'] : [], 'only sn, where it lost late');
});

t.test('replace vs replace on a multi-valued attribute: the later replace sets the values', async (t) => {
  const r = everyOrder(t, [root, entry({ description: ['d1'] })], [
    mod(csn(5, 1), 'E', [m.rep('description', 'a', 'b')]),
    mod(csn(6, 2), 'E', [m.rep('description', 'c')]),
    mod(csn(7, 3), 'E', [m.add('description', 'z')]),
  ]);
  t.same(attrs(r.dits[0]!, 'E').description, ['c', 'z']);
});

t.test('mods of one modify apply in sequence (subseq): delete then add of a value keeps it', async (t) => {
  const d = dit();
  for (const ch of [root, entry({ description: ['d1'] }), mod(csn(5), 'E', [m.del('description', 'd1'), m.add('description', 'd1')])]) d.apply(ch);
  t.same(attrs(d, 'E').description, ['d1']);
});

t.test('increments are deltas: concurrent increments add up', async (t) => {
  const base = [root, entry({ loginCount: ['10'] })];
  let r = everyOrder(t, base, [mod(csn(5, 1), 'E', [m.inc('loginCount', 1)]), mod(csn(5, 2), 'E', [m.inc('loginCount', 2)]), mod(csn(6, 3), 'E', [m.inc('loginCount', -4)])]);
  t.same(attrs(r.dits[0]!, 'E').loginCount, ['9']);
  r = everyOrder(t, base, [mod(csn(5, 1), 'E', [m.inc('loginCount', 1)]), mod(csn(7, 2), 'E', [m.rep('loginCount', '100')]), mod(csn(8, 3), 'E', [m.inc('loginCount', 5)])]);
  t.same(attrs(r.dits[0]!, 'E').loginCount, ['105'], 'a replace absorbs earlier deltas, later ones add');
  const big = everyOrder(t, [root, entry({ loginCount: ['9007199254740993'] })], [mod(csn(5, 1), 'E', [m.inc('loginCount', 1)])]);
  t.same(attrs(big.dits[0]!, 'E').loginCount, ['9007199254740994'], 'beyond 2^53');
});

t.test('an increment whose value a concurrent, earlier delete removed counts for nothing, and the log says so', async (t) => {
  const base = [root, entry({ loginCount: ['10'] })];
  for (const remove of [m.del('loginCount'), m.del('loginCount', '10')]) {
    const r = everyOrder(t, base, [mod(csn(5, 1), 'E', [remove]), mod(csn(6, 2), 'E', [m.inc('loginCount', 3)])]);
    t.same(attrs(r.dits[0]!, 'E').loginCount, undefined, 'nothing left to add to');
    for (const logged of r.conflicts) {
      t.match(logged, [{ kind: 'modify-delete', uuid: 'E', attr: 'loginCount', detail: /^increment by 3 at .* met a concurrent delete/, winner: csn(5, 1) }], 'logged once, in every order');
    }
  }
  const later = everyOrder(t, base, [mod(csn(6, 1), 'E', [m.del('loginCount')]), mod(csn(5, 2), 'E', [m.inc('loginCount', 3)])]);
  t.same(later.conflicts.flat(), [], 'a later delete supersedes the increment: nothing to log');
  const revived = everyOrder(t, base, [mod(csn(5, 1), 'E', [m.del('loginCount')]), mod(csn(6, 2), 'E', [m.inc('loginCount', 3)]), mod(csn(7, 3), 'E', [m.add('loginCount', '1')])]);
  t.same(attrs(revived.dits[0]!, 'E').loginCount, ['1'], 'a value added later does not take the lost delta');
});

t.test('policy sum: the server records replaces of an existing integer as increments', async (t) => {
  const current = new Map([['loginCount', [b('10')]], ['sn', [b('x')]]]);
  const mods = sumAsDeltas(current, [m.rep('loginCount', '11'), m.rep('sn', 'y'), m.inc('loginCount', 2), m.rep('loginCount', '20')], rules);
  t.same(mods, [m.inc('loginCount', 1), m.rep('sn', 'y'), m.inc('loginCount', 2), m.inc('loginCount', 7)]);
  t.same(sumAsDeltas(new Map(), [m.rep('loginCount', '3')], rules), [m.rep('loginCount', '3')], 'no value yet: a plain replace');
  // Two masters both raise 10 to 11: with deltas, both count.
  const r = everyOrder(t, [root, entry({ loginCount: ['10'] })], [
    mod(csn(5, 1), 'E', sumAsDeltas(current, [m.rep('loginCount', '11')], rules)),
    mod(csn(5, 2), 'E', sumAsDeltas(current, [m.rep('loginCount', '11')], rules)),
  ]);
  t.same(attrs(r.dits[0]!, 'E').loginCount, ['12']);
});

t.test('policy priority: the origin with the higher priority wins whatever the CSNs, and the loss is logged', async (t) => {
  const r = everyOrder(t, [root, entry({ employeeNumber: ['e0'] })], [
    mod(csn(6, 1), 'E', [m.rep('employeeNumber', 'e1')], 1),
    mod(csn(5, 2), 'E', [m.rep('employeeNumber', 'e2')], 5),
  ]);
  t.same(attrs(r.dits[0]!, 'E').employeeNumber, ['e2']);
  for (const logged of r.conflicts) {
    t.match(logged, [{ kind: 'policy', uuid: 'E', attr: 'employeeNumber', loser: 'e1' }], 'logged in every order');
  }
  const tie = everyOrder(t, [root, entry()], [mod(csn(6, 1), 'E', [m.rep('employeeNumber', 'a')], 3), mod(csn(5, 2), 'E', [m.rep('employeeNumber', 'b')], 3)]);
  t.same(attrs(tie.dits[0]!, 'E').employeeNumber, ['a'], 'same priority: the CSN decides');
  const multi = everyOrder(t, [root, add(csn(1), 'E', 'root', 'e', { seeAlso: ['x'] }, 4)], [mod(csn(5, 2), 'E', [m.del('seeAlso', 'x')], 1)]);
  t.same(attrs(multi.dits[0]!, 'E').seeAlso, ['x'], 'a low-priority delete cannot remove a high-priority value');
});

t.test('policy priority: a later add of a held value that a higher priority then deletes is logged in every order (sim seed 67906)', async (t) => {
  // Priority 3 sets e1; priority 0 adds e1 again, later by CSN; priority 3
  // then replaces it with e3 at a CSN older than that add. The add loses by
  // the policy, and the conflict log must say so whichever came first: it
  // did not when the add arrived while priority 3's e1 held the value.
  const r = everyOrder(t, [root, entry()], [
    mod(csn(5, 1), 'E', [m.rep('employeeNumber', 'e1')], 3),
    mod(csn(9, 3), 'E', [m.add('employeeNumber', 'e1')], 0),
    mod(csn(6, 1), 'E', [m.rep('employeeNumber', 'e3')], 3),
  ]);
  t.same(attrs(r.dits[0]!, 'E').employeeNumber, ['e3']);
  for (const logged of r.conflicts) {
    t.ok(logged.some((c) => c.kind === 'policy' && c.attr === 'employeeNumber' && c.loser === 'e1' && c.detail.includes(csn(9, 3))), 'the add at the later CSN is logged as lost by the policy');
  }
});

t.test('policies min and max compare values, not times', async (t) => {
  const r = everyOrder(t, [root, entry({ lowMark: ['10'], highMark: ['10'] })], [
    mod(csn(5, 1), 'E', [m.rep('lowMark', '3'), m.rep('highMark', '20')]),
    mod(csn(6, 2), 'E', [m.rep('lowMark', '7'), m.rep('highMark', '11')]),
  ]);
  t.same(attrs(r.dits[0]!, 'E').lowMark, ['3']);
  t.same(attrs(r.dits[0]!, 'E').highMark, ['20']);
  for (const logged of r.conflicts) {
    t.same(logged.map((c) => `${c.kind} ${c.attr} ${c.loser}`).sort(), ['policy highMark 11', 'policy lowMark 7'], 'the newer losers are logged');
  }
  const reset = everyOrder(t, [root, entry({ highMark: ['20'] })], [mod(csn(5, 1), 'E', [m.del('highMark')]), mod(csn(6, 1), 'E', [m.add('highMark', '4')])]);
  t.same(attrs(reset.dits[0]!, 'E').highMark, ['4'], 'after a delete the attribute starts over');
});

t.test('min and max: a master\'s own replace takes effect; only values written concurrently compete', async (t) => {
  const base = [root, entry({ lowMark: ['10'], highMark: ['10'] })];
  // What a master records for its client's modify, from its state before it.
  const local = (d: ReturnType<typeof dit>, c: ReturnType<typeof csn>, mods: ReturnType<typeof m.rep>[]) => mod(c, 'E', seenAsDeletes(d.get('E')?.state, mods, rules));
  const d = run(base);
  const lower = local(d, csn(5, 1), [m.rep('highMark', '5'), m.rep('lowMark', '20')]);
  t.same(lower.op === 'modify' && lower.mods.map((x) => x.op), ['delete', 'add', 'delete', 'add'], 'recorded as a delete of the values it held, then the add');
  d.apply(lower);
  t.same([attrs(d, 'E').highMark, attrs(d, 'E').lowMark], [['5'], ['20']], 'max lowered, min raised: the client asked for it');
  // m1 (which holds 10) lowers highMark to 5 while m2 (which holds 10 too) raises it to 12, and m3 to 7.
  const seen = run(base);
  const r = everyOrder(t, base, [local(seen, csn(5, 1), [m.rep('highMark', '5')]), local(seen, csn(6, 2), [m.rep('highMark', '12')]), local(seen, csn(7, 3), [m.rep('highMark', '7')])]);
  t.same(attrs(r.dits[0]!, 'E').highMark, ['12'], 'concurrent: the largest of the three');
  for (const logged of r.conflicts) t.ok(logged.length > 0 && logged.every((c) => c.attr === 'highMark' && (c.loser === '5' || c.loser === '7')), 'what is logged is a loser, never 12');
  // A master that had seen 12 lowers it again: that replaces 12, and the older losers stay gone.
  const after = r.dits[0]!;
  after.apply(local(after, csn(9, 1), [m.rep('highMark', '6')]));
  t.same(attrs(after, 'E').highMark, ['6']);
});

t.test('min: deleting a value shown incremented deletes it on every replica, folded by a purge or not (sim seed 36444)', async (t) => {
  const local = (d: ReturnType<typeof dit>, c: ReturnType<typeof csn>, mods: Parameters<typeof seenAsDeletes>[1]) => mod(c, 'E', seenAsDeletes(d.get('E')?.state, mods, rules));
  const d = run([root, entry({ lowMark: ['3'] })]);
  const inc = local(d, csn(5, 4), [m.inc('lowMark', 4)]);
  d.apply(inc);
  t.same(attrs(d, 'E').lowMark, ['7'], 'stored 3, shown 7');
  const gone = local(d, csn(9, 4), [m.del('lowMark', '7')]);
  t.same(gone.op === 'modify' && gone.mods[0]!.op === 'delete' && gone.mods[0]!.values.map(String), ['7', '3'], 'the delete names the stored value too');
  const both = local(d, csn(9, 4), [m.inc('lowMark', 1), m.del('lowMark', '8')]);
  t.same(both.op === 'modify' && both.mods[1]!.op === 'delete' && both.mods[1]!.values.map(String), ['8', '3'], 'counting an increment earlier in the same modify');
  const r = everyOrder(t, [root, entry({ lowMark: ['3'] })], [inc, gone]);
  for (const x of r.dits) t.same(attrs(x, 'E').lowMark, undefined, 'deleted in every order');
  // A replica that purged (past the increment) before the delete reached it.
  const p = run([root, entry({ lowMark: ['3'] }), inc]);
  const st = p.get('E')!;
  p.entries.set('E', { state: purgeState(st.state, csn(8), false, rules)!, vis: st.vis });
  p.apply(gone);
  t.same(attrs(p, 'E').lowMark, undefined, 'purged first: deleted too');
  // Another master's increment the deleter had not seen: a replica that
  // folded 3 + 4 + 1 into a stored 8 kept it while the others deleted 3.
  const other = mod(csn(6, 2), 'E', [m.inc('lowMark', 1)]);
  const q = run([root, entry({ lowMark: ['3'] }), inc, other]);
  const qs = q.get('E')!;
  q.entries.set('E', { state: purgeState(qs.state, csn(8), false, rules)!, vis: qs.vis });
  q.apply(gone);
  const everywhere = run([root, entry({ lowMark: ['3'] }), inc, other, gone]);
  t.same([attrs(q, 'E').lowMark, attrs(everywhere, 'E').lowMark], [undefined, undefined], 'a concurrent increment, purged first or not: deleted');
});

t.test('policy manual: lww winner kept, the late loser logged for an administrator', async (t) => {
  const r = everyOrder(t, [root, entry({ title: ['t0'] })], [mod(csn(5, 1), 'E', [m.rep('title', 't1')]), mod(csn(6, 2), 'E', [m.rep('title', 't2')])]);
  t.same(attrs(r.dits[0]!, 'E').title, ['t2']);
  t.same(r.conflicts[0], [], 't1 then t2: looks sequential, nothing to log');
  t.match(r.conflicts[1], [{ kind: 'manual', uuid: 'E', attr: 'title', loser: 't1', winner: 't2' }], 't2 then t1: t1 arrived late and lost');
  const lww = everyOrder(t, [root, entry({ sn: ['s0'] })], [mod(csn(5, 1), 'E', [m.rep('sn', 'a')]), mod(csn(6, 2), 'E', [m.rep('sn', 'b')])]);
  t.same(lww.conflicts[0], [], 'plain lww: a then b looks sequential, nothing to log');
  t.match(lww.conflicts[1], [{ kind: 'lww', uuid: 'E', attr: 'sn', loser: 'a', winner: 'b' }], 'plain lww: b then a, a arrived late and lost: logged');
});

t.test('modrdn with deleteOldRdn moves the naming value', async (t) => {
  const r = everyOrder(t, [root, entry({ cn: ['other'] })], [modrdn(csn(5), 'E', 'e', 'f')]);
  t.same(attrs(r.dits[0]!, 'E').cn, ['other', 'f']);
  const keep = everyOrder(t, [root, entry()], [modrdn(csn(5), 'E', 'e', 'f', undefined, false)]);
  t.same(attrs(keep.dits[0]!, 'E').cn, ['e', 'f']);
});

t.test('the RDN value stays visible even if a concurrent change deleted it', async (t) => {
  const r = everyOrder(t, [root, entry({ cn: ['x'] })], [mod(csn(5, 1), 'E', [m.del('cn', 'x')]), modrdn(csn(4, 2), 'E', 'e', 'x')]);
  t.same(attrs(r.dits[0]!, 'E').cn, ['x']);
});

t.test('a delete removes every attribute; the state keeps no values', async (t) => {
  const d = dit();
  for (const ch of [root, entry({ description: ['d'] }), del(csn(5), 'E')]) d.apply(ch);
  t.same(d.get('E')!.state.attrs, {});
  t.equal(d.get('E')!.state.del, csn(5));
  t.equal(d.get('E')!.vis.kind, 'hidden');
});
