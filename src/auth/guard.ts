// Brute-force protection for simple binds: after `delayAfter` failures for a
// DN, each further attempt waits longer (up to 2 s); after `lockAfter`
// failures the DN is locked for `lockFor` (every bind refused, the password
// not even checked) and the lock is logged. A success resets the count.
import { LdapError, RC } from '../errors.js';
import type { Logger } from '../log.js';
import type { BindGuard } from '../ldap/context.js';

export interface GuardConfig {
  delayAfter: number;
  lockAfter: number;
  lockForMs: number;
  /** Failures older than this are forgotten. */
  windowMs: number;
}

interface Record {
  failures: number;
  last: number;
}

/** DNs with failures kept at most, and locks at most. */
export const MAX_TRACKED = 100_000;
/** Records looked at to pick the one to forget when MAX_TRACKED are kept. */
const EVICTION_SCAN = 16;
/** Slots keeping the counts of records pushed out, by a hash of the DN. */
const SPILL_SLOTS = 1 << 16;

/** FNV-1a of the DN, to a spill slot. */
function slotOf(ndn: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < ndn.length; i++) h = Math.imul(h ^ ndn.charCodeAt(i), 0x01000193);
  return (h >>> 0) & (SPILL_SLOTS - 1);
}

export class BruteForceGuard implements BindGuard {
  readonly #cfg: GuardConfig;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #byDn = new Map<string, Record>();
  /**
   * DN → end of its lock, in the order the locks were set (one lockFor: the
   * order they end). Apart from the failure counts, so that binds failing
   * for other DNs — however many — cannot push a lock out.
   */
  readonly #locks = new Map<string, number>();
  readonly #neverLock: Set<string>;
  /**
   * The failure count of a record pushed out for room (and when its last
   * failure was), kept in a slot by a hash of its DN: a new record for that
   * DN starts from it. However the flood is built (locked decoys make the
   * DN under attack the one with the fewest failures among the oldest), a
   * count is not lost; two DNs sharing a slot only make the guard stricter.
   */
  readonly #spill = new Uint16Array(SPILL_SLOTS);
  readonly #spillAt = new Float64Array(SPILL_SLOTS);
  /** DNs with attempts being verified now: how many, and the binds waiting for their turn. */
  readonly #flight = new Map<string, { n: number; waiting: (() => void)[] }>();

  /**
   * `neverLock`: DNs slowed down but never locked — the rootDn, so that no
   * stranger can lock the administrator out (slapd's ppolicy exempts it too).
   */
  constructor(cfg: GuardConfig, log: Logger, neverLock: Iterable<string> = [], now: () => number = Date.now) {
    this.#cfg = cfg;
    this.#log = log;
    this.#now = now;
    this.#neverLock = new Set(neverLock);
  }

