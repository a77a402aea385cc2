// Received groups on a real store: groups queued together (one LMDB batch)
// each see what the ones before them stored, and a group that continues
// from more than this replica holds is refused whole.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LdapError, RC } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import type { Change } from '../../../src/repl/core/change.js';
import { formatCsn } from '../../../src/repl/core/csn.js';
import { ruvAdvance, type Ruv } from '../../../src/repl/core/ruv.js';
import { loadSchemaDir } from '../../../src/schema/load.js';
import { applyGroup, changesFor } from '../../../src/store/replica.js';
import { Store } from '../../../src/store/store.js';
import { localAdd, localDelete, localModify } from '../../../src/store/update.js';

const schema = loadSchemaDir(new URL('../../../schema', import.meta.url).pathname);
const b = (s: string) => Buffer.from(s);
const root = { dn: 'cn=admin,dc=example,dc=com' };

function open(t: Test, replicaId: number) {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-group-'));
  const store = new Store({ dataDir: dir, suffix: 'dc=example,dc=com', schema, indexes: {}, replicaId, log: createLogger({ level: 'fatal' }) });
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

/** Ten changes of replica 1: the suffix, ou=people, alice, then seven modifies of alice. */
async function history(t: Test): Promise<Change[]> {
  const a = open(t, 1);
  await a.write((tx) => localAdd(tx, root, 'dc=example,dc=com', [{ type: 'objectClass', values: [b('dcObject'), b('organization')] }, { type: 'o', values: [b('Example')] }]));
  await a.write((tx) => localAdd(tx, root, 'ou=people,dc=example,dc=com', [{ type: 'objectClass', values: [b('organizationalUnit')] }]));
  await a.write((tx) => localAdd(tx, root, 'uid=alice,ou=people,dc=example,dc=com', [{ type: 'objectClass', values: [b('inetOrgPerson')] }, { type: 'cn', values: [b('Alice')] }, { type: 'sn', values: [b('Smith')] }]));
  for (let i = 0; i < 7; i++) await a.write((tx) => localModify(tx, root, 'uid=alice,ou=people,dc=example,dc=com', [{ op: 0, attr: 'mail', values: [b(`m${i}@example.com`)] }]));
  return changesFor(a, {}, 100).changes;
}

const upTo = (changes: Change[]): Ruv => changes.reduce<Ruv>((r, ch) => ruvAdvance(r, ch.csn), {});
const mails = (s: Store) => s.byNdn(s.normalize('uid=alice,ou=people,dc=example,dc=com'))?.attrs.find(([n]) => n === 'mail')?.[1].map(String) ?? [];

t.test('groups queued at once, overlapping, all land exactly once', async (t) => {
  const log = await history(t);
  t.equal(log.length, 10);
  const c = open(t, 3);
  // One batch: each group continues from what the ones queued before it hold.
  await Promise.all([
    applyGroup(c, log.slice(0, 4), {}),
    applyGroup(c, log.slice(2, 7), upTo(log.slice(0, 2))),
    applyGroup(c, log.slice(7), upTo(log.slice(0, 7))),
  ]);
  t.same(c.ruv, upTo(log), 'the RUV holds the last change');
  t.same([...c.dbs.changelog.getKeys({})], log.map((ch) => ch.csn), 'every change is in the changelog, once');
  t.same(mails(c).sort(), [0, 1, 2, 3, 4, 5, 6].map((i) => `m${i}@example.com`), 'and in the entry');
});

t.test('a group that continues from more than this replica holds is refused whole', async (t) => {
  const log = await history(t);
  const c = open(t, 3);
  await applyGroup(c, log.slice(0, 4), {});
  // The supplier believes we hold up to the 6th change: the 5th and 6th would never come.
  const err = await applyGroup(c, log.slice(6), upTo(log.slice(0, 6))).catch((e: unknown) => e);
  t.ok(err instanceof LdapError && err.code === RC.unwillingToPerform, 'unwillingToPerform');
  t.match((err as Error).message, `holds them only up to ${log[3]!.csn}`);
  t.same(c.ruv, upTo(log.slice(0, 4)), 'the RUV did not move');
  t.same(mails(c), ['m0@example.com'], 'nothing of the group was applied');
  await applyGroup(c, log.slice(4), upTo(log.slice(0, 4)));
  t.same(c.ruv, upTo(log), 'the group from what it holds goes through');
  t.equal(mails(c).length, 7);
});

t.test('the records a consumer lacks come from one snapshot, also while a commit is being acknowledged', async (t) => {
  const s = open(t, 3);
  const at = (sec: number, rid: number) => formatCsn({ time: (1_800_000_000 + sec) * 1e6, counter: 0, replicaId: rid, subseq: 0 });
  const uuid = '0b0e7c43-52c4-4d9e-9a0e-7a1e3f0c2b11';
  const mod = (csn: string): Change => ({ csn, op: 'modify', uuid, mods: [{ op: 'add', attr: 'description', values: [b(csn)] }] });
  const [a1, b1, a2, b2, a3, b3] = [at(1, 1), at(2, 2), at(3, 1), at(4, 2), at(5, 1), at(6, 2)];
  for (const g of [[a1], [b1], [a2], [b2], [a3], [b3]]) await applyGroup(s, g.map(mod), {});
  // The window between LMDB's commit and its promise: readers see a2 and a3,
  // the in-memory RUV still says replica 1 ends at a1.
  s.ruv = { ...s.ruv, 1: a1 };
  const sent = changesFor(s, { 1: a1, 2: b2 }, 100).changes.map((ch) => ch.csn);
  t.same(sent, [a2, a3, b3], 'a2 is sent although it sorts before where replica 2 resumes');

  // Trimmed (in the same snapshot) past what the consumer holds: nothing
  // is sent, or a3 would arrive without a2.
  await s.write(() => s.dbs.meta.put('trimmed', { 1: a2 }));
  t.same(changesFor(s, { 1: a1, 2: b2 }, 100), { changes: [], lacks: { replicaId: 1, csn: a2, have: a1 } }, 'the consumer needs an init');
  t.same(changesFor(s, { 1: a2, 2: b2 }, 100).changes.map((ch) => ch.csn), [a3, b3], 'one that holds a2 does not');
});

t.test('a parent deleted while a child was added elsewhere stays as a glue entry, structural class glue', async (t) => {
  const log = await history(t);
  const a = open(t, 1);
  const c = open(t, 2);
  await applyGroup(a, log.slice(0, 2), {});
  await applyGroup(c, log.slice(0, 2), {});
  await c.write((tx) => localAdd(tx, root, 'uid=bob,ou=people,dc=example,dc=com', [{ type: 'objectClass', values: [b('account')] }]));
  await a.write((tx) => localDelete(tx, 'ou=people,dc=example,dc=com'));
  await applyGroup(a, changesFor(c, a.ruv, 100).changes, a.ruv);
  const people = a.byNdn(a.normalize('ou=people,dc=example,dc=com'));
  const values = (n: string) => people?.attrs.find(([k]) => k === n)?.[1].map(String);
  t.same(values('objectClass'), ['glue']);
  t.same(values('structuralObjectClass'), ['glue'], 'the server-made placeholder is exempt from content rules');
  t.ok(a.byNdn(a.normalize('uid=bob,ou=people,dc=example,dc=com')), 'the child is kept under it');
});
