// Search (RFC 4511 §4.5): index lookup or scope walk, filter, access,
// limits, paged results (RFC 2696). Entries leave as their pre-encoded
// attribute run wrapped in a SearchResultEntry; nothing is re-encoded on
// the common path.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { formatDN, parseDN } from '../../dit/dn.js';
import type { Entry } from '../../dit/entry.js';
import type { Filter } from '../../dit/filter-types.js';
import { LdapError, RC } from '../../errors.js';
import { FLAG_CONFLICT, isAlias, recEntry, USER_PASSWORD, type EntryRec } from '../../store/record.js';
import type { Connection, Session } from '../connection.js';
import type { ServerContext } from '../context.js';
import { COOKIE_BYTES, type PagedState } from '../paged.js';
import { CONTROL, decodePagedResults, encodeResult, encodeSearchEntry, encodeSearchReference, OP, pagedResultsControl, type Control, type SearchRequest } from '../pdu/index.js';
import { encodeKept, encodeSelected, makeSelection, type Selection } from '../selection.js';
import { virtualEntry, virtualSearch } from './virtual.js';
import { assertionOf } from '../assertion.js';
import { guardFilter } from '../filter-access.js';
import { filterTypes } from '../../schema/filter.js';
import { matchedValues } from '../matched-values.js';
import { withSubentries } from '../search-controls.js';
import { checkSearchBase, continuation, hiddenFrom, referralsInSearch } from '../referral.js';
import { unionAll } from '../../store/store.js';

const TRUE = Buffer.from('TRUE');
const FALSE = Buffer.from('FALSE');
const SUBSCHEMA = [Buffer.from('cn=Subschema')];
/** Entries handled before the loop yields to other connections. */
const BATCH = 512;
/** Nor longer than this (ms): one entry against a filter of 100,000 items takes milliseconds. */
const SLICE_MS = 20;
export interface SearchResult {
  code: number;
  matchedDN: string;
  message: string;
  entries: number;
  controls?: Control[];
}

/** Does the filter name an attribute of type `name` (any option)? */
function names(ctx: ServerContext, f: Filter, name: string): boolean {
  switch (f.type) {
    case 'and':
    case 'or':
      return f.filters.some((x) => names(ctx, x, name));
    case 'not':
      return names(ctx, f.filter, name);
    default: {
      const attr = f.attr;
      return attr !== undefined && ctx.schema.canonicalDescription(attr)?.type.name === name;
    }
  }
}

/**
 * The search as a whole; the caller turns errors into the SearchResultDone.
 * Answers synchronously when it can (the common, small search); a long one
 * continues in batches so other connections are served meanwhile.
 */
