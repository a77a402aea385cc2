// LDIF records (RFC 2849) as plain values: what readLdif yields and the
// writer prints. Values are raw octets; attribute names are as written.

export type LdifAttrs = [string, Buffer[]][];
export interface LdifControl {
  oid: string;
  critical: boolean;
  value?: Buffer;
}
export type LdifModOp = 'add' | 'delete' | 'replace' | 'increment';
export interface LdifMod {
  op: LdifModOp;
  attr: string;
  values: Buffer[];
}

interface RecordBase {
  dn: string;
  /** Line number of the record's `dn:` line. */
  line: number;
}
export interface LdifContent extends RecordBase {
  type: 'content';
  attrs: LdifAttrs;
}
export interface LdifAdd extends RecordBase {
  type: 'add';
  attrs: LdifAttrs;
  controls: LdifControl[];
}
export interface LdifDelete extends RecordBase {
  type: 'delete';
  controls: LdifControl[];
}
export interface LdifModify extends RecordBase {
  type: 'modify';
  changes: LdifMod[];
  controls: LdifControl[];
}
/** `changetype: modrdn` and its synonym `moddn`. */
export interface LdifModDN extends RecordBase {
  type: 'modrdn';
  newRdn: string;
  deleteOldRdn: boolean;
  newSuperior?: string;
  controls: LdifControl[];
}
export type LdifChange = LdifAdd | LdifDelete | LdifModify | LdifModDN;
export type LdifRecord = LdifContent | LdifChange;
