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
  lockedUntil: number;
}

const MAX_TRACKED = 100_000;

export class BruteForceGuard implements BindGuard {
  readonly #cfg: GuardConfig;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #byDn = new Map<string, Record>();
  readonly #neverLock: Set<string>;
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

  #get(ndn: string): Record | undefined {
    const r = this.#byDn.get(ndn);
    if (r && this.#now() - r.last > this.#cfg.windowMs && r.lockedUntil < this.#now()) {
      this.#byDn.delete(ndn);
      return undefined;
    }
    return r;
  }

  check(ndn: string): void {
    const r = this.#get(ndn);
    if (r && r.lockedUntil > this.#now()) {
      throw new LdapError(RC.invalidCredentials, '');
    }
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
      if (this.#byDn.size >= MAX_TRACKED) this.#byDn.delete(this.#byDn.keys().next().value!);
      r = { failures: 0, last: now, lockedUntil: 0 };
      this.#byDn.set(ndn, r);
    }
    r.failures++;
    r.last = now;
    if (r.failures >= this.#cfg.lockAfter && r.lockedUntil <= now && !this.#neverLock.has(ndn)) {
      r.lockedUntil = now + this.#cfg.lockForMs;
      this.#log.warn({ dn: ndn, peer, failures: r.failures, lockedForMs: this.#cfg.lockForMs }, 'bind locked after repeated failures');
    } else {
      this.#log.info({ dn: ndn, peer, failures: r.failures }, 'bind failed');
    }
  }
}