export function search(ctx: ServerContext, conn: Connection, who: Session, id: number, req: SearchRequest, controls: Control[], op: { abandoned: boolean }): SearchResult | Promise<SearchResult> {
  const store = ctx.store;
  const root = ctx.access.isRoot(who);
  let ndn: string;
  try {
    ndn = store.normalize(req.base);
  } catch (e) {
    // slapd reports a base that is not a DN as invalidDNSyntax.
    throw e instanceof LdapError ? new LdapError(RC.invalidDNSyntax, 'invalid DN') : e;
  }
  const sel = makeSelection(ctx.schema, req.attributes, req.typesOnly);
  sel.values = matchedValues(ctx.schema, controls);
  if (sel.values) sel.plain = false;
  const asserted = assertionOf(ctx, who, controls);
  if (!store.inSuffix(ndn)) {
    asserted?.(virtualEntry(ctx, who, ndn, req.base), ndn);
    return virtualSearch(ctx, conn, who, id, req, ndn, sel);
  }
  ctx.access.checkRead(who);

  // Only the base's id is needed unless it is itself a result.
  let baseId = store.idOf(ndn);
  // A referral object a rule hides refers nobody (its URLs would tell of it).
  const hidden = hiddenFrom(ctx.access, who);
  checkSearchBase(ctx.schema, store, req.base, baseId, req.scope, controls, hidden);
  let baseDn = req.base;
  if (baseId === undefined && req.deref & DEREF_FINDING) ({ baseDn, ndn, baseId } = throughAliases(ctx, baseDn));
  if (baseId === undefined) throw new LdapError(RC.noSuchObject, '', store.matchedDN(parseDN(baseDn)));
  let base: Base = { id: baseId, ndn };
  if (req.deref & DEREF_FINDING) base = derefBase(ctx, base);
  const ruled = ctx.access.ruled && !root;
  // slapd needs "search" access to the base entry; without it the base is
  // as good as missing (noSuchObject, no matched DN), so a hidden entry's
  // existence does not show.
  if (ruled || asserted) {
    const baseEntry = recEntry(store.byId(base.id)!);
    if (ruled && !ctx.access.allows(who, 'search', base.ndn, baseEntry)) throw new LdapError(RC.noSuchObject, '');
    asserted?.(baseEntry, base.ndn);
  }
  // Aliases in scope stand for their objects (RFC 4511 §4.5.1.3); with no
  // alias in the database (the objectClass index says so) nothing changes.
  const aliases = (req.deref & DEREF_SEARCHING) !== 0 && req.scope !== 0 ? store.classIds('alias') : [];
  const derefSearching = aliases === undefined || aliases.length > 0;

  const control = controls.find((c) => c.oid === CONTROL.pagedResults);
  let paged = control === undefined ? undefined : pagedRequest(control);
  const serverSize = root ? 0 : ctx.config.limits.sizeLimit;
  // As slapd 2.5 (no `size.prtotal`): the size limit counts the entries of
  // every page, so paging does not get round it, and a new paged search
  // whose page is as large as the client's limit, or larger than the
  // server's, is an ordinary search.
  if (paged && paged.cookie.length === 0 && ((req.sizeLimit > 0 && paged.size >= req.sizeLimit) || (serverSize > 0 && paged.size > serverSize))) paged = undefined;
  const sizeLimit = minLimit(req.sizeLimit, serverSize);
  const serverTime = root ? 0 : Math.ceil(ctx.config.limits.timeLimit / 1000);
  const timeLimit = minLimit(req.timeLimit, serverTime);
  const deadline = timeLimit > 0 ? Date.now() + timeLimit * 1000 : Infinity;
  const showConflicts = names(ctx, req.filter, 'meshdirConflict');
  const pwVisible = ctx.access.passwordVisible(who);
  const asked = withSubentries(controls, req.filter);
  const filter = guardFilter(ctx, who, asked);
  // An index's exact answer knows nothing of access: it decides alone only
  // where the requester may test every attribute the filter names.
  const indexDecides = root || (!ruled && !names(ctx, req.filter, USER_PASSWORD));
  // Without access rules a filter sees only the types it names: decode those alone.
  const needs = ruled ? undefined : filterTypes(asked, ctx.schema);
  // Attributes computed when read, which filters may still test (as in slapd).
  const wantsSubordinates = names(ctx, req.filter, 'hasSubordinates');
  const wantsSubschema = names(ctx, req.filter, 'subschemaSubentry');
  // Candidates the filter decides on are tested before they are copied out
  // of LMDB (most are rejected); not when testing reads LMDB (hasSubordinates).
  const peek = needs !== undefined && !wantsSubordinates;
  const filterView = (rec: EntryRec): Entry => {
    const e = needs ? { dn: rec.dn, attrs: rec.pick(needs) } : recEntry(rec);
    if (!pwVisible) e.attrs.delete(USER_PASSWORD);
    if (wantsSubordinates) e.attrs.set('hasSubordinates', [store.hasChildren(rec.id) ? TRUE : FALSE]);
    if (wantsSubschema) e.attrs.set('subschemaSubentry', SUBSCHEMA);
    return e;
  };

  // Candidates: an index answer (sorted ids) or a walk of the scope.
  let ids: Iterable<number>;
  let exact = false;
  let state: PagedState | undefined;
  let pageSize = 0;
  if (paged) {
    pageSize = paged.size;
    if (paged.cookie.length > 0) {
      state = ctx.paged.take(conn.paged, paged.cookie);
      // As slapd: a cookie that cannot be this connection's (not of our
      // length, or another connection's) is a protocol error; one that was
      // (used up, or dropped as the oldest) is refused.
      if (!state && (paged.cookie.length !== COOKIE_BYTES || ctx.paged.holds(paged.cookie))) throw new LdapError(RC.protocolError, 'paged results cookie is invalid');
      if (!state) throw new LdapError(RC.unwillingToPerform, 'paged results cookie is invalid');
    }
    // Size 0 ends a paged search, or (a new one: slapd's "estimate only")
    // asks for no entries: none sent, nothing to continue.
    if (pageSize === 0) return { code: RC.success, matchedDN: '', message: '', entries: 0, controls: [pagedResultsControl(0, Buffer.alloc(0))] };
  }
  const referral = referralsInSearch(ctx.schema, store, req.scope, controls);
  if (state === undefined) {
    let idx = req.scope === 0 ? undefined : store.indexCandidates(asked);
    // Referral objects in scope are sent whatever the filter.
    const refIds = referral && store.classIds('referral');
    if (idx && refIds) idx = { ids: unionAll([idx.ids, refIds]), exact: idx.exact };
    if (derefSearching && !(idx && aliases)) {
      ids = derefScopeIds(ctx, base, req.scope);
    } else if (idx) {
      ids = derefSearching ? [...derefCandidates(ctx, base, req.scope, idx.ids, aliases!)] : idx.ids;
      exact = idx.exact;
      // slapd's back-mdb walks the scope instead when it holds fewer entries
      // than the index gives candidates, and sends what the walk meets in
      // the walk's order: so does meshdir, for the same order.
      if (!derefSearching && walkIsSmaller(ctx, base, req.scope, idx.ids.length)) ids = inCandidates(scopeIds(ctx, base, req.scope), idx.ids);
    } else {
      ids = scopeIds(ctx, base, req.scope);
    }
    if (paged) state = { ids: Uint32Array.from(ids), pos: 0, exact, sent: 0 };
  }
  if (state) {
    ids = state.ids.subarray(state.pos);
    exact = state.exact;
  }
  // The index answered the first page's filter as it was then: a later
  // page tests each candidate again (an entry may have changed since, or
  // the cookie come with another filter), as slapd does.
  const decided = exact && indexDecides && (state === undefined || state.pos === 0);

  let sent = 0;
  const earlier = state?.sent ?? 0;
  let examined = 0;
  const lookThrough = root ? 0 : ctx.config.limits.lookThroughLimit;
  const it = ids![Symbol.iterator]();
  // A walk of the scope reads LMDB through a cursor, and a cursor keeps its
  // read transaction: a search that ends before the walk does (a size or
  // time limit, a full page, an abandon) must close it, or LMDB can reuse
  // no page freed after that snapshot and data.mdb grows with every write
  // (a soak: 8 MB → 1.2 GB in two minutes).
  const release = (): void => void it.return?.();

  const finish = (result?: SearchResult): SearchResult => {
    release();
    ctx.counters.entriesSent += sent;
    const res: SearchResult = result ?? { code: RC.success, matchedDN: '', message: '', entries: sent };
    if (state) state.sent += sent;
    // slapd ends a paged search that hit the size limit without a paged results control.
    if (paged && res.code !== RC.sizeLimitExceeded) {
      const more = state && state.pos < state.ids.length && res.code === RC.success;
      res.controls = [pagedResultsControl(0, more ? ctx.paged.keep(conn.paged, state!) : Buffer.alloc(0))];
    }
    return res;
  };

  /** Up to BATCH candidates; the result when done, undefined to go on later. */
  const run = (): SearchResult | undefined => {
    const until = performance.now() + SLICE_MS;
    for (let n = 0; n < BATCH; n++) {
      if ((n & 7) === 7 && performance.now() > until) return undefined;
      const next = it.next();
      if (next.done) return finish();
      const eid = next.value;
      examined++;
      if (state) state.pos++;
      if (lookThrough > 0 && !exact && examined > lookThrough) {
        return finish({ code: RC.adminLimitExceeded, matchedDN: '', message: 'look-through limit exceeded (add an index)', entries: sent });
      }
      const look = peek && !decided;
      let rec: EntryRec | undefined = look ? store.peekId(eid) : store.byId(eid);
      if (!rec) continue;
      if (!derefSearching && !inScope(rec, base, req.scope)) continue;
      if (referral?.(rec)) {
        if (look) rec = store.byId(eid)!;
        if (hidden?.(rec)) continue;
        const urls = continuation(ctx.schema, rec, req.scope, controls);
        if (urls.length > 0) conn.send(encodeSearchReference(id, urls));
        continue;
      }
      if (rec.flags & FLAG_CONFLICT && req.scope !== 0 && !showConflicts) continue;
      if (!decided && filter(rec.ndn, filterView(rec)) !== true) continue;
      if (look) rec = store.byId(eid)!;
      // Before the limits: an entry the requester may not see must not count.
      if (ruled && !ctx.access.allows(who, 'search', rec.ndn, recEntry(rec))) continue;
      // A page ends at the next entry to send, as slapd's: when none is
      // left, the last page says so (an empty cookie), not a page after it.
      if (pageSize > 0 && sent >= pageSize) {
        state!.pos--;
        return finish();
      }
      if (sizeLimit > 0 && earlier + sent >= sizeLimit) {
        return finish({ code: RC.sizeLimitExceeded, matchedDN: '', message: '', entries: sent });
      }
      conn.send(encodeSearchEntry(id, rec.dn, entryChunks(ctx, rec, sel, pwVisible, ruled ? who : undefined)));
      sent++;
    }
    return undefined;
  };

  const step = (): SearchResult | undefined => {
    try {
      return run();
    } catch (e) {
      release();
      throw e;
    }
  };
  const first = step();
  if (first) return first;
  return (async (): Promise<SearchResult> => {
    for (;;) {
      await yieldToLoop();
      if (conn.writableNeedDrain) await conn.whenDrained();
      if (op.abandoned || conn.closed) {
        release();
        return { code: -1, matchedDN: '', message: 'abandoned', entries: sent };
      }
      if (Date.now() > deadline) return finish({ code: RC.timeLimitExceeded, matchedDN: '', message: '', entries: sent });
      const r = step();
      if (r) return r;
    }
  })();
}