  #locked(ndn: string, now = this.#now()): boolean {
    const until = this.#locks.get(ndn);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#locks.delete(ndn);
    return false;
  }

  #forgotten(ndn: string, r: Record, now: number): boolean {
    return now - r.last > this.#cfg.windowMs && !this.#locked(ndn, now);
  }

  #get(ndn: string): Record | undefined {
    const r = this.#byDn.get(ndn);
    if (r && this.#forgotten(ndn, r, this.#now())) {
      this.#byDn.delete(ndn);
      return undefined;
    }
    return r;
  }

  /**
   * Room for one more DN: of the oldest few, one whose failures are
   * forgotten, else the one with the fewest failures (a locked one last).
   * Forgetting just the oldest let a flood of failed binds for made-up DNs
   * wipe out the count of a DN under attack.
   */
  #evict(now: number): void {
    let victim: string | undefined;
    let weight = Infinity;
    let n = 0;
    for (const [dn, r] of this.#byDn) {
      if (this.#forgotten(dn, r, now)) {
        victim = dn;
        break;
      }
      const w = this.#locked(dn, now) ? Number.MAX_SAFE_INTEGER : r.failures;
      if (victim === undefined || w < weight) {
        victim = dn;
        weight = w;
      }
      if (++n >= EVICTION_SCAN) break;
    }
    if (victim === undefined) return;
    const r = this.#byDn.get(victim)!;
    if (!this.#forgotten(victim, r, now)) {
      const i = slotOf(victim);
      const live = now - this.#spillAt[i]! <= this.#cfg.windowMs;
      this.#spill[i] = Math.min(0xffff, Math.max(live ? this.#spill[i]! : 0, r.failures));
      this.#spillAt[i] = Math.max(live ? this.#spillAt[i]! : 0, r.last);
    }
    this.#byDn.delete(victim);
  }

  #lock(ndn: string, until: number, now: number): void {
    if (!this.#locks.has(ndn) && this.#locks.size >= MAX_TRACKED) {
      // Ended ones first; when all still hold, the one that ends first.
      for (const [dn, end] of this.#locks) {
        if (end > now && this.#locks.size < MAX_TRACKED) break;
        this.#locks.delete(dn);
        if (end > now) break;
      }
    }
    this.#locks.delete(ndn);
    this.#locks.set(ndn, until);
  }

  check(ndn: string): void {
    if (this.#locked(ndn)) throw new LdapError(RC.invalidCredentials, '');
  }

  /**
   * Lets one attempt for `ndn` go on to the password check (throws while the
   * DN is locked) and returns what to call once its outcome is recorded.
   * Attempts being verified count ahead: no more run at once than failures
   * may still be recorded before the lock (at least one), so a burst of
   * parallel guesses that all pass the lock check before any has failed —
   * with a slow hash ({PBKDF2-SHA512}) every one of them did — verifies at
   * most lockAfter passwords; the others wait their turn and then meet the
   * lock. Binds with the right password wait at most for the ones ahead.
   */
  async admit(ndn: string): Promise<() => void> {
    for (;;) {
      this.check(ndn);
      const room = this.#neverLock.has(ndn) ? Infinity : Math.max(1, this.#cfg.lockAfter - (this.#get(ndn)?.failures ?? 0));
      let f = this.#flight.get(ndn);
      if (f === undefined) this.#flight.set(ndn, (f = { n: 0, waiting: [] }));
      if (f.n < room) {
        f.n++;
        const flight = f;
        let released = false;
        return () => {
          if (released) return;
          released = true;
          flight.n--;
          // Every waiter looks again: at the lock, and at the room left.
          const waiting = flight.waiting.splice(0);
          if (flight.n === 0 && this.#flight.get(ndn) === flight) this.#flight.delete(ndn);
          for (const wake of waiting) wake();
        };
      }
      await new Promise<void>((resolve) => f.waiting.push(resolve));
    }
  }

  /** How long to hold the failure response (slows guessing). */
  delayMs(ndn: string): number {
    const r = this.#get(ndn);
    if (!r || r.failures <= this.#cfg.delayAfter) return 0;
    return Math.min(2000, 100 * 2 ** (r.failures - this.#cfg.delayAfter - 1));
  }

  succeeded(ndn: string): void {
    this.#byDn.delete(ndn);
  }

  failed(ndn: string, peer: string): void {
    const now = this.#now();
    let r = this.#get(ndn);
    if (!r) {
      if (this.#byDn.size >= MAX_TRACKED) this.#evict(now);
      const i = slotOf(ndn);
      r = { failures: now - this.#spillAt[i]! <= this.#cfg.windowMs ? this.#spill[i]! : 0, last: now };
      this.#byDn.set(ndn, r);
    }
    r.failures++;
    r.last = now;
    if (r.failures >= this.#cfg.lockAfter && !this.#locked(ndn, now) && !this.#neverLock.has(ndn)) {
      this.#lock(ndn, now + this.#cfg.lockForMs, now);
      this.#log.warn({ dn: ndn, peer, failures: r.failures, lockedForMs: this.#cfg.lockForMs }, 'bind locked after repeated failures');
    } else {
      this.#log.info({ dn: ndn, peer, failures: r.failures }, 'bind failed');
    }
  }
}
