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
