// Distinguished names (RFC 4514) as plain values: parse, format, normalize.
// Formatting follows slapd's "pretty" form: special characters are written as
// uppercase hex pairs (`\2C`, `\3D`), so in any DN this module prints a bare
// `,` always separates RDNs, a bare `+` always separates AVAs and a bare `=`
// always ends a type. The string helpers at the bottom rely on that.
import { LdapError, RC } from '../errors.js';
import { decodeBerString } from './ber-string.js';

/** One attribute type and value of an RDN. */
export interface AVA {
  /** Attribute type as written (a name or a numeric OID), without options. */
  type: string;
  /** The value, unescaped. With `raw`, the `#hex` text of a non-string BER value. */
  value: string;
  /** Set when the value came as a `#hexstring` whose BER type is not a string. */
  raw?: true;
  /** Set when the value came as a `#hexstring` (RFC 4514 §2.4). */
  hex?: true;
}
export type RDN = AVA[];
/** Index 0 is the leftmost (most specific) RDN; `[]` is the root DSE. */
export type DN = RDN[];

/** Canonicalizes one AVA (type name and value by its equality rule); from the schema. */
export type AVANormalizer = (type: string, value: string, hex?: boolean) => { type: string; value: string };

const SPACE = 0x20;
const QUOTE = 0x22;
const HASH = 0x23;
const PLUS = 0x2b;
const COMMA = 0x2c;
const DOT = 0x2e;
const SEMI = 0x3b;
const LANGLE = 0x3c;
const EQUALS = 0x3d;
const RANGLE = 0x3e;
const BACKSLASH = 0x5c;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function invalid(): never {
  throw new LdapError(RC.invalidDNSyntax, 'invalid DN');
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}
function isKeyChar(c: number): boolean {
  return isAlpha(c) || isDigit(c) || c === 0x2d;
}
/** RFC 4514 §2.4 `special` plus ESC: what may follow a backslash literally. */
function isEscapable(c: number): boolean {
  return (
    c === BACKSLASH || c === QUOTE || c === PLUS || c === COMMA || c === SEMI ||
    c === LANGLE || c === RANGLE || c === SPACE || c === HASH || c === EQUALS
  );
}
function skipSpaces(s: string, i: number): number {
  while (i < s.length && s.charCodeAt(i) === SPACE) i++;
  return i;
}

/**
 * Parses an RFC 4514 DN. Also accepts what slapd accepts: spaces around
 * separators, `;` between RDNs, quoted values (`cn="a, b"`), attribute options
 * on types (dropped, as slapd does). LDAPv2's `OID.` before a numeric OID
 * is refused, as slapd 2.5 refuses it (OpenLDAP's test026-dn).
 */
export function parseDN(s: string): DN {
  const dn: DN = [];
  let i = skipSpaces(s, 0);
  // "" is the root DSE's name; spaces alone name nothing (slapd: 34).
  if (i === s.length) return i === 0 ? dn : invalid();
  let rdn: RDN = [];
  for (;;) {
    const t = parseType(s, i);
    i = skipSpaces(s, t.end);
    if (s.charCodeAt(i) !== EQUALS) invalid();
    i = skipSpaces(s, i + 1);
    const c = s.charCodeAt(i);
    let ava: AVA;
    if (c === HASH) {
      const v = parseHexValue(s, i);
      ava = v.raw ? { type: t.type, value: v.value, raw: true, hex: true } : { type: t.type, value: v.value, hex: true };
      i = skipSpaces(s, v.end);
    } else if (c === QUOTE) {
      const close = findQuote(s, i + 1);
      ava = { type: t.type, value: unescape(s, i + 1, close, false) };
      i = skipSpaces(s, close + 1);
    } else {
      const end = findValueEnd(s, i);
      ava = { type: t.type, value: unescape(s, i, end, true) };
      i = end;
    }
    rdn.push(ava);
    if (i === s.length) break;
    const sep = s.charCodeAt(i);
    i = skipSpaces(s, i + 1);
    if (sep === PLUS) continue;
    if (sep !== COMMA && sep !== SEMI) invalid();
    if (i === s.length) invalid();
    dn.push(rdn);
    rdn = [];
  }
  dn.push(rdn);
  return dn;
}

