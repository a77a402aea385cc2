// Entries show attributes and values in the order they were written, as
// slapd does, and every replica shows the same order whatever the delivery
// order.
import t from 'tap';
import type { AddChange } from '../../../src/repl/core/change.js';
import { withSubseq } from '../../../src/repl/core/csn.js';
import { heldValues } from '../../../src/repl/core/merge.js';
import { purgeState } from '../../../src/repl/core/purge.js';
import { liveAttrMap } from '../../../src/repl/core/visible.js';
import { orderProblems } from '../../sim/checks.js';
import { add, b, csn, dit, everyOrder, m, mod, modrdn, rules, run } from './helpers.js';

function order(d: ReturnType<typeof dit>, uuid: string): string[] {
  return d.get(uuid)!.vis.attrs.map(([a, vals]) => `${a}: ${vals.map(String).join(', ')}`);
}

/** An add with attributes in exactly this order (helpers.add puts objectClass and cn first). */
function addAs(c: string, uuid: string, cn: string, attrs: [string, string[]][]): AddChange {
  return { csn: c, op: 'add', uuid, parent: 'root', rdn: [['cn', b(cn)]], attrs: attrs.map(([a, vals]) => [a, vals.map(b)]) };
}

const root = add(csn(0), 'root', '', 'root');
// Measured on slapd 2.5: the add, then one modify.
const slapdAdd = addAs(csn(1), 'E', 'C1', [
  ['objectClass', ['top', 'person']],
  ['uid', ['u1']],
  ['sn', ['s1']],
  ['cn', ['C1', 'A2']],
  ['mail', ['m@x']],
  ['description', ['d1']],
]);
const slapdModify = mod(csn(2), 'E', [m.rep('cn', 'Z9', 'B1', 'C1'), m.add('mail', 'a@x'), m.add('telephoneNumber', '555')]);
const slapdResult = [
  'objectClass: top, person',
  'uid: u1',
  'sn: s1',
  'mail: m@x, a@x',
  'description: d1',
  'cn: Z9, B1, C1',
  'telephoneNumber: 555',
];

t.test("slapd's order: add keeps the request order, modify-add appends in place, replace moves last", async (t) => {
  const d = run([root, slapdAdd]);
  t.same(order(d, 'E'), ['objectClass: top, person', 'uid: u1', 'sn: s1', 'cn: C1, A2', 'mail: m@x', 'description: d1'], 'values not sorted');
  d.apply(slapdModify);
  t.same(order(d, 'E'), slapdResult);
  t.same(d.audit(), []);
});

t.test('the same order in every delivery order', async (t) => {
  const { dits } = everyOrder(t, [root], [slapdAdd, slapdModify]);
  t.same(order(dits[0]!, 'E'), slapdResult, 'the modify may arrive first');
  t.same(orderProblems(dits[0]!, rules), []);
});

t.test('deleting values keeps the rest in place; deleting an attribute and adding it again puts it last', async (t) => {
  const d = run([root, slapdAdd, mod(csn(2), 'E', [m.del('cn', 'A2'), m.del('objectClass', 'top')])]);
  t.same(order(d, 'E'), ['objectClass: person', 'uid: u1', 'sn: s1', 'cn: C1', 'mail: m@x', 'description: d1']);
  d.apply(mod(csn(3), 'E', [m.del('uid'), m.add('description', 'd0')]));
  d.apply(mod(csn(4), 'E', [m.add('uid', 'u2')]));
  t.same(order(d, 'E'), ['objectClass: person', 'sn: s1', 'cn: C1', 'mail: m@x', 'description: d1, d0', 'uid: u2']);
  t.same(d.audit(), []);
});

