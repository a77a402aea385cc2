// A master's own changes must commit in CSN order: a supplier sends what
// its changelog holds past the consumer's RUV, so a change committed after
// one with a greater CSN of the same master was sent is never sent. A
// client's modify is worked out ahead with a CSN taken on arrival
// (Store.write, speculate); a write queued before it may be done in an
// earlier batch, and commit, with a greater CSN taken later.
import t from 'tap';
import { localAdd, localModify } from '../../../src/store/update.js';
import { Txn } from '../../../src/store/write.js';
import { b, ROOT, scratchStore, SUFFIX } from '../../helpers/store.js';

const personDn = (i: number) => `uid=p${i},${SUFFIX}`;
const describe = (v: string) => [{ op: 2 as const, attr: 'description', values: [b(v)] }];

t.test('a modify worked out ahead is done again when a greater CSN of this master was written since', async (t) => {
  const store = await scratchStore(t, 'meshdir-commit-order-');
  for (const i of [0, 1]) await store.write((tx) => localAdd(tx, ROOT, personDn(i), [{ type: 'objectClass', values: [b('inetOrgPerson')] }, { type: 'cn', values: [b(`p${i}`)] }, { type: 'sn', values: [b(`p${i}`)] }]));
  const ahead = () => {
    const tx = new Txn(store, { speculative: true });
    return tx.speculation(localModify(tx, ROOT, personDn(0), describe('ahead')));
  };
  const replayed = (spec: ReturnType<typeof ahead>) => store.dbs.env.transactionSync(() => {
    const tx = new Txn(store);
    const ok = tx.replay(spec);
    tx.finish();
    return ok;
  }) as boolean;

  const fresh = ahead();
  t.equal(replayed(fresh), true, 'nothing written since: its writes are made as worked out');

  const stale = ahead();
  // Another entry (what the modify read is unchanged), a later CSN, committed.
  await store.write((tx) => localModify(tx, ROOT, personDn(1), describe('later')));
  const later = store.ruv[String(store.replicaId)]!;
  t.ok(stale.changes[0]!.csn < later, 'the write committed in between took a greater CSN');
  t.equal(replayed(stale), false, 'so the modify worked out before it is not written with its older CSN');

  // Through Store.write: a direct write makes the next ones of this turn
  // queue; the first takes its CSN in its transaction, after the second
  // (queued behind it, worked out ahead) took one on arrival.
  const redone = store.commitPaths.redone;
  const csns: string[] = [];
  store.events.on('commit', (changes: { csn: string }[]) => csns.push(...changes.map((c) => c.csn)));
  await Promise.all([
    store.write((tx) => localModify(tx, ROOT, personDn(1), describe('direct'))),
    store.write((tx) => localModify(tx, ROOT, personDn(1), describe('queued, CSN in the transaction'))),
    store.write((tx) => localModify(tx, ROOT, personDn(0), describe('queued, worked out ahead')), { speculate: true }),
  ]);
  t.equal(store.commitPaths.redone, redone + 1, 'the modify worked out ahead was done again');
  t.equal(csns.length, 3, 'three changes committed');
  t.equal(csns.join(), [...csns].sort().join(), 'in CSN order');
  t.same(store.byNdn(store.normalize(personDn(0)))!.attrs.find(([n]) => n === 'description')![1].map(String), ['queued, worked out ahead']);
});
