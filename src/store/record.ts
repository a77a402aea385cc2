// The stored form of a visible entry, built once per write so that reads
// do no encoding: the user attributes are kept as one pre-encoded run of
// PartialAttributes, ready to be copied into a SearchResultEntry.
import type { Entry } from '../dit/entry.js';
import { encodeAttribute } from '../ldap/pdu/encode-response.js';
import type { Schema } from '../schema/schema.js';

export const FLAG_CONFLICT = 1;
export const FLAG_GLUE = 2;

export interface EntryRec {
  id: number;
  uuid: string;
  dn: string;
  ndn: string;
  /** Parent entry id; 0 for the suffix entry. */
  parent: number;
  /** Every stored attribute (user and operational), canonical names, sorted. */
  attrs: [string, Buffer[]][];
  /** Pre-encoded user attributes except userPassword, in `attrs` order. */
  wire: Buffer;
  /** Pre-encoded userPassword, returned only to the rootDn. */
  pw?: Buffer;
  /** Pre-encoded stored operational attributes (entryUUID, entryCSN, timestamps …). */
  op: Buffer;
  flags: number;
}

export const USER_PASSWORD = 'userPassword';

export function buildRec(
  schema: Schema, id: number, uuid: string, dn: string, ndn: string, parent: number, attrs: [string, Buffer[]][], flags: number,
): EntryRec {
  const user: Buffer[] = [];
  const op: Buffer[] = [];
  let pw: Buffer | undefined;
  for (const [name, values] of attrs) {
    const enc = encodeAttribute(name, values);
    if (name === USER_PASSWORD || name.startsWith(USER_PASSWORD + ';')) pw = pw ? Buffer.concat([pw, enc]) : enc;
    else if (schema.isOperational(name)) op.push(enc);
    else user.push(enc);
  }
  const rec: EntryRec = { id, uuid, dn, ndn, parent, attrs, wire: Buffer.concat(user), op: Buffer.concat(op), flags };
  if (pw) rec.pw = pw;
  return rec;
}

/** The entry as filters and operations see it. */
export function recEntry(rec: EntryRec): Entry {
  return { dn: rec.dn, attrs: new Map(rec.attrs) };
}

export function recGet(rec: EntryRec, name: string): Buffer[] | undefined {
  for (const [n, v] of rec.attrs) if (n === name) return v;
  return undefined;
}
