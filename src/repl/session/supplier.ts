// One agreement's supplier: connect, bind as the Replication Manager, start a
// session, push every changelog record the consumer's RUV lacks (in CSN
// order, `groupSize` per group, up to `windowSize` unacknowledged), then stay
// connected pushing new commits, with heartbeats; reconnect with backoff.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { AgreementConfig, ServerConfig } from '../../config/load.js';
import { LdapError, MeshdirError, RC } from '../../errors.js';
import { LdapClient } from '../../ldap/client.js';
import type { ServerContext } from '../../ldap/context.js';
import { changesFor, isPristine } from '../../store/replica.js';
import type { Change } from '../core/change.js';
import type { NeedsInit } from '../core/changelog.js';
import { csnTimeMs, isCsn } from '../core/csn.js';
import { leftToOrigins, ruvAdvance, ruvCovers, ruvLacks, ruvMerge, withOrigin, type Origin, type Ruv } from '../core/ruv.js';
import { fitBatch, MAX_BATCH_BYTES, pack, packList, PROTOCOL_VERSION, REPL_OID, unpack } from './protocol.js';
import { inSchedule, msToNextMinute, parseWindow, type Window } from './schedule.js';

export type AgreementState =
  | 'disabled' | 'off-schedule' | 'empty' | 'connecting' | 'sending' | 'in-sync' | 'backoff'
  | 'needs-init' | 'generation-mismatch' | 'refused' | 'invalid' | 'stopped';

export interface AgreementStatus {
  name: string;
  file: string;
  consumer: string;
  state: AgreementState;
  /** Why it is in this state (error text, needs-init details …). */
  detail: string;
  lastSessionStart?: number;
  lastSessionEnd?: number;
  lastResult: string;
  changesSent: number;
  consumerRuv: Ruv;
  /** ms between the oldest change the consumer lacks and now (0 in sync). */
  lagMs: number;
}

/** How long a consumer may take to answer (its heartbeats keep it well inside). */
const answerTimeoutMs = (cfg: AgreementConfig): number => Math.max(2 * cfg.heartbeatMs, 10_000);

/** The smallest group budget: fitBatch still sends one change a group, whatever its size. */
const MIN_BATCH_BYTES = 1024;

/** Commits remembered for a session that keeps up; past this it reads the changelog again. */
const FRESH_MAX = 4096;

class Stop extends Error {}
class Final extends Error {
  constructor(readonly state: AgreementState, message: string) {
    super(message);
  }
}

/** Resolves on notify() or after ms. */
class Signal {
  #waiters: (() => void)[] = [];
  notify(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
  wait(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(() => {
        this.#waiters = this.#waiters.filter((x) => x !== done);
        r();
      }, ms);
      const done = (): void => {
        clearTimeout(t);
        r();
      };
      this.#waiters.push(done);
    });
  }
}

/** States only an administrator ends (repl init, a password, the other server's configuration). */
const WAITS_FOR_ADMIN: ReadonlySet<AgreementState> = new Set(['needs-init', 'generation-mismatch', 'refused']);

export class Supplier {
  readonly status: AgreementStatus;
  #cfg: AgreementConfig;
  #windows: Window[] | 'always';
  readonly #ctx: ServerContext;
  readonly #signal = new Signal();
  #stopped = false;
  #restart = false;
  /** The database was replaced (repl init into this server) since the session started. */
  #replaced = false;
  #client: LdapClient | undefined;
  #loop: Promise<void> | undefined;
  #woken = false;
  /**
   * Two turns of the event loop later: the commits of one batch wake the
   * session once, and the commit's own client gets its response first
   * (responses are corked until a setImmediate that is queued after this
   * one; sending to the consumers first delayed a lone modify's
   * acknowledgement by ~2.5 ms on a three-master mesh).
   */
  readonly #onCommit = (changes: readonly Change[], replaced: boolean): void => {
    // A total update replaced this server's database: the session ends and
    // a new one starts from it (another generation's is refused by the consumer).
    if (replaced) this.#replaced = true;
    const fresh = this.#fresh;
    if (fresh !== undefined) {
      if (replaced || fresh.length + changes.length > FRESH_MAX) this.#fresh = undefined;
      else for (const ch of changes) fresh.push(ch);
    }
    if (this.#woken) return;
    this.#woken = true;
    setImmediate(() =>
      setImmediate(() => {
        this.#woken = false;
        this.#signal.notify();
      }),
    );
  };