/** What a search needs of its base: not the entry itself. */
interface Base {
  id: number;
  ndn: string;
}

// derefAliases (RFC 4511 §4.5.1.3): 1 in searching, 2 in finding the base, 3 always.
const DEREF_SEARCHING = 1;
const DEREF_FINDING = 2;

/** The normalized aliasedObjectName of an alias entry (null if unusable); undefined if not an alias. */
function aliasTarget(ctx: ServerContext, rec: EntryRec): string | null | undefined {
  if (!isAlias(ctx.schema, rec)) return undefined;
  const target = rec.attrs.find(([k]) => k === 'aliasedObjectName')?.[1][0];
  return target === undefined ? null : (ctx.schema.normalizeDN(target.toString('utf8')) ?? null);
}

/** The object an alias chain ends at, or why there is none (a dangling or circular alias). */
function follow(ctx: ServerContext, id: number): { id: number; ndn: string } | { problem: string } {
  const seen = new Set<number>();
  for (;;) {
    const rec = ctx.store.byId(id);
    if (!rec) return { problem: 'aliasedObject not found' };
    const target = aliasTarget(ctx, rec);
    if (target === undefined) return { id, ndn: rec.ndn };
    seen.add(id);
    const next = target === null ? undefined : ctx.store.idOf(target);
    if (next === undefined) return { problem: 'aliasedObject not found' };
    if (seen.has(next)) return { problem: 'circular alias' };
    id = next;
  }
}