// Measured on slapd 2.5 (ldapmodify of an entry like slapdAdd): an
// attribute stays where it is until its last value goes, whatever values
// it holds by then; once empty it comes back last.
t.test('an attribute keeps its place while it has values, also when its first value is deleted', async (t) => {
  const inPlace = ['objectClass: top, person', 'uid: u1', 'sn: s1', 'cn: C1, A2', 'mail: a@x', 'description: d1'];
  const oneModify = run([root, slapdAdd, mod(csn(2), 'E', [m.add('mail', 'a@x'), m.del('mail', 'm@x')])]);
  t.same(order(oneModify, 'E'), inPlace, 'add the new value, delete the old one');
  const addThenDelete = [mod(csn(2), 'E', [m.add('mail', 'a@x')]), mod(csn(3), 'E', [m.del('mail', 'm@x')])];
  const { dits } = everyOrder(t, [root, slapdAdd], addThenDelete);
  for (const d of dits) {
    t.same(order(d, 'E'), inPlace, 'in two modifies, in any delivery order');
    t.same(orderProblems(d, rules), []);
  }
  const emptied = run([root, slapdAdd, mod(csn(2), 'E', [m.del('mail', 'm@x'), m.add('mail', 'b@x')])]);
  t.same(order(emptied, 'E'), ['objectClass: top, person', 'uid: u1', 'sn: s1', 'cn: C1, A2', 'description: d1', 'mail: b@x'], 'deleted first, the attribute was gone: it comes back last');
  const chain = run([root, slapdAdd, ...addThenDelete, mod(csn(4), 'E', [m.add('mail', 'c@x')]), mod(csn(5), 'E', [m.del('mail', 'a@x')])]);
  t.same(order(chain, 'E'), ['objectClass: top, person', 'uid: u1', 'sn: s1', 'cn: C1, A2', 'mail: c@x', 'description: d1'], 'value after value');
  t.same(chain.audit(), []);

  // A purge keeps one deleted value for the place: the first placed of
  // those that held it, deleted when the last of them was.
  chain.apply(mod(csn(6), 'E', [m.add('mail', 'x@x')]));
  chain.apply(mod(csn(7), 'E', [m.del('mail', 'x@x')]));
  const st = chain.get('E')!.state;
  const purged = purgeState(st, csn(100), false, rules);
  if (purged === null) throw new Error('purged away');
  const deleted = (s: typeof st) => s.attrs.mail!.vals.filter((vs) => vs.v === undefined).map((vs) => vs.k);
  t.same([deleted(st), deleted(purged)], [['a@x', 'm@x', 'x@x'], ['m@x']]);
  t.equal(purged.attrs.mail!.vals.find((vs) => vs.k === 'm@x')!.c, csn(5));
  t.same([...liveAttrMap(purged, rules).keys()], [...liveAttrMap(st, rules).keys()], 'same order after the purge');
});

t.test('a modrdn appends the RDN values the entry lacked in reverse RDN order (slapd)', async (t) => {
  const d = run([root, add(csn(1), 'E', 'root', 'e', { mail: ['m'] })]);
  d.apply({ csn: csn(2), op: 'modrdn', uuid: 'E', rdn: [['description', b('K')], ['uid', b('judy')]], oldRdn: [['cn', b('e')]], deleteOldRdn: false });
  t.same(order(d, 'E'), ['objectClass: top', 'cn: e', 'mail: m', 'uid: judy', 'description: K']);
  t.same(orderProblems(d, rules), []);
});

t.test('a replace of a single value moves the attribute last, an increment leaves it in place', async (t) => {
  const d = run([root, add(csn(1), 'E', 'root', 'e', { sn: ['s1'], loginCount: ['5'], description: ['d'] })]);
  d.apply(mod(csn(2), 'E', [m.rep('sn', 's2'), m.inc('loginCount', 2)]));
  t.same(order(d, 'E'), ['objectClass: top', 'cn: e', 'loginCount: 7', 'description: d', 'sn: s2']);
  t.same(d.audit(), []);
});

t.test('concurrent modifies from two replicas: one order everywhere, by CSN', async (t) => {
  const base = [root, add(csn(1), 'E', 'root', 'e', { description: ['d1'] })];
  const { dits } = everyOrder(t, base, [
    mod(csn(2, 2), 'E', [m.add('mail', 'm2'), m.add('description', 'd2')]),
    mod(csn(2, 1), 'E', [m.add('mail', 'm1'), m.add('seeAlso', 'x')]),
    mod(csn(3, 3), 'E', [m.rep('description', 'd3', 'd4')]),
  ]);
  t.same(order(dits[0]!, 'E'), ['objectClass: top', 'cn: e', 'mail: m1, m2', 'seeAlso: x', 'description: d3, d4']);
  for (const d of dits) t.same(orderProblems(d, rules), []);
});

