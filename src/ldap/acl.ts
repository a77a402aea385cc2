// Access rules from the server file (`access.rules`), evaluated in order:
// the first rule whose target (subtree, filter, attributes) and requester
// (`who`) match decides — the right is granted if the rule lists it in
// `allow`, refused if in `deny` (or not listed). No rule matching falls back
// to the defaults (reads per anonymousRead, writes for rootDn and writers
// only). The rootDn is never subject to rules.
import { parseFilter } from '../dit/filter.js';
import type { Entry } from '../dit/entry.js';
import { compileFilter, type CompiledFilter } from '../schema/filter.js';
import type { Schema } from '../schema/schema.js';

/** `proxy`: assume the identity of the entry (proxied authorization control, RFC 4370). */
export type Right = 'read' | 'search' | 'compare' | 'write' | 'add' | 'delete' | 'proxy';
const USER_PASSWORD = 'userPassword';

export const RIGHTS: readonly Right[] = ['read', 'search', 'compare', 'write', 'add', 'delete', 'proxy'];

export interface RuleConfig {
  /** Subtree the rule covers (default: the whole suffix). */
  subtree?: string;
  /** Entries it covers, as an LDAP filter. */
  filter?: string;
  /** Attributes it covers (default: all, and the entry itself). */
  attrs?: string[];
  /** anonymous | authenticated | self | any | dn:<DN> | group:<DN of a groupOfNames/groupOfUniqueNames> */
  who: string;
  allow?: Right[];
  deny?: Right[];
}

export interface Requester {
  /** '' for anonymous. */
  ndn: string;
}

/** Looks up group members (normalized DNs) — the store's view, injected. */
export type GroupMembers = (groupNdn: string) => Set<string>;

interface Rule {
  subtree?: string;
  filter?: CompiledFilter;
  types?: Set<string>;
  who: (r: Requester, targetNdn: string) => boolean;
  allow: Set<Right>;
  deny: Set<Right>;
  text: string;
}

export class AccessRules {
  readonly #rules: Rule[];

  constructor(rules: RuleConfig[], schema: Schema, members: GroupMembers, where = 'access.rules') {
    this.#rules = rules.map((r, i) => compileRule(r, schema, members, `${where}[${i}]`));
  }

  get empty(): boolean {
    return this.#rules.length === 0;
  }

  /** Could some rule grant anonymous clients a right to read? */
  mayLetAnonymousRead(): boolean {
    return this.#rules.some((rule) => (rule.allow.has('read') || rule.allow.has('search') || rule.allow.has('compare')) && rule.who({ ndn: '' }, ''));
  }

  /**
   * The first matching rule's verdict, or undefined when none matches.
   * `attr` is a canonical attribute type name; undefined means the entry.
   */
  decide(r: Requester, right: Right, targetNdn: string, entry: Entry | undefined, attr?: string): boolean | undefined {
    for (const rule of this.#rules) {
      if (rule.subtree !== undefined && targetNdn !== rule.subtree && !targetNdn.endsWith(',' + rule.subtree)) continue;
      if (rule.types !== undefined && (attr === undefined || !rule.types.has(attr))) continue;
      // Only a rule that names userPassword grants it; one for all attributes may refuse it.
      if (rule.types === undefined && attr === USER_PASSWORD && rule.allow.has(right)) continue;
      if (rule.filter !== undefined && (entry === undefined || rule.filter(entry) !== true)) continue;
      if (!rule.who(r, targetNdn)) continue;
      if (rule.allow.has(right)) return true;
      return false;
    }
    return undefined;
  }
}

export class AclConfigError extends Error {}

function compileRule(r: RuleConfig, schema: Schema, members: GroupMembers, where: string): Rule {
  const rule: Rule = { who: () => false, allow: new Set(r.allow ?? []), deny: new Set(r.deny ?? []), text: where };
  for (const x of rule.allow) if (rule.deny.has(x)) throw new AclConfigError(`${where}: "${x}" is both allowed and denied`);
  if (r.subtree !== undefined) {
    const n = schema.normalizeDN(r.subtree);
    if (n === undefined) throw new AclConfigError(`${where}.subtree: "${r.subtree}" is not a DN`);
    rule.subtree = n;
  }
  if (r.filter !== undefined) {
    try {
      rule.filter = compileFilter(parseFilter(r.filter), schema);
    } catch (e) {
      throw new AclConfigError(`${where}.filter: ${(e as Error).message}`);
    }
  }
  if (r.attrs !== undefined) {
    rule.types = new Set();
    for (const a of r.attrs) {
      const at = schema.attributeType(a);
      if (!at) throw new AclConfigError(`${where}.attrs: unknown attribute "${a}"`);
      for (const t of at.subtypes) rule.types.add(t.name);
    }
  }
  const who = r.who.trim();
  const lower = who.toLowerCase();
  if (lower === 'anonymous') rule.who = (q) => q.ndn === '';
  else if (lower === 'authenticated' || lower === 'users') rule.who = (q) => q.ndn !== '';
  else if (lower === 'any' || lower === '*') rule.who = () => true;
  else if (lower === 'self') rule.who = (q, t) => q.ndn !== '' && q.ndn === t;
  else if (lower.startsWith('dn:')) {
    const n = schema.normalizeDN(who.slice(3).trim());
    if (n === undefined) throw new AclConfigError(`${where}.who: "${who}" is not a DN`);
    rule.who = (q) => q.ndn === n;
  } else if (lower.startsWith('group:')) {
    const g = schema.normalizeDN(who.slice(6).trim());
    if (g === undefined) throw new AclConfigError(`${where}.who: "${who}" is not a DN`);
    rule.who = (q) => q.ndn !== '' && members(g).has(q.ndn);
  } else {
    throw new AclConfigError(`${where}.who: "${who}" is not anonymous, authenticated, self, any, dn:<DN> or group:<DN>`);
  }
  return rule;
}
