// Changelog records: what one master did, self-contained so any replica can
// apply it without DNs (entries are addressed by entryUUID). The origin
// replica is the CSN's replicaId. Plain values only (msgpack-friendly).
import type { Csn } from './csn.js';
import type { Ava } from './policy.js';

export type Mod =
  | { op: 'add' | 'delete' | 'replace'; attr: string; values: Buffer[] }
  /** RFC 4525; `delta` is a decimal integer string (values can exceed 2^53). */
  | { op: 'increment'; attr: string; delta: string };

interface Base {
  csn: Csn;
  uuid: string;
  /** The origin's configured replication priority (policy `priority`); 0 if unset. */
  pri?: number;
}

export interface AddChange extends Base {
  op: 'add';
  /** entryUUID of the parent; '' for the suffix entry. */
  parent: string;
  rdn: Ava[];
  attrs: [attr: string, values: Buffer[]][];
}

export interface DeleteChange extends Base {
  op: 'delete';
}

export interface ModifyChange extends Base {
  op: 'modify';
  mods: Mod[];
}

export interface ModrdnChange extends Base {
  op: 'modrdn';
  rdn: Ava[];
  /** The RDN it had at the origin: with deleteOldRdn, its values not in the new RDN are deleted. */
  oldRdn: Ava[];
  deleteOldRdn: boolean;
  /**
   * Per new RDN value the entry already held at the origin: its octets and
   * place there (written order CSN, place). The rename re-adds it as it was
   * (spelling and place kept, as slapd does), with the rename's CSN.
   */
  held?: (Held | null)[];
  /**
   * entryUUID of the parent after the rename. Local renames always name it
   * (also when it stays), so that the greater CSN sets name and parent
   * together; absent, the rename leaves the parent to other changes.
   */
  parent?: string;
}

export type Held = [orderCsn: Csn, place: number, value: Buffer];

export type Change = AddChange | DeleteChange | ModifyChange | ModrdnChange;

/** Conflict-log record. The store adds the DN it knows when it writes one. */
export interface ConflictRecord {
  csn: Csn;
  kind: ConflictKind;
  uuid: string;
  attr?: string;
  detail: string;
  loser?: string;
  winner?: string;
}

/**
 * naming: lost its DN to an entry that took it first (add/add, modrdn clash).
 * unique: lost a unique attribute value (renamed or discarded).
 * glue: a deleted entry is kept as glue because a child arrived or stayed.
 * modify-delete: a modify or modrdn met a concurrent delete; the delete won.
 * schema: the merged entry violates the schema; kept and marked.
 * policy: a value lost by the attribute's policy to one with a smaller CSN.
 * lww: a value arrived after a write with a greater CSN and lost (last writer wins).
 * manual: a value lost under policy manual (the lww loser, for an administrator).
 * cycle: concurrent moves made a cycle; the latest move was set aside.
 */
export type ConflictKind = 'naming' | 'unique' | 'glue' | 'modify-delete' | 'schema' | 'policy' | 'lww' | 'manual' | 'cycle';