t.test('RDN values the entry lost to concurrent changes are shown after the others', async (t) => {
  const d = run([root, add(csn(1), 'E', 'root', 'e', { cn: ['f'], mail: ['m'] })]);
  d.apply(mod(csn(2), 'E', [m.rep('cn', 'z')]));
  t.same(order(d, 'E'), ['objectClass: top', 'mail: m', 'cn: z, e']);
  d.apply(mod(csn(3), 'E', [m.del('cn'), m.add('description', 'd')]));
  t.same(order(d, 'E'), ['objectClass: top', 'mail: m', 'description: d', 'cn: e'], 'an attribute only the RDN holds comes last');
  d.apply(mod(csn(4), 'E', [m.add('seeAlso', 'x')]));
  t.same(order(d, 'E'), ['objectClass: top', 'mail: m', 'description: d', 'seeAlso: x', 'cn: e'], 'also after an attribute added later');
  t.same(d.audit(), []);
  t.same(orderProblems(d, rules), []);
});

t.test('a single-valued RDN attribute shows the RDN value where its own value would be', async (t) => {
  const d = run([root, { ...addAs(csn(1), 'E', 'x', [['objectClass', ['top']], ['sn', ['s1']], ['mail', ['m']]]), rdn: [['sn', b('s1')]] }]);
  d.apply(mod(csn(2), 'E', [m.rep('sn', 's2'), m.add('description', 'd')]));
  t.same(order(d, 'E'), ['objectClass: top', 'mail: m', 'sn: s1', 'description: d']);
  t.same(orderProblems(d, rules), []);
});

t.test('a modrdn adds the new RDN value at the end of its attribute', async (t) => {
  const d = run([root, add(csn(1), 'E', 'root', 'e', { mail: ['m'] }), modrdn(csn(2), 'E', 'e', 'n', undefined, false)]);
  t.same(order(d, 'E'), ['objectClass: top', 'cn: e, n', 'mail: m']);
  t.same(d.audit(), []);
});

t.test("a rename to a value the entry holds keeps it in place and as spelled (slapd; OpenLDAP's test005-modrdn)", async (t) => {
  const e = addAs(csn(1), 'E', 'Walter', [['objectClass', ['person']], ['cn', ['Walter', 'Walt', 'W']], ['sn', ['s']]]);
  // What the server sends for `ldapmodrdn cn=Walter,… cn=WALT` (the entry holds `Walt`): heldValues.
  const rename = (c: string, to: string, from: string, d: ReturnType<typeof dit>) => {
    const ch = modrdn(c, 'E', from, to, 'root', false);
    const held = heldValues(d.get('E')!.state, ch.rdn, rules);
    if (held) ch.held = held;
    return ch;
  };
  const d = run([root, e]);
  const toWalt = rename(csn(2), 'WALT', 'Walter', d);
  const walt = d.get('E')!.state.attrs.cn!.vals.find((vs) => vs.k === 'walt')!;
  t.same(toWalt.held?.map((h) => h && [h[0], h[1], String(h[2])]), [[csn(1), walt.o, 'Walt']], 'held: the value as it is, with its place');
  d.apply(toWalt);
  t.same(order(d, 'E'), ['objectClass: person', 'cn: Walter, Walt, W', 'sn: s'], 'no value moves; the DN alone takes the new spelling');
  t.same(d.get('E')!.vis.rdn.map(([, v]) => String(v)), ['WALT']);
  t.same(orderProblems(d, rules), []);
  t.equal(rename(csn(3), 'Nobody', 'WALT', d).held, undefined, 'a new value: nothing held');

  // With -r, a value of the old RDN is deleted and the new spelling added
  // last, as slapd does (its rename deletes the old RDN values first).
  const r = run([root, e]);
  const caseOnly = modrdn(csn(2), 'E', 'Walter', 'WALTER', 'root', true);
  t.equal(heldValues(r.get('E')!.state, caseOnly.rdn, rules, caseOnly.oldRdn), undefined, 'nothing held: the old RDN goes');
  r.apply(caseOnly);
  t.same(order(r, 'E'), ['objectClass: person', 'cn: Walt, W, WALTER', 'sn: s']);

  // A concurrent delete of that value, before the rename (smaller CSN): the
  // rename's re-add wins everywhere, and the value keeps its place.
  const del = mod(csn(2, 2), 'E', [m.del('cn', 'Walt')]);
  const { dits } = everyOrder(t, [root, e], [del, { ...toWalt, csn: csn(3) }]);
  for (const x of dits) t.same(order(x, 'E'), ['objectClass: person', 'cn: Walter, Walt, W', 'sn: s']);
});

