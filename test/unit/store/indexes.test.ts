// Index keys of a change (indexKeyChanges) against the full key sets of before and after.
import t from 'tap';
import { indexKeyChanges, indexKeys, makeIndexPlan } from '../../../src/store/indexes.js';
import { loadSchemaDir } from '../../../src/schema/load.js';

const schema = loadSchemaDir(new URL('../../../schema', import.meta.url).pathname);
const plan = makeIndexPlan(schema, { cn: ['eq', 'sub'], mail: ['eq', 'pres'], objectClass: ['eq'] });
const b = (s: string): Buffer => Buffer.from(s);
type Attrs = [string, Buffer[]][];

function fullDiff(before: Attrs, after: Attrs): { del: string[]; add: string[] } {
  const x = indexKeys(schema, plan, before);
  const y = indexKeys(schema, plan, after);
  return { del: [...x].filter((k) => !y.has(k)).sort(), add: [...y].filter((k) => !x.has(k)).sort() };
}

const sorted = (d: { del: string[]; add: string[] }) => ({ del: [...d.del].sort(), add: [...d.add].sort() });

t.test('only the changed types are keyed again, and the result is the difference of the full key sets', async (t) => {
  const before: Attrs = [['objectClass', [b('inetOrgPerson')]], ['cn', [b('Alice')]], ['mail', [b('a@x')]], ['description', [b('d')]]];
  const after: Attrs = [['objectClass', [b('inetOrgPerson')]], ['cn', [b('Alice'), b('Al')]], ['description', [b('e')]]];
  const d = sorted(indexKeyChanges(schema, plan, before, after));
  t.same(d, fullDiff(before, after));
  t.ok(d.del.includes('mail\0p\0') && d.del.includes('mail\0e\0a@x'), 'mail gone: its keys go');
  t.ok(d.add.includes('cn\0e\0al'), 'a new cn value: its key comes');
  t.notOk([...d.del, ...d.add].some((k) => k.startsWith('objectClass')), 'objectClass unchanged (other Buffers, same octets): nothing');
});

t.test('random changes of several types and descriptions match the full difference', async (t) => {
  let seed = 7;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const pick = (): Attrs => {
    const out: Attrs = [];
    const pool: [string, string[]][] = [['objectClass', ['person', 'inetOrgPerson', 'organizationalUnit']], ['cn', ['Ann', 'Bob', 'ann', 'Cy']], ['cn;lang-de', ['Anna', 'Bernd']], ['mail', ['a@x', 'b@x']], ['sn', ['S']]];
    for (const [attr, vals] of pool) {
      const n = rnd(3);
      if (n) out.push([attr, vals.slice(0, n).map(b)]);
    }
    return out;
  };
  for (let i = 0; i < 300; i++) {
    const x = pick();
    const y = rnd(4) === 0 ? x.map(([a, v]): [string, Buffer[]] => [a, v.map((z) => Buffer.from(z))]) : pick();
    const got = sorted(indexKeyChanges(schema, plan, x, y));
    const want = fullDiff(x, y);
    if (JSON.stringify(got) !== JSON.stringify(want)) t.fail(`case ${i}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
  }
  t.pass('300 cases');
});

t.test('an equality-indexed attribute changing a few of many values: only those are keyed, same result as the full difference', async (t) => {
  let seed = 11;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  // At most one spelling of each key in a list, as the store keeps it.
  const list = (): Buffer[] => Array.from({ length: 40 }, (_, i) => i).filter(() => rnd(3) > 0).map((i) => b(rnd(2) ? `u${i}@x` : `U${i}@X`));
  for (let i = 0; i < 200; i++) {
    const x: Attrs = [['mail', list()], ['cn', [b('Ann')]]];
    const y: Attrs = rnd(5) === 0 ? [['cn', [b('Ann')]]] : [['mail', list()], ['cn', [b('Ann')]]];
    if (y[0]![1].length === 0 || x[0]![1].length === 0) continue;
    const got = sorted(indexKeyChanges(schema, plan, x, y));
    const want = fullDiff(x, y);
    if (JSON.stringify(got) !== JSON.stringify(want)) t.fail(`case ${i}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
  }
  const respelled = sorted(indexKeyChanges(schema, plan, [['mail', [b('a@x'), b('b@x')]]], [['mail', [b('A@X'), b('b@x'), b('c@x')]]]));
  t.same(respelled, { del: [], add: ['mail\0e\0c@x'] }, 'a value spelled otherwise keeps its key; a new one adds its own');
});