  /**
   * `carried`: the figures of this agreement file's earlier run (a file
   * that was invalid for a while): an edit keeps counting (README).
   */
  constructor(ctx: ServerContext, cfg: AgreementConfig, carried?: Carried) {
    this.#ctx = ctx;
    this.#cfg = cfg;
    this.#windows = cfg.schedule === 'always' ? 'always' : cfg.schedule.map(parseWindow);
    this.status = { name: cfg.name, file: cfg.file, consumer: cfg.consumer, state: 'connecting', detail: '', lastResult: carried?.lastResult ?? '', changesSent: carried?.changesSent ?? 0, consumerRuv: carried?.consumerRuv ?? {}, lagMs: 0 };
    if (carried?.lastSessionStart !== undefined) this.status.lastSessionStart = carried.lastSessionStart;
    if (carried?.lastSessionEnd !== undefined) this.status.lastSessionEnd = carried.lastSessionEnd;
    ctx.store.events.on('commit', this.#onCommit);
  }

  /**
   * The status, its lag brought up to date when no session keeps it so (a
   * consumer down, refused or disabled falls behind all the same).
   */
  currentStatus(): AgreementStatus {
    // Also while a session waits on a consumer that stopped answering: the
    // lag grows as the changes it lacks age, not only when acks come.
    const live = this.status.state === 'sending' || this.status.state === 'in-sync';
    this.#updateLag(live ? (this.#lagBase ?? this.status.consumerRuv) : this.status.consumerRuv);
    return this.status;
  }

  /** What the running session counts the consumer as holding (origins left to their direct suppliers count as held). */
  #lagBase: Ruv | undefined;

  get config(): AgreementConfig {
    return this.#cfg;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** A changed agreement file: the current session ends and a new one starts with it. */
  update(cfg: AgreementConfig): void {
    this.#cfg = cfg;
    this.#windows = cfg.schedule === 'always' ? 'always' : cfg.schedule.map(parseWindow);
    this.status.consumer = cfg.consumer;
    this.#restart = true;
    this.#client?.close();
    this.#signal.notify();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#ctx.store.events.off('commit', this.#onCommit);
    this.#client?.close();
    this.#signal.notify();
    await this.#loop;
    this.#set('stopped', '');
  }

  #set(state: AgreementState, detail: string): void {
    if (this.status.state !== state || this.status.detail !== detail) {
      // Every write flips a live session between sending and in-sync: that is not news.
      const routine = (state === 'sending' || state === 'in-sync') && (this.status.state === 'sending' || this.status.state === 'in-sync') && !detail;
      const log = state === 'backoff' || state === 'needs-init' || state === 'generation-mismatch' || state === 'refused' ? 'warn' : routine ? 'debug' : 'info';
      this.#ctx.log[log]({ agreement: this.#cfg.name, consumer: this.#cfg.consumer, state, detail: detail || undefined }, 'agreement state');
    }
    this.status.state = state;
    this.status.detail = detail;
  }

  async #run(): Promise<void> {
    let backoff = 1000;
    while (!this.#stopped) {
      this.#restart = false;
      const cfg = this.#cfg;
      if (!cfg.enabled) {
        this.#set('disabled', 'enabled: false');
        await this.#signal.wait(60_000);
        continue;
      }
      if (!inSchedule(this.#windows, new Date())) {
        this.#set('off-schedule', `outside ${JSON.stringify(cfg.schedule)}`);
        await this.#signal.wait(msToNextMinute());
        continue;
      }
      if (isPristine(this.#ctx.store)) {
        // Nothing to give yet, and an empty consumer would adopt our
        // generation. Not "in-sync": the consumer has not even been reached.
        this.#set('empty', 'this replica holds no entries yet: nothing to send until it does (import, or repl init from another master)');
        await this.#signal.wait(60_000);
        continue;
      }
      this.#started = false;
      try {
        await this.#session(cfg);
        backoff = 1000;
      } catch (e) {
        if (e instanceof Stop || this.#stopped) continue;
        // A changed agreement file closed the session on purpose: a new one starts now.
        if (this.#restart) {
          this.status.lastResult = 'ended: agreement changed';
          backoff = 1000;
          continue;
        }
        // A session that got going and then broke starts the backoff over;
        // one that got as far as finding it needs an administrator does not.
        if (this.#started && !(e instanceof Final)) backoff = 1000;
        const msg = (e as Error).message;
        this.status.lastResult = msg;
        // Refusals and mismatches need an administrator; retry, but slowly.
        this.#set(e instanceof Final ? e.state : 'backoff', msg);
        // Commits do not cut the wait short (with steady writes every retry
        // would follow at once: a refused bind retried per commit soon locks
        // the manager DN); a changed agreement file or a stop does.
        const until = Date.now() + backoff * (0.75 + Math.random() / 2);
        while (!this.#stopped && !this.#restart && Date.now() < until) await this.#signal.wait(until - Date.now());
        // A needs-init or generation mismatch ends with `repl init` run
        // elsewhere: look again within seconds, so `repl status` shows the
        // agreement in sync soon after the init (a retry is one bind and start).
        const cap = e instanceof Final && e.state !== 'refused' ? 3_000 : 60_000;
        if (!this.#restart) backoff = Math.min(backoff * 2, cap);
      }
    }
  }

  async #connect(cfg: AgreementConfig): Promise<LdapClient> {
    const timeoutMs = answerTimeoutMs(cfg);
    const tls = cfg.transport === 'plain' ? undefined : peerTls(this.#ctx.config, cfg);
    // Groups queue behind each other on a slow link: the consumer is alive
    // while it answers them, however long the last of a window waits.
    const client = await LdapClient.connect(cfg.consumer, { tls, timeoutMs, connectTimeoutMs: 5000, timeoutSinceProgress: true });
    if (cfg.transport === 'starttls') {
      try {
        await client.startTls(tls);
      } catch (e) {
        client.close();
        throw tlsRefused(cfg, e as Error);
      }
    }
    return client;
  }

  async #session(cfg: AgreementConfig): Promise<void> {
    const ctx = this.#ctx;
    const store = ctx.store;
    // Looking again whether an administrator fixed it is not news: the
    // state stays until the answer changes (and is logged once).
    if (!WAITS_FOR_ADMIN.has(this.status.state)) this.#set('connecting', '');
    const client = await this.#connect(cfg).catch((e: Error) => {
      if (!(e instanceof Final) && /certificate|self.signed|unable to verify|SSL|TLS/i.test(e.message)) throw tlsRefused(cfg, e);
      throw e;
    });
    this.#client = client;
    client.onClose = () => this.#signal.notify();
    this.status.lastSessionStart = Date.now();
    // The start below names the generation this database has now.
    this.#replaced = false;
    try {
      try {
        await client.bind(cfg.bindDn, cfg.password);
      } catch (e) {
        if (e instanceof LdapError && e.code === RC.invalidCredentials) throw new Final('refused', `bind as ${cfg.bindDn} refused: invalid credentials`);
        throw e;
      }
      let start;
      try {
        start = unpack(
          (await client.extended(REPL_OID.start, pack({ v: PROTOCOL_VERSION, suffix: ctx.config.suffix, gen: store.generationId, rid: ctx.config.replicaId, url: ctx.urls[0], agreement: cfg.name, hb: cfg.heartbeatMs, rules: store.policySignature, ...writeTargets(ctx) }))).value,
          'start response',
        );
      } catch (e) {
        if (e instanceof LdapError && /generation mismatch/.test(e.message)) throw new Final('generation-mismatch', e.message);
        if (e instanceof LdapError && /merge policies differ|is this server's own/.test(e.message)) throw new Final('refused', `${cfg.consumer}: ${e.message}`);
        if (e instanceof LdapError && e.code === RC.insufficientAccessRights) throw new Final('refused', `${cfg.consumer} refused ${cfg.bindDn}: ${e.message}`);
        throw e;
      }
      this.#started = true;
      this.#fresh = undefined;
      const origin = originOf(start);
      // The consumer's own changes count as held (see withOrigin).
      const own = (ruv: Ruv): Ruv => withOrigin(ruv, origin, origin && store.ruv[String(origin.replicaId)]);
      // And so do those of masters that feed it directly (see leftToOrigins).
      let direct = directOf(start);
      const held = (ruv: Ruv): Ruv => leftToOrigins(own(ruv), direct);
      const told = (r: Record<string, unknown>): void => {
        const now = directOf(r);
        // A master stopped feeding it: what we left to it may be needed from us.
        if (direct.some((rid) => !now.includes(rid))) this.#fresh = undefined;
        direct = now;
      };
      let acked = (start.ruv ?? {}) as Ruv;
      let sent = acked;
      this.status.consumerRuv = acked;
      const inflight: Promise<void>[] = [];
      let failure: Error | undefined;
      let lastTraffic = Date.now();
      for (;;) {
        if (this.#stopped) throw new Stop();
        if (failure) throw failure;
        if (client.closed) throw new Error(`connection to ${cfg.consumer} lost`);
        if (this.#restart || this.#replaced || !inSchedule(this.#windows, new Date())) {
          await Promise.allSettled(inflight);
          await client.extended(REPL_OID.end).catch(() => undefined);
          this.status.lastResult = this.#restart ? 'ended: agreement changed' : this.#replaced ? 'ended: database replaced by a total update' : 'ended: schedule window closed';
          return;
        }
        while (inflight.length < cfg.windowSize) {
          sent = own(sent);
          const next = this.#lacking(held(sent), cfg.groupSize);
          // Some it lacks were trimmed here: the records after them would leave a hole.
          if (next.lacks) this.#needsInit(next.lacks, cfg);
          const batch: Change[] = fitBatch(next.changes, this.#budget);
          // The rest of a cut group comes from the changelog.
          if (batch.length < next.changes.length) this.#fresh = undefined;
          if (batch.length === 0) break;
          // What the batch continues from: the consumer refuses it if it holds less.
          const base = sent;
          for (const ch of batch) sent = ruvAdvance(sent, ch.csn);
          const body = packList(batch, cfg.compression);
          const seq = this.#seq++;
          const sentAt = Date.now();
          if (ctx.log.isLevelEnabled('debug')) ctx.log.debug({ agreement: cfg.name, seq, base, n: batch.length, first: batch[0]!.csn, last: batch[batch.length - 1]!.csn }, 'replication group sent');
          const p: Promise<void> = client
            .extended(REPL_OID.group, pack({ seq, base, ...body }))
            .then((r) => {
              const res = unpack(r.value, 'group response');
              const ruv = res.ruv as Ruv;
              told(res);
              acked = ruv;
              // What the consumer got from other suppliers need not come from us too.
              sent = ruvMerge(sent, ruv);
              this.status.consumerRuv = ruv;
              this.status.changesSent += batch.length;
              lastTraffic = Date.now();
              // Answered well within the timeout: larger groups may go again.
              if (lastTraffic - sentAt < answerTimeoutMs(cfg) / 4) this.#budget = Math.min(MAX_BATCH_BYTES, this.#budget * 2);
            })
            .catch((e: Error) => {
              // A group that could not cross the link in time would be sent
              // again, whole, after every reconnect, for ever: smaller ones
              // from now on (down to one change a group).
              if (e instanceof MeshdirError && e.code === 'MESHDIR_TIMEOUT') this.#budget = Math.max(MIN_BATCH_BYTES, Math.floor(this.#budget / 4));
              failure ??= e;
            })
            .finally(() => {
              inflight.splice(inflight.indexOf(p), 1);
              this.#signal.notify();
            });
          inflight.push(p);
        }
        this.#updateLag((this.#lagBase = held(acked)));
        if (inflight.length > 0) {
          this.#set('sending', '');
          await this.#signal.wait(cfg.heartbeatMs);
          continue;
        }
        this.#set('in-sync', '');
        this.status.lastResult = 'ok';
        // Changes left to a direct session that the consumer has not
        // acknowledged yet: ask again within a second whether they arrived,
        // or whether that session ended and they must come from us.
        let beat = ruvLacks(own(acked), store.ruv).length > 0 ? Math.min(cfg.heartbeatMs, 1000) : cfg.heartbeatMs;
        // A window closes on a minute: look then, not a heartbeat later.
        if (this.#windows !== 'always') beat = Math.min(beat, msToNextMinute());
        await this.#signal.wait(beat);
        if (Date.now() - lastTraffic >= beat && changesFor(store, held(sent), 1).changes.length === 0) {
          const r = await client.extended(REPL_OID.heartbeat);
          const res = unpack(r.value, 'heartbeat response');
          told(res);
          acked = res.ruv as Ruv;
          sent = ruvMerge(sent, acked);
          this.status.consumerRuv = acked;
          lastTraffic = Date.now();
        }
      }
    } finally {
      this.#fresh = undefined;
      this.#seq = 0;
      this.#client = undefined;
      client.close();
      this.status.lastSessionEnd = Date.now();
    }
  }

  #needsInit(ni: NeedsInit, cfg: AgreementConfig): never {
    throw new Final('needs-init', `consumer lacks changes of replica ${ni.replicaId} up to ${ni.csn} that were trimmed here (it has ${ni.have ?? 'none'}); run \`meshdir repl init --config ${this.#ctx.config.file} --agreement ${cfg.name}\``);
  }

  #seq = 0;
  /** Bytes a group may carry (before compression): cut after a group timed out on a slow link, grown back as groups are answered quickly. */
  #budget = MAX_BATCH_BYTES;
  /** The current session got past its start (the consumer accepted it). */
  #started = false;

  /**
   * Changes committed since a changelog read found everything the consumer
   * lacked (from the commit events, in commit order); undefined when the
   * next group must be read from the changelog.
   */
  #fresh: Change[] | undefined;

  /**
   * Up to `limit` changes a consumer holding `have` lacks, in CSN order.
   * Once a changelog read returned all it lacked, what it lacks next is
   * exactly what later commits applied: a session that keeps up sends
   * them from memory instead of reading them back from LMDB (on a
   * three-master mesh that read was ~360 µs of main-thread time per
   * change on each master).
   */
  #lacking(have: Ruv, limit: number): { changes: Change[]; lacks?: NeedsInit } {
    const fresh = this.#fresh;
    if (fresh !== undefined && fresh.length <= limit) {
      this.#fresh = [];
      return { changes: fresh.filter((ch) => !ruvCovers(have, ch.csn)).sort((a, b) => (a.csn < b.csn ? -1 : 1)) };
    }
    // Synchronous from here to the read: no commit event comes in between.
    this.#fresh = undefined;
    const next = changesFor(this.#ctx.store, have, limit);
    if (!next.lacks && next.changes.length < limit) this.#fresh = [];
    return next;
  }

  #lagAt = 0;

  /** Lag is read from the changelog at most once a second while the consumer is behind. */
  #updateLag(acked: Ruv): void {
    const store = this.#ctx.store;
    if (ruvLacks(acked, store.ruv).length === 0) {
      this.status.lagMs = 0;
      return;
    }
    const now = Date.now();
    if (now - this.#lagAt < 1000) return;
    this.#lagAt = now;
    this.status.lagMs = lagOf(store, acked, now);
  }
}

/** What an agreement's status carries over when its file turns invalid and valid again. */
export type Carried = Pick<AgreementStatus, 'changesSent' | 'consumerRuv' | 'lastSessionStart' | 'lastSessionEnd' | 'lastResult'>;

/** ms between the oldest change a consumer holding `acked` lacks and `now` (0 when it lacks none). */
export function lagOf(store: ServerContext['store'], acked: Ruv, now = Date.now()): number {
  if (ruvLacks(acked, store.ruv).length === 0) return 0;
  const { changes, lacks } = changesFor(store, acked, 1);
  const first = changes[0];
  // Trimmed changes it lacks are at least as old as the newest trimmed
  // one (needs-init): the lag is at least that, not 0.
  const oldest = lacks ? lacks.csn : first && !ruvCovers(acked, first.csn) ? first.csn : undefined;
  return oldest === undefined ? 0 : Math.max(0, now - csnTimeMs(oldest));
}

/** A TLS failure stops the agreement as refused; the client's message begins with the URL, which the status names once. */
function tlsRefused(cfg: AgreementConfig, e: Error): Final {
  const msg = e.message.startsWith(`${cfg.consumer}: `) ? e.message.slice(cfg.consumer.length + 2) : e.message;
  return new Final('refused', `TLS to ${cfg.consumer}: ${msg}`);
}

/**
 * TLS options for a session to an agreement's consumer: certificates are
 * checked against the agreement's `tlsCa`, else the server file's `tls.ca`
 * (as slapd's syncrepl falls back to the server's TLS CA), else the
 * system's CAs.
 */
export function peerTls(server: ServerConfig, cfg: AgreementConfig): ConnectionOptions {
  const o: ConnectionOptions = { rejectUnauthorized: !cfg.tlsInsecure };
  const ca = cfg.tlsCa ?? server.tls?.ca;
  if (ca) o.ca = readFileSync(ca);
  return o;
}

/**
 * A hub tells its consumers where writes go (its own referral targets, the
 * masters; none yet is said too, or its consumers would refer writes to
 * it); a master's URL says it already.
 */
function writeTargets(ctx: ServerContext): { refs?: string[] } {
  return ctx.config.role === 'master' ? {} : { refs: ctx.referrals() };
}

/** The `direct` list of a consumer's response (ignored when malformed: then nothing is left out). */
function directOf(res: Record<string, unknown>): number[] {
  const d = res.direct;
  return Array.isArray(d) && d.every((r) => Number.isInteger(r) && (r as number) > 0) ? (d as number[]) : [];
}

/** A master consumer's replicaId and floor from its start response (ignored when malformed). */
function originOf(start: Record<string, unknown>): Origin | undefined {
  const { rid, floor } = start;
  if (typeof rid !== 'number' || !Number.isInteger(rid) || rid < 1) return undefined;
  if (floor !== undefined && (typeof floor !== 'string' || !isCsn(floor))) return undefined;
  return floor === undefined ? { replicaId: rid } : { replicaId: rid, floor };
}
