// eqKey and compiled filters run on the search hot path. This measures them
// (best of several rounds, printed as comments) and fails only on a gross
// regression: the bounds are ~20x the figures measured on the dev machine.
import t from 'tap';
import { newEntry, val } from '../../../src/dit/entry.js';
import { compileFilter } from '../../../src/schema/filter.js';
import { loadSchemaDir } from '../../../src/schema/load.js';

const s = loadSchemaDir(new URL('../../../schema/', import.meta.url).pathname);

function nsPerOp(n: number, f: (i: number) => unknown): number {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f(i);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n);
  }
  return best;
}

t.test('eqKey of a typical caseIgnore value', async (t) => {
  const cn = s.attributeType('cn')!;
  const values = Array.from({ length: 1024 }, (_, i) => val(`User Number ${i}`));
  let sink = 0;
  const ns = nsPerOp(200_000, (i) => (sink += cn.eqKey(values[i & 1023]).length));
  const viaName = nsPerOp(200_000, (i) => (sink += s.eqKey('cn', values[i & 1023]).length));
  t.comment(`eqKey(cn, "User Number N"): ${ns.toFixed(0)} ns/op (by name: ${viaName.toFixed(0)} ns/op)`);
  t.ok(sink > 0);
  t.ok(ns < 3000, `${ns.toFixed(0)} ns/op`);
});

t.test('compiled filter on a typical entry', async (t) => {
  const e = newEntry('uid=user5,ou=people,dc=example,dc=com', [
    ['objectClass', ['top', 'person', 'organizationalPerson', 'inetOrgPerson'].map(val)],
    ['cn', [val('User Five')]], ['sn', [val('Five')]], ['uid', [val('user5')]],
    ['mail', [val('user5@example.com')]], ['telephoneNumber', [val('+1 555 0005')]],
  ]);
  const f = compileFilter({ type: 'equality', attr: 'uid', value: val('user5') }, s);
  const g = compileFilter({
    type: 'and',
    filters: [
      { type: 'equality', attr: 'objectClass', value: val('inetOrgPerson') },
      { type: 'substrings', attr: 'cn', initial: val('user'), any: [] },
    ],
  }, s);
  let hits = 0;
  const one = nsPerOp(200_000, () => (hits += f(e) ? 1 : 0));
  const two = nsPerOp(100_000, () => (hits += g(e) ? 1 : 0));
  t.comment(`(uid=user5): ${one.toFixed(0)} ns/op; (&(objectClass=inetOrgPerson)(cn=user*)): ${two.toFixed(0)} ns/op`);
  t.ok(hits > 0);
  t.ok(one < 5000 && two < 20000);
});
