import fc from 'fast-check';
import t from 'tap';
import { MeshdirError } from '../../../src/errors.js';
import { clockNext, clockObserve, HybridClock, newClockState } from '../../../src/repl/core/clock.js';
import {
  CSN_LENGTH,
  csnAtTime,
  csnReplicaId,
  csnTimeMs,
  formatCsn,
  isCsn,
  MAX_COUNTER,
  MAX_TIME,
  parseCsn,
  withSubseq,
} from '../../../src/repl/core/csn.js';

const parts = fc.record({
  time: fc.integer({ min: 0, max: MAX_TIME }),
  counter: fc.integer({ min: 0, max: 0xffffff }),
  replicaId: fc.integer({ min: 0, max: 4095 }),
  subseq: fc.integer({ min: 0, max: 0xffffff }),
});

function cmpParts(a: typeof parts extends fc.Arbitrary<infer P> ? P : never, b: typeof a): number {
  return a.time - b.time || a.counter - b.counter || a.replicaId - b.replicaId || a.subseq - b.subseq;
}

t.test('the example from the design parses and round-trips', async (t) => {
  const s = '20261122024500.123456Z#000000#001#000000';
  const p = parseCsn(s);
  t.same(p, { time: Date.UTC(2026, 10, 22, 2, 45, 0) * 1000 + 123456, counter: 0, replicaId: 1, subseq: 0 });
  t.equal(formatCsn(p), s);
  t.equal(s.length, CSN_LENGTH);
  t.equal(csnReplicaId(s), 1);
  t.equal(csnTimeMs(s), Date.UTC(2026, 10, 22, 2, 45, 0, 123));
});

t.test('string order is CSN order, and formatting round-trips', async (t) => {
  t.doesNotThrow(() => fc.assert(
    fc.property(parts, parts, (a, b) => {
      const sa = formatCsn(a);
      const sb = formatCsn(b);
      if (sa.length !== CSN_LENGTH) throw new Error(`length of ${sa}`);
      if (Math.sign(cmpParts(a, b)) !== Math.sign(sa < sb ? -1 : sa > sb ? 1 : 0)) throw new Error(`${sa} vs ${sb}`);
      if (JSON.stringify(parseCsn(sa)) !== JSON.stringify(a)) throw new Error(`round trip ${sa}`);
    }),
    { numRuns: 2000 },
  ));
});

