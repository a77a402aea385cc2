// The stored form of a visible entry: one flat binary record per entry.
// Its attributes are kept only as pre-encoded PartialAttributes (RFC 4511
// §4.1.7), the bytes a SearchResultEntry carries, so a search copies them to
// the socket without decoding or encoding anything; filters and writes decode
// them (a cheap BER walk) only when they need the values.
//
// Layout (little-endian): u8 version, u8 flags, u32 parent,
//   then five length-prefixed (u32) fields: uuid, dn, ndn (UTF-8), user
//   attributes, userPassword, operational attributes; and u32 pwAt, the
//   offset in the user run where userPassword was written (its place in the
//   entry's attribute order); then, to the end, the entry's replication
//   state (repl/core/codec.ts). The state lives in its entry's record so
//   that a modify, which rewrites both, dirties one B-tree leaf and not two
//   (a synced commit's cost grows with its pages: bench/HISTORY.md,
//   2026-12-07, thirty-first session); states of entries not shown
//   (tombstones) live in `core`.
import type { Entry } from '../dit/entry.js';
import { BerReader } from '../ber/reader.js';
import { TAG } from '../ber/tags.js';
import { readAttribute } from '../ldap/pdu/attribute.js';
import { attributeSize, writeAttribute } from '../ldap/pdu/encode-response.js';
import type { Schema } from '../schema/schema.js';

export const FLAG_CONFLICT = 1;
export const FLAG_GLUE = 2;
const VERSION = 1;

export const USER_PASSWORD = 'userPassword';

function isPassword(name: string): boolean {
  return name === USER_PASSWORD || name.startsWith(USER_PASSWORD + ';');
}

export class EntryRec {
  id: number;
  readonly uuid: string;
  readonly dn: string;
  readonly ndn: string;
  /** Parent entry id; 0 for the suffix entry. */
  readonly parent: number;
  readonly flags: number;
  /** Pre-encoded user attributes except userPassword, in the entry's order. */
  readonly wire: Buffer;
  /** Pre-encoded userPassword (for the rootDn), and where in `wire` it belongs. */
  readonly pw: Buffer | undefined;
  readonly pwAt: number;
  /** Pre-encoded stored operational attributes (entryUUID, entryCSN, timestamps …). */
  readonly op: Buffer;
  /** The entry's replication state as stored after the record (codec.ts), if any. */
  state: Buffer | undefined;
  #attrs: [string, Buffer[]][] | undefined;

  constructor(
    id: number, uuid: string, dn: string, ndn: string, parent: number, flags: number,
    wire: Buffer, pw: Buffer | undefined, pwAt: number, op: Buffer, attrs?: [string, Buffer[]][], state?: Buffer,
  ) {
    this.id = id;
    this.uuid = uuid;
    this.dn = dn;
    this.ndn = ndn;
    this.parent = parent;
    this.flags = flags;
    this.wire = wire;
    this.pw = pw;
    this.pwAt = pwAt;
    this.op = op;
    this.#attrs = attrs;
    this.state = state;
  }

  /** Every stored attribute (user, userPassword in its place, then operational), canonical names. */
  get attrs(): [string, Buffer[]][] {
    if (this.#attrs === undefined) {
      const out: [string, Buffer[]][] = [];
      if (this.pw) {
        decodeRun(this.wire.subarray(0, this.pwAt), out);
        decodeRun(this.pw, out);
        decodeRun(this.wire.subarray(this.pwAt), out);
      } else decodeRun(this.wire, out);
      decodeRun(this.op, out);
      this.#attrs = out;
    }
    return this.#attrs;
  }

  /** User attributes as a SearchResultEntry carries them, userPassword included or not. */
  userChunks(withPassword: boolean): Buffer[] {
    if (!withPassword || !this.pw) return [this.wire];
    return [this.wire.subarray(0, this.pwAt), this.pw, this.wire.subarray(this.pwAt)];
  }

