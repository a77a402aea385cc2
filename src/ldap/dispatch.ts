// Routes each decoded message to its operation, answers it, and writes one
// access-log line per operation (like slapd's `loglevel stats`).
import { formatFilter } from '../dit/filter.js';
import { RC } from '../errors.js';
import { recEntry } from '../store/record.js';
import { holdsConnection, type Connection, type Session } from './connection.js';
import type { ServerContext } from './context.js';
import { bind } from './ops/bind.js';
import { compare } from './ops/compare.js';
import { extended } from './ops/extended.js';
import { search, searchDone, type SearchResult } from './ops/search.js';
import { add, del, modify, modrdn } from './ops/update.js';
import { supportedControls } from './ops/virtual.js';
import { CONTROL, EXOP, OP, encodeExtendedResponse, type Control, type LdapMessage, type Request } from './pdu/index.js';
import { requester } from './proxy.js';
import { requireOriginal } from './search-controls.js';
import { outcomeOf, sendOutcome, SUCCESS, type Outcome } from './respond.js';

/** slapd's short operation names in its stats log. */
const LOG_NAME: Record<string, string> = {
  bind: 'BIND', unbind: 'UNBIND', search: 'SRCH', modify: 'MOD', add: 'ADD', delete: 'DEL', modrdn: 'MODRDN',
  compare: 'CMP', abandon: 'ABANDON', extended: 'EXT', invalid: 'INVALID',
};

/** Response tags for well-framed requests that failed to decode. */
const RESPONSE_FOR: Record<number, string> = {
  [OP.bindRequest]: 'bind', [OP.searchRequest]: 'search', [OP.modifyRequest]: 'modify', [OP.addRequest]: 'add',
  [OP.delRequest]: 'delete', [OP.modDNRequest]: 'modrdn', [OP.compareRequest]: 'compare', [OP.extendedRequest]: 'extended',
};

/** Controls the operations act on: those the root DSE lists, and domainScope, noop, relax and permissive modify, which slapd takes without listing them. */
const SUPPORTED = new Set([...supportedControls(), CONTROL.domainScope, CONTROL.noop, CONTROL.relax, CONTROL.permissiveModify]);
/**
 * Controls slapd's frontend parses, for these operations, but its back-mdb
 * does not implement: tree delete (a Microsoft control; `ldapdelete -r`
 * does not send it, it deletes entry by entry).
 */
const NOT_IN_CONTEXT = new Map<string, Set<string>>([[CONTROL.treeDelete, new Set(['delete'])]]);
/** Controls that only some operations take. */
const ONLY_FOR = new Map<string, Set<string>>([
  [CONTROL.pagedResults, new Set(['search'])],
  // RFC 4528: operations with a target entry to test.
  [CONTROL.assertion, new Set(['search', 'add', 'modify', 'delete', 'modrdn', 'compare'])],
  // RFC 4527.
  [CONTROL.preRead, new Set(['modify', 'delete', 'modrdn'])],
  [CONTROL.postRead, new Set(['add', 'modify', 'modrdn'])],
  [CONTROL.subentries, new Set(['search'])],
  [CONTROL.matchedValues, new Set(['search'])],
  [CONTROL.domainScope, new Set(['search'])],
  // slapd takes noop on reads too (and does nothing with it there).
  [CONTROL.noop, new Set(['search', 'compare', 'add', 'modify', 'delete', 'modrdn'])],
  [CONTROL.manageDsaIT, new Set(['search', 'compare', 'add', 'modify', 'delete', 'modrdn'])],
  [CONTROL.relax, new Set(['add', 'modify', 'delete', 'modrdn'])],
  // Microsoft's permissive modify; slapd honours it on modify only.
  [CONTROL.permissiveModify, new Set(['modify'])],
  [CONTROL.dontUseCopy, new Set(['search', 'compare'])],
  // RFC 4370: not bind (nor the extended operations proxy.ts refuses).
  [CONTROL.proxiedAuthz, new Set(['search', 'add', 'modify', 'delete', 'modrdn', 'compare', 'extended'])],
]);