t.test('a value a rename kept in place, deleted later, keeps the attribute in place (slapd)', async (t) => {
  // add cn=A; add cn: B; rename to cn=C keeping A; back to cn=A deleting C
  // (A held: it keeps its place); rename to sn=S deleting A. cn still has B,
  // so it stays where it was written: slapd shows cn: B second.
  const e = addAs(csn(1), 'E', 'A', [['objectClass', ['inetOrgPerson']], ['cn', ['A']], ['sn', ['S']], ['description', ['d']]]);
  const d = run([root, e, mod(csn(2), 'E', [m.add('cn', 'B')]), modrdn(csn(3), 'E', 'A', 'C', undefined, false)]);
  const back = modrdn(csn(4), 'E', 'C', 'A', undefined, true);
  back.held = heldValues(d.get('E')!.state, back.rdn, rules, back.oldRdn);
  t.ok(back.held, 'A is held');
  d.apply(back);
  const toSn = { csn: csn(5), op: 'modrdn' as const, uuid: 'E', rdn: [['sn', b('S')]] as [string, Buffer][], oldRdn: [['cn', b('A')]] as [string, Buffer][], deleteOldRdn: true };
  const held = heldValues(d.get('E')!.state, toSn.rdn, rules, toSn.oldRdn);
  const last = held ? { ...toSn, held } : toSn;
  d.apply(last);
  const slapd = ['objectClass: inetOrgPerson', 'cn: B', 'sn: S', 'description: d'];
  t.same(order(d, 'E'), slapd);
  t.same(orderProblems(d, rules), []);
  // The delete may arrive before the rename that re-added A (from another master).
  const { dits } = everyOrder(t, [root, e, mod(csn(2), 'E', [m.add('cn', 'B')]), modrdn(csn(3), 'E', 'A', 'C', undefined, false)], [back, last]);
  for (const x of dits) t.same(order(x, 'E'), slapd, 'in either delivery order');
});

t.test('a value deleted twice holds the attribute place from its first delete, purged or not (sim seed 71007)', async (t) => {
  // m1 renames C2 to C (the attribute is empty between the delete of C2 and
  // the add of C: it starts a new life, after description). m3 had not seen
  // that: it adds A (while C2 was there) and renames C2 to D, deleting C2
  // again. C2 went at m1's rename, so cn stays after description: on
  // replicas that kept the marker of m1's delete, as on one that purged it.
  const e = addAs(csn(1), 'E', 'C2', [['objectClass', ['top']], ['cn', ['C2']], ['description', ['d']]]);
  const m1 = modrdn(csn(10, 1), 'E', 'C2', 'C');
  const concurrent = [m1, mod(csn(12, 3), 'E', [m.add('cn', 'A')]), modrdn(csn(15, 3), 'E', 'C2', 'D')];
  const { dits } = everyOrder(t, [root, e], concurrent);
  const want = ['objectClass: top', 'description: d', 'cn: C, A, D'];
  for (const x of dits) t.same(order(x, 'E'), want, 'in every delivery order');
  const p = run([root, e, m1]);
  const st = p.get('E')!;
  const purged = purgeState(st.state, csn(11), false, rules)!;
  t.equal(purged.attrs.cn!.vals.some((vs) => vs.k === 'c2'), false, "m1's marker of C2 is purged");
  p.entries.set('E', { state: purged, vis: st.vis });
  for (const ch of concurrent.slice(1)) p.apply(ch);
  t.same(order(p, 'E'), want, 'purged before m3 changes arrived');
});