function parseType(s: string, i: number): { type: string; end: number } {
  const start = i;
  const c = s.charCodeAt(i);
  if (isAlpha(c)) {
    i++;
    while (i < s.length && isKeyChar(s.charCodeAt(i))) i++;
  } else if (isDigit(c)) {
    for (;;) {
      if (!isDigit(s.charCodeAt(i))) invalid();
      while (isDigit(s.charCodeAt(i))) i++;
      if (s.charCodeAt(i) !== DOT) break;
      i++;
    }
  } else {
    invalid();
  }
  const type = s.slice(start, i);
  while (s.charCodeAt(i) === SEMI && isKeyChar(s.charCodeAt(i + 1))) {
    i += 2;
    while (i < s.length && isKeyChar(s.charCodeAt(i))) i++;
  }
  return { type, end: i };
}

/** Index of the first unescaped separator (or the end); rejects characters RFC 4514 requires escaped. */
function findValueEnd(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === COMMA || c === PLUS || c === SEMI) return i;
    if (c === BACKSLASH) {
      i += 2;
      continue;
    }
    if (c === QUOTE || c === LANGLE || c === RANGLE || c === 0) invalid();
    i++;
  }
  if (i > s.length) invalid(); // a trailing lone backslash
  return s.length;
}

function findQuote(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) return i;
    i += c === BACKSLASH ? 2 : 1;
  }
  return invalid();
}

/**
 * Decodes escapes in s[start, end). `trim` drops unescaped trailing spaces
 * (leading ones were skipped by the caller). Hex pairs are collected as bytes
 * and must form whole UTF-8 characters.
 */
function unescape(s: string, start: number, end: number, trim: boolean): string {
  let bs = start;
  while (bs < end && s.charCodeAt(bs) !== BACKSLASH) bs++;
  if (bs === end) {
    if (trim) while (end > start && s.charCodeAt(end - 1) === SPACE) end--;
    return s.slice(start, end);
  }
  let out = '';
  let significant = 0;
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length === 0) return;
    try {
      out += utf8.decode(Uint8Array.from(bytes));
    } catch {
      invalid();
    }
    bytes = [];
    significant = out.length;
  };
  let i = start;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH) {
      if (i + 1 >= end) invalid();
      const h = hexVal(s.charCodeAt(i + 1));
      const l = i + 2 < end ? hexVal(s.charCodeAt(i + 2)) : -1;
      if (h >= 0 && l >= 0) {
        bytes.push(h * 16 + l);
        i += 3;
        continue;
      }
      if (!isEscapable(s.charCodeAt(i + 1))) invalid();
      flush();
      out += s[i + 1];
      significant = out.length;
      i += 2;
      continue;
    }
    flush();
    out += s[i];
    if (c !== SPACE) significant = out.length;
    i++;
  }
  flush();
  return trim ? out.slice(0, significant) : out;
}

function parseHexValue(s: string, i: number): { value: string; raw: boolean; end: number } {
  const start = i + 1;
  let end = start;
  while (end < s.length && hexVal(s.charCodeAt(end)) >= 0) end++;
  const hex = s.slice(start, end);
  if (hex.length === 0 || hex.length % 2 !== 0) invalid();
  const after = skipSpaces(s, end);
  if (after < s.length) {
    const c = s.charCodeAt(after);
    if (c !== COMMA && c !== PLUS && c !== SEMI) invalid();
  }
  const decoded = decodeBerString(Buffer.from(hex, 'hex'));
  if (decoded !== undefined) return { value: decoded, raw: false, end };
  return { value: '#' + hex.toLowerCase(), raw: true, end };
}