/**
 * A missing base below an alias, found through it as slapd's back-mdb
 * finds it: the RDNs below the alias put in front of the alias's object,
 * again while the nearest existing superior is an alias. The base as it
 * was (id undefined) when no alias is in the way.
 */
function throughAliases(ctx: ServerContext, dn: string): { baseDn: string; ndn: string; baseId: number | undefined } {
  const store = ctx.store;
  let ndn = store.normalize(dn);
  // Each turn moves below a distinct alias's object; a cycle ends as "circular alias" in follow().
  for (let turns = 0; turns < 64; turns++) {
    const parsed = parseDN(dn);
    const alias = store.nearest(parsed, 1);
    if (alias === undefined || aliasTarget(ctx, alias) === undefined) break;
    const to = follow(ctx, alias.id);
    if ('problem' in to) throw new LdapError(RC.aliasProblem, to.problem, alias.dn);
    const below = parsed.length - parseDN(alias.dn).length;
    dn = formatDN([...parsed.slice(0, below), ...parseDN(store.byId(to.id)!.dn)]);
    ndn = store.normalize(dn);
    const id = store.idOf(ndn);
    if (id !== undefined) return { baseDn: dn, ndn, baseId: id };
  }
  return { baseDn: dn, ndn, baseId: undefined };
}

/** A base that is an alias, replaced by its object; 33 as slapd when there is none. */
function derefBase(ctx: ServerContext, base: Base): Base {
  const to = follow(ctx, base.id);
  if ('problem' in to) throw new LdapError(RC.aliasProblem, to.problem, ctx.store.byId(base.id)!.dn);
  return to;
}

