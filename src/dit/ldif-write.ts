// LDIF (RFC 2849) writer, byte-for-byte like OpenLDAP's ldif_sput_wrap()
// (libraries/libldap/ldif.c): a value is written as text only if it is
// printable ASCII that does not start with a space, ":" or "<" nor end with a
// space; anything else (non-ASCII UTF-8 included), `userPassword` and
// `;binary` values are base64 (`::`). Lines fold at `wrap` columns,
// continuation lines starting with one space.
import type { LdifChange, LdifControl, LdifRecord } from './ldif-types.js';

/**
 * Default fold width: upstream OpenLDAP's LDIF_LINE_WIDTH. OpenLDAP 2.5 (the
 * Debian 12 package) used 78; pass `wrap: 78` to match its slapcat output.
 */
export const LDIF_WRAP = 76;

const SPACE = 0x20;
const COLON = 0x3a;
const LANGLE = 0x3c;

export interface LdifWriteOptions {
  /** Maximum line length; 0 or Infinity disables folding. */
  wrap?: number;
}

function widthOf(opts: LdifWriteOptions | undefined): number {
  const w = opts?.wrap ?? LDIF_WRAP;
  return w === 0 ? Infinity : Math.max(w, 2);
}

/** OpenLDAP always base64-encodes these, so secrets are not shown in clear. */
function mustBase64(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'userpassword' || name === '2.5.4.35' || name.includes(';binary');
}

function isSafe(v: Buffer): boolean {
  const first = v[0];
  const last = v[v.length - 1];
  if (first <= SPACE || first >= 0x7f || first === COLON || first === LANGLE) return false;
  if (last <= SPACE || last >= 0x7f) return false;
  for (let i = 1; i < v.length - 1; i++) if (v[i] < SPACE || v[i] >= 0x7f) return false;
  return true;
}

/** Appends `body` after `head`, folding as ldif_sput_wrap does. */
function fold(head: string, body: string, wrap: number): string {
  let len = head.length;
  if (len + body.length <= wrap) return head + body + '\n';
  let out = head;
  let i = 0;
  while (i < body.length) {
    if (len >= wrap) {
      out += '\n ';
      len = 1;
    }
    const take = Math.min(body.length - i, wrap - len);
    out += body.slice(i, i + take);
    i += take;
    len += take;
  }
  return out + '\n';
}

/** One `name: value` or `name:: base64` line (folded), ending in a newline. */
export function formatLine(name: string, value: Buffer, opts?: LdifWriteOptions): string {
  if (value.length === 0) return name + ':\n';
  const wrap = widthOf(opts);
  if (!mustBase64(name) && isSafe(value)) return fold(name + ': ', value.toString('latin1'), wrap);
  return fold(name + ':: ', value.toString('base64'), wrap);
}

function textLine(name: string, value: string, opts?: LdifWriteOptions): string {
  return formatLine(name, Buffer.from(value, 'utf8'), opts);
}

/** A content record followed by the blank line that ends it. */
export function formatEntry(dn: string, attrs: Iterable<[string, Buffer[]]>, opts?: LdifWriteOptions): string {
  let out = textLine('dn', dn, opts);
  for (const [name, values] of attrs) for (const v of values) out += formatLine(name, v, opts);
  return out + '\n';
}

function formatControl(c: LdifControl, opts?: LdifWriteOptions): string {
  let body = c.oid + (c.critical ? ' true' : ' false');
  if (c.value !== undefined) {
    body += c.value.length > 0 && isSafe(c.value) ? ': ' + c.value.toString('latin1') : ':: ' + c.value.toString('base64');
  }
  return fold('control: ', body, widthOf(opts));
}

function formatChange(rec: LdifChange, opts?: LdifWriteOptions): string {
  let out = textLine('dn', rec.dn, opts);
  for (const c of rec.controls) out += formatControl(c, opts);
  out += `changetype: ${rec.type}\n`;
  switch (rec.type) {
    case 'add':
      for (const [name, values] of rec.attrs) for (const v of values) out += formatLine(name, v, opts);
      break;
    case 'delete':
      break;
    case 'modify':
      for (const m of rec.changes) {
        out += `${m.op}: ${m.attr}\n`;
        for (const v of m.values) out += formatLine(m.attr, v, opts);
        out += '-\n';
      }
      break;
    case 'modrdn':
      out += textLine('newrdn', rec.newRdn, opts);
      out += `deleteoldrdn: ${rec.deleteOldRdn ? 1 : 0}\n`;
      if (rec.newSuperior !== undefined) out += textLine('newsuperior', rec.newSuperior, opts);
      break;
  }
  return out + '\n';
}

/** Any record readLdif yields, as LDIF text ending in a blank line. */
export function formatRecord(rec: LdifRecord, opts?: LdifWriteOptions): string {
  return rec.type === 'content' ? formatEntry(rec.dn, rec.attrs, opts) : formatChange(rec, opts);
}
