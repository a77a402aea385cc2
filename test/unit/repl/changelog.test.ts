import t from 'tap';
import { needsInit, selectChanges, selectionStart, trimmedAfterCopy, trimPoint } from '../../../src/repl/core/changelog.js';
import { csnAtTime, csnTimeMs } from '../../../src/repl/core/csn.js';
import { ruvAdvance, ruvCompare, ruvCovers, ruvGap, ruvGet, ruvLacks, ruvMerge, leftToOrigins, withOrigin } from '../../../src/repl/core/ruv.js';
import { csn } from './helpers.js';

t.test('RUV: advance, covers, merge, compare, lacks', async (t) => {
  let r = ruvAdvance({}, csn(5, 1));
  r = ruvAdvance(r, csn(3, 2));
  const same = ruvAdvance(r, csn(4, 1));
  t.equal(same, r, 'an older CSN adds nothing: same object');
  t.same(r, { 1: csn(5, 1), 2: csn(3, 2) });
  t.equal(ruvGet(r, 2), csn(3, 2));
  t.ok(ruvCovers(r, csn(5, 1)));
  t.ok(ruvCovers(r, csn(1, 2)));
  t.notOk(ruvCovers(r, csn(6, 1)));
  t.notOk(ruvCovers(r, csn(1, 3)), 'nothing from replica 3');
  const o = { 1: csn(7, 1), 3: csn(2, 3) };
  t.same(ruvMerge(r, o), { 1: csn(7, 1), 2: csn(3, 2), 3: csn(2, 3) });
  t.equal(ruvCompare(r, r), 'equal');
  t.equal(ruvCompare(ruvMerge(r, o), r), 'ahead');
  t.equal(ruvCompare(r, ruvMerge(r, o)), 'behind');
  t.equal(ruvCompare(r, o), 'diverged');
  t.same(ruvLacks(r, o), [
    { replicaId: 1, after: csn(5, 1), upTo: csn(7, 1) },
    { replicaId: 3, after: undefined, upTo: csn(2, 3) },
  ]);
  t.same(ruvLacks(ruvMerge(r, o), o), []);
});

const log = [csn(1, 1), csn(2, 2), csn(3, 1), csn(4, 3), csn(5, 2), csn(6, 1)].map((c) => ({ csn: c }));

t.test('selection: everything the consumer lacks, from all origins, in CSN order', async (t) => {
  const consumer = { 1: csn(3, 1), 2: csn(2, 2) };
  t.same([...selectChanges(log, consumer)].map((r) => r.csn), [csn(4, 3), csn(5, 2), csn(6, 1)]);
  t.same([...selectChanges(log, consumer, 2)].map((r) => r.csn), [csn(4, 3), csn(5, 2)], 'a group');
  t.same([...selectChanges(log, {})].length, 6, 'an empty consumer gets everything');
  t.same([...selectChanges(log, consumer, 0)], []);
  const supplier = { 1: csn(6, 1), 2: csn(5, 2), 3: csn(4, 3) };
  t.equal(selectionStart(consumer, supplier), undefined, 'it has nothing from 3: read from the start');
  t.equal(selectionStart({ ...consumer, 3: csn(4, 3) }, supplier), csn(2, 2));
  t.equal(selectionStart({ 9: csn(1, 9) }, {}), undefined);
});