/**
 * An indexed search that dereferences aliases: the index's candidates that
 * lie in the scope or in the scope of an alias's object (its subtree, or in
 * a one-level search the object itself), in id order as any indexed
 * search, each once; aliases themselves are not results.
 */
function* derefCandidates(ctx: ServerContext, base: Base, scope: number, ids: number[], aliases: number[]): Generator<number> {
  const scopes: [Base, number][] = [[base, scope]];
  const searched = new Set<number>([base.id]);
  for (let i = 0; i < scopes.length; i++) {
    const [b, s] = scopes[i]!;
    if (s === 0) continue;
    for (const aid of aliases) {
      const rec = aid === base.id ? undefined : ctx.store.byId(aid);
      if (!rec || !inScope(rec, b, s)) continue;
      const to = follow(ctx, aid);
      if ('problem' in to || searched.has(to.id)) continue;
      searched.add(to.id);
      scopes.push([to, scope === 1 ? 0 : 2]);
    }
  }
  const skip = new Set(aliases);
  for (const id of ids) {
    if (skip.has(id)) continue;
    const rec = ctx.store.byId(id);
    if (rec && scopes.some(([b, s]) => inScope(rec, b, s))) yield id;
  }
}

/**
 * The scope with its aliases dereferenced: an alias is replaced by its
 * object (dangling and circular ones are left out, as slapd does), and in a
 * subtree search the object's subtree is searched too. Each entry once
 * (RFC 4511 §4.5.1.3: servers SHOULD; slapd 2.5 may send one twice when
 * two aliases lead into one subtree).
 */
function derefScopeIds(ctx: ServerContext, base: Base, scope: number): number[] {
  const sent = new Set<number>();
  let aliasInScope = false;
  const scopes: Base[] = [base];
  const searched = new Set<number>([base.id]);
  for (let i = 0; i < scopes.length; i++) {
    for (const id of scopeIds(ctx, scopes[i]!, i === 0 ? scope : 2)) {
      if (i === 0 && scope === 3 && id === base.id) continue;
      const rec = ctx.store.byId(id);
      if (!rec) continue;
      let out = id;
      if (aliasTarget(ctx, rec) !== undefined) {
        // The base itself is dereferenced only in finding it (slapd).
        if (id === base.id) continue;
        aliasInScope = true;
        const to = follow(ctx, id);
        if ('problem' in to) continue;
        if (scope !== 1) {
          // Its object is sent with the object's subtree, searched after this one.
          if (!searched.has(to.id)) {
            searched.add(to.id);
            scopes.push(to);
          }
          continue;
        }
        out = to.id;
      }
      sent.add(out);
    }
  }
  // With an alias in scope slapd's back-mdb sends its candidate list, in
  // id order; without one it walks the tree, as a search that does not
  // dereference.
  const ids = [...sent];
  return aliasInScope ? ids.sort((a, b) => a - b) : ids;
}

function pagedRequest(control: Control): ReturnType<typeof decodePagedResults> {
  try {
    return decodePagedResults(control.value);
  } catch {
    throw new LdapError(RC.protocolError, 'paged results control could not be decoded');
  }
}

function minLimit(client: number, server: number): number {
  if (client <= 0) return server;
  if (server <= 0) return client;
  return Math.min(client, server);
}

function inScope(rec: EntryRec, base: Base, scope: number): boolean {
  if (scope === 0) return rec.id === base.id;
  if (scope === 1) return rec.parent === base.id && rec.id !== base.id;
  if (scope === 3) return rec.id !== base.id && rec.ndn.endsWith(',' + base.ndn);
  return rec.id === base.id || rec.ndn.endsWith(',' + base.ndn);
}

/**
 * Ids in the scope in the order slapd's back-mdb walks it: the base (not in
 * scope `children`); a one-level scope's children in the parent/child
 * index's order (RDN length, then octets); the suffix's whole subtree in id
 * order (the order entries were added, as an indexed search) while ids
 * have no gaps; else, and below the suffix, mdb_dn2id_walk's order: all of
 * a node's children, then the subtree of each child that has children, in
 * turn.
 */
