// Canonical forms of the structured value syntaxes of RFC 4517, shared by the
// syntax checks and the matching rules. Each returns undefined when the text
// is not a valid value.

const INTEGER = /^ *(-?)0*([0-9]+) *$/;
// As slapd's integerValidate: no spaces, no leading zeros, no "-0".
const STRICT_INTEGER = /^(0|-?[1-9][0-9]*)$/;

/**
 * Integer (§3.3.16) in canonical decimal form. Surrounding spaces are
 * tolerated, like slapd; leading zeros and "-0" are not valid values but
 * are accepted in assertions, where they compare by numeric value.
 */
export function canonicalInteger(s: string, strict: boolean): string | undefined {
  if (strict) {
    const m = STRICT_INTEGER.exec(s);
    return m === null || m[1] === '-0' ? undefined : m[1];
  }
  const m = INTEGER.exec(s);
  if (m === null) return undefined;
  const digits = m[2].replace(/^0+(?=.)/, '');
  return m[1] === '-' && digits !== '0' ? '-' + digits : digits;
}

/** Numeric order of two canonical integers. */
export function compareIntegers(a: string, b: string): number {
  const na = a.charCodeAt(0) === 0x2d;
  const nb = b.charCodeAt(0) === 0x2d;
  if (na !== nb) return na ? -1 : 1;
  const mag = a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
  return na ? -mag : mag;
}

const GTIME = /^([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})?([0-9]{2})?(?:[.,]([0-9]+))?(Z|[+-][0-9]{2}(?:[0-9]{2})?)$/;

/**
 * Generalized Time (§3.3.13) as `YYYYMMDDHHMMSS[.fraction]Z` in UTC; a
 * fraction of an hour or minute is carried down to seconds exactly, trailing
 * zeros of the fraction are dropped. Two values are equal times exactly when
 * these forms are equal.
 */
export function canonicalTime(s: string): string | undefined {
  const m = GTIME.exec(s);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, se, frac, tz] = m;
  const year = +y, month = +mo, day = +d, hour = +h, minute = mi === undefined ? 0 : +mi, second = se === undefined ? 0 : +se;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  let offsetMin = 0;
  if (tz !== 'Z') {
    const oh = +tz.slice(1, 3), om = tz.length === 5 ? +tz.slice(3, 5) : 0;
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (tz[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // The fraction applies to the last unit written (hour, minute or second).
  const unit = se !== undefined ? 1n : mi !== undefined ? 60n : 3600n;
  let fracSec = '';
  let carry = 0n;
  if (frac !== undefined) {
    const scale = 10n ** BigInt(frac.length);
    const total = BigInt(frac) * unit; // in units of 1/scale seconds
    carry = total / scale;
    const rest = total % scale;
    if (rest !== 0n) fracSec = '.' + rest.toString().padStart(frac.length, '0').replace(/0+$/, '');
  }
  const t = utc(year, month - 1, day);
  t.setUTCHours(hour, minute, second);
  t.setTime(t.getTime() - offsetMin * 60_000 + Number(carry) * 1000);
  const out = t.getUTCFullYear();
  if (out < 0 || out > 9999) return undefined;
  return (
    pad(out, 4) + pad(t.getUTCMonth() + 1, 2) + pad(t.getUTCDate(), 2) + pad(t.getUTCHours(), 2) +
    pad(t.getUTCMinutes(), 2) + pad(t.getUTCSeconds(), 2) + fracSec + 'Z'
  );
}

// Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
function utc(year: number, month0: number, day: number): Date {
  const t = new Date(0);
  t.setUTCFullYear(year, month0, day);
  return t;
}

function daysIn(year: number, month: number): number {
  return utc(year, month, 0).getUTCDate();
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** Order of two canonical times: drop the 'Z' so "…00" sorts before "…00.5". */
export function compareTimes(a: string, b: string): number {
  const x = a.slice(0, -1), y = b.slice(0, -1);
  return x < y ? -1 : x > y ? 1 : 0;
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** UUID (RFC 4530) in lower case. */
export function canonicalUuid(s: string): string | undefined {
  return UUID.test(s) ? s.toLowerCase() : undefined;
}

const NUMERICOID = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$/;
const DESCR = /^[A-Za-z][A-Za-z0-9-]*$/;

export function isNumericOid(s: string): boolean {
  return NUMERICOID.test(s);
}

/** OID syntax (§3.3.26): a numeric OID or a descr. */
export function isOid(s: string): boolean {
  return NUMERICOID.test(s) || DESCR.test(s);
}

const BITSTRING = /^'[01]*'B$/;

export function isBitString(s: string): boolean {
  return BITSTRING.test(s);
}

/** RFC 4517 PrintableCharacter. */
const PRINTABLE = /^[A-Za-z0-9'()+,\-./:?= ]+$/;

export function isPrintable(s: string): boolean {
  return PRINTABLE.test(s);
}
