// RFC 4515 filter strings <-> the Filter value of filter-types.ts. The parser
// accepts what OpenLDAP's client library accepts (libldap/filter.c): spaces
// after `(` and between list items, RFC 1960 escapes (`\*`, `\(`, `\)`, `\\`)
// besides hex pairs, `(&)`/`(|)` (RFC 4526), and a bare `uid=x` without parens.
import { LdapError, RC } from '../errors.js';
import type { Filter } from './filter-types.js';
import type { Value } from './entry.js';

const SPACE = 0x20;
const LPAREN = 0x28;
const RPAREN = 0x29;
const STAR = 0x2a;
const BACKSLASH = 0x5c;

/** Deeper nesting is refused rather than risking the stack. */
const MAX_DEPTH = 256;

const ATTR_DESC = /^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)(?:;[A-Za-z0-9-]+)*$/;
const RULE_ID = /^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)$/;

function bad(reason: string): never {
  throw new LdapError(RC.protocolError, `bad filter: ${reason}`);
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function skipSpaces(s: string, i: number): number {
  while (s.charCodeAt(i) === SPACE) i++;
  return i;
}

export function parseFilter(input: string): Filter {
  let s = input;
  let i = skipSpaces(s, 0);
  if (i === s.length) bad('empty');
  if (s.charCodeAt(i) !== LPAREN) {
    s = `(${s.slice(i)})`;
    i = 0;
  }
  const r = parseAt(s, i, 0);
  if (skipSpaces(s, r.end) !== s.length) bad(`unexpected text at ${r.end}`);
  return r.filter;
}

function parseAt(s: string, i: number, depth: number): { filter: Filter; end: number } {
  if (depth > MAX_DEPTH) bad('nested too deeply');
  if (s.charCodeAt(i) !== LPAREN) bad(`expected "(" at ${i}`);
  i = skipSpaces(s, i + 1);
  const op = s[i];
  if (op === '&' || op === '|') {
    const filters: Filter[] = [];
    i = skipSpaces(s, i + 1);
    while (s.charCodeAt(i) !== RPAREN) {
      if (i >= s.length) bad('unbalanced parentheses');
      const r = parseAt(s, i, depth + 1);
      filters.push(r.filter);
      i = skipSpaces(s, r.end);
    }
    return { filter: op === '&' ? { type: 'and', filters } : { type: 'or', filters }, end: i + 1 };
  }
  if (op === '!') {
    const r = parseAt(s, skipSpaces(s, i + 1), depth + 1);
    const end = skipSpaces(s, r.end);
    if (s.charCodeAt(end) !== RPAREN) bad('"!" takes exactly one filter');
    return { filter: { type: 'not', filter: r.filter }, end: end + 1 };
  }
  if (op === '(') bad(`unexpected "(" at ${i}`);
  const close = findItemEnd(s, i);
  return { filter: parseItem(s.slice(i, close)), end: close + 1 };
}

function findItemEnd(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === RPAREN) return i;
    i += c === BACKSLASH ? 2 : 1;
  }
  return bad('unbalanced parentheses');
}

/** One `attr op value` item, without its parentheses. */
function parseItem(item: string): Filter {
  const eq = item.indexOf('=');
  if (eq <= 0) bad(`missing attribute or "=" in "${item}"`);
  const raw = item.slice(eq + 1);
  const mark = item[eq - 1];
  if (mark === ':') return parseExtensible(item.slice(0, eq - 1), raw);
  if (mark === '<' || mark === '>' || mark === '~') {
    const attr = checkDesc(item.slice(0, eq - 1));
    const value = unescapeValue(raw);
    return { type: mark === '<' ? 'le' : mark === '>' ? 'ge' : 'approx', attr, value };
  }
  const attr = checkDesc(item.slice(0, eq));
  if (raw === '*') return { type: 'present', attr };
  const pieces = splitStars(raw);
  if (pieces.length === 1) return { type: 'equality', attr, value: unescapeValue(raw) };
  const last = pieces.length - 1;
  const any: Value[] = [];
  for (let k = 1; k < last; k++) {
    if (pieces[k] === '') bad(`empty substring in "${item}"`);
    any.push(unescapeValue(pieces[k]));
  }
  const f: Filter = { type: 'substrings', attr, any };
  if (pieces[0] !== '') f.initial = unescapeValue(pieces[0]);
  if (pieces[last] !== '') f.final = unescapeValue(pieces[last]);
  return f;
}

