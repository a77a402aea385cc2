// Replication in one server: the consumer side (always), one Supplier per
// agreement file in `agreementsDir` (added, edited, disabled or removed
// files take effect within seconds, no restart), changelog trimming,
// tombstone purge, and the cn=replication,cn=monitor entries.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadAgreement } from '../../config/load.js';
import type { ServerContext } from '../../ldap/context.js';
import { addMonitorSource, type MonitorEntry } from '../../monitor/monitor.js';
import { purgeTombstones, trimChangelog, trimConflicts } from '../../store/replica.js';
import { generalizedTime } from '../../store/update.js';
import { registerConsumer, type ConsumerState } from './consumer.js';
import { lagOf, Supplier, type AgreementStatus, type Carried } from './supplier.js';

const SCAN_MS = 1000;

interface Slot {
  mtime: number;
  size: number;
  /** The password file it reads, and its mtime: a new password takes effect too. */
  pwFile?: string;
  pwMtime?: number;
  supplier?: Supplier;
  /** A file that does not validate: only this agreement is off. */
  invalid?: AgreementStatus;
  /**
   * The figures of the run before the file turned invalid: shown while it is
   * (its consumer still lacks what it lacked, and falls further behind) and
   * carried on when it is fixed (an edit keeps counting).
   */
  carried?: Carried & { consumer: string };
}

