// Access control (DESIGN.md "Security"). Without rules: anonymous read is
// configurable, userPassword is returned (and compared) only to the rootDn,
// writes are for the rootDn and the configured writers, and anyone bound may
// change their own password. `access.rules` (acl.ts) refine this per subtree,
// filter, attribute and requester; the first matching rule decides. The
// rootDn is never restricted; a Replication Manager may do nothing but
// replication.
import type { Entry } from '../dit/entry.js';
import { LdapError, RC } from '../errors.js';
import type { AccessRules, Right } from './acl.js';
import type { Session } from './connection.js';

export interface AccessConfig {
  anonymousRead: boolean;
  /** Normalized DNs allowed to write anywhere in the suffix. */
  writerNdns: Set<string>;
  /** Normalized DNs of the Replication Managers. */
  managerNdns?: Set<string>;
  /** Normalized `cn=config`: every identity below it may only replicate, listed in managers or not. */
  localNdn?: string;
  rules?: AccessRules;
}

export type WriteKind = 'add' | 'delete' | 'modify' | 'modrdn';

/** slapd's text for a refused write: add and delete are checked on the parent, modrdn on the parent's children. */
const REFUSED: Record<WriteKind, string> = {
  add: 'no write access to parent',
  delete: 'no write access to parent',
  modrdn: "no write access to parent's children",
  modify: '',
};

const USER_PASSWORD = 'userPassword';

export class Access {
  readonly #cfg: AccessConfig;
  readonly #rules: AccessRules | undefined;

  constructor(cfg: AccessConfig) {
    this.#cfg = cfg;
    this.#rules = cfg.rules && !cfg.rules.empty ? cfg.rules : undefined;
  }

  isRoot(s: Session): boolean {
    return s.auth === 'root';
  }

  /** Rules are configured: reads must be checked entry by entry, attribute by attribute. */
  get ruled(): boolean {
    return this.#rules !== undefined;
  }

  /**
   * A Replication Manager, or any other identity under cn=config: one taken
   * out of replication.managers must not gain a user's rights by it.
   */
  #isManager(s: Session): boolean {
    if (s.auth !== 'user') return false;
    const local = this.#cfg.localNdn;
    return (this.#cfg.managerNdns?.has(s.bindNdn) ?? false) || (local !== undefined && s.bindNdn.endsWith(`,${local}`));
  }

  /** The answer without rules. */
  #default(s: Session, right: Right, targetNdn: string, attr: string | undefined): boolean {
    if (s.auth === 'root') return true;
    if (this.#isManager(s)) return false;
    switch (right) {
      case 'read':
      case 'search':
      case 'compare':
        if (attr === USER_PASSWORD) return false;
        return s.auth !== 'anonymous' || this.#cfg.anonymousRead;
      case 'write':
        if (this.#cfg.writerNdns.has(s.bindNdn)) return true;
        return s.auth === 'user' && attr === USER_PASSWORD && targetNdn === s.bindNdn;
      case 'proxy':
        // As slapd without authz-policy: only the rootDn assumes other identities.
        return false;
      default:
        return this.#cfg.writerNdns.has(s.bindNdn);
    }
  }

  /** May `s` use `right` on the entry (attr undefined) or one of its attributes? */
  allows(s: Session, right: Right, targetNdn: string, entry?: Entry, attr?: string): boolean {
    if (s.auth === 'root') return true;
    if (this.#isManager(s)) return false;
    const verdict = this.#rules?.decide({ ndn: s.auth === 'anonymous' ? '' : s.bindNdn }, right, targetNdn, entry, attr);
    return verdict ?? this.#default(s, right, targetNdn, attr);
  }

  /**
   * May this session read at all (before any entry is looked at)? In the
   * suffix, rules that may let anonymous clients read are left to decide
   * entry by entry; outside it (cn=monitor) only the defaults apply.
   */
  checkRead(s: Session, where: 'suffix' | 'outside' = 'suffix'): void {
    if (this.#isManager(s)) throw new LdapError(RC.insufficientAccessRights, 'a Replication Manager may only replicate');
    if (s.auth !== 'anonymous' || this.#cfg.anonymousRead) return;
    if (where === 'suffix' && this.#rules?.mayLetAnonymousRead()) return;
    throw new LdapError(RC.insufficientAccessRights, 'anonymous read access is disabled');
  }

  /** May `s` learn that the entry exists (slapd's "disclose")? Only if it may find it in a search. */
  discloses(s: Session, ndn: string, entry: Entry): boolean {
    return this.allows(s, 'search', ndn, entry);
  }

  /** userPassword values are for the rootDn only, unless a rule grants them. */
  passwordVisible(s: Session): boolean {
    return s.auth === 'root';
  }

  /** slapd refuses anonymous updates before it looks at the target (backend_check_restrictions). */
  requireAuthenticated(s: Session): void {
    if (s.auth === 'anonymous') throw new LdapError(RC.strongerAuthRequired, 'modifications require authentication');
  }

  /**
   * Writes. `attrs` are the canonical types a modify touches; `entry` is the
   * target (for add: the new entry), for rules with a filter.
   */
  checkWrite(s: Session, kind: WriteKind, targetNdn: string, attrs: readonly string[] = [], entry?: Entry): void {
    let ok: boolean;
    // A modify with no changes (slapd answers it with success) needs write access to the entry.
    if (kind === 'modify') ok = attrs.length > 0 ? attrs.every((a) => this.allows(s, 'write', targetNdn, entry, a)) : this.allows(s, 'write', targetNdn, entry);
    else if (kind === 'modrdn') ok = this.allows(s, 'write', targetNdn, entry);
    else ok = this.allows(s, kind, targetNdn, entry);
    if (!ok) throw new LdapError(RC.insufficientAccessRights, REFUSED[kind]);
  }
}
