// Update resolution: apply one change (local or replicated — the same code)
// to the DIT seen through a StateView. Returns the states and visible entries
// to store and the conflict-log records. Never fails on a replicated change:
// it merges. Client semantics (noSuchObject, attributeOrValueExists, …) are
// the server's to check before it makes a local change.
import type { AddChange, Change, ConflictRecord } from './change.js';
import type { Csn } from './csn.js';
import { type Incoming, type Merged, mergeChange } from './merge.js';
import { World } from './naming.js';
import { type AttrInfo, type Ava, type AttrRules, SCHEMA_VALUE_ATTRS } from './policy.js';
import { type AttrState, cmpRank, type EntryState, isKnown, isLive, sameAvas, sameState, type ValueState } from './state.js';
import { findValue, firstShown, shownValues } from './values.js';
import { childrenKey, indexKeys, nameKey, type StateView, UNIQUE_PREFIX, uniqueHoldings, uniqueKey } from './view.js';
import { liveAttrMap, rdnKey, sameAttrs, sameNaming, sameVisible, updatedAttrMap, type Visible } from './visible.js';

export interface Write {
  uuid: string;
  /** The new state, when the state itself changed (else only its visible entry did). */
  state?: EntryState;
  vis: Visible;
  /** The visible entry before, to unindex; undefined for a new entry. */
  before?: Visible;
  /** Index keys (see indexKeys) to add and remove, with `state`. */
  addKeys?: string[];
  delKeys?: string[];
}

export interface ApplyResult {
  writes: Write[];
  conflicts: ConflictRecord[];
}

function show(v: Buffer): string {
  return /^[\x20-\x7e]*$/.test(v.toString('latin1')) ? v.toString('latin1') : `base64:${v.toString('base64')}`;
}

/**
 * Without priorities or value orders a value only loses to a newer write, so
 * nothing of `before` loses by the policy: when every incoming value is shown,
 * there is nothing to log.
 */
function incomingShown(info: AttrInfo, after: AttrState | undefined, incoming: readonly Incoming[]): boolean {
  if (info.policy !== 'lww' && info.policy !== 'manual') return false;
  if (info.singleValued) {
    if (incoming.length > 1) return false;
    const w = firstShown(after, info);
    return incoming.every((i) => w?.k === i.k && w.c === i.c);
  }
  return incoming.every((i) => {
    const r = findValue(after, i.k);
    return r?.v !== undefined && r.c === i.c;
  });
}

/**
 * Stamped by the server on every modify: two concurrent modifies of one
 * entry always "clash" on them, which says nothing an administrator can act
 * on (the entry's other attributes say what was lost), so they are not logged.
 */
const SERVER_STAMPS: ReadonlySet<string> = new Set(['modifyTimestamp', 'modifiersName']);

/** Did a value lose to something older, i.e. by the policy rather than by time? */
function losses(attr: string, before: AttrState | undefined, after: AttrState | undefined, incoming: Incoming[], rules: AttrRules, csn: Csn): ConflictRecord[] {
  if (SERVER_STAMPS.has(attr)) return [];
  const info = rules.info(attr);
  // Increments under `sum` add up: nothing loses.
  if (info.policy === 'sum' || incomingShown(info, after, incoming)) return [];
  const shownAfter = shownValues(after, info);
  const visibleKeys = new Set(shownAfter.map((vs) => vs.k));
  const candidates = new Map<string, { vs: ValueState & { v: Buffer }; incoming: boolean }>();
  for (const vs of shownValues(before, info)) candidates.set(vs.k, { vs, incoming: false });
  for (const vs of incoming) candidates.set(vs.k, { vs, incoming: true });
  const out: ConflictRecord[] = [];
  for (const { vs, incoming: isIncoming } of candidates.values()) {
    if (visibleKeys.has(vs.k)) continue;
    // What beat it: a delete of the value or of the attribute, or (single-valued) the shown value.
    const reg = findValue(after, vs.k);
    let by: Csn | undefined;
    if (reg && reg.v === undefined) by = reg.c;
    else if (after?.x !== undefined && cmpRank(vs.c, vs.p, after.x, after.xp) < 0) by = after.x;
    else by = shownAfter[0]?.c;
    if (by === undefined) continue;
    const winner = shownAfter[0]?.c === by ? show(shownAfter[0].v) : `delete at ${by}`;
    // A value that arrives after a write with a greater CSN lost a race: the
    // conflict log must say so (last-writer-wins is a resolution, not silence).
    const added = (vs as ValueState).lc ?? vs.c;
    const lost = added > by ? 'policy' : isIncoming ? (info.policy === 'manual' ? 'manual' : 'lww') : undefined;
    if (lost) {
      const why = lost === 'policy' ? `policy ${info.policy}` : 'later CSN';
      out.push({ csn, kind: lost, uuid: '', attr, detail: `value added at ${added} lost to ${winner} (${why})`, loser: show(vs.v), winner });
    }
  }
  return out;
}

