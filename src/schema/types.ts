// The resolved schema elements (RFC 4512 §4.1). Parsed definitions keep what
// was written (`def`) so the subschema entry can print them back; the other
// fields are resolved references and inherited properties.
import type { Value } from '../dit/entry.js';
import type { Definition } from './parse.js';

export type Usage = 'userApplications' | 'directoryOperation' | 'distributedOperation' | 'dSAOperation';

export type RuleKind = 'equality' | 'ordering' | 'substr';

/**
 * A matching rule with an implementation. Values are handed to `norm` as a
 * string: the UTF-8 text for text rules, or one char per octet ('latin1') for
 * octet rules, so a key is always a lossless JS string.
 */
export interface MatchingRule {
  oid: string;
  names: string[];
  /** First NAME, or the OID. */
  name: string;
  /** The assertion syntax OID. */
  syntax: string;
  kind: RuleKind;
  /** Attribute syntaxes besides `syntax` this rule applies to (for matchingRuleUse and extensible match). */
  compat: string[];
  text: boolean;
  /** Normalized form of an assertion (and of a value unless valueNorm is given); undefined when not valid for the rule. */
  norm(s: string): string | undefined;
  /** Fast path for `norm` on raw octets; undefined means "use norm". */
  normBytes?(v: Value): string | undefined;
  /** First-component rules: values and assertions have different forms. */
  valueNorm?(s: string): string | undefined;
  /** Ordering rules: compares two normalized forms. */
  compare?(a: string, b: string): number;
  /** Substrings rules: normalized form of one piece of a substring assertion. */
  piece?(s: string, pos: 'initial' | 'any' | 'final'): string | undefined;
  /** Extensible-match-only rules (bitwise and, first component…): assertion against one normalized value. */
  match?(value: string, assertion: string): boolean | undefined;
  /** Not listed in cn=Subschema (slapd registers the DN scope rules so, SLAP_MR_HIDE). */
  hidden?: boolean;
}

export interface Syntax {
  oid: string;
  desc: string;
  /** Extensions printed in ldapSyntaxes, e.g. X-NOT-HUMAN-READABLE. */
  ext: string;
  /** Absent: any value is accepted. */
  validate?: (v: Value, ctx: SyntaxContext) => boolean;
}

/** What a syntax check may ask of the schema (DN syntax needs attribute types). */
export interface SyntaxContext {
  validDN(s: string): boolean;
}

export interface AttributeType {
  oid: string;
  names: string[];
  /** Canonical name: the first NAME (the OID if there is none). */
  name: string;
  sup?: AttributeType;
  /** Effective rules and syntax, inherited from SUP when not given. */
  equality?: MatchingRule;
  ordering?: MatchingRule;
  substr?: MatchingRule;
  syntax?: string;
  singleValue: boolean;
  collective: boolean;
  noUserModification: boolean;
  obsolete: boolean;
  usage: Usage;
  /** usage ≠ userApplications. */
  operational: boolean;
  /** The type and every type below it in the SUP tree. */
  subtypes: AttributeType[];
  def: Definition;
  /** Normalized equality key of a value; see Schema.eqKey. */
  eqKey(v: Value): string;
}

export type ObjectClassKind = 'ABSTRACT' | 'STRUCTURAL' | 'AUXILIARY';

export interface ObjectClass {
  oid: string;
  names: string[];
  name: string;
  kind: ObjectClassKind;
  obsolete: boolean;
  sups: ObjectClass[];
  /** Own MUST/MAY plus those of every superclass. */
  must: AttributeType[];
  may: AttributeType[];
  /** The class and all its superclasses. */
  chain: Set<ObjectClass>;
  def: Definition;
}

/** A parsed attribute description (`cn;lang-en`) resolved through the schema; cached and shared, so read-only. */
export interface AttrDesc {
  /** Entry attrs key: canonical type name plus lower-case options in sorted order. */
  readonly key: string;
  readonly type: AttributeType;
  readonly options: readonly string[];
}
