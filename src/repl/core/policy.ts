// What the core needs to know about attributes, injected by the server from
// the schema and the replication config. Every master must be configured
// alike (same schema equality rules, policies, priorities per replica and
// unique attributes), or their merges differ.

/** An attribute value assertion of an RDN: canonical attribute name, raw value. */
export type Ava = [attr: string, value: Buffer];

/**
 * How concurrent values of a single-valued attribute are resolved.
 * - lww: greatest CSN wins.
 * - priority: value from the origin with the highest configured priority wins,
 *   CSN breaks ties; also deletes from a lower-priority origin cannot remove
 *   a higher-priority value (every CSN comparison of the attribute compares
 *   (priority, CSN)).
 * - min / max: smallest / largest value (by `order`) wins among values
 *   written concurrently; a master records its client's replace as a delete
 *   of every value it holds and an add (see seenAsDeletes), so a value it
 *   had seen is replaced whatever its order.
 * - sum: like lww, but the server turns a client's replace of an existing
 *   integer into an increment by the difference (see sumAsDeltas), so
 *   concurrent updates add up.
 * - manual: like lww, and every late-arriving loser is written to the
 *   conflict log for an administrator.
 * Multi-valued attributes keep every value; there only `priority` differs.
 */
export type Policy = 'lww' | 'priority' | 'min' | 'max' | 'sum' | 'manual';

/** For unique attributes: what happens to the entry that got the value later. */
export type UniquePolicy = 'rename' | 'discard';

export interface AttrInfo {
  singleValued: boolean;
  policy: Policy;
  unique?: UniquePolicy;
  /** The attribute's ordering rule; min and max act as lww without one. */
  order?: (a: Buffer, b: Buffer) => number;
}

/** min / max pick among concurrent values of a single-valued attribute with an ordering rule. */
export function comparesValues(info: AttrInfo): boolean {
  return (info.policy === 'min' || info.policy === 'max') && info.order !== undefined && info.singleValued;
}

export interface AttrRules {
  /** Normalized equality key of a value (the schema's equality rule). */
  keyOf(attr: string, value: Buffer): string;
  info(attr: string): AttrInfo;
  /**
   * Schema check of a merged visible entry: null when fine, else the reason.
   * The verdict may depend on which attributes are present and on the values
   * of SCHEMA_VALUE_ATTRS and of the RDN's attributes, not on other values:
   * apply() does not ask again after a change that leaves those alone.
   */
  checkSchema(attrs: ReadonlyMap<string, readonly Buffer[]>, rdn: readonly Ava[]): string | null;
}

/** Attribute of the conflict name `entryUUID=<uuid>+<rdn>`. */
export const CONFLICT_RDN_ATTR = 'entryUUID';
export const GLUE_CLASS = 'glue';
export const OBJECT_CLASS = 'objectClass';
/** Attributes whose values the schema check reads (besides the RDN's): the classes. */
export const SCHEMA_VALUE_ATTRS: ReadonlySet<string> = new Set([OBJECT_CLASS, 'structuralObjectClass']);
