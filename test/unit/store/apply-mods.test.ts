// A client's modify applied to an entry's attributes (store/update.ts applyMods):
// many changes of one attribute in one request, and the entry's own arrays
// (shared with the stored record) never changed in place.
import t from 'tap';
import { RC } from '../../../src/errors.js';
import { loadSchemaDir } from '../../../src/schema/load.js';
import { applyMods, type ClientMod } from '../../../src/store/update.js';

const schema = loadSchemaDir(new URL('../../../schema', import.meta.url).pathname);
const b = (s: string): Buffer => Buffer.from(s);
const add = (attr: string, ...vs: string[]): ClientMod => ({ op: 0, attr, values: vs.map(b) });
const del = (attr: string, ...vs: string[]): ClientMod => ({ op: 1, attr, values: vs.map(b) });

t.test('one add per value, thousands of them, with deletes between: the values and duplicates as with one change each', async (t) => {
  const stored = [b('Start')];
  const attrs = new Map([['description', stored]]);
  const mods: ClientMod[] = [];
  for (let i = 0; i < 3000; i++) mods.push(add('description', `v${i}`));
  mods.push(del('description', 'V5'), add('description', 'v5'), add('description', 'start-2'));
  applyMods(schema, attrs, mods);
  const got = attrs.get('description')!.map(String);
  t.equal(got.length, 3002);
  t.same(got.slice(0, 3), ['Start', 'v0', 'v1']);
  t.same(got.slice(-2), ['v5', 'start-2'], 'deleted and added again: at the end');
  t.same(stored.map(String), ['Start'], "the entry's own array is untouched");
  t.throws(() => applyMods(schema, new Map([['description', stored]]), [add('description', 'x'), add('description', 'X')]), {
    code: RC.attributeOrValueExists, message: 'modify/add: description: value #0 already exists',
  }, 'a value added by an earlier change of the request counts');
  t.throws(() => applyMods(schema, new Map([['description', stored]]), [del('description', 'start'), add('description', 'x'), del('description', 'start')]), {
    code: RC.noSuchAttribute,
  }, 'a value deleted by an earlier change is gone for the later ones');
  t.same(stored.map(String), ['Start'], 'failed requests left it untouched too');
});

t.test('permissive modify (1.2.840.113556.1.4.1413): as slapd 2.5, held values are left out of an add and an absent attribute may be deleted', async (t) => {
  const attrs = new Map([['mail', [b('a@x')]]]);
  const out = applyMods(schema, attrs, [add('mail', 'A@X', 'b@x'), add('mail', 'a@x'), del('title'), del('title', 'x')], false, true);
  t.same(attrs.get('mail')!.map(String), ['a@x', 'b@x']);
  t.same(out.map((m) => [m.op, m.attr, 'values' in m ? m.values.map(String) : m.delta]), [['add', 'mail', ['b@x']]], 'only what changed is replicated');
  t.throws(() => applyMods(schema, attrs, [del('mail', 'nothere@x')], false, true), { code: RC.noSuchAttribute }, 'a missing value of a held attribute is still refused');
  t.throws(() => applyMods(schema, new Map([['mail', [b('a@x')]]]), [add('mail', 'a@x')]), { code: RC.attributeOrValueExists }, 'not permissive: refused');
});
