// The stored form of an entry's state and visible form (core/codec.ts).
import { pack } from 'msgpackr';
import t, { type Test } from 'tap';
import { decodeStored, encodeStored } from '../../../src/repl/core/codec.js';
import { sameState } from '../../../src/repl/core/state.js';
import type { Stored } from '../../../src/repl/core/view.js';
import { runSeed } from '../../sim/simulation.js';
import { add, b, csn, del, m, mod, modrdn, run } from './helpers.js';

function roundTrip(t: Test, s: Stored, what: string): Stored {
  const bytes = encodeStored(s);
  const back = decodeStored(Buffer.from(bytes), what);
  if (!sameState(back, s)) t.fail(`${what}: ${JSON.stringify(back)} != ${JSON.stringify(s)}`);
  if (!encodeStored(back).equals(bytes)) t.fail(`${what}: encoding the decoded form gives other octets`);
  return back;
}

t.test('every state the simulator produces survives encode/decode', async (t) => {
  let n = 0;
  for (let seed = 0; seed < 8; seed++) {
    for (const d of runSeed(seed, { keepDits: true }).dits!) {
      for (const [uuid, st] of d.entries) {
        roundTrip(t, st, `seed ${seed} ${uuid}`);
        n++;
      }
    }
  }
  t.ok(n > 300, `${n} states round-tripped`);
});