function* scopeIds(ctx: ServerContext, base: Base, scope: number): Generator<number> {
  if (scope === 0) {
    yield base.id;
    return;
  }
  const store = ctx.store;
  if (scope === 1) {
    yield* store.childIds(base.id);
    return;
  }
  if (base.ndn === store.suffixNdn && !idsHaveGaps(store)) {
    yield* store.dbs.entries.getKeys() as Iterable<number>;
    return;
  }
  yield base.id;
  // An explicit stack, not recursion: a tree may be 10,000 levels deep.
  const stack: { kids: number[]; next: number }[] = [];
  const enter = (id: number): number[] => {
    // Most entries are leaves: ask cheaply before listing.
    if (!store.hasChildren(id)) return [];
    const kids = [...store.childIds(id)];
    if (kids.length) stack.push({ kids, next: 0 });
    return kids;
  };
  yield* enter(base.id);
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (top.next === top.kids.length) stack.pop();
    else yield* enter(top.kids[top.next++]!);
  }
}

/**
 * Whether entry ids have gaps (an entry was deleted, or an id went to a
 * write that failed). Without an index back-mdb's candidates for the whole
 * suffix are the range of its ids, as many as the entries until the first
 * gap: from then on the suffix, holding fewer, is walked instead.
 */
export function idsHaveGaps(store: ServerContext['store']): boolean {
  // back-mdb's range ends at the last id it handed out (mi_nextid - 1), not
  // at the last id still stored: entries added and deleted at the end of
  // the id space leave it larger than the suffix too.
  let first = 0;
  for (const k of store.dbs.entries.getKeys({ limit: 1 })) first = k as number;
  return store.nextId - first > store.entryCount();
}

/**
 * Whether the scope holds fewer entries than `candidates` (back-mdb's
 * nsubs < ncand, counting the base in a subtree): counted only as far as needed.
 */
function walkIsSmaller(ctx: ServerContext, base: Base, scope: number, candidates: number): boolean {
  if (scope === 0 || (scope !== 1 && base.ndn === ctx.store.suffixNdn)) return false;
  if (scope === 1) return ctx.store.dbs.children.getValuesCount(base.id) < candidates;
  let n = 0;
  for (const _ of scopeIds(ctx, base, scope)) if (++n >= candidates) return false;
  return true;
}

/** The walk's ids that are among `sorted` (an index answer). */
function* inCandidates(walk: Iterable<number>, sorted: readonly number[]): Generator<number> {
  for (const id of walk) {
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = sorted[mid]!;
      if (v === id) {
        yield id;
        break;
      }
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
  }
}

/**
 * The attributes of an entry a requester may not read: with access rules
 * (`ruledFor` is the requester) what they refuse, else userPassword unless
 * `pwVisible`. Undefined when everything may be read.
 */
export function hiddenAttrs(ctx: ServerContext, ndn: string, entry: () => Entry, pwVisible: boolean, ruledFor?: Session): ((k: string) => boolean) | undefined {
  if (ruledFor) {
    const e = entry();
    return (k) => !ctx.access.allows(ruledFor, 'read', ndn, e, ctx.schema.canonicalDescription(k)?.type.name ?? k);
  }
  return pwVisible ? undefined : (k) => k === 'userPassword' || k.startsWith('userPassword;');
}

/** The attribute run of one entry for this search; with access rules, `ruledFor` is the requester. */
export function entryChunks(ctx: ServerContext, rec: EntryRec, sel: Selection, pwVisible: boolean, ruledFor?: Session): Buffer[] {
  if (sel.plain && !ruledFor) return rec.userChunks(pwVisible);
  const out = encodeSelected(ctx.schema, sel, rec.attrs, hiddenAttrs(ctx, rec.ndn, () => recEntry(rec), pwVisible, ruledFor));
  encodeComputed(sel, () => ctx.store.hasChildren(rec.id), out);
  return out;
}

/** The attributes computed for a returned entry, where `sel` asks for them, in slapd's order: the frontend's subschemaSubentry, then back-mdb's hasSubordinates. */
export function encodeComputed(sel: Selection, hasChildren: () => boolean, out: Buffer[]): void {
  if (sel.allOp || sel.names.has('subschemaSubentry')) encodeKept(sel, 'subschemaSubentry', SUBSCHEMA, out);
  if (sel.allOp || sel.names.has('hasSubordinates')) encodeKept(sel, 'hasSubordinates', [hasChildren() ? TRUE : FALSE], out);
}

export function searchDone(id: number, r: SearchResult): Buffer {
  return encodeResult(id, OP.searchResultDone, r.code, r.matchedDN, r.message, undefined, r.controls);
}