t.test('replicaIds up to 4095 fit', async (t) => {
  const s = formatCsn({ time: 1, counter: 0, replicaId: 4095, subseq: 0 });
  t.match(s, /#fff#000000$/);
  t.equal(csnReplicaId(s), 4095);
  t.throws(() => formatCsn({ time: 1, counter: 0, replicaId: 4096, subseq: 0 }), MeshdirError);
  t.throws(() => formatCsn({ time: 1, counter: MAX_COUNTER + 1, replicaId: 1, subseq: 0 }), MeshdirError);
  t.throws(() => formatCsn({ time: -1, counter: 0, replicaId: 1, subseq: 0 }), MeshdirError);
  t.throws(() => formatCsn({ time: 1.5, counter: 0, replicaId: 1, subseq: 0 }), MeshdirError);
  t.throws(() => formatCsn({ time: MAX_TIME + 2, counter: 0, replicaId: 1, subseq: 0 }), MeshdirError);
});

t.test('bad strings are rejected with a clear MeshdirError', async (t) => {
  const bad = [
    '',
    'garbage',
    '20261122024500.123456Z#000000#001', // missing subseq
    '20261122024500.123456Z#000000#001#0000000', // too long
    '20261122024500.12345Z#000000#001#000000', // 5 fraction digits
    '20261122024500.123456Z#00000G#001#000000', // not hex
    '20261122024500.123456Z#00000A#001#000000', // upper-case hex would break byte order
    '20261322024500.123456Z#000000#001#000000', // month 13
    '20260230024500.123456Z#000000#001#000000', // 30 February
    '20261122244500.123456Z#000000#001#000000', // hour 24
    '19691231235959.000000Z#000000#001#000000', // before the epoch
    '22560101000000.000000Z#000000#001#000000', // beyond exact µs in a JS number
    ' 20261122024500.123456Z#000000#001#000000',
  ];
  for (const s of bad) {
    t.throws(() => parseCsn(s), { name: 'MeshdirError', code: 'MESHDIR_CSN_INVALID', message: /not a CSN/ }, JSON.stringify(s));
    t.notOk(isCsn(s));
  }
  t.throws(() => parseCsn(42 as unknown as string), { code: 'MESHDIR_CSN_INVALID' });
  t.ok(isCsn('20240229000000.000000Z#000000#001#000000'), 'leap day');
});

t.test('subseq numbers the mods of one change, after it and before the next', async (t) => {
  const c = formatCsn({ time: 5, counter: 3, replicaId: 2, subseq: 0 });
  const next = formatCsn({ time: 5, counter: 4, replicaId: 0, subseq: 0 });
  t.equal(parseCsn(withSubseq(c, 7)).subseq, 7);
  t.ok(withSubseq(c, 1) > c && withSubseq(c, 0xffffff) < next);
  t.equal(withSubseq(withSubseq(c, 9), 0), c);
});

t.test('csnAtTime is below every CSN made at or after that time', async (t) => {
  const at = csnAtTime(Date.UTC(2026, 0, 1));
  t.ok(at <= formatCsn({ time: Date.UTC(2026, 0, 1) * 1000, counter: 0, replicaId: 1, subseq: 0 }));
  t.ok(at > formatCsn({ time: Date.UTC(2026, 0, 1) * 1000 - 1, counter: 0xffffff, replicaId: 4095, subseq: 0 }));
});

t.test('clock never goes back, even when the wall clock does', async (t) => {
  let st = newClockState(3);
  let prev = '';
  const walls = [1000, 1000, 1001, 999, 500, 1002, 1002, 0, 2000, 1999.5];
  for (const w of walls) {
    const r = clockNext(st, Date.UTC(2026, 0, 1) + w);
    t.ok(r.csn > prev, `${r.csn} > ${prev}`);
    t.equal(csnReplicaId(r.csn), 3);
    prev = r.csn;
    st = r.state;
  }
  // Time follows the wall clock again once it is ahead.
  t.equal(csnTimeMs(prev), Date.UTC(2026, 0, 1) + 2000);
  t.same(JSON.parse(JSON.stringify(st)), st, 'state is a plain value');
});

t.test('counter overflow moves time by a microsecond', async (t) => {
  const st = { replicaId: 1, time: 1_000_000, counter: MAX_COUNTER };
  const r = clockNext(st, 0);
  t.same(parseCsn(r.csn), { time: 1_000_001, counter: 0, replicaId: 1, subseq: 0 });
});

t.test('observe moves past a CSN from ahead and reports the skew', async (t) => {
  const now = Date.UTC(2026, 0, 1);
  const remote = formatCsn({ time: (now + 5000) * 1000, counter: 9, replicaId: 2, subseq: 0 });
  const o = clockObserve(newClockState(1), remote, now);
  t.equal(o.skewMs, 5000);
  const n = clockNext(o.state, now);
  t.ok(n.csn > remote, 'next CSN is after the received one');
  const behind = clockObserve(o.state, formatCsn({ time: (now - 300) * 1000, counter: 0, replicaId: 2, subseq: 0 }), now);
  t.equal(behind.skewMs, -300);
  t.equal(behind.state, o.state, 'an older CSN leaves the clock alone');
  const same = clockObserve(o.state, formatCsn({ time: (now + 5000) * 1000, counter: 20, replicaId: 3, subseq: 0 }), now);
  t.equal(same.state.counter, 20, 'same time, greater counter: counter moves');
  t.throws(() => clockObserve(o.state, 'nope', now), { code: 'MESHDIR_CSN_INVALID' });
});

t.test('HybridClock keeps its state and how far ahead a peer clock was seen', async (t) => {
  const c = new HybridClock(newClockState(7));
  const a = c.next(1000);
  t.equal(c.observe(formatCsn({ time: 500_000, counter: 0, replicaId: 2, subseq: 0 }), 1000), -500, 'an older change');
  t.equal(c.aheadMs, 0, 'is no clock skew');
  t.equal(c.observe(formatCsn({ time: 3_000_000, counter: 0, replicaId: 1, subseq: 0 }), 1000), 2000);
  t.equal(c.aheadMs, 2000);
  c.observe(formatCsn({ time: 1_500_000, counter: 0, replicaId: 1, subseq: 0 }), 1000);
  t.equal(c.aheadMs, 2000, 'the most seen');
  const b = c.next(1000);
  t.ok(b > a);
  t.equal(csnTimeMs(b), 3000);
  t.same(c.state, { replicaId: 7, time: 3_000_000, counter: 1 });
  const restored = new HybridClock(c.state);
  t.ok(restored.next(0) > b, 'a restored clock continues after the persisted state');
});