/** A search a cancel stopped (RFC 3909). */
const CANCELED: Outcome = { code: RC.canceled, matchedDN: '', message: '' };

function targetOf(op: Request): string {
  switch (op.type) {
    case 'bind':
    case 'modify':
    case 'add':
    case 'delete':
    case 'modrdn':
    case 'compare':
      return 'dn' in op ? op.dn : op.name;
    case 'search':
      return op.base;
    case 'extended':
      return op.oid;
    default:
      return '';
  }
}

export function dispatch(ctx: ServerContext, conn: Connection, msg: LdapMessage): void {
  // A bind or StartTLS holds the connection's reading until it ends (see
  // Connection#onData); an accepted StartTLS reads on once TLS is up.
  run(ctx, conn, msg, holdsConnection(msg) ? () => conn.resume() : () => {});
}

function run(ctx: ServerContext, conn: Connection, msg: LdapMessage, release: () => void): void {
  const op = msg.op;
  const started = performance.now();
  ctx.counters.ops[op.type] = (ctx.counters.ops[op.type] ?? 0) + 1;
  let proxied: string | undefined;
  const access = (code: number, extra?: Record<string, unknown>): void => {
    if (!ctx.config.log.access) return;
    ctx.log.info({ conn: conn.id, op: LOG_NAME[op.type], msgid: msg.id, dn: targetOf(op), authzid: proxied, ...extra, err: code, ms: +(performance.now() - started).toFixed(3) }, 'op');
  };

  switch (op.type) {
    case 'unbind':
      access(0);
      conn.close();
      return;
    case 'abandon':
      // RFC 4511 §4.1.11: an operation with a critical control the server
      // cannot honour is not performed; an abandon has no answer to say so.
      if (msg.controls.some((c) => c.critical && !SUPPORTED.has(c.oid))) {
        access(RC.unavailableCriticalExtension, { target: op.id });
        return;
      }
      conn.abandon(op.id);
      access(0, { target: op.id });
      return;
    case 'invalid': {
      const type = RESPONSE_FOR[op.tag];
      access(RC.protocolError, { reason: op.reason });
      if (type && !op.disconnect) sendOutcome(conn, msg.id, type, { code: RC.protocolError, matchedDN: '', message: op.reason });
      else {
        // Not an operation we know, or not one we can read: tell the client why and hang up (RFC 4511 §4.1.1, §4.4.1).
        ctx.log.warn({ conn: conn.id, peer: conn.peer, msgid: msg.id, reason: op.reason }, 'closing connection: malformed request');
        conn.send(encodeExtendedResponse(0, RC.protocolError, '', op.reason, EXOP.noticeOfDisconnection));
        conn.close();
      }
      return;
    }
  }

  for (const c of msg.controls) {
    const supported = SUPPORTED.has(c.oid);
    if (c.critical && !(supported && (ONLY_FOR.get(c.oid)?.has(op.type) ?? true))) {
      access(RC.unavailableCriticalExtension, { control: c.oid });
      // slapd's texts: a control it does not know at all, one its backend
      // lacks, or one it knows but not with this operation.
      const elsewhere = NOT_IN_CONTEXT.get(c.oid);
      const message = !supported && elsewhere === undefined
        ? 'critical extension is not recognized'
        : elsewhere?.has(op.type)
          ? 'critical control unavailable in context'
          : 'critical extension is unavailable';
      sendOutcome(conn, msg.id, op.type, { code: RC.unavailableCriticalExtension, matchedDN: '', message });
      release();
      return;
    }
  }
  if (conn.outstanding.size >= ctx.config.limits.maxOpsPerConnection) {
    access(RC.busy);
    sendOutcome(conn, msg.id, op.type, { code: RC.busy, matchedDN: '', message: 'too many outstanding operations on this connection' });
    release();
    return;
  }

  let who: Session;
  try {
    who = requester(ctx, conn, op, msg.controls);
    if (op.type === 'search') requireOriginal(ctx, msg.controls, op.base, op.scope);
    else if (op.type === 'compare') requireOriginal(ctx, msg.controls, op.dn);
  } catch (e) {
    const o = outcomeOf(e, ctx.log);
    access(o.code);
    sendOutcome(conn, msg.id, op.type, o);
    release();
    return;
  }
  if (who !== conn) proxied = who.auth === 'anonymous' ? 'anonymous' : who.bindDn;

  const state = conn.begin(msg.id, op.type === 'extended' ? op.oid : op.type);
  const finish = (o: Outcome, extra?: Record<string, unknown>, ext?: { oid?: string; value?: Buffer }, controls?: Control[]): void => {
    conn.end(msg.id, state);
    access(o.code, extra);
    if (!state.abandoned) sendOutcome(conn, msg.id, op.type, o, controls?.length ? controls : undefined, ext);
  };
  const written = (controls: Control[]): void => finish(SUCCESS, undefined, undefined, controls);
  const fail = (e: unknown): void => finish(disclosed(ctx, who, outcomeOf(e, ctx.log)));

  try {
    switch (op.type) {
      case 'search': {
        const done = (r: SearchResult): void => {
          conn.end(msg.id, state);
          access(r.code, { scope: op.scope, filter: formatFilter(op.filter), nentries: r.entries });
          if (r.code >= 0 && !state.abandoned) conn.send(searchDone(msg.id, r));
          else if (state.canceled) sendOutcome(conn, msg.id, 'search', CANCELED);
        };
        const failed = (e: unknown): void => {
          conn.end(msg.id, state);
          const o = disclosed(ctx, who, outcomeOf(e, ctx.log));
          access(o.code, { scope: op.scope, filter: formatFilter(op.filter), nentries: 0 });
          if (!state.abandoned) sendOutcome(conn, msg.id, 'search', o);
          else if (state.canceled) sendOutcome(conn, msg.id, 'search', CANCELED);
        };
        // Most searches finish synchronously: answered within this turn, no promise.
        let r: SearchResult | Promise<SearchResult>;
        try {
          r = search(ctx, conn, who, msg.id, op, msg.controls, state);
        } catch (e) {
          failed(e);
          return;
        }
        if (r instanceof Promise) r.then(done, failed);
        else done(r);
        return;
      }
      case 'bind':
        // RFC 4511 §4.2.1: operations still running complete first (slapd
        // abandons them; a write may be past the point of no return, and its
        // client is owed its answer).
        conn
          .whenOthersDone(msg.id)
          .then(() => bind(ctx, conn, op))
          .then(() => finish(SUCCESS, { method: op.auth.kind }), fail)
          .finally(release);
        return;
      case 'add':
        add(ctx, who, op, msg.controls).then(written, fail);
        return;
      case 'modify':
        modify(ctx, who, op, msg.controls).then(written, fail);
        return;
      case 'delete':
        del(ctx, who, op.dn, msg.controls).then(written, fail);
        return;
      case 'modrdn':
        modrdn(ctx, who, op, msg.controls).then(written, fail);
        return;
      case 'compare':
        finish({ code: compare(ctx, who, op, msg.controls), matchedDN: '', message: '' });
        return;
      case 'extended':
        extended(ctx, conn, who, msg.id, op).then((r) => {
          if (r === 'handled') {
            conn.end(msg.id, state);
            access(0, { oid: op.oid });
            release();
            return;
          }
          finish(SUCCESS, { oid: op.oid }, r);
          if (r.after) {
            conn.flushNow();
            r.after();
          } else release();
        }, (e) => {
          fail(e);
          release();
        });
        return;
    }
  } catch (e) {
    fail(e);
    release();
  }
}

/** A matched DN names an entry: only one the requester may find (slapd checks "disclose" on it). */
function disclosed(ctx: ServerContext, who: Session, o: Outcome): Outcome {
  if (!o.matchedDN || !ctx.access.ruled || ctx.access.isRoot(who)) return o;
  const ndn = ctx.schema.normalizeDN(o.matchedDN);
  if (ndn === undefined || !ctx.store.inSuffix(ndn)) return o;
  const rec = ctx.store.byNdn(ndn);
  return rec && ctx.access.discloses(who, ndn, recEntry(rec)) ? o : { ...o, matchedDN: '' };
}