t.test('trimming: by age, by count, never a record a consumer lacks unless too old', async (t) => {
  const now = csnTimeMs(csn(10));
  const all = { 1: csn(6, 1), 2: csn(5, 2), 3: csn(4, 3) };
  t.equal(trimPoint(log, 6, { nowMs: now, maxRecords: 2, consumers: [all] }), csn(4, 3), 'count: keep the 2 newest');
  t.equal(trimPoint(log, 6, { nowMs: now, maxRecords: 2, consumers: [all, { 1: csn(1, 1), 2: csn(2, 2) }] }), csn(2, 2), 'stops before the first record a consumer lacks');
  t.equal(trimPoint(log, 6, { nowMs: now, maxRecords: 2, consumers: [{}] }), undefined, 'a consumer with nothing: keep all');
  t.equal(trimPoint(log, 6, { nowMs: now, consumers: [all] }), undefined, 'no limits: keep all');
  t.equal(trimPoint(log, 6, { nowMs: now, maxRecords: 0, consumers: [all] }), undefined, 'maxRecords 0 = no limit');
  // Age: records older than maxAge go even if a consumer lacks them.
  const maxAgeMs = now - csnTimeMs(csn(3)) - 1; // csn(1)..csn(3) are older
  t.equal(trimPoint(log, 6, { nowMs: now, maxAgeMs, consumers: [{}] }), csn(3, 1));
  t.equal(trimPoint(log, 6, { nowMs: now, maxAgeMs: 60_000, consumers: [{}] }), undefined, 'younger than maxAge: kept for the consumer');
  // Our own changes stay until every consumer has them, whatever their age.
  t.equal(trimPoint(log, 6, { nowMs: now, maxAgeMs, consumers: [{ 2: csn(2, 2) }], origin: 1 }), undefined);
  t.equal(trimPoint(log, 6, { nowMs: now, maxAgeMs, consumers: [{ 1: csn(3, 1) }], origin: 1 }), csn(3, 1));
  t.ok(csnAtTime(now - maxAgeMs) > csn(3, 1));
});

t.test('needs-init: the consumer lacks records that were trimmed', async (t) => {
  const trimmed = { 1: csn(3, 1), 2: csn(2, 2) };
  t.equal(needsInit({ 1: csn(3, 1), 2: csn(5, 2) }, trimmed), undefined, 'it has everything that was trimmed');
  t.same(needsInit({ 1: csn(1, 1), 2: csn(5, 2) }, trimmed), { replicaId: 1, csn: csn(3, 1), have: csn(1, 1) });
  t.same(needsInit({ 1: csn(9, 1) }, trimmed), { replicaId: 2, csn: csn(2, 2), have: undefined });
  t.equal(needsInit({}, {}), undefined);
});

t.test('ruvGap: a group may only continue from what the consumer holds', async (t) => {
  const have = { 1: csn(5, 1), 2: csn(3, 2) };
  const group = [{ csn: csn(6, 1) }, { csn: csn(4, 2) }];
  t.equal(ruvGap(have, have, group), undefined, 'continues from exactly what it holds');
  t.equal(ruvGap(have, { 1: csn(2, 1) }, group), undefined, 'from less: the overlap is skipped, no hole');
  t.equal(ruvGap(have, {}, group), undefined, 'from nothing');
  t.same(ruvGap(have, { 2: csn(3, 2), 1: csn(5, 1), 3: csn(9, 3) }, group), undefined, 'an origin the group does not touch does not count');
  t.same(ruvGap(have, { 1: csn(5, 1), 2: csn(3.5, 2) }, group), { replicaId: 2, assumed: csn(3.5, 2), have: csn(3, 2) });
  t.same(ruvGap({ 1: csn(5, 1) }, { 2: csn(1, 2) }, [{ csn: csn(2, 2) }]), { replicaId: 2, assumed: csn(1, 2), have: undefined }, 'nothing held from that origin');
  t.equal(ruvGap(have, { 1: csn(9, 1) }, [{ csn: csn(4, 1) }]), undefined, 'a group it already holds leaves no hole');
});

