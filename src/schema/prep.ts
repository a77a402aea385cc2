// RFC 4518 string preparation for the directory string matching rules:
// map (drop controls and zero-width characters, map other spaces to SPACE),
// case fold (caseIgnore only), NFKC, and insignificant space handling.
// Prohibited/unassigned code points are not rejected (slapd accepts them too).
//
// Insignificant spaces (§2.6.1) are kept in the simple equivalent form: the
// value is trimmed and each inner run of spaces becomes one space; a value of
// only spaces becomes a single space. Two values match under RFC 4518 exactly
// when these forms are equal.
//
// Every function has an ASCII fast path: eqKey runs on the search hot path.

const SP = 0x20;

// §2.2: characters mapped to nothing, and characters mapped to SPACE.
const MAP_NOTHING = /[\u0000-\u0008\u000E-\u001F\u007F-\u0084\u0086-\u009F\u00AD\u034F\u06DD\u070F\u1806\u180B-\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2063\u206A-\u206F\uFE00-\uFE0F\uFEFF\uFFF9-\uFFFB]/g;
const MAP_SPACE = /[\u0009-\u000D\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/g;

/**
 * caseIgnore (fold) or caseExact form straight from the UTF-8 octets when
 * they are all printable ASCII; undefined sends the caller to the general
 * path. One pass over the bytes decides whether lower-casing or space
 * squeezing is needed at all, which keeps eqKey cheap for typical values.
 */
export function asciiKey(v: Buffer, fold: boolean): string | undefined {
  const n = v.length;
  if (n === 0) return undefined;
  let upper = false;
  let squeeze = false;
  for (let i = 0; i < n; i++) {
    const c = v[i];
    if (c < 0x20 || c > 0x7e) return undefined;
    if (c === SP) {
      if (i === 0 || i === n - 1 || v[i + 1] === SP) squeeze = true;
    } else if (c <= 0x5a && c >= 0x41) {
      upper = true;
    }
  }
  let s = v.toString('latin1');
  if (fold && upper) s = s.toLowerCase();
  return squeeze ? squeezeSpaces(s) : s;
}

/** True when every char is printable ASCII (0x20–0x7E): no mapping or NFKC needed. */
function isPlainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** Trim, and collapse inner runs of spaces to one; all-space → ' '. */
export function squeezeSpaces(s: string): string {
  const n = s.length;
  let start = 0;
  while (start < n && s.charCodeAt(start) === SP) start++;
  if (start === n) return n === 0 ? '' : ' ';
  let end = n;
  while (s.charCodeAt(end - 1) === SP) end--;
  // Common case: nothing to collapse.
  if (s.indexOf('  ', start) < 0 || s.indexOf('  ', start) >= end) {
    return start === 0 && end === n ? s : s.slice(start, end);
  }
  let out = '';
  let prevSpace = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === SP) {
      if (!prevSpace) out += ' ';
      prevSpace = true;
    } else {
      out += s[i];
      prevSpace = false;
    }
  }
  return out;
}

function mapChars(s: string): string {
  return s.replace(MAP_NOTHING, '').replace(MAP_SPACE, ' ');
}

// Full case folding (RFC 3454 table B.2) is approximated by upper- then
// lower-casing, which folds ß→ss and final sigma like B.2 does.
function foldCase(s: string): string {
  return s.toUpperCase().toLowerCase();
}

function prepUnicode(s: string, fold: boolean): string {
  const mapped = mapChars(s).normalize('NFKC');
  return fold ? foldCase(mapped).normalize('NFKC') : mapped;
}

/** caseIgnoreMatch form of a value (also the caseIgnoreOrdering/Substrings value form). */
export function prepCaseIgnore(s: string): string {
  return squeezeSpaces(isPlainAscii(s) ? s.toLowerCase() : prepUnicode(s, true));
}

/** caseExactMatch form of a value. */
export function prepCaseExact(s: string): string {
  return squeezeSpaces(isPlainAscii(s) ? s : prepUnicode(s, false));
}

/**
 * A piece of a substrings assertion (§2.6.1): inner space runs collapse; the
 * outer spaces of the whole assertion (start of `initial`, end of `final`)
 * are insignificant. `blankInitial`: an `initial` of spaces only stays one
 * space, which no value begins with (`(sn= *)` matches nothing), as slapd's
 * UTF8StringNormalize makes it; its IA5 rules drop it (`(mail= *)` is
 * `(mail=*)`).
 */
export function prepPiece(s: string, pos: 'initial' | 'any' | 'final', fold: boolean, blankInitial = false): string {
  let p = isPlainAscii(s) ? (fold ? s.toLowerCase() : s) : prepUnicode(s, fold);
  p = p.replace(/ {2,}/g, ' ');
  if (pos === 'initial' && p.charCodeAt(0) === SP && !(blankInitial && p.length === 1)) p = p.slice(1);
  if (pos === 'final' && p.charCodeAt(p.length - 1) === SP) p = p.slice(0, -1);
  return p;
}

/** ASCII-only lower-casing (the IA5 rules fold only A–Z). */
export function asciiLower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return s.toLowerCase();
  }
  return s;
}

/** True when every char is in 0x00–0x7F. */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Removes every char of `drop` (a string of single characters) from `s`. */
export function removeChars(s: string, drop: string): string {
  let keep = true;
  for (let i = 0; i < s.length && keep; i++) if (drop.includes(s[i])) keep = false;
  if (keep) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) if (!drop.includes(s[i])) out += s[i];
  return out;
}