t.test('keys, priorities, places, increments, tombstones and conflict marks are kept', async (t) => {
  const d = run([
    add(csn(0), 'root', '', 'root'),
    add(csn(1), 'E', 'root', 'e', { seeAlso: ['x'], description: ['Grüße'] }, -3),
    mod(csn(2), 'E', [m.inc('loginCount', 2), m.del('description', 'gone'), m.add('loginCount', '5')]),
    mod(csn(3), 'E', [m.inc('loginCount', 7)]),
  ]);
  const copy = (x: Stored): Stored => decodeStored(encodeStored(x));
  const st = copy(d.get('E')!);
  st.state.attrs.cn!.vals[0]!.k = 'not what keyOf says';
  // Case folding beyond ASCII is left to the key as written (it may differ between Unicode versions).
  st.state.attrs.description!.vals.find((v) => v.v !== undefined)!.k = 'grüße';
  st.state.attrs['x-notInAnySchema'] = { vals: [{ k: 'ab', c: csn(2), v: b('AB') }, { k: '2.5.6.6', c: csn(2), v: b('Person') }] };
  const back = roundTrip(t, st, 'E');
  t.equal(back.state.attrs.cn!.vals[0]!.k, 'not what keyOf says');
  t.equal(back.state.attrs.description!.vals.find((v) => v.v !== undefined)!.k, 'grüße');
  t.same(back.state.attrs['x-notInAnySchema']!.vals.map((v) => [v.k, String(v.v)]), [['ab', 'AB'], ['2.5.6.6', 'Person']], 'a name not in the well-known list; an ASCII lower-case key; a well-known key');
  t.equal(back.state.attrs.seeAlso!.vals[0]!.p, -3, 'priority');
  t.equal(back.state.attrs.seeAlso!.vals[0]!.o, 2, 'place');
  const held = copy(st);
  held.state.attrs.seeAlso!.vals[0]!.oc = csn(0);
  t.equal(roundTrip(t, held, 'held').state.attrs.seeAlso!.vals[0]!.oc, csn(0), 'the place a rename kept (order CSN)');
  const dead = held.state.attrs.description!.vals.find((v) => v.v === undefined)!;
  Object.assign(dead, { oc: csn(0), ac: csn(2) });
  const goneBack = roundTrip(t, held, 'held, deleted').state.attrs.description!.vals.find((v) => v.v === undefined)!;
  t.same([goneBack.oc, goneBack.ac], [csn(0), csn(2)], "a deleted value's place and the rename's re-add that kept it");
  const laterAdds = copy(held);
  laterAdds.state.attrs.seeAlso!.vals[0]!.lc = csn(9, 3);
  dead.lc = csn(8, 2);
  const lcBack = roundTrip(t, laterAdds, 'later adds').state.attrs;
  t.same([lcBack.seeAlso!.vals[0]!.lc, lcBack.description!.vals.find((v) => v.v === undefined)!.lc], [csn(9, 3), undefined], 'the greatest add CSN under a priority stamp (lc)');
  t.equal(roundTrip(t, held, 'held, lc on a deleted value').state.attrs.description!.vals.find((v) => v.v === undefined)!.lc, csn(8, 2), 'lc on a deleted value');
  dead.ap = 3;
  t.equal(roundTrip(t, held, 'held, ap').state.attrs.description!.vals.find((v) => v.v === undefined)!.ap, 3, 'the priority of the add that placed a deleted value (ap)');
  dead.ds = [csn(1, 2), csn(1, 3)];
  t.same(roundTrip(t, held, 'held, ds').state.attrs.description!.vals.find((v) => v.v === undefined)!.ds, [csn(1, 2), csn(1, 3)], 'the earlier deletes of a value deleted several times (ds)');
  dead.dp = [0, 2];
  t.same(roundTrip(t, held, 'held, dp').state.attrs.description!.vals.find((v) => v.v === undefined)!.dp, [0, 2], "the priorities of those deletes (dp)");
  t.equal(encodeStored(held)[0], 3, 'a record with dp is format 3');
  const noDs = copy(held);
  delete noDs.state.attrs.description!.vals.find((v) => v.v === undefined)!.ds;
  t.throws(() => decodeStored(encodeStored(noDs), 'E'), { code: 'MESHDIR_STATE_FORMAT', message: /dp and ds of a value differ in length/ });
  t.same(back.state.attrs.loginCount!.inc!.map(([, dl]) => dl), ['2', '7'], 'increments');
  t.equal(back.state.attrs.description!.vals.find((v) => v.v === undefined)?.k, 'gone', 'deleted value: key only');
  t.same(back.vis.attrs.find(([a]) => a === 'loginCount')?.[1].map(String), ['12'], 'an incremented value is stored as shown (5 + 7: the first delta came before the value)');
  t.equal(back.vis.attrs.find(([a]) => a === 'cn')![1][0], back.state.attrs.cn!.vals[0]!.v, 'a shown value is the state value itself');

  const conflict = copy(st);
  Object.assign(conflict.vis, { kind: 'glue', rooted: false, naming: 'U2', unique: ['mail', 'uid'], discarded: true, schema: 'no structural class', broken: true });
  const c2 = roundTrip(t, conflict, 'conflict');
  t.same([c2.vis.kind, c2.vis.naming, c2.vis.unique, c2.vis.discarded, c2.vis.schema, c2.vis.broken, c2.vis.rooted], ['glue', 'U2', ['mail', 'uid'], true, 'no structural class', true, false]);

  const moved = run([add(csn(0), 'root', '', 'root'), add(csn(1), 'P', 'root', 'p'), add(csn(2), 'E', 'root', 'e'), modrdn(csn(3), 'E', 'e', 'e2', 'P')]).get('E')!;
  const m2 = roundTrip(t, moved, 'moved');
  t.same([m2.state.addParent, m2.state.parent, m2.vis.parent, String(m2.vis.rdn[0]![1])], ['root', 'P', 'P', 'e2'], 'add-time parent, parent, visible parent and RDN after a move');

  const gone = run([add(csn(0), 'root', '', 'root'), add(csn(1), 'E', 'root', 'e'), del(csn(2), 'E')]).get('E')!;
  t.equal(roundTrip(t, gone, 'tombstone').state.del, csn(2));
});

t.test('an ordinary entry fits in an LMDB leaf page, at under half its msgpack size', async (t) => {
  const uuid = '6f1c1a2e-1111-4a4a-9b9b-123456789abc';
  const d = run([
    add(csn(0), 'root', '', 'root'),
    add(csn(1), uuid, 'root', 'Test User 1', {
      objectClass: ['person', 'organizationalPerson', 'inetOrgPerson'], sn: ['User'], givenName: ['Test'], uid: ['user1'], mail: ['user1@example.com'],
      telephoneNumber: ['+1 555 0100'], title: ['Engineer'], ou: ['People'], l: ['Springfield'], description: ['an ordinary user with a long description'],
      employeeNumber: ['1'], userPassword: ['{SSHA}aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ='],
    }),
    mod(csn(2), uuid, [m.rep('description', 'changed'), m.add('seeAlso', 'cn=x')]),
  ]);
  const s = d.get(uuid)!;
  const natural = pack(s).length;
  const stored = encodeStored(s).length;
  t.ok(stored < natural / 2, `${stored} octets vs ${natural} in msgpack`);
  // LMDB puts a value of more than about 2,000 octets (4 KiB pages) on overflow pages of its own.
  t.ok(stored < 1500, `${stored} octets`);
});