/** RFC 4515: `attr [":dn"] [":" rule] ":=" value` or `[":dn"] ":" rule ":=" value`. */
function parseExtensible(left: string, raw: string): Filter {
  const parts = left.split(':');
  const attr = parts[0];
  let dnAttributes = false;
  let rule: string | undefined;
  if (parts.length === 2) {
    if (parts[1].toLowerCase() === 'dn') dnAttributes = true;
    else rule = parts[1];
  } else if (parts.length === 3) {
    if (parts[1].toLowerCase() !== 'dn') bad(`expected ":dn" in "${left}:="`);
    dnAttributes = true;
    rule = parts[2];
  } else if (parts.length > 3) {
    bad(`too many ":" in "${left}:="`);
  }
  if (attr === '' && !rule) bad('extensible match needs an attribute or a matching rule');
  if (rule !== undefined && !RULE_ID.test(rule)) bad(`invalid matching rule "${rule}"`);
  const f: Filter = { type: 'extensible', value: unescapeValue(raw), dnAttributes };
  if (attr !== '') f.attr = checkDesc(attr);
  if (rule !== undefined) f.rule = rule;
  return f;
}

function checkDesc(attr: string): string {
  if (!ATTR_DESC.test(attr)) bad(`invalid attribute description "${attr}"`);
  return attr;
}

/** Splits on unescaped `*`, leaving escapes for unescapeValue. */
function splitStars(raw: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === STAR) {
      out.push(raw.slice(start, i));
      start = i + 1;
    }
  }
  out.push(raw.slice(start));
  return out;
}

/** Decodes `\XX` and RFC 1960 escapes into octets; literal text is UTF-8. */
function unescapeValue(raw: string): Value {
  if (!/[\0()*\\]/.test(raw)) return Buffer.from(raw, 'utf8');
  const parts: Buffer[] = [];
  const bytes: number[] = [];
  let start = 0;
  const flushText = (end: number): void => {
    if (end > start) {
      if (bytes.length) parts.push(Buffer.from(bytes.splice(0)));
      parts.push(Buffer.from(raw.slice(start, end), 'utf8'));
    }
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0 || c === LPAREN || c === RPAREN || c === STAR) bad(`unescaped "${raw[i]}" in value`);
    if (c !== BACKSLASH) continue;
    flushText(i);
    const h = hexVal(raw.charCodeAt(i + 1));
    const l = hexVal(raw.charCodeAt(i + 2));
    if (h >= 0 && l >= 0) {
      bytes.push(h * 16 + l);
      i += 2;
    } else {
      const e = raw.charCodeAt(i + 1);
      if (e !== LPAREN && e !== RPAREN && e !== STAR && e !== BACKSLASH) bad(`invalid escape in "${raw}"`);
      bytes.push(e);
      i += 1;
    }
    start = i + 1;
  }
  flushText(raw.length);
  if (bytes.length) parts.push(Buffer.from(bytes));
  return Buffer.concat(parts);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function hex2(b: number): string {
  return '\\' + (b < 16 ? '0' : '') + b.toString(16);
}

/** RFC 4515 §3 escaping; valid UTF-8 stays readable, controls and other octets become `\xx`. */
export function escapeFilterValue(v: Value): string {
  let text: string | undefined;
  try {
    text = utf8.decode(v);
  } catch {
    text = undefined;
  }
  let out = '';
  if (text === undefined) {
    for (const b of v) out += b < 0x20 || b >= 0x7f || b === 0x28 || b === 0x29 || b === 0x2a || b === 0x5c ? hex2(b) : String.fromCharCode(b);
    return out;
  }
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || c === 0x7f || c === 0x28 || c === 0x29 || c === 0x2a || c === 0x5c ? hex2(c) : ch;
  }
  return out;
}

/** The canonical string of a filter (for logs, config and round trips). */
export function formatFilter(f: Filter): string {
  switch (f.type) {
    case 'and':
      return `(&${f.filters.map(formatFilter).join('')})`;
    case 'or':
      return `(|${f.filters.map(formatFilter).join('')})`;
    case 'not':
      return `(!${formatFilter(f.filter)})`;
    case 'equality':
      return `(${f.attr}=${escapeFilterValue(f.value)})`;
    case 'ge':
      return `(${f.attr}>=${escapeFilterValue(f.value)})`;
    case 'le':
      return `(${f.attr}<=${escapeFilterValue(f.value)})`;
    case 'approx':
      return `(${f.attr}~=${escapeFilterValue(f.value)})`;
    case 'present':
      return `(${f.attr}=*)`;
    case 'substrings': {
      const initial = f.initial ? escapeFilterValue(f.initial) : '';
      const any = f.any.map((v) => escapeFilterValue(v) + '*').join('');
      const final = f.final ? escapeFilterValue(f.final) : '';
      return `(${f.attr}=${initial}*${any}${final})`;
    }
    case 'extensible':
      return `(${f.attr ?? ''}${f.dnAttributes ? ':dn' : ''}${f.rule ? ':' + f.rule : ''}:=${escapeFilterValue(f.value)})`;
  }
}
