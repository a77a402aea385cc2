// The consumer side of a replication session: extended operations accepted
// only from Replication Managers (DESIGN.md "Replication protocol" 1-5).
// Groups of one session are applied in the order they arrive, each in one
// transaction, and acknowledged with the durable RUV.
import { LdapError, ProtocolError, RC } from '../../errors.js';
import type { Connection } from '../../ldap/connection.js';
import type { ExtendedHandler, ServerContext } from '../../ldap/context.js';
import { EXOP, encodeExtendedResponse } from '../../ldap/pdu/index.js';
import { adoptGeneration, applyGroup, isPristine } from '../../store/replica.js';
import { stageCommitElsewhere } from '../../store/replace-worker.js';
import { discardStages, StageFile } from '../../store/stage.js';
import type { Change } from '../core/change.js';
import type { Ruv } from '../core/ruv.js';
import { decodeList, inflateList, pack, PROTOCOL_VERSION, REPL_OID, unpack, unpackList, type StartRequest, type StartResponse } from './protocol.js';
import { validateChange, validateRuv, validateStored } from './validate.js';

interface Session {
  supplier: string;
  agreement: string;
  /** The supplier's replicaId, when it is a master. */
  rid?: number;
  /** When it last sent a request, and how often it sends at least one (its heartbeat). */
  seen: number;
  beatMs: number;
  nextSeq: number;
  /** Groups apply one after another in arrival order. */
  chain: Promise<unknown>;
  /** ConsumerState.epoch when the session started. */
  epoch: number;
  /**
   * A group failed to apply: later groups of the session (already in the
   * window) must not apply, or the RUV would cover the failed group's
   * changes and they would never be sent again.
   */
  failed?: string;
  init?: { nextSeq: number; gen: string; ruv: Ruv; count: number; stage: StageFile };
}

export interface ConsumerState {
  /** Live sessions (closed connections are dropped as they are found). */
  sessions: Map<Connection, Session>;
  /**
   * Where writes go, when replication.referrals is empty: for each supplier
   * that started a session here (by its URL), the masters it names — itself
   * when it is a master, its own referral targets when it is a hub, so a
   * consumer of a hub refers clients to the masters, not to another
   * read-only server. Kept in the database (meta `referralUrls`), so a
   * restarted hub or consumer refers to them before any supplier is back.
   */
  suppliers: Set<string>;
  received: number;
  sessionsAccepted: number;
  refused: number;
  /**
   * Bumped when a total update replaces the database. A session started
   * before it continues from what it had sent, past the RUV just adopted:
   * its next group would leave a gap that the RUV then covers for ever.
   */
  epoch: number;
}

/** A total update's supplier waits 120 s for each answer (total-init.ts): silent longer, it is gone. */
const INIT_SILENCE_MS = 120_000;

