// The in-memory entry: a DN and its attributes. Values are raw octets
// (LDAP values are OCTET STRINGs; most are UTF-8 text, some are binary).
// Attribute keys are *canonical* attribute descriptions: the schema's first
// NAME of the type (e.g. `telephoneNumber`, `cn`) followed by any options in
// lower case, sorted (e.g. `cn;lang-en`). Whoever builds an Entry from user
// input resolves names through the schema first (schema.canonicalDescription).

export type Value = Buffer;

export interface Entry {
  /** The DN as stored (user form, RFC 4514 string). */
  dn: string;
  attrs: Map<string, Value[]>;
}

export function newEntry(dn: string, attrs?: Iterable<[string, Value[]]>): Entry {
  return { dn, attrs: new Map(attrs ?? []) };
}

export function cloneEntry(e: Entry): Entry {
  return { dn: e.dn, attrs: new Map([...e.attrs].map(([k, v]) => [k, v.slice()])) };
}

export function val(s: string): Value {
  return Buffer.from(s, 'utf8');
}

export function str(v: Value): string {
  return v.toString('utf8');
}
