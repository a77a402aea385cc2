// Which attributes a search returns (RFC 4511 §4.5.1.8, RFC 3673 `+`,
// RFC 4529 `@class`): computed once per search, applied per entry.
import { hasOptions, type Schema } from '../schema/schema.js';
import { encodeAttribute } from './pdu/index.js';

export interface Selection {
  allUser: boolean;
  allOp: boolean;
  /** Canonical type names asked for by name (with their subtypes). */
  names: Set<string>;
  /**
   * Names the schema does not define, lower-cased: only cn=monitor's
   * entries hold such attributes (lagMs, state …), and a script asks for
   * them by name.
   */
  unknown: Set<string>;
  /** Descriptions asked for with options (`cn;lang-en`): only values carrying those options. */
  tagged: { names: Set<string>; options: readonly string[] }[];
  typesOnly: boolean;
  /** Only `*`-equivalent: the pre-encoded run can be sent as is. */
  plain: boolean;
  /** The matched values control's choice of values (attributes left with none are not returned). */
  values?: (key: string, values: Buffer[]) => Buffer[];
}

export function makeSelection(schema: Schema, requested: readonly string[], typesOnly: boolean): Selection {
  const sel: Selection = { allUser: requested.length === 0, allOp: false, names: new Set(), unknown: new Set(), tagged: [], typesOnly, plain: false };
  for (const r of requested) {
    if (r === '*') sel.allUser = true;
    else if (r === '+') sel.allOp = true;
    else if (r === '1.1') continue;
    else if (r.startsWith('@')) {
      const oc = schema.objectClass(r.slice(1));
      if (oc) for (const at of [...oc.must, ...oc.may]) sel.names.add(at.name);
    } else {
      const d = schema.canonicalDescription(r);
      if (d === undefined) {
        sel.unknown.add(r.toLowerCase());
        continue;
      }
      const names = d.type.subtypes.map((t) => t.name);
      if (d.options.length === 0) for (const n of names) sel.names.add(n);
      else sel.tagged.push({ names: new Set(names), options: d.options });
    }
  }
  sel.plain = sel.allUser && !sel.allOp && sel.names.size === 0 && sel.tagged.length === 0 && !typesOnly;
  return sel;
}

/** Is this attribute (by its stored key) selected? */
export function selected(schema: Schema, sel: Selection, key: string): boolean {
  const d = schema.canonicalDescription(key);
  if (d === undefined) return sel.allUser || sel.unknown.has(key.toLowerCase());
  const at = d.type;
  if (sel.names.has(at.name)) return true;
  if (sel.tagged.some((x) => x.names.has(at.name) && hasOptions(x.options, d.options))) return true;
  return at.operational ? sel.allOp : sel.allUser;
}

/** Encode the selected attributes of an attribute list. */
export function encodeSelected(
  schema: Schema, sel: Selection, attrs: Iterable<[string, Buffer[]]>, hide?: (key: string) => boolean,
): Buffer[] {
  const out: Buffer[] = [];
  for (const [k, v] of attrs) {
    if (hide?.(k) || !selected(schema, sel, k)) continue;
    encodeKept(sel, k, v, out);
  }
  return out;
}

/** Appends one selected attribute, with only the values a matched values control keeps (none: left out). */
export function encodeKept(sel: Selection, key: string, values: Buffer[], out: Buffer[]): void {
  const kept = sel.values ? sel.values(key, values) : values;
  if (kept.length > 0) out.push(encodeAttribute(key, kept, sel.typesOnly));
}
