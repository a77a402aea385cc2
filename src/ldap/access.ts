// Access control (DESIGN.md "Security"): anonymous read is configurable,
// userPassword is returned only to the rootDn, writes are for the rootDn and
// the configured writers, and anyone bound may change their own password.
import { LdapError, RC } from '../errors.js';
import type { Session } from './connection.js';

export interface AccessConfig {
  anonymousRead: boolean;
  /** Normalized DNs allowed to write anywhere in the suffix. */
  writerNdns: Set<string>;
}

export type WriteKind = 'add' | 'delete' | 'modify' | 'modrdn';

/** slapd's text for a refused write: add and delete are checked on the parent, modrdn on the parent's children. */
const REFUSED: Record<WriteKind, string> = {
  add: 'no write access to parent',
  delete: 'no write access to parent',
  modrdn: "no write access to parent's children",
  modify: '',
};

export class Access {
  readonly #cfg: AccessConfig;

  constructor(cfg: AccessConfig) {
    this.#cfg = cfg;
  }

  isRoot(s: Session): boolean {
    return s.auth === 'root';
  }

  /** May this session read entries of the DIT at all? */
  checkRead(s: Session): void {
    if (s.auth === 'anonymous' && !this.#cfg.anonymousRead) throw new LdapError(RC.insufficientAccessRights, 'anonymous read access is disabled');
  }

  /** userPassword values are for the rootDn only (compare included). */
  passwordVisible(s: Session): boolean {
    return s.auth === 'root';
  }

  /** slapd refuses anonymous updates before it looks at the target (backend_check_restrictions). */
  requireAuthenticated(s: Session): void {
    if (s.auth === 'anonymous') throw new LdapError(RC.strongerAuthRequired, 'modifications require authentication');
  }

  /**
   * Writes: rootDn and writers anywhere; a bound user may modify only the
   * userPassword of its own entry.
   */
  checkWrite(s: Session, kind: WriteKind, targetNdn: string, attrs: readonly string[] = []): void {
    if (s.auth === 'root' || this.#cfg.writerNdns.has(s.bindNdn)) return;
    if (s.auth === 'user' && kind === 'modify' && targetNdn === s.bindNdn && attrs.length > 0 && attrs.every((a) => a === 'userPassword')) return;
    throw new LdapError(RC.insufficientAccessRights, REFUSED[kind]);
  }
}