t.test('damaged records are refused with MESHDIR_STATE_FORMAT, never another error', async (t) => {
  const d = run([add(csn(0), 'root', '', 'root'), add(csn(1), 'E', 'root', 'e', { description: ['a', 'b'] }), mod(csn(2), 'E', [m.inc('loginCount', 2)])]);
  const good = encodeStored(d.get('E')!);
  const bad: Buffer[] = [Buffer.alloc(0), Buffer.from([9]), Buffer.concat([good, b('x')])];
  for (let n = 1; n < good.length; n++) bad.push(good.subarray(0, n));
  let seed = 12345;
  for (let i = 0; i < 2000; i++) {
    const x = Buffer.from(good);
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    x[seed % x.length] = seed >> 8;
    bad.push(x);
  }
  let refused = 0;
  for (const x of bad) {
    try {
      decodeStored(x, 'E');
    } catch (e) {
      if ((e as { code?: string }).code !== 'MESHDIR_STATE_FORMAT') t.fail(`${x.toString('hex')}: ${(e as Error).stack}`);
      refused++;
    }
  }
  t.ok(refused >= good.length + 2, `${refused} of ${bad.length} damaged records refused, the rest decoded to some state`);
  t.throws(() => decodeStored(Buffer.from([4]), 'E'), /stored state E: unknown format 4/);
  const withLc = d.get('E')!;
  const lcState = { ...withLc, state: { ...withLc.state, attrs: { ...withLc.state.attrs, description: { vals: withLc.state.attrs.description!.vals.map((vs) => ({ ...vs, lc: csn(9, 2) })) } } } };
  const format2 = encodeStored(lcState);
  t.equal(format2[0], 2, 'a record with lc is format 2');
  t.equal(good[0], 1, 'one without, format 1');
  t.throws(() => decodeStored(Buffer.from(format2).fill(1, 0, 1), 'E'), /lc in a record of format 1/);
  const dsState = { ...withLc, state: { ...withLc.state, attrs: { ...withLc.state.attrs, description: { vals: withLc.state.attrs.description!.vals.map((vs) => ({ ...vs, ds: [csn(1, 2)] })) } } } };
  t.equal(encodeStored(dsState)[0], 2, 'a record with ds is format 2 too');
  const dpState = { ...dsState, state: { ...dsState.state, attrs: { ...dsState.state.attrs, description: { vals: dsState.state.attrs.description.vals.map((vs) => ({ ...vs, dp: [1] })) } } } };
  t.throws(() => decodeStored(Buffer.from(encodeStored(dpState)).fill(2, 0, 1), 'E'), /dp in a record of format 2/);
  // Lengths are read as 28-bit varints: a longer value is refused when written, not stored unreadable.
  const huge = decodeStored(good);
  huge.state.attrs.description!.vals[0]!.v = Buffer.allocUnsafe(2 ** 28);
  t.throws(() => encodeStored(huge), { code: 'MESHDIR_STATE_FORMAT', message: /too large to store/ });
});

t.test('a many-valued attribute: visible values found among the state values by identity or by octets, others written out', async (t) => {
  const members = Array.from({ length: 300 }, (_, i) => `uid=u${i},dc=example,dc=com`);
  const d = run([add(csn(0), 'root', '', 'root'), add(csn(1), 'G', 'root', 'g', { member: members })]);
  const st = d.get('G')!;
  const vals = st.state.attrs.member!.vals;
  t.equal(vals.length, 300);
  // Half the shown values the same Buffers as the state's, half copies, plus one the state lacks.
  const shown = vals.map((vs, i) => (i % 2 ? Buffer.from(vs.v!) : vs.v!));
  shown.push(b('uid=stray,dc=example,dc=com'));
  const s: Stored = { ...st, vis: { ...st.vis, attrs: [...st.vis.attrs.filter(([n]) => n !== 'member'), ['member', shown]] } };
  const bytes = encodeStored(s);
  const back = decodeStored(Buffer.from(bytes), 'G');
  t.same(back.vis.attrs.find(([n]) => n === 'member')![1].map(String), shown.map(String), 'the visible values, in order');
  const withoutRefs = encodeStored({ ...s, vis: { ...s.vis, attrs: s.vis.attrs.map(([n, v]) => [n, n === 'member' ? v.map((x) => Buffer.from(x + ' ')) : v]) } });
  t.ok(bytes.length < withoutRefs.length - 300 * 20, 'values the state holds are written as references, not again');
});