function sameHoldings(a: EntryState, b: EntryState, touched: Iterable<string>, rules: AttrRules): boolean {
  for (const attr of touched) {
    const info = rules.info(attr);
    if (!info.unique) continue;
    const ha = isLive(a) ? shownValues(a.attrs[attr], info) : [];
    const hb = isLive(b) ? shownValues(b.attrs[attr], info) : [];
    if (ha.length !== hb.length || ha.some((h, i) => h.k !== hb[i]!.k || h.c !== hb[i]!.c)) return false;
  }
  return true;
}

/** The fields naming depends on are untouched: only this entry's attributes can change. */
function namingUnchanged(a: EntryState | undefined, b: EntryState, touched: Iterable<string>, rules: AttrRules): boolean {
  return (
    a !== undefined && a.add === b.add && a.addParent === b.addParent && a.rdnCsn === b.rdnCsn && sameAvas(a.rdn, b.rdn) &&
    a.parent === b.parent && a.parentCsn === b.parentCsn && a.del === b.del && sameHoldings(a, b, touched, rules)
  );
}

function sameValues(a: readonly Buffer[] | undefined, b: readonly Buffer[] | undefined): boolean {
  if (!a || !b) return a === b;
  return a.length === b.length && a.every((v, i) => v.equals(b[i]!));
}

/** The schema check's verdict stands (see AttrRules.checkSchema): the same attributes, and the same values where it reads them. */
function schemaUnaffected(prev: Visible['attrs'], next: ReadonlyMap<string, Buffer[]>, touched: Iterable<string>, rdn: readonly Ava[]): boolean {
  for (const a of touched) {
    const was = prev.find(([n]) => n === a)?.[1];
    if ((was === undefined) !== !next.has(a)) return false;
    if ((SCHEMA_VALUE_ATTRS.has(a) || rdn.some(([r]) => r === a)) && !sameValues(was, next.get(a))) return false;
  }
  return true;
}

function transitions(u: string, o: Visible | undefined, n: Visible, csn: Csn): ConflictRecord[] {
  const out: ConflictRecord[] = [];
  if (n.naming !== undefined && o?.naming === undefined) {
    out.push({ csn, kind: 'naming', uuid: u, detail: 'an entry with a smaller naming CSN holds the DN; shown as entryUUID=<uuid>+<rdn>', loser: u, winner: n.naming });
  }
  if (n.unique && !o?.unique) {
    out.push({ csn, kind: 'unique', uuid: u, attr: n.unique.join(','), detail: 'another entry got the unique value first; shown as entryUUID=<uuid>+<rdn>', loser: u });
  }
  if (n.discarded && !o?.discarded) {
    out.push({ csn, kind: 'unique', uuid: u, detail: 'another entry got a unique value first; this entry is discarded', loser: u });
  }
  if (n.kind === 'glue' && o?.kind !== 'glue') {
    out.push({ csn, kind: 'glue', uuid: u, detail: 'deleted entry kept as glue: it has children' });
  }
  if (n.schema !== undefined && n.schema !== o?.schema) {
    out.push({ csn, kind: 'schema', uuid: u, detail: n.schema });
  }
  if (n.broken && !o?.broken) {
    out.push({ csn, kind: 'cycle', uuid: u, detail: 'concurrent moves made a cycle; this move is set aside, the entry stays under its add-time parent' });
  }
  return out;
}

