// What a filter may test of an entry for one requester, as slapd's
// test_filter checks "search" access item by item: an item on an attribute
// the requester may not search is Undefined (so `(!…)` of it is not true
// either), and values of such attributes are out of sight of the others (a
// `name` item does not see a hidden `cn`, nor `(:caseExactMatch:=…)` any
// hidden value). userPassword is tested only by the rootDn. Used for search
// filters and the assertion control, so neither can probe what a rule hides.
import type { Entry, Value } from '../dit/entry.js';
import type { Filter } from '../dit/filter-types.js';
import { compileFilter, type CompiledFilter, type FilterItem, type Tri } from '../schema/filter.js';
import type { Session } from './connection.js';
import type { ServerContext } from './context.js';

const USER_PASSWORD = 'userPassword';

/** A filter's verdict on an entry (`ndn` its normalized DN) for one requester. */
export type GuardedFilter = (ndn: string, entry: Entry) => Tri;

export function guardFilter(ctx: ServerContext, who: Session, filter: Filter): GuardedFilter {
  const schema = ctx.schema;
  const typeOf = (attr: string): string | undefined => schema.canonicalDescription(attr)?.type.name;
  if (ctx.access.isRoot(who)) {
    const test = compileFilter(filter, schema);
    return (_, e) => test(e);
  }
  const compile = (hidden: Set<string>): CompiledFilter =>
    compileFilter(filter, schema, (f: FilterItem) => {
      const t = f.attr === undefined ? undefined : typeOf(f.attr);
      return t !== undefined && hidden.has(t) ? () => undefined : undefined;
    });
  const withoutPassword = (e: Entry): Entry => {
    if (!e.attrs.has(USER_PASSWORD)) return e;
    const attrs = new Map(e.attrs);
    attrs.delete(USER_PASSWORD);
    return { dn: e.dn, attrs };
  };
  const plainTest = compile(new Set([USER_PASSWORD]));
  const plain: GuardedFilter = (_, e) => plainTest(withoutPassword(e));
  if (!ctx.access.ruled) return plain;
  // With rules the hidden types differ from entry to entry; a filter names
  // few types, so one compiled filter per set of them that is hidden.
  const named = new Set<string>();
  const collect = (f: Filter): void => {
    if (f.type === 'and' || f.type === 'or') f.filters.forEach(collect);
    else if (f.type === 'not') collect(f.filter);
    else if (f.attr !== undefined) {
      const t = typeOf(f.attr);
      if (t !== undefined && t !== USER_PASSWORD) named.add(t);
    }
  };
  collect(filter);
  const compiled = new Map<string, CompiledFilter>();
  return (ndn, e) => {
    // Rules are for the suffix's entries; the root DSE and the rest have the defaults.
    if (!ctx.store.inSuffix(ndn)) return plain(ndn, e);
    const searchable = (t: string): boolean => t !== USER_PASSWORD && ctx.access.allows(who, 'search', ndn, e, t);
    const hidden = [...named].filter((t) => !searchable(t));
    const key = hidden.join(' ');
    let test = compiled.get(key);
    if (test === undefined) compiled.set(key, (test = compile(new Set([USER_PASSWORD, ...hidden]))));
    const attrs = new Map<string, Value[]>();
    for (const [k, v] of e.attrs) if (searchable(typeOf(k) ?? k)) attrs.set(k, v);
    return test({ dn: e.dn, attrs });
  };
}
