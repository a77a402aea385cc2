import t from 'tap';
import { BruteForceGuard, MAX_TRACKED } from '../../../src/auth/guard.js';
import { silentLogger } from '../../../src/log.js';
import { LdapError, RC } from '../../../src/errors.js';

const cfg = { delayAfter: 2, lockAfter: 4, lockForMs: 60_000, windowMs: 300_000 };

t.test('slows down, then locks, and a success resets', async (t) => {
  let now = 1_000_000;
  const g = new BruteForceGuard(cfg, silentLogger, ['cn=root'], () => now);
  const dn = 'uid=alice';
  t.equal(g.delayMs(dn), 0);
  g.failed(dn, 'p');
  g.failed(dn, 'p');
  t.equal(g.delayMs(dn), 0, 'no delay up to delayAfter');
  g.failed(dn, 'p');
  t.equal(g.delayMs(dn), 100, 'then growing delays');
  t.doesNotThrow(() => g.check(dn));
  g.failed(dn, 'p');
  t.throws(() => g.check(dn), new LdapError(RC.invalidCredentials, ''), 'locked after lockAfter');
  now += 59_000;
  t.throws(() => g.check(dn), 'still locked');
  now += 2_000;
  t.doesNotThrow(() => g.check(dn), 'lock expires');
  g.succeeded(dn);
  t.equal(g.delayMs(dn), 0, 'success resets');
});

t.test('the rootDn is slowed but never locked', async (t) => {
  const g = new BruteForceGuard(cfg, silentLogger, ['cn=root']);
  for (let i = 0; i < 20; i++) g.failed('cn=root', 'p');
  t.doesNotThrow(() => g.check('cn=root'));
  t.ok(g.delayMs('cn=root') > 0);
});

t.test('old failures are forgotten', async (t) => {
  let now = 0;
  const g = new BruteForceGuard(cfg, silentLogger, [], () => now);
  for (let i = 0; i < 3; i++) g.failed('x', 'p');
  now += 400_000;
  t.equal(g.delayMs('x'), 0);
});

t.test('attempts being verified count ahead: a burst cannot check more than lockAfter passwords', async (t) => {
  const g = new BruteForceGuard(cfg, silentLogger, ['cn=root']);
  const dn = 'uid=alice';
  const outcomes: string[] = [];
  // Ten binds arrive together; each fails once admitted (its check takes a while).
  const attempts = Array.from({ length: 10 }, async () => {
    let release: () => void;
    try {
      release = await g.admit(dn);
    } catch {
      outcomes.push('locked');
      return;
    }
    await new Promise((r) => setTimeout(r, 5));
    g.failed(dn, 'p');
    outcomes.push('checked');
    release();
  });
  await Promise.all(attempts);
  t.equal(outcomes.filter((o) => o === 'checked').length, cfg.lockAfter, 'lockAfter passwords checked');
  t.equal(outcomes.filter((o) => o === 'locked').length, 10 - cfg.lockAfter, 'the rest met the lock');
  // The rootDn is never locked: nothing waits.
  const releases = await Promise.all(Array.from({ length: 10 }, () => g.admit('cn=root')));
  t.equal(releases.length, 10, 'the rootDn: all at once');
  for (const r of releases) r();
});

t.test('failed binds for other DNs, however many, neither lift a lock nor wipe out a count', async (t) => {
  const g = new BruteForceGuard(cfg, silentLogger);
  for (let i = 0; i < cfg.lockAfter; i++) g.failed('uid=alice', 'p');
  t.throws(() => g.check('uid=alice'), 'alice is locked');
  for (let i = 0; i < cfg.lockAfter - 1; i++) g.failed('uid=bob', 'p');
  // A flood of one failure each for made-up DNs: more than the guard keeps.
  for (let i = 0; i < MAX_TRACKED + 1000; i++) g.failed(`uid=junk${i}`, 'p');
  t.throws(() => g.check('uid=alice'), 'alice is still locked');
  t.doesNotThrow(() => g.check('uid=bob'), 'bob is not locked yet');
  g.failed('uid=bob', 'p');
  t.throws(() => g.check('uid=bob'), 'his failures were kept: one more locks him');
});

t.test('a count pushed out by a flood comes back, even behind locked decoys', async (t) => {
  const g = new BruteForceGuard(cfg, silentLogger);
  // Locked decoys first, so that the target is the least-failed among the
  // oldest records the eviction looks at.
  for (let d = 0; d < 15; d++) for (let i = 0; i < cfg.lockAfter; i++) g.failed(`uid=decoy${d}`, 'p');
  for (let i = 0; i < cfg.lockAfter - 1; i++) g.failed('uid=target', 'p');
  for (let i = 0; i < MAX_TRACKED + 1000; i++) g.failed(`uid=junk${i}`, 'p');
  t.doesNotThrow(() => g.check('uid=target'), 'not locked yet');
  g.failed('uid=target', 'p');
  t.throws(() => g.check('uid=target'), 'its failures were kept: one more locks it');
});