function changeConflicts(m: Merged, ch: Change, rules: AttrRules): ConflictRecord[] {
  const out: ConflictRecord[] = [];
  if (m.lateOnTombstone) {
    out.push({ csn: ch.csn, kind: 'modify-delete', uuid: ch.uuid, detail: `${ch.op} met a concurrent delete (at ${m.state.del}); the delete wins`, loser: ch.csn, winner: m.state.del });
    return out;
  }
  if (m.deleteDiscardsNewer) {
    out.push({ csn: ch.csn, kind: 'modify-delete', uuid: ch.uuid, detail: 'delete arrived after changes with greater CSNs; the delete wins', winner: ch.csn });
  }
  for (const [attr, t] of m.touched) {
    const after = m.state.attrs[attr];
    for (const r of losses(attr, t.before, after, t.incoming, rules, ch.csn)) out.push({ ...r, uuid: ch.uuid });
    const lostBefore = new Set(lostIncrements(t.before).map(([c]) => c));
    for (const [c, delta] of lostIncrements(after)) {
      if (lostBefore.has(c)) continue;
      const by = deletedAt(after!, c);
      out.push({ csn: ch.csn, kind: 'modify-delete', uuid: ch.uuid, attr, detail: `increment by ${delta} at ${c} met a concurrent delete of the values it added to (at ${by}); the delete wins`, loser: c, winner: by });
    }
  }
  // A rename that arrives after a concurrent one with a greater CSN lost the name (or the place) to it, as a late lww value does.
  if (ch.op === 'modrdn') {
    const s = m.state;
    const lostName = s.rdnCsn !== undefined && s.rdnCsn > ch.csn && !sameAvas(s.rdn, ch.rdn);
    const lostPlace = ch.parent !== undefined && s.parentCsn !== undefined && s.parentCsn > ch.csn && s.parent !== ch.parent;
    if (lostName || lostPlace) {
      const by = lostName ? s.rdnCsn! : s.parentCsn!;
      out.push({ csn: ch.csn, kind: 'lww', uuid: ch.uuid, detail: `rename to ${rdnText(ch.rdn)} at ${ch.csn} lost to a rename at ${by} (later CSN)`, loser: rdnText(ch.rdn), winner: rdnText(s.rdn ?? []) });
    }
  }
  return out;
}

/**
 * Increments that count for nothing and were not undone by anything later:
 * every value they added to was deleted by a concurrent delete (smaller
 * CSN), and no value written after them replaced those. Deltas older than a
 * whole-attribute delete were superseded by it (compact drops them).
 */
function lostIncrements(a: AttrState | undefined): [Csn, string][] {
  if (!a?.inc) return [];
  return a.inc.filter(([c]) => (a.x === undefined || c > a.x) && !a.vals.some((vs) => vs.v !== undefined || vs.c > c));
}

/** The greatest delete below `c` among the attribute's: what took the values an increment at `c` added to. */
function deletedAt(a: AttrState, c: Csn): Csn {
  let by = a.x ?? '';
  for (const vs of a.vals) if (vs.v === undefined && vs.c < c && vs.c > by) by = vs.c;
  return by;
}

function rdnText(rdn: readonly Ava[]): string {
  return rdn.map(([a, v]) => `${a}=${show(v)}`).join('+');
}

function isEmpty(xs: Iterable<unknown>): boolean {
  for (const _ of xs) return false;
  return true;
}

/**
 * The visible entry of a first add that cannot change any other entry: no
 * entry names it as parent yet, its parent is live and rooted, no present
 * entry under that parent wants its name and no live entry holds its unique
 * values. Naming then gives it its own name, as World would derive without
 * walking the tree. Undefined when the add needs the full derivation.
 */
function plainAdd(view: StateView, ch: AddChange, s: EntryState & { rdn: Ava[] }, rk: string, rules: AttrRules, opts: ApplyOptions): Visible | undefined {
  if (!isEmpty(view.lookup(childrenKey(ch.uuid)))) return undefined;
  if (ch.parent !== '') {
    const pv = view.get(ch.parent)?.vis;
    if (pv?.kind !== 'live' || !pv.rooted) return undefined;
  }
  for (const o of view.lookup(nameKey(ch.parent, rk))) {
    const ov = view.get(o)?.vis;
    if (ov && ov.kind !== 'hidden' && ov.parent === ch.parent) return undefined;
  }
  for (const h of uniqueHoldings(s, rules)) if (!isEmpty(view.lookup(uniqueKey(h.attr, h.k)))) return undefined;
  const m = liveAttrMap(s, rules);
  const vis: Visible = { kind: 'live', parent: ch.parent, rdn: s.rdn, rooted: true, attrs: [...m], csn: s.csn };
  const why = opts.schemaChecked ? null : rules.checkSchema(m, s.rdn);
  if (why !== null) vis.schema = why;
  return vis;
}

export interface ApplyOptions {
  /**
   * The caller has checked the change's entry against the schema (a local
   * add): an add that lands as it was sent needs no second check.
   */
  schemaChecked?: boolean;
}

