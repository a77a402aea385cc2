// Password hashes in the forms OpenLDAP writes: {SSHA}, {SSHA512},
// {PBKDF2-SHA512} (contrib/slapd-modules/passwd/pbkdf2), plus, for
// verification of imported data, {MD5}, {SMD5}, {SHA} (slapd's own) and
// {SHA256}…{SSHA512} (contrib pw-sha2). Cleartext values verify only
// when the server allows it.
import { createHash, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

export type Scheme = 'SSHA' | 'SSHA512' | 'PBKDF2-SHA512';
export const SCHEMES: readonly Scheme[] = ['SSHA', 'SSHA512', 'PBKDF2-SHA512'];
const PBKDF2_ITERATIONS = 10_000;
const PBKDF2_SALT = 16;
const PBKDF2_DKLEN = 64;

// OpenLDAP's pbkdf2 module uses "adapted base64": '.' for '+', no padding.
function ab64Encode(b: Buffer): string {
  return b.toString('base64').replace(/\+/g, '.').replace(/=+$/, '');
}
function ab64Decode(s: string): Buffer {
  return Buffer.from(s.replace(/\./g, '+'), 'base64');
}

function saltedDigest(alg: string, password: Buffer, salt: Buffer): Buffer {
  return createHash(alg).update(password).update(salt).digest();
}

export async function hashPassword(password: string | Buffer, scheme: Scheme = 'SSHA'): Promise<string> {
  const pw = Buffer.isBuffer(password) ? password : Buffer.from(password, 'utf8');
  switch (scheme) {
    case 'SSHA': {
      const salt = randomBytes(8);
      return '{SSHA}' + Buffer.concat([saltedDigest('sha1', pw, salt), salt]).toString('base64');
    }
    case 'SSHA512': {
      const salt = randomBytes(8);
      return '{SSHA512}' + Buffer.concat([saltedDigest('sha512', pw, salt), salt]).toString('base64');
    }
    case 'PBKDF2-SHA512': {
      const salt = randomBytes(PBKDF2_SALT);
      const dk = await pbkdf2Async(pw, salt, PBKDF2_ITERATIONS, PBKDF2_DKLEN, 'sha512');
      return `{PBKDF2-SHA512}${PBKDF2_ITERATIONS}$${ab64Encode(salt)}$${ab64Encode(dk)}`;
    }
  }
}

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The scheme of a stored value (`SSHA`, …), or undefined for cleartext. */
export function schemeOf(stored: string): string | undefined {
  const m = /^\{([A-Za-z0-9-]+)\}/.exec(stored);
  return m ? m[1]!.toUpperCase() : undefined;
}

/**
 * Does `password` match the stored value? Unknown schemes never match;
 * cleartext matches only with `allowCleartext`.
 */
export async function verifyPassword(password: Buffer, stored: Buffer | string, allowCleartext = false): Promise<boolean> {
  const s = typeof stored === 'string' ? stored : stored.toString('utf8');
  const scheme = schemeOf(s);
  if (scheme === undefined) return allowCleartext && equal(password, Buffer.from(s, 'utf8'));
  const body = s.slice(scheme.length + 2);
  if (scheme === 'PBKDF2-SHA512') {
    const m = /^(\d+)\$([A-Za-z0-9./]+)\$([A-Za-z0-9./]+)$/.exec(body);
    if (!m) return false;
    const iterations = Number(m[1]);
    if (iterations < 1 || iterations > 10_000_000) return false;
    const expected = ab64Decode(m[3]!);
    const dk = await pbkdf2Async(password, ab64Decode(m[2]!), iterations, expected.length, 'sha512');
    return equal(dk, expected);
  }
  // A digest ({MD5}, {SHA}, {SHA256}…), or a salted one ({SMD5}, {SSHA}…): digest, then salt.
  const plain = DIGESTS.get(scheme);
  const d = plain ?? (scheme.startsWith('S') ? DIGESTS.get(scheme.slice(1)) : undefined);
  if (d === undefined) return false;
  const raw = Buffer.from(body, 'base64');
  if (plain) return equal(createHash(d.alg).update(password).digest(), raw);
  if (raw.length <= d.len) return false;
  return equal(saltedDigest(d.alg, password, raw.subarray(d.len)), raw.subarray(0, d.len));
}

/** The unsalted digest schemes by name; 'S' + name is the salted form. */
const DIGESTS = new Map([
  ['MD5', { alg: 'md5', len: 16 }],
  ['SHA', { alg: 'sha1', len: 20 }],
  ['SHA256', { alg: 'sha256', len: 32 }],
  ['SHA384', { alg: 'sha384', len: 48 }],
  ['SHA512', { alg: 'sha512', len: 64 }],
]);

/** True when the value is a hash this server can verify (not cleartext). */
export function isSupportedHash(stored: string): boolean {
  const scheme = schemeOf(stored);
  if (scheme === undefined) return false;
  return scheme === 'PBKDF2-SHA512' || DIGESTS.has(scheme) || (scheme.startsWith('S') && DIGESTS.has(scheme.slice(1)));
}

/** Why a value of a supported scheme can never verify (undefined: it can). */
export function hashDefect(stored: string): string | undefined {
  const scheme = schemeOf(stored);
  if (scheme === undefined || !isSupportedHash(stored)) return undefined;
  const body = stored.slice(scheme.length + 2);
  if (scheme === 'PBKDF2-SHA512') {
    const m = /^(\d+)\$([A-Za-z0-9./]+)\$([A-Za-z0-9./]+)$/.exec(body);
    if (!m) return `{${scheme}} takes ITERATIONS$SALT$HASH`;
    const iterations = Number(m[1]);
    return iterations < 1 || iterations > 10_000_000 ? `{${scheme}} iterations must be 1-10000000` : undefined;
  }
  const d = DIGESTS.get(scheme) ?? DIGESTS.get(scheme.slice(1))!;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) return `{${scheme}} takes base64`;
  const n = Buffer.from(body, 'base64').length;
  if (DIGESTS.has(scheme) ? n !== d.len : n <= d.len) return `{${scheme}} holds ${DIGESTS.has(scheme) ? `a ${d.len}-octet digest` : `a ${d.len}-octet digest and a salt`}, not ${n} octets`;
  return undefined;
}

/** {SSHA} synchronously: for hashing cleartext userPassword values inside a write transaction. */
export function hashSshaSync(password: Buffer): string {
  const salt = randomBytes(8);
  return '{SSHA}' + Buffer.concat([saltedDigest('sha1', password, salt), salt]).toString('base64');
}

/**
 * userPassword values as stored: cleartext becomes an {SSHA} hash (as 389-DS does); supported hashes are kept as given.
 * `keepForeign` (import): a value in any {SCHEME} form ({CRYPT}, {ARGON2}, {BCRYPT} from a migration) is kept too,
 * as slapadd keeps it: hashing it again would destroy the only copy of that user's hash.
 */
export function storedPasswords(values: Buffer[], keepForeign = false): Buffer[] {
  return values.map((v) => {
    const s = v.toString('utf8');
    return isSupportedHash(s) || (keepForeign && schemeOf(s) !== undefined) ? v : Buffer.from(hashSshaSync(v), 'utf8');
  });
}