function mtimeOf(file: string | undefined): number | undefined {
  if (file === undefined) return undefined;
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

function sameConsumer(url: string): string {
  return url.toLowerCase().replace(/\/+$/, '');
}

/**
 * DESIGN.md: "every *.yaml there is an agreement" — as spelled, and not a
 * hidden file (an editor's lock or swap file, `.#m2.yaml`), as a shell's
 * `*.yaml` would list them.
 */
export function isAgreementFile(name: string): boolean {
  return name.endsWith('.yaml') && !name.startsWith('.');
}

/**
 * Another valid agreement file in `dir` that names the same consumer as
 * `file` (DESIGN.md: one agreement per consumer), for commands that act on
 * one agreement without a running server to say which of the two it runs.
 */
export function otherAgreementOf(dir: string, file: string, consumer: string, baseDir: string): string | undefined {
  const target = sameConsumer(consumer);
  for (const n of readdirSync(dir).filter(isAgreementFile).sort()) {
    const other = join(dir, n);
    if (other === file) continue;
    try {
      if (sameConsumer(loadAgreement(other, baseDir).consumer) === target) return other;
    } catch {
      // An invalid file runs nothing.
    }
  }
  return undefined;
}

export class Replication {
  readonly #ctx: ServerContext;
  readonly consumer: ConsumerState;
  readonly #slots = new Map<string, Slot>();
  #timers: NodeJS.Timeout[] = [];
  #stopped = false;
  #dirError: string | undefined;

  constructor(ctx: ServerContext) {
    this.#ctx = ctx;
    this.consumer = registerConsumer(ctx);
    ctx.store.events.setMaxListeners(0);
    addMonitorSource(ctx, () => this.monitor());
  }

  start(): void {
    this.scan();
    this.#timers.push(setInterval(() => this.scan(), SCAN_MS));
    this.#timers.push(setInterval(() => {
      // A run longer than the interval (a long trim or purge) is not overlapped.
      if (!this.#maintaining) this.#maintaining = this.maintain().finally(() => (this.#maintaining = undefined));
    }, this.#ctx.config.replication.maintenanceInterval));
    for (const t of this.#timers) t.unref();
  }

  /** Agreement statuses, by file name. */
  statuses(): AgreementStatus[] {
    return [...this.#slots.values()].map((s) => s.supplier?.currentStatus() ?? this.#invalidStatus(s)).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** An invalid file's status: its consumer falls behind all the same (lag as for a disabled agreement). */
  #invalidStatus(s: Slot): AgreementStatus {
    const st = s.invalid!;
    if (s.carried) st.lagMs = lagOf(this.#ctx.store, st.consumerRuv);
    return st;
  }

  scan(): void {
    const dir = this.#ctx.config.agreementsDir;
    if (!dir || this.#stopped) return;
    let names: string[];
    try {
      names = readdirSync(dir).filter(isAgreementFile).sort();
      this.#dirError = undefined;
    } catch (e) {
      // Not there (yet), or not a directory: no agreement runs, said once;
      // one made later is read within a scan.
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      if (this.#dirError !== why) this.#ctx.log.warn({ agreementsDir: dir, err: why }, 'cannot read agreementsDir: no agreement runs until it can be read');
      this.#dirError = why;
      names = [];
    }
    const seen = new Set(names.map((n) => join(dir, n)));
    // Files gone first: a file renamed (to-c1.yaml → feed-c1.yaml) names the
    // consumer its old name fed, which is not "another agreement" any more.
    for (const [file, slot] of this.#slots) {
      if (seen.has(file)) continue;
      this.#ctx.log.info({ agreement: file }, 'agreement file removed: session stopped');
      void slot.supplier?.stop();
      this.#slots.delete(file);
    }
    for (const n of names) {
      const file = join(dir, n);
      let st;
      try {
        st = statSync(file);
      } catch {
        continue;
      }
      const slot = this.#slots.get(file);
      // An invalid file is read again at every scan: what it names (a
      // password file, say) may have appeared since.
      if (slot && !slot.invalid && slot.mtime === st.mtimeMs && slot.size === st.size && slot.pwMtime === mtimeOf(slot.pwFile)) continue;
      this.#load(file, st.mtimeMs, st.size, slot);
    }
  }

  #load(file: string, mtime: number, size: number, slot: Slot | undefined): void {
    const log = this.#ctx.log;
    try {
      const cfg = loadAgreement(file, dirname(this.#ctx.config.file));
      // DESIGN.md: one agreement per consumer. Two would feed it the same changes twice over.
      const target = sameConsumer(cfg.consumer);
      for (const [other, o] of this.#slots) {
        if (other !== file && o.supplier && sameConsumer(o.supplier.config.consumer) === target) {
          throw new Error(`${file}: consumer: ${cfg.consumer} is already the consumer of ${other} (one agreement per consumer)`);
        }
      }
      if (slot?.supplier) {
        slot.supplier.update(cfg);
        log.info({ agreement: cfg.name, enabled: cfg.enabled }, 'agreement file changed');
        this.#slots.set(file, { mtime, size, supplier: slot.supplier, pwFile: cfg.passwordFile, pwMtime: mtimeOf(cfg.passwordFile) });
      } else {
        // Figures of the same consumer only: a file fixed to name another starts afresh.
        const carried = slot?.carried?.consumer === cfg.consumer ? slot.carried : undefined;
        const supplier = new Supplier(this.#ctx, cfg, carried);
        this.#slots.set(file, { mtime, size, supplier, pwFile: cfg.passwordFile, pwMtime: mtimeOf(cfg.passwordFile) });
        supplier.start();
        log.info({ agreement: cfg.name, consumer: cfg.consumer, enabled: cfg.enabled }, 'agreement loaded');
      }
    } catch (e) {
      const msg = (e as Error).message;
      if (slot?.invalid?.detail === msg) return;
      log.error({ agreement: file, err: msg }, 'agreement file is invalid: this agreement is off');
      void slot?.supplier?.stop();
      const name = file.replace(/^.*\//, '').replace(/\.ya?ml$/i, '');
      const was = slot?.supplier?.currentStatus();
      const carried = was ? { changesSent: was.changesSent, consumerRuv: was.consumerRuv, lastSessionStart: was.lastSessionStart, lastSessionEnd: was.lastSessionEnd, lastResult: was.lastResult, consumer: was.consumer } : slot?.carried;
      const invalid: AgreementStatus = { name, file, consumer: carried?.consumer ?? '', state: 'invalid', detail: msg, lastResult: msg, changesSent: carried?.changesSent ?? 0, consumerRuv: carried?.consumerRuv ?? {}, lagMs: 0 };
      if (carried?.lastSessionStart !== undefined) invalid.lastSessionStart = carried.lastSessionStart;
      if (carried?.lastSessionEnd !== undefined) invalid.lastSessionEnd = carried.lastSessionEnd;
      this.#slots.set(file, { mtime, size, invalid, ...(carried ? { carried } : {}) });
    }
  }

  #lastPurge = 0;
  #maintaining: Promise<unknown> | undefined;

  /** Trim the changelog and the conflict log and purge tombstones (also run by tests directly). */
  async maintain(): Promise<{ trimmed: number; purged: number; conflictsTrimmed: number }> {
    const ctx = this.#ctx;
    const r = ctx.config.replication;
    const consumers = [...this.#slots.values()].filter((s) => s.supplier?.config.enabled).map((s) => s.supplier!.status.consumerRuv);
    try {
      const trimmed = await trimChangelog(ctx.store, { maxAgeMs: r.changelog.maxAge, maxRecords: r.changelog.maxRecords, consumers });
      const conflictsTrimmed = await trimConflicts(ctx.store, r.conflictLog.maxAge);
      // A purge reads every entry's state; tombstones may outlive their
      // lifetime by 1 % of it (at most an hour), so it runs that seldom.
      const now = Date.now();
      const due = now - this.#lastPurge >= Math.min(r.tombstoneLifetime / 100, 3_600_000);
      if (due) this.#lastPurge = now;
      const purged = due ? await purgeTombstones(ctx.store, r.tombstoneLifetime) : 0;
      if (trimmed || purged || conflictsTrimmed) ctx.log.info({ trimmed, purged, conflictsTrimmed }, 'replication maintenance');
      return { trimmed, purged, conflictsTrimmed };
    } catch (e) {
      ctx.log.error({ err: (e as Error).message }, 'replication maintenance failed');
      return { trimmed: 0, purged: 0, conflictsTrimmed: 0 };
    }
  }

  monitor(): MonitorEntry[] {
    const ctx = this.#ctx;
    const oc = ['top', 'extensibleObject'];
    const ruv = (r: Record<string, string>) => Object.entries(r).sort().map(([rid, csn]) => `${rid} ${csn}`);
    const t = (ms: number | undefined) => (ms === undefined ? [] : [generalizedTime(ms)]);
    const out: MonitorEntry[] = [
      {
        dn: 'cn=replication,cn=monitor',
        attrs: [
          ['objectClass', oc], ['cn', ['replication']], ['role', [ctx.config.role]], ['generationId', [ctx.store.generationId]],
          ['ruv', ruv(ctx.store.ruv)], ['conflicts', [String(ctx.store.conflictCount)]],
          ['clockAheadMs', [String(Math.round(ctx.store.clock.aheadMs))]], ['changesReceived', [String(this.consumer.received)]],
          ['sessionsAccepted', [String(this.consumer.sessionsAccepted)]], ['sessionsRefused', [String(this.consumer.refused)]],
          ['agreements', [String(this.#slots.size)]],
          // An agreementsDir that cannot be read (a typo, not made yet): said here, not only once in the log.
          ['detail', this.#dirError === undefined ? [] : [`agreementsDir ${ctx.config.agreementsDir}: cannot read (${this.#dirError}): no agreement runs until it can be read`]],
        ],
      },
    ];
    for (const s of this.statuses()) {
      out.push({
        dn: `cn=${s.name.replace(/([,+"\\<>;=])/g, '\\$1')},cn=replication,cn=monitor`,
        attrs: [
          ['objectClass', oc], ['cn', [s.name]], ['consumer', s.consumer ? [s.consumer] : []], ['state', [s.state]],
          ['detail', s.detail ? [s.detail] : []], ['lastSessionStart', t(s.lastSessionStart)], ['lastSessionEnd', t(s.lastSessionEnd)],
          ['lastResult', s.lastResult ? [s.lastResult] : []], ['changesSent', [String(s.changesSent)]], ['consumerRuv', ruv(s.consumerRuv)],
          ['lagMs', [String(s.lagMs)]], ['file', [s.file]],
        ].filter(([, v]) => (v as string[]).length > 0) as [string, string[]][],
      });
    }
    return out;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    await Promise.all([...this.#slots.values()].map((s) => s.supplier?.stop()));
    // The store closes next: a trim or purge under way finishes first.
    await this.#maintaining;
  }
}