t.test('a value deleted three times and added back in between: one place in every delivery order (sim seed 258)', async (t) => {
  const e = addAs(csn(1), 'E', 'C2', [['objectClass', ['top']], ['cn', ['C2']], ['description', ['d']]]);
  const concurrent = [
    modrdn(csn(10, 1), 'E', 'C2', 'C'),
    modrdn(csn(20, 4), 'E', 'C2', 'C2'),
    modrdn(csn(30, 3), 'E', 'C2', 'A'),
    modrdn(csn(40, 2), 'E', 'C2', 'C'),
  ];
  // everyOrder checks that all 24 orders show the same entry.
  const { dits } = everyOrder(t, [root, e], concurrent);
  t.same(order(dits[0]!, 'E'), ['objectClass: top', 'description: d', 'cn: A, C'], 'C2 went at 10, came back at 20 and went at 30: cn starts again after description (C added again at 40, after A)');
});

t.test('priority: a deleted value keeps the place of the highest-ranked add, whatever order adds and delete arrive in (sim seed 56768)', async (t) => {
  const e = addAs(csn(1), 'E', 'e', [['objectClass', ['top']], ['cn', ['e']], ['description', ['d']]]);
  // seeAlso: policy priority. x from priority 1, then again from priority 0
  // (twice, later CSNs), and a delete from priority 1 between them.
  const concurrent = [
    mod(csn(10, 8), 'E', [m.add('seeAlso', 'x')], 1),
    mod(csn(20, 7), 'E', [m.add('seeAlso', 'y'), m.add('seeAlso', 'x')], 0),
    mod(csn(25, 8), 'E', [m.del('seeAlso', 'x')], 1),
    mod(csn(30, 6), 'E', [m.add('seeAlso', 'x')], 0),
  ];
  const { dits } = everyOrder(t, [root, e], concurrent);
  const x = dits.map((d) => d.get('E')!.state.attrs.seeAlso!.vals.find((vs) => vs.k === 'x')!);
  t.same(new Set(x.map((vs) => `${vs.oc} ${vs.ap}`)).size, 1, 'one place for the deleted x in all 24 orders');
  t.equal(x[0]!.oc, withSubseq(csn(10, 8), 0), 'placed by the priority 1 add');
});

t.test('priority: a delete of lower priority than the add does not count as when the value went (sim seed 157154)', async (t) => {
  const e = addAs(csn(1), 'E', 'e', [['objectClass', ['top']], ['cn', ['e']], ['description', ['d']]]);
  // seeAlso: policy priority. y from priority 2; a later delete from
  // priority 0 loses to it; x added while y still shows; y deleted by
  // priority 2. seeAlso keeps y's place (y and x overlapped) in every order.
  const concurrent = [
    mod(csn(10, 2), 'E', [m.add('seeAlso', 'y')], 2),
    mod(csn(15, 1), 'E', [m.add('title', 't')], 0),
    mod(csn(20, 1), 'E', [m.del('seeAlso', 'y')], 0),
    mod(csn(30, 3), 'E', [m.add('seeAlso', 'x')], 0),
    mod(csn(40, 2), 'E', [m.del('seeAlso', 'y')], 2),
  ];
  const { dits } = everyOrder(t, [root, e], concurrent);
  for (const x of dits) t.same(order(x, 'E'), ['objectClass: top', 'cn: e', 'description: d', 'seeAlso: x', 'title: t'], 'seeAlso (placed at 10) before title (15)');
});

t.test('orderProblems finds entries out of written order', async (t) => {
  const d = run([root, slapdAdd, slapdModify]);
  t.same(orderProblems(d, rules), []);
  const st = d.get('E')!;
  const attrs = st.vis.attrs.map(([a, v]) => [a, v.slice()] as [string, Buffer[]]);
  attrs.sort((x, y) => (x[0] < y[0] ? -1 : 1));
  d.entries.set('E', { state: st.state, vis: { ...st.vis, attrs } });
  t.match(orderProblems(d, rules).join('\n'), /out of written order/, 'attributes sorted by name');
  const values = st.vis.attrs.map(([a, v]) => [a, a === 'cn' ? v.slice().reverse() : v] as [string, Buffer[]]);
  d.entries.set('E', { state: st.state, vis: { ...st.vis, attrs: values } });
  t.match(orderProblems(d, rules).join('\n'), /cn: values out of written order/, 'values reversed');
});