export function registerConsumer(ctx: ServerContext): ConsumerState {
  const managers = new Set<string>();
  for (const m of ctx.config.replication.managers) {
    const n = ctx.schema.normalizeDN(m);
    if (n) managers.add(n);
  }
  const state: ConsumerState = { sessions: new Map(), suppliers: new Set(), received: 0, sessionsAccepted: 0, refused: 0, epoch: 0 };
  // A total update this server was receiving when it stopped is not resumed.
  discardStages(ctx.config.dataDir);
  const referralUrls = new Map<string, string[]>(Object.entries(storedReferrals(ctx.store.dbs.meta.get('referralUrls'))));
  const refresh = (): void => {
    state.suppliers.clear();
    for (const urls of referralUrls.values()) for (const u of urls) state.suppliers.add(u);
  };
  refresh();
  /** A supplier's write targets, remembered (and written down when they changed). */
  const remember = (supplier: string, urls: string[]): void => {
    const before = referralUrls.get(supplier);
    if (before && before.length === urls.length && before.every((u, i) => u === urls[i])) return;
    referralUrls.set(supplier, urls);
    refresh();
    const value = Object.fromEntries(referralUrls);
    ctx.store.write(() => {
      ctx.store.dbs.meta.put('referralUrls', value);
    }).catch((e: Error) => ctx.log.warn({ err: e.message }, 'could not store the masters\' URLs'));
  };

  const authorize = (conn: Connection, what: string): void => {
    if (conn.auth === 'anonymous' || !managers.has(conn.bindNdn) || !ctx.configTree.holds(conn.bindNdn)) {
      state.refused++;
      ctx.log.warn({ conn: conn.id, peer: conn.peer, bindDn: conn.bindDn || '(anonymous)', op: what }, 'replication refused: not a Replication Manager of this server');
      throw new LdapError(RC.insufficientAccessRights, 'replication is accepted only from this server\'s Replication Managers');
    }
  };

  /** A session start refused for what the supplier sent (not who it is): counted as refused too. */
  const refuse = (e: LdapError): LdapError => {
    state.refused++;
    return e;
  };

  const session = (conn: Connection): Session => {
    const s = state.sessions.get(conn);
    if (!s) throw new LdapError(RC.protocolError, 'no replication session: send start first');
    return s;
  };

  /** Why this incremental session may not apply anything more, if it may not. */
  const fenced = (s: Session): string | undefined => {
    if (s.failed) return `an earlier group of this session failed (${s.failed}); start a new session`;
    if (s.epoch !== state.epoch) return 'this database was replaced by a total update since the session started; start a new session';
    return undefined;
  };

  /** End a session that may not go on: the supplier reconnects and starts from the RUV. */
  const endSession = (conn: Connection, s: Session, why: string): void => {
    if (s.failed) return;
    s.failed = why;
    ctx.log.warn({ conn: conn.id, supplier: s.supplier, reason: why }, 'replication session ended');
    // The response to the current request goes out first; then the connection closes.
    setImmediate(() => {
      state.sessions.delete(conn);
      conn.close();
    });
  };

  const reply = (conn: Connection, id: number, oid: string, body: unknown): void => {
    conn.send(encodeExtendedResponse(id, RC.success, '', '', oid, pack(body)));
  };

  /**
   * The masters other than s's supplier that feed this replica their own
   * changes in a session of their own: s's supplier leaves their changes to
   * them (DESIGN.md "Replication protocol" 2: no two suppliers feed the
   * changes of one origin at once). Told in every response, so a supplier
   * takes an origin over within a heartbeat of its own session ending, or
   * of it going quiet for two of its heartbeats (a link that drops packets
   * without closing the connection).
   */
  const direct = (s: Session): number[] => {
    const rids: number[] = [];
    const now = Date.now();
    for (const [conn, o] of state.sessions) {
      if (conn.closed) state.sessions.delete(conn);
      else if (o !== s && o.rid !== undefined && o.rid !== s.rid && !o.init && !fenced(o) && now - o.seen <= 2 * o.beatMs) rids.push(o.rid);
    }
    return rids;
  };

  /** Bad input on the replication port ends the session (and the connection). */
  const broken = (conn: Connection, id: number, e: unknown): never => {
    const msg = e instanceof Error ? e.message : String(e);
    ctx.log.warn({ conn: conn.id, peer: conn.peer, reason: msg }, 'replication session closed: protocol error');
    conn.send(encodeExtendedResponse(id, RC.protocolError, '', msg));
    conn.send(encodeExtendedResponse(0, RC.protocolError, '', msg, EXOP.noticeOfDisconnection));
    state.sessions.delete(conn);
    conn.close();
    throw new HandledError();
  };

  /**
   * A total update is live while its supplier sends: one silent for longer
   * than the supplier's own request timeout (a link that stopped without
   * closing) is dropped, so it neither holds local writes back nor keeps
   * the next total update out until idleTimeout.
   */
  const liveInit = (c: Connection, o: Session): boolean => {
    if (!o.init) return false;
    if (Date.now() - o.seen <= INIT_SILENCE_MS) return true;
    state.sessions.delete(c);
    c.close('total update silent for 2 minutes');
    return false;
  };
  /** The live total update other than `conn`'s, if any (sessions of closed connections are dropped). */
  const otherInit = (conn: Connection): Session | undefined => {
    for (const [c, o] of state.sessions) {
      if (c.closed) state.sessions.delete(c);
      else if (c !== conn && liveInit(c, o)) return o;
    }
    return undefined;
  };
  // 389-DS takes the backend offline for a total update; here only what
  // would be lost is refused: a master of another generation keeps nothing
  // of its own (stageCommit), so a write acknowledged during the transfer
  // would vanish at its commit.
  ctx.store.localWritesRefused = () => {
    for (const [c, o] of state.sessions) {
      if (!c.closed && o.init && o.init.gen !== ctx.store.generationId && ctx.store.replicaId !== undefined && liveInit(c, o))
        return `a total update from ${o.supplier || 'a supplier'} is replacing this database (another generation); writes are refused until it ends`;
    }
    return undefined;
  };

  const handlers: ExtendedHandler[] = [
    {
      oid: REPL_OID.start,
      async handle(ctx, conn, id, value) {
        authorize(conn, 'start');
        let req: StartRequest;
        try {
          const o = unpack(value, 'start');
          if (typeof o.suffix !== 'string' || typeof o.gen !== 'string' || typeof o.url !== 'string') throw new ProtocolError('start: missing fields');
          req = o as unknown as StartRequest;
        } catch (e) {
          return broken(conn, id, e);
        }
        if (req.v !== PROTOCOL_VERSION) throw refuse(new LdapError(RC.unwillingToPerform, `replication protocol version ${req.v} not supported (this server speaks ${PROTOCOL_VERSION})`));
        if (ctx.schema.normalizeDN(req.suffix) !== ctx.store.suffixNdn) throw refuse(new LdapError(RC.unwillingToPerform, `this server holds ${ctx.config.suffix}, not ${req.suffix}`));
        // Every replica merges by these: two that differ would end up different, silently.
        if (typeof req.rules === 'string' && req.rules !== ctx.store.policySignature) {
          ctx.log.error({ supplier: req.url, theirs: req.rules, ours: ctx.store.policySignature }, 'replication session refused: merge policies differ');
          throw refuse(new LdapError(RC.unwillingToPerform, `merge policies differ: the supplier has ${req.rules}, this server ${ctx.store.policySignature} (replication.attributePolicies and uniqueAttributes must be the same on every server)`));
        }
        // Two masters issuing CSNs under one replicaId: each RUV would take
        // the other's changes for its own, and skip them (389-DS refuses it too).
        if (ctx.store.replicaId !== undefined && req.rid === ctx.store.replicaId) {
          ctx.log.error({ supplier: req.url, rid: req.rid }, 'replication session refused: the supplier has this server\'s replicaId');
          throw refuse(new LdapError(RC.unwillingToPerform, `replicaId ${req.rid} is this server's own: every master needs a replicaId of its own`));
        }
        let adopted = false;
        if (req.gen !== ctx.store.generationId) {
          if (!isPristine(ctx.store)) {
            throw refuse(new LdapError(RC.unwillingToPerform, `generation mismatch: supplier ${req.gen}, consumer ${ctx.store.generationId} (re-initialise with \`meshdir repl init\`)`));
          }
          await adoptGeneration(ctx.store, req.gen);
          adopted = true;
          ctx.log.info({ gen: req.gen, supplier: req.url }, 'empty database adopted the supplier\'s generation');
        }
        const beatMs = typeof req.hb === 'number' && req.hb > 0 ? req.hb : 10_000;
        const s: Session = { supplier: req.url, agreement: req.agreement, nextSeq: 0, chain: Promise.resolve(), epoch: state.epoch, seen: Date.now(), beatMs };
        if (typeof req.rid === 'number' && Number.isInteger(req.rid) && req.rid > 0) s.rid = req.rid;
        state.sessions.set(conn, s);
        remember(req.url, writeTargets(req));
        state.sessionsAccepted++;
        ctx.log.info({ conn: conn.id, supplier: req.url, agreement: req.agreement, rid: req.rid }, 'replication session started');
        const body: StartResponse = { gen: ctx.store.generationId, ruv: { ...ctx.store.ruv }, role: ctx.config.role, direct: direct(s) };
        if (adopted) body.adopted = true;
        if (ctx.store.replicaId !== undefined) {
          body.rid = ctx.store.replicaId;
          const floor = ctx.store.ownFloor();
          if (floor !== undefined) body.floor = floor;
        }
        reply(conn, id, REPL_OID.start, body);
      },
    },
    {
      oid: REPL_OID.group,
      async handle(ctx, conn, id, value) {
        authorize(conn, 'group');
        const s = session(conn);
        s.seen = Date.now();
        let changes: Change[];
        let base: Ruv;
        try {
          const o = unpack(value, 'group');
          if (o.seq !== s.nextSeq) throw new ProtocolError(`group ${String(o.seq)} out of order (expected ${s.nextSeq})`);
          base = validateRuv(o.base ?? {}, 'group base');
          changes = unpackList(o.z, o.data, 'group').map(validateChange);
          for (let i = 1; i < changes.length; i++) {
            if (changes[i]!.csn <= changes[i - 1]!.csn) throw new ProtocolError('group records are not in CSN order');
          }
        } catch (e) {
          return broken(conn, id, e);
        }
        const from = `${s.supplier} ${s.agreement} #${s.nextSeq++}`;
        const run = s.chain.then(() => {
          const why = fenced(s);
          if (why) throw new LdapError(RC.unwillingToPerform, why);
          return applyGroup(ctx.store, changes, base, from);
        });
        s.chain = run.catch((e: Error) => endSession(conn, s, e.message));
        const ruv = await run;
        state.received += changes.length;
        reply(conn, id, REPL_OID.group, { ruv, direct: direct(s) });
      },
    },
    {
      oid: REPL_OID.heartbeat,
      async handle(ctx, conn, id) {
        authorize(conn, 'heartbeat');
        const s = session(conn);
        s.seen = Date.now();
        await s.chain;
        const why = fenced(s);
        if (why) {
          endSession(conn, s, why);
          throw new LdapError(RC.unwillingToPerform, why);
        }
        reply(conn, id, REPL_OID.heartbeat, { ruv: ctx.store.ruv, direct: direct(s) });
      },
    },
    {
      oid: REPL_OID.end,
      async handle(ctx, conn, id) {
        authorize(conn, 'end');
        const s = state.sessions.get(conn);
        if (s) await s.chain;
        state.sessions.delete(conn);
        reply(conn, id, REPL_OID.end, { ruv: ctx.store.ruv });
      },
    },
    {
      oid: REPL_OID.initBegin,
      async handle(ctx, conn, id, value) {
        authorize(conn, 'init');
        let o: Record<string, unknown>;
        try {
          o = unpack(value, 'init');
          if (typeof o.gen !== 'string' || typeof o.ruv !== 'object' || o.ruv === null) throw new ProtocolError('init: missing fields');
          if (o.suffix !== undefined && ctx.schema.normalizeDN(String(o.suffix)) !== ctx.store.suffixNdn) throw new LdapError(RC.unwillingToPerform, `this server holds ${ctx.config.suffix}`);
        } catch (e) {
          if (e instanceof LdapError) throw e;
          return broken(conn, id, e);
        }
        // One total update at a time: the second would replace the database
        // under the first (and its begin removes the first's staged copy).
        const busy = otherInit(conn);
        if (busy) throw new LdapError(RC.busy, `a total update from ${busy.supplier || 'another supplier'} (agreement ${busy.agreement || '?'}) is in progress; run this one when it has ended`);
        const stage = StageFile.create(ctx.config.dataDir);
        state.sessions.set(conn, { supplier: String(o.url ?? ''), agreement: String(o.agreement ?? ''), nextSeq: 0, chain: Promise.resolve(), epoch: state.epoch, seen: Date.now(), beatMs: 0, init: { nextSeq: 0, gen: o.gen as string, ruv: o.ruv as Ruv, count: 0, stage } });
        ctx.log.info({ conn: conn.id, supplier: o.url, entries: o.total }, 'total update started');
        reply(conn, id, REPL_OID.initBegin, {});
      },
    },
    {
      oid: REPL_OID.initChunk,
      async handle(ctx, conn, id, value) {
        authorize(conn, 'init');
        const s = session(conn);
        if (!s.init) return broken(conn, id, new ProtocolError('init chunk without init begin'));
        s.seen = Date.now();
        const init = s.init;
        let raw: Buffer;
        let count: number;
        try {
          const o = unpack(value, 'init chunk');
          if (o.seq !== init.nextSeq) throw new ProtocolError(`init chunk ${String(o.seq)} out of order (expected ${init.nextSeq})`);
          raw = inflateList(o.z, o.data, 'init chunk');
          // Checked now, so a bad chunk ends the session before anything is
          // staged; staged as received, so it is packed only once.
          count = decodeList(raw, 'init chunk').map(validateStored).length;
        } catch (e) {
          return broken(conn, id, e);
        }
        init.nextSeq++;
        const run = s.chain.then(() => init.stage.append(raw));
        s.chain = run.catch(() => undefined);
        try {
          await run;
        } catch (e) {
          // A full disk, say: what was staged goes now, not at the next total update.
          state.sessions.delete(conn);
          init.stage.discard();
          throw e;
        }
        init.count += count;
        reply(conn, id, REPL_OID.initChunk, { count: init.count });
      },
    },
    {
      oid: REPL_OID.initEnd,
      async handle(ctx, conn, id) {
        authorize(conn, 'init');
        const s = session(conn);
        if (!s.init) return broken(conn, id, new ProtocolError('init end without init begin'));
        // Committing: live however long the swap takes.
        s.seen = Number.POSITIVE_INFINITY;
        const init = s.init;
        await s.chain;
        // Before the swap is queued, so a group checked after it waits for a
        // new session; and again after it, for sessions that started while it
        // committed (they were told the RUV it replaced).
        state.epoch++;
        ctx.log.info({ conn: conn.id, entries: init.count, stagedBytes: init.stage.size }, 'total update received: replacing the database');
        let r: { n: number; discarded: number };
        try {
          init.stage.close();
          r = await stageCommitElsewhere(ctx.store, { config: ctx.config, schema: ctx.store.schema.files, stage: init.stage.path, gen: init.gen, ruv: init.ruv, expected: init.count }).finally(() => state.epoch++);
        } finally {
          state.sessions.delete(conn);
          init.stage.discard();
        }
        const n = r.n;
        if (r.discarded > 0) ctx.log.warn({ conn: conn.id, discarded: r.discarded, gen: init.gen }, 'total update from another generation: changes of this master that the copy lacks were discarded');
        ctx.log.info({ conn: conn.id, entries: n, gen: init.gen }, 'total update done: database replaced');
        reply(conn, id, REPL_OID.initEnd, { count: n, ruv: ctx.store.ruv, discarded: r.discarded });
      },
    },
  ];
  for (const h of handlers) ctx.extended.set(h.oid, wrap(h, ctx));
  return state;
}

