// Which attributes a search returns (RFC 4511 §4.5.1.8, RFC 3673 `+`,
// RFC 4529 `@class`): computed once per search, applied per entry.
import type { Schema } from '../schema/schema.js';
import { encodeAttribute } from './pdu/index.js';

export interface Selection {
  allUser: boolean;
  allOp: boolean;
  /** Canonical type names asked for by name (with their subtypes). */
  names: Set<string>;
  typesOnly: boolean;
  /** Only `*`-equivalent: the pre-encoded run can be sent as is. */
  plain: boolean;
}

export function makeSelection(schema: Schema, requested: readonly string[], typesOnly: boolean): Selection {
  const sel: Selection = { allUser: requested.length === 0, allOp: false, names: new Set(), typesOnly, plain: false };
  for (const r of requested) {
    if (r === '*') sel.allUser = true;
    else if (r === '+') sel.allOp = true;
    else if (r === '1.1') continue;
    else if (r.startsWith('@')) {
      const oc = schema.objectClass(r.slice(1));
      if (oc) for (const at of [...oc.must, ...oc.may]) sel.names.add(at.name);
    } else {
      const d = schema.canonicalDescription(r);
      if (d) for (const t of d.type.subtypes) sel.names.add(t.name);
    }
  }
  sel.plain = sel.allUser && !sel.allOp && sel.names.size === 0 && !typesOnly;
  return sel;
}

/** Is this attribute (by its stored key) selected? */
export function selected(schema: Schema, sel: Selection, key: string): boolean {
  const at = schema.canonicalDescription(key)?.type;
  if (at === undefined) return sel.allUser;
  if (sel.names.has(at.name)) return true;
  return at.operational ? sel.allOp : sel.allUser;
}

/** Encode the selected attributes of an attribute list. */
export function encodeSelected(
  schema: Schema, sel: Selection, attrs: Iterable<[string, Buffer[]]>, hide?: (key: string) => boolean,
): Buffer[] {
  const out: Buffer[] = [];
  for (const [k, v] of attrs) {
    if (hide?.(k) || !selected(schema, sel, k)) continue;
    out.push(encodeAttribute(k, v, sel.typesOnly));
  }
  return out;
}