  get(name: string): Buffer[] | undefined {
    for (const [n, v] of this.attrs) if (n === name) return v;
    return undefined;
  }

  /**
   * The attributes of the types named in `want` (with any options), values
   * decoded; the others are skipped unread. What a filter needs of an entry
   * it will most often reject.
   */
  pick(want: ReadonlySet<string>): Map<string, Buffer[]> {
    const out = new Map<string, Buffer[]>();
    if (this.#attrs !== undefined) {
      for (const [n, v] of this.#attrs) if (want.has(typeName(n))) out.set(n, v);
      return out;
    }
    pickRun(this.wire, want, out);
    if (this.pw && want.has(USER_PASSWORD)) pickRun(this.pw, want, out);
    pickRun(this.op, want, out);
    return out;
  }
}

function typeName(description: string): string {
  const semi = description.indexOf(';');
  return semi < 0 ? description : description.slice(0, semi);
}

/** Wanted type names as octets, made once per set (a search passes the same set for every candidate). */
const wantedOctets = new WeakMap<ReadonlySet<string>, { name: string; octets: Buffer }[]>();

/**
 * The run's attributes of the wanted types, read in place: a type's octets
 * are compared with the wanted names' (no string is made for the others).
 */
function pickRun(run: Buffer, want: ReadonlySet<string>, out: Map<string, Buffer[]>): void {
  let names = wantedOctets.get(want);
  if (names === undefined) wantedOctets.set(want, (names = [...want].map((name) => ({ name, octets: Buffer.from(name, 'utf8') }))));
  const r = new BerReader(run);
  while (r.hasMore()) {
    const seq = r.enter(TAG.sequence);
    const typeLen = r.expect(TAG.octetString);
    const t = r.pos;
    r.pos += typeLen;
    let name: string | undefined;
    for (const w of names) {
      const n = w.octets.length;
      if (typeLen < n || (typeLen > n && run[t + n] !== 0x3b /* ; options */) || run.compare(w.octets, 0, n, t, t + n) !== 0) continue;
      name = typeLen === n ? w.name : run.toString('utf8', t, t + typeLen);
      break;
    }
    if (name !== undefined) {
      const set = r.enter(TAG.set);
      const values: Buffer[] = [];
      while (r.hasMore()) values.push(r.readOctets());
      r.leave(set);
      out.set(name, values);
    } else r.skipRest();
    r.leave(seq);
  }
}

/** PartialAttribute run → [type, values][] (values are views of the run). */
function decodeRun(run: Buffer, out: [string, Buffer[]][]): void {
  const r = new BerReader(run);
  while (r.hasMore()) {
    const { type, values } = readAttribute(r);
    out.push([type, values]);
  }
}

/** buildRec's runs, by index (0: user attributes). */
const PW = 1, OP = 2;

export function buildRec(
  schema: Schema, id: number, uuid: string, dn: string, ndn: string, parent: number, attrs: [string, Buffer[]][], flags: number,
): EntryRec {
  // One buffer for the three runs (user attributes, userPassword,
  // operational), each written in place: no buffer per attribute, no concat.
  const kind = new Uint8Array(attrs.length);
  let userLen = 0;
  let pwLen = 0;
  let opLen = 0;
  let pwAt = -1;
  for (let i = 0; i < attrs.length; i++) {
    const [name, values] = attrs[i]!;
    const n = attributeSize(name, values);
    if (isPassword(name)) {
      if (pwAt < 0) pwAt = userLen;
      kind[i] = PW;
      pwLen += n;
    } else if (schema.isOperational(name)) {
      kind[i] = OP;
      opLen += n;
    } else userLen += n;
  }
  const out = Buffer.allocUnsafe(userLen + pwLen + opLen);
  const at = [0, userLen, userLen + pwLen];
  for (let i = 0; i < attrs.length; i++) {
    const [name, values] = attrs[i]!;
    at[kind[i]!] = writeAttribute(out, at[kind[i]!]!, name, values);
  }
  const wire = out.subarray(0, userLen);
  const pw = pwLen > 0 ? out.subarray(userLen, userLen + pwLen) : undefined;
  return new EntryRec(id, uuid, dn, ndn, parent, flags, wire, pw, Math.max(0, pwAt), out.subarray(userLen + pwLen), attrs);
}

/** The binary record stored in LMDB, followed by the entry's encoded state. */
export function encodeRec(rec: EntryRec, state: Buffer | undefined): Buffer {
  const uuid = Buffer.from(rec.uuid, 'latin1');
  const dn = Buffer.from(rec.dn, 'utf8');
  const ndn = Buffer.from(rec.ndn, 'utf8');
  const pw = rec.pw ?? EMPTY;
  const fields = [uuid, dn, ndn, rec.wire, pw, rec.op];
  let size = 1 + 1 + 4 + 4 + (state?.length ?? 0);
  for (const f of fields) size += 4 + f.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = VERSION;
  out[1] = rec.flags;
  out.writeUInt32LE(rec.parent, 2);
  let p = 6;
  for (const f of fields) {
    out.writeUInt32LE(f.length, p);
    p += 4;
    f.copy(out, p);
    p += f.length;
  }
  out.writeUInt32LE(rec.pwAt, p);
  state?.copy(out, p + 4);
  return out;
}

const EMPTY = Buffer.alloc(0);

/** `buf` must be the record's own copy (the fields are views of it). */
export function decodeRec(id: number, buf: Buffer): EntryRec {
  if (buf[0] !== VERSION) throw new Error(`entry ${id}: stored record version ${buf[0]} is not supported`);
  const flags = buf[1]!;
  const parent = buf.readUInt32LE(2);
  let p = 6;
  const field = (): Buffer => {
    const n = buf.readUInt32LE(p);
    p += 4;
    const f = buf.subarray(p, p + n);
    p += n;
    return f;
  };
  const uuid = field().toString('latin1');
  const dn = field().toString('utf8');
  const ndn = field().toString('utf8');
  const wire = field();
  const pw = field();
  const op = field();
  const pwAt = buf.readUInt32LE(p);
  const state = buf.length > p + 4 ? buf.subarray(p + 4) : undefined;
  return new EntryRec(id, uuid, dn, ndn, parent, flags, wire, pw.length ? pw : undefined, pwAt, op, undefined, state);
}

/** The entryUUID and the state bytes of a stored record, nothing else decoded. */
export function recState(buf: Buffer): { uuid: string; state: Buffer | undefined } {
  let p = 6;
  const uuidLen = buf.readUInt32LE(p);
  const uuid = buf.toString('latin1', p + 4, p + 4 + uuidLen);
  p += 4 + uuidLen;
  for (let i = 0; i < 5; i++) p += 4 + buf.readUInt32LE(p);
  return { uuid, state: buf.length > p + 4 ? buf.subarray(p + 4) : undefined };
}

/** The entry as filters and operations see it. */
export function recEntry(rec: EntryRec): Entry {
  return { dn: rec.dn, attrs: new Map(rec.attrs) };
}

const OBJECT_CLASS: ReadonlySet<string> = new Set(['objectClass']);

/** Is the entry of this object class (given by its schema name; the entry may name it by any of its names)? */
export function hasClass(schema: Schema, rec: EntryRec, name: string): boolean {
  // Only objectClass is read: an add looks at its parent's classes, and the other attributes are not needed.
  const classes = rec.pick(OBJECT_CLASS).get('objectClass') ?? [];
  return classes.some((v) => schema.objectClass(v.toString('utf8'))?.name === name);
}

/** An alias entry: a leaf (X.501; slapd refuses anything below one), and what `ldapsearch -a` dereferences. */
export function isAlias(schema: Schema, rec: EntryRec): boolean {
  return hasClass(schema, rec, 'alias');
}