const NEEDS_ESCAPE = /[\0"+,;<=>\\]|^[ #]| $/;

/** Escapes an AVA value the way slapd prints it: `\XX` for specials, leading ` `/`#`, trailing ` `. */
export function escapeDNValue(v: string): string {
  if (!NEEDS_ESCAPE.test(v)) return v;
  let out = '';
  const last = v.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = v.charCodeAt(i);
    if (
      c === 0 || c === QUOTE || c === PLUS || c === COMMA || c === SEMI || c === LANGLE ||
      c === EQUALS || c === RANGLE || c === BACKSLASH ||
      (i === 0 && (c === SPACE || c === HASH)) || (i === last && c === SPACE)
    ) {
      out += '\\' + (c < 16 ? '0' : '') + c.toString(16).toUpperCase();
    } else {
      out += v[i];
    }
  }
  return out;
}

function formatAVA(a: AVA): string {
  return a.type + '=' + (a.raw ? a.value : escapeDNValue(a.value));
}

export function formatRDN(rdn: RDN): string {
  return rdn.length === 1 ? formatAVA(rdn[0]) : rdn.map(formatAVA).join('+');
}

export function formatDN(dn: DN): string {
  let out = '';
  for (let i = 0; i < dn.length; i++) out += (i === 0 ? '' : ',') + formatRDN(dn[i]);
  return out;
}

function normalizeAVA(a: AVA, norm: AVANormalizer): string {
  const n = norm(a.type, a.value, a.hex);
  return n.type + '=' + (a.raw ? a.value : escapeDNValue(n.value));
}

/** A multi-valued RDN, its AVAs sorted; one type twice is not an RDN (RFC 4512 §2.3.1, as slapd's AVA_Sort). */
function normalizeRDN(rdn: RDN, norm: AVANormalizer): string {
  const avas = rdn.map((a) => normalizeAVA(a, norm)).sort();
  // Sorted, the AVAs of one type are neighbours.
  for (let j = 1; j < avas.length; j++) {
    const t = avas[j]!.slice(0, avas[j]!.indexOf('='));
    if (avas[j - 1]!.startsWith(t + '=')) throw new LdapError(RC.invalidDNSyntax, 'invalid DN');
  }
  return avas.join('+');
}

/**
 * The index key of a DN: each AVA canonicalized by `norm`, multi-valued RDNs
 * sorted, joined with `,` and `+` without spaces. Equal DNs (by their
 * attributes' equality rules) give equal strings.
 */
export function normalizeDN(dn: DN, norm: AVANormalizer): string {
  let out = '';
  for (let i = 0; i < dn.length; i++) {
    const rdn = dn[i];
    const s = rdn.length === 1 ? normalizeAVA(rdn[0], norm) : normalizeRDN(rdn, norm);
    out += (i === 0 ? '' : ',') + s;
  }
  return out;
}

// The helpers below take DN strings printed by formatDN or normalizeDN.

/** The parent of a DN; `null` for the root DSE (''). */
export function parentDN(dn: string): string | null {
  if (dn === '') return null;
  const comma = dn.indexOf(',');
  return comma < 0 ? '' : dn.slice(comma + 1);
}

/** The leftmost RDN of a DN. */
export function rdnOf(dn: string): string {
  const comma = dn.indexOf(',');
  return comma < 0 ? dn : dn.slice(0, comma);
}

/** True when `dn` lies strictly below `base`. */
export function isDescendant(dn: string, base: string): boolean {
  if (base === '') return dn !== '';
  return dn.length > base.length && dn.endsWith(base) && dn.charCodeAt(dn.length - base.length - 1) === COMMA;
}

/** Search scopes as RFC 4511 numbers them; `children` is OpenLDAP's subordinate subtree. */
export const Scope = { base: 0, one: 1, sub: 2, children: 3 } as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

/** Whether `dn` is within `scope` of `base` (both normalized). */
export function inScope(dn: string, base: string, scope: Scope): boolean {
  switch (scope) {
    case Scope.base:
      return dn === base;
    case Scope.one:
      return dn !== '' && parentDN(dn) === base;
    case Scope.sub:
      return dn === base || isDescendant(dn, base);
    case Scope.children:
      return isDescendant(dn, base);
  }
}
