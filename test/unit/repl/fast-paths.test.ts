// apply()'s shortcuts for the common local writes (a new leaf, a modify of
// ordinary attributes) must give what the full derivation gives; the audit
// (stored visible entries = a fresh derivation) and the simulator check that
// at scale, these check the shortcuts are taken.
import t from 'tap';
import type { AttrRules } from '../../../src/repl/core/policy.js';
import { apply } from '../../../src/repl/core/urp.js';
import { MemoryDit } from '../../sim/memory-dit.js';
import { add, csn, del, dit, m, mod, rules } from './helpers.js';

/** The sim's rules, counting schema checks. */
function counting(): AttrRules & { checks: number } {
  const r = { ...rules, checks: 0 };
  r.checkSchema = (attrs, rdn) => {
    r.checks++;
    return rules.checkSchema(attrs, rdn);
  };
  return r;
}

const root = add(csn(0), 'root', '', 'root');

t.test('an add the caller checked against the schema is not checked again; others are, and keep the verdict', async (t) => {
  const d = dit();
  d.apply(root);
  const counted = counting();
  const person = add(csn(1), 'P', 'root', 'p', { objectClass: ['person'] });
  const plain = apply(d, person, counted);
  t.equal(counted.checks, 1);
  t.equal(plain.writes[0]!.vis.schema, 'objectClass person requires sn', 'unchecked: the verdict is kept with the entry');
  const checked = apply(d, person, counted, { schemaChecked: true });
  t.equal(counted.checks, 1, 'no second check');
  t.equal(checked.writes[0]!.vis.schema, undefined);
});

t.test('a first add under a live parent is one write with its index keys', async (t) => {
  const d = dit();
  d.apply(root);
  const counted = counting();
  const r = apply(d, add(csn(1), 'E', 'root', 'e', { mail: ['m'] }), counted);
  t.equal(counted.checks, 1, 'the parent is not derived again');
  t.equal(r.writes.length, 1);
  t.same(r.writes[0]!.addKeys, ['c\0root', `n\0root\0${JSON.stringify(['cn=e'])}`, 'u\0mail\0m']);
  t.equal(r.writes[0]!.vis.kind, 'live');
});

t.test('adds the shortcut must leave to the full derivation', async (t) => {
  const d = dit();
  d.apply(root);
  // Under a tombstone's old name: the tombstone does not hold it.
  d.apply(add(csn(1), 'F', 'root', 'f'));
  d.apply(del(csn(2), 'F'));
  d.apply(add(csn(3), 'G', 'root', 'f', { mail: ['m'] }));
  t.equal(d.get('G')!.vis.naming, undefined);
  // A live entry wants the name, or holds the unique value.
  d.apply(add(csn(4), 'H', 'root', 'f'));
  t.equal(d.get('H')!.vis.naming, 'G', 'the later add is a naming conflict');
  d.apply(add(csn(5), 'I', 'root', 'i', { mail: ['M'] }));
  t.same(d.get('I')!.vis.unique, ['mail']);
  // Its child arrived first.
  d.apply(add(csn(7), 'K', 'J', 'k'));
  t.equal(d.get('K')!.vis.kind, 'hidden', 'an orphan until its parent comes');
  d.apply(add(csn(6), 'J', 'root', 'j'));
  t.equal(d.get('K')!.vis.kind, 'live');
  // Under a glue parent.
  d.apply(add(csn(8), 'L', 'K', 'l'));
  d.apply(del(csn(9), 'K'));
  d.apply(add(csn(9, 2), 'M', 'K', 'm'));
  t.equal(d.get('K')!.vis.kind, 'glue');
  t.same(d.audit(), []);
});

t.test('a modify asks the schema check again only when what it reads changed', async (t) => {
  const r = counting();
  const d = new MemoryDit(r);
  d.apply(root);
  d.apply(add(csn(1), 'E', 'root', 'e', { sn: ['s'], description: ['d'] }));
  const at = r.checks;
  d.apply(mod(csn(2), 'E', [m.rep('description', 'x', 'y'), m.rep('sn', 't')]));
  t.equal(r.checks, at, 'other values: the verdict stands');
  d.apply(mod(csn(2, 2), 'E', [m.add('cn', 'f')]));
  t.equal(r.checks, at + 1, 'values of the RDN attribute');
  d.apply(mod(csn(3), 'E', [m.add('seeAlso', 'x')]));
  t.equal(r.checks, at + 2, 'a new attribute');
  d.apply(mod(csn(4), 'E', [m.add('objectClass', 'person')]));
  t.equal(r.checks, at + 3, 'objectClass values');
  t.equal(d.get('E')!.vis.schema, undefined);
  d.apply(mod(csn(5), 'E', [m.del('sn')]));
  t.equal(r.checks, at + 4, 'an attribute gone');
  t.equal(d.get('E')!.vis.schema, 'objectClass person requires sn');
  d.apply(mod(csn(6), 'E', [m.rep('description', 'z')]));
  t.equal(d.get('E')!.vis.schema, 'objectClass person requires sn', 'the verdict is kept');
  t.same(d.audit(), []);
});
