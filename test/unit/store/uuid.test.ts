import t from 'tap';
import { uuidV7 } from '../../../src/store/uuid.js';

const FORM = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

t.test('version 7 with the RFC 9562 variant, the time in the first 48 bits', async (t) => {
  const at = Date.UTC(2026, 11, 3, 21, 0, 0);
  const u = uuidV7(at + 1000);
  t.match(u, FORM);
  t.equal(parseInt(u.slice(0, 8) + u.slice(9, 13), 16), at + 1000);
});

t.test('each later than the one before, also within a millisecond and when the clock steps back', async (t) => {
  const base = Date.UTC(2027, 0, 1);
  const times = [base, base, base + 5, base + 5, base - 60_000, base - 60_000, base + 6];
  // 5,000 in one millisecond overflow the 12-bit counter into the next one.
  for (let i = 0; i < 5000; i++) times.push(base + 7);
  let prev = '';
  let bad = 0;
  for (const now of times) {
    const u = uuidV7(now);
    if (!(u > prev) || !FORM.test(u)) bad++;
    prev = u;
  }
  t.equal(bad, 0);
  t.equal(new Set(Array.from({ length: 1000 }, () => uuidV7(base))).size, 1000, 'distinct');
});