export function apply(view: StateView, ch: Change, rules: AttrRules, opts: ApplyOptions = {}): ApplyResult {
  if (view.applied?.(ch.csn)) return { writes: [], conflicts: [] };
  const stored = view.get(ch.uuid);
  const old = stored?.state;
  const merged = mergeChange(old, ch, rules);
  const s = merged.state;
  const conflicts = changeConflicts(merged, ch, rules);
  if (sameState(old, s)) return { writes: [], conflicts };

  if (stored && namingUnchanged(old, s, merged.touched.keys(), rules)) {
    // The common case (a modify): only this entry's attributes change, and
    // its index keys (which derive from naming and unique values) do not.
    const vis: Visible = { ...stored.vis, csn: s.csn };
    if (vis.kind === 'live') {
      const m = updatedAttrMap(stored.vis.attrs, s, merged.touched.keys(), rules);
      const attrs = [...m];
      if (!sameAttrs(stored.vis.attrs, attrs)) {
        vis.attrs = attrs;
        if (!schemaUnaffected(stored.vis.attrs, m, merged.touched.keys(), s.rdn ?? [])) {
          const why = rules.checkSchema(m, s.rdn ?? []);
          if (why === null) delete vis.schema;
          else vis.schema = why;
        }
      }
    }
    conflicts.push(...transitions(ch.uuid, stored.vis, vis, ch.csn));
    return { writes: [{ uuid: ch.uuid, state: s, vis, before: stored.vis, addKeys: [], delKeys: [] }], conflicts };
  }

  if (!stored && ch.op === 'add' && isKnown(s) && s.del === undefined) {
    // The other common case: a new leaf.
    const rk = rdnKey(s.rdn, rules);
    const vis = plainAdd(view, ch, s, rk, rules, opts);
    if (vis) {
      conflicts.push(...transitions(ch.uuid, undefined, vis, ch.csn));
      return { writes: [{ uuid: ch.uuid, state: s, vis, addKeys: indexKeys(s, rules, rk), delKeys: [] }], conflicts };
    }
  }

  const oldKeys = old ? indexKeys(old, rules) : [];
  const newKeys = indexKeys(s, rules);
  const addKeys = newKeys.filter((k) => !oldKeys.includes(k));
  const delKeys = oldKeys.filter((k) => !newKeys.includes(k));
  const own = (vis: Visible): Write => {
    const w: Write = { uuid: ch.uuid, state: s, vis, addKeys, delKeys };
    if (stored) w.before = stored.vis;
    return w;
  };

  const world = new World(view, rules, { uuid: ch.uuid, state: s, addKeys: new Set(addKeys), delKeys: new Set(delKeys) });
  const queued = new Set<string>();
  const queue: string[] = [];
  const push = (u: string | undefined): void => {
    if (u === undefined || u === '' || queued.has(u)) return;
    queued.add(u);
    queue.push(u);
  };
  const pushAll = (us: Iterable<string>): void => {
    for (const u of us) push(u);
  };
  push(ch.uuid);
  // Cycles through this entry, made or unmade: every entry on its old and new parent chains.
  for (let p = stored?.vis.parent, seen = new Set<string>(); p && !seen.has(p); p = view.get(p)?.vis.parent) {
    seen.add(p);
    push(p);
  }
  for (let p = world.parentOf(ch.uuid), seen = new Set<string>(); p && !seen.has(p); p = world.parentOf(p)) {
    seen.add(p);
    push(p);
  }
  // Unique values it held or holds: the other holders may win or lose them now.
  for (const k of [...oldKeys, ...newKeys]) if (k.startsWith(UNIQUE_PREFIX)) pushAll(world.lookup(k));

  const writes: Write[] = [];
  while (queue.length) {
    const u = queue.shift()!;
    if (!world.state(u)) continue; // named as a parent but not received yet
    const before = u === ch.uuid ? stored?.vis : view.get(u)?.vis;
    const after = world.vis(u);
    if (u === ch.uuid || !sameNaming(before, after) || before?.naming !== after.naming) {
      // Its name, presence or position changed: entries wanting the same
      // name, the parents (glue) and, if it got or lost a root, its children.
      const oldRdnKey = u === ch.uuid ? rdnKey(old?.rdn ?? [], rules) : world.rdnKeyOf(u);
      if (before) pushAll(world.lookup(nameKey(before.parent, oldRdnKey)));
      pushAll(world.lookup(nameKey(after.parent, world.rdnKeyOf(u))));
      push(before?.parent);
      push(after.parent);
      if ((before?.rooted ?? false) !== after.rooted) pushAll(world.lookup(childrenKey(u)));
    }
    if (u === ch.uuid) writes.push(own(after));
    else if (!sameVisible(before, after)) {
      writes.push(before ? { uuid: u, vis: after, before } : { uuid: u, vis: after });
    } else continue;
    conflicts.push(...transitions(u, before, after, ch.csn));
  }
  return { writes, conflicts };
}