/** At most this many URLs per supplier are kept as referral targets. */
const MAX_REFS = 16;

function isLdapUrl(u: unknown): u is string {
  return typeof u === 'string' && u.length < 1024 && /^ldaps?:\/\/[^\s]+$/i.test(u);
}

/** Where a supplier says writes go: the masters a hub names (perhaps none yet), or a master itself. */
function writeTargets(req: StartRequest): string[] {
  return Array.isArray(req.refs) ? req.refs.filter(isLdapUrl).slice(0, MAX_REFS) : [req.url];
}

function storedReferrals(v: unknown): Record<string, string[]> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
  const out: Record<string, string[]> = {};
  for (const [k, urls] of Object.entries(v as Record<string, unknown>)) {
    if (Array.isArray(urls)) out[k] = urls.filter(isLdapUrl);
  }
  return out;
}

/** The response for this request was already sent (and the connection closed). */
class HandledError extends Error {}

/** Handlers answer themselves; errors become the extended response here. */
function wrap(h: ExtendedHandler, ctx: ServerContext): ExtendedHandler {
  return {
    oid: h.oid,
    async handle(c, conn, id, value) {
      try {
        await h.handle(c, conn, id, value);
      } catch (e) {
        if (e instanceof HandledError) return;
        if (e instanceof LdapError) conn.send(encodeExtendedResponse(id, e.code, e.matchedDN, e.message));
        else {
          ctx.log.error({ err: e }, 'replication request failed');
          conn.send(encodeExtendedResponse(id, RC.other, '', 'internal error'));
        }
      }
    },
  };
}