t.test('withOrigin: a master consumer holds its own changes, above its floor', async (t) => {
  const have = { 1: csn(5, 1), 2: csn(3, 2) };
  t.same(withOrigin(have, { replicaId: 2 }, csn(8, 2)), { 1: csn(5, 1), 2: csn(8, 2) }, 'its own up to what the supplier has');
  t.equal(withOrigin(have, { replicaId: 2 }, csn(2, 2)), have, 'the supplier has less than it: unchanged');
  t.equal(withOrigin(have, undefined, csn(8, 2)), have, 'not a master: the RUV alone');
  t.equal(withOrigin(have, { replicaId: 2 }, undefined), have, 'nothing of it here');
  t.equal(withOrigin(have, { replicaId: 2, floor: csn(4, 2) }, csn(8, 2)), have, 'replaced database, not past its floor: the RUV alone');
  t.same(withOrigin(have, { replicaId: 2, floor: csn(3, 2) }, csn(8, 2)), { 1: csn(5, 1), 2: csn(8, 2) }, 'past its floor again');
  t.equal(withOrigin({ 1: csn(5, 1) }, { replicaId: 2, floor: csn(1, 2) }, csn(8, 2))[2], undefined, 'a floor and nothing of its own yet');
  const moved = selectChanges([{ csn: csn(6, 2) }, { csn: csn(6, 1) }, { csn: csn(7, 2) }], withOrigin(have, { replicaId: 2 }, csn(7, 2)));
  t.same([...moved].map((r) => r.csn), [csn(6, 1)], 'only the other origins are selected');
});

t.test('leftToOrigins: no change of a master that feeds the consumer directly is selected', async (t) => {
  const have = { 1: csn(5, 1), 2: csn(3, 2) };
  const view = leftToOrigins(have, [1, 3]);
  t.same(Object.keys(view).sort(), ['1', '2', '3']);
  t.equal(view[2], csn(3, 2), 'other origins as they were');
  t.ok(ruvCovers(view, csn(10 ** 9, 1)) && ruvCovers(view, csn(1, 3)), 'every change of 1 and 3 counts as held');
  t.notOk(ruvCovers(view, csn(4, 2)), 'what it lacks of 2 does not');
  t.equal(leftToOrigins(have, []), have, 'no direct sessions: unchanged');
  const log = [{ csn: csn(2, 3) }, { csn: csn(4, 2) }, { csn: csn(6, 1) }, { csn: csn(7, 1) }];
  t.same([...selectChanges(log, view)].map((r) => r.csn), [csn(4, 2)], 'only the other origins are selected');
});

t.test('trimmed after a total update: the runs of records the replica and the copy hold together', async (t) => {
  // Replica 2 holds records of origin 6 from 3 to 9; the copy covers 6 up to 7 and holds none of them (trimmed through 7).
  const mine = { ruv: { 6: csn(9, 6), 1: csn(4, 1) }, trimmed: { 6: csn(2, 6) } };
  const noRecords = { ruv: { 6: csn(7, 6), 1: csn(8, 1), 5: csn(3, 5) }, trimmed: { 6: csn(7, 6), 1: csn(8, 1), 5: csn(3, 5) } };
  t.same(trimmedAfterCopy(mine, noRecords), { 6: csn(2, 6), 1: csn(8, 1), 5: csn(3, 5) },
    'origin 6: its own run reaches the newest (9), so from 2; origins 1 and 5: the copy is ahead of every record held');
  // A copy that brings records: they join a run that touches ours.
  const withRecords = { ruv: { 6: csn(12, 6) }, trimmed: { 6: csn(8, 6) } };
  t.same(trimmedAfterCopy(mine, withRecords), { 6: csn(2, 6) }, 'records 3..9 and 9..12 make one run from 2; origin 1: all its records still held');
  const gap = { ruv: { 6: csn(12, 6) }, trimmed: { 6: csn(10, 6) } };
  t.same(trimmedAfterCopy(mine, gap)['6'], csn(10, 6), 'a hole between 9 and 10: only the copy\'s run counts');
  t.same(trimmedAfterCopy({ ruv: {}, trimmed: {} }, { ruv: {}, trimmed: {} }), {}, 'nothing held, nothing trimmed');
  t.same(trimmedAfterCopy({ ruv: { 3: csn(5, 3) }, trimmed: {} }, { ruv: { 3: csn(5, 3) }, trimmed: { 3: csn(5, 3) } }), {}, 'every record of origin 3 still held: nothing trimmed');
});
