// msgpackr is what lmdb-js stores values with (a dependency of lmdb).
import { pack, unpack } from 'msgpackr';
import t from 'tap';
import { packState, unpackState } from '../../../src/repl/core/codec.js';
import { sameState } from '../../../src/repl/core/state.js';
import { runSeed } from '../../sim/simulation.js';
import { add, csn, m, mod, rules, run } from './helpers.js';

t.test('every state the simulator produces survives pack/unpack', async (t) => {
  let n = 0;
  for (let seed = 0; seed < 8; seed++) {
    for (const d of runSeed(seed, { keepDits: true }).dits!) {
      for (const [uuid, st] of d.entries) {
        const back = unpackState(unpack(pack(packState(st.state, rules))), rules);
        if (!sameState(back, st.state)) t.fail(`seed ${seed} ${uuid}: ${JSON.stringify(back)} != ${JSON.stringify(st.state)}`);
        n++;
      }
    }
  }
  t.ok(n > 300, `${n} states round-tripped`);
});

t.test('keys keyOf would not give back, priorities, places and increments are kept', async (t) => {
  const d = run([add(csn(0), 'root', '', 'root'), add(csn(1), 'E', 'root', 'e', { seeAlso: ['x'] }, -3), mod(csn(2), 'E', [m.inc('loginCount', 2), m.del('description', 'gone')])]);
  const st = structuredClone(d.get('E')!.state);
  st.attrs.cn!.vals[0]!.k = 'not what keyOf says';
  const p = packState(st, rules);
  t.ok(sameState(unpackState(p, rules), st));
  t.same(p.x.find(([a]) => a === 'cn')![1][0]!.slice(2), [1, null, 'not what keyOf says'], 'place, no priority, key');
  const plain = packState(d.get('E')!.state, rules);
  t.equal(d.get('E')!.state.attrs.seeAlso!.vals[0]!.o, 2, "seeAlso is the add's third attribute");
  t.same(plain.x.find(([a]) => a === 'seeAlso')![1][0]!.slice(2), [2, -3], 'place, then priority');
  t.same(plain.x.find(([a]) => a === 'objectClass')![1][0]!.length, 2, 'place 0 is left out');
  t.throws(() => unpackState({ ...p, f: 1 as 2 }, rules), { code: 'MESHDIR_STATE_FORMAT' });
  t.throws(() => unpackState({ ...p, c: 99 }, rules), { code: 'MESHDIR_STATE_FORMAT' });
});

t.test('the packed form is much smaller', async (t) => {
  const uuid = '6f1c1a2e-1111-4a4a-9b9b-123456789abc';
  const d = run([
    add(csn(0), 'root', '', 'root'),
    add(csn(1), uuid, 'root', 'user1', { objectClass: ['person', 'inetOrgPerson'], sn: ['Smith'], mail: ['user1@example.com'], description: ['an ordinary user'] }),
    mod(csn(2), uuid, [m.rep('description', 'changed'), m.add('seeAlso', 'cn=x')]),
  ]);
  const st = d.get(uuid)!.state;
  const natural = pack(st).length;
  const packed = pack(packState(st, rules)).length;
  t.ok(packed < natural * 0.6, `msgpack: ${packed} bytes packed vs ${natural} natural`);
});
