// The pre-read and post-read controls (RFC 4527): a write's response carries
// its target entry as it was before, or is after, the write: the attributes
// the control names, as a search would return them to this client.
import { BerReader } from '../ber/reader.js';
import { TAG } from '../ber/tags.js';
import { BerWriter } from '../ber/writer.js';
import type { Entry } from '../dit/entry.js';
import { LdapError, RC } from '../errors.js';
import { recEntry } from '../store/record.js';
import type { Session } from './connection.js';
import type { ServerContext } from './context.js';
import { CONTROL, OP, findControl, type Control } from './pdu/index.js';
import { encodeComputed, hiddenAttrs } from './ops/search.js';
import { encodeSelected, makeSelection, type Selection } from './selection.js';

export interface ReadRequests {
  pre?: Selection;
  post?: Selection;
}

function selection(ctx: ServerContext, controls: readonly Control[], oid: string, name: string): Selection | undefined {
  const c = findControl(controls, oid);
  if (c === undefined) return undefined;
  const attrs: string[] = [];
  try {
    const r = new BerReader(c.value ?? Buffer.alloc(0));
    const seq = r.enter(TAG.sequence);
    while (r.hasMore()) attrs.push(r.readString());
    r.leave(seq);
    if (r.hasMore()) throw new Error('trailing octets');
  } catch {
    throw new LdapError(RC.protocolError, `${name} control value is invalid`);
  }
  return makeSelection(ctx.schema, attrs, false);
}

export function readRequests(ctx: ServerContext, controls: readonly Control[]): ReadRequests {
  return { pre: selection(ctx, controls, CONTROL.preRead, 'pre-read'), post: selection(ctx, controls, CONTROL.postRead, 'post-read') };
}

/** The control carrying `entry`, with what this client may read of it (as a search shows it). */
function entryControl(ctx: ServerContext, who: Session, oid: string, entry: Entry, ndn: string, sel: Selection, hasChildren: () => boolean): Control {
  const ruled = ctx.access.ruled && !ctx.access.isRoot(who);
  const hide = hiddenAttrs(ctx, ndn, () => entry, ctx.access.passwordVisible(who), ruled ? who : undefined);
  const attrs = encodeSelected(ctx.schema, sel, entry.attrs, hide);
  encodeComputed(sel, hasChildren, attrs);
  const w = new BerWriter(512);
  w.startSequence(OP.searchResultEntry);
  w.writeString(entry.dn);
  w.startSequence(TAG.sequence);
  for (const a of attrs) w.writeRaw(a);
  w.endSequence();
  w.endSequence();
  return { oid, critical: false, value: w.toBuffer() };
}

/**
 * The response controls of a write: the entry as it was (captured inside
 * the write's transaction) and as it is at `postNdn` right after the
 * commit (a write committed in between would show; slapd reads it inside
 * the transaction).
 */
export function readResponse(ctx: ServerContext, who: Session, req: ReadRequests, pre: Entry | undefined, ndn: string, postNdn: string): Control[] {
  if (!req.pre && !req.post) return [];
  const out: Control[] = [];
  const rec = ctx.store.byNdn(postNdn);
  // A modify or a rename leaves the entry's children where they were, below it; a delete had none.
  const hasChildren = (): boolean => rec !== undefined && ctx.store.hasChildren(rec.id);
  if (req.pre && pre) out.push(entryControl(ctx, who, CONTROL.preRead, pre, ndn, req.pre, hasChildren));
  if (req.post && rec) out.push(entryControl(ctx, who, CONTROL.postRead, recEntry(rec), postNdn, req.post, hasChildren));
  return out;
}
