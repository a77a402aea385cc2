// certificateExactMatch (RFC 4523 §2.5): a certificate is identified by its
// serial number and issuer. A stored value (DER) and an assertion — GSER
// `{ serialNumber 2, issuer rdnSequence:"cn=CA,o=X" }` or OpenLDAP's older
// `2$cn=CA,o=X` — both reduce to `serial$normalizedIssuerDN`, so equality
// is string equality as for every other rule.
import { BerReader } from '../ber/reader.js';
import { formatDN, type AVA, type DN } from '../dit/dn.js';

function oidString(b: Buffer): string {
  const arcs: number[] = [];
  let v = 0;
  for (const x of b) {
    v = v * 128 + (x & 0x7f);
    if ((x & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else arcs.push(v);
      v = 0;
    }
  }
  return arcs.join('.');
}

/** The string types a Name's values come in; undefined for others. */
function directoryString(tag: number, v: Buffer): string | undefined {
  switch (tag) {
    case 0x0c: // UTF8String
      return v.toString('utf8');
    case 0x12: // NumericString
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x1a: // VisibleString
    case 0x14: // TeletexString (T.61; latin1 is what slapd assumes too)
      return v.toString('latin1');
    case 0x1e: // BMPString, UCS-2 big-endian
      return Buffer.from(v).swap16().toString('utf16le');
    case 0x1c: {
      // UniversalString, UCS-4 big-endian
      let s = '';
      for (let i = 0; i + 4 <= v.length; i += 4) s += String.fromCodePoint(v.readUInt32BE(i));
      return s;
    }
    default:
      return undefined;
  }
}

/** An X.501 Name (the reader at it) as an LDAP DN string (RFC 4514: most specific RDN first). */
function readName(r: BerReader): string | undefined {
  const dn: DN = [];
  const name = r.enter(0x30);
  while (r.hasMore()) {
    const set = r.enter(0x31);
    const rdn: AVA[] = [];
    while (r.hasMore()) {
      const ava = r.enter(0x30);
      const type = oidString(r.readOctets(0x06));
      const tag = r.peek();
      const value = directoryString(tag, r.readOctets(tag));
      r.leave(ava);
      if (value === undefined) return undefined;
      rdn.push({ type, value });
    }
    r.leave(set);
    dn.unshift(rdn);
  }
  r.leave(name);
  return formatDN(dn);
}

/** A DER INTEGER's value, in decimal. */
function derInteger(v: Buffer): string {
  if (v.length === 0) throw new Error('empty INTEGER');
  let n = BigInt('0x' + v.toString('hex'));
  if (v[0]! & 0x80) n -= 1n << BigInt(v.length * 8);
  return n.toString();
}

/** The key of a stored certificate (DER); undefined when it is not one. */
export function certificateValueKey(der: Buffer, normalizeDN: (s: string) => string | undefined): string | undefined {
  try {
    const r = new BerReader(der);
    r.enter(0x30); // Certificate
    r.enter(0x30); // TBSCertificate
    if (r.peek() === 0xa0) r.skip(); // version
    const serial = derInteger(r.readOctets(0x02));
    r.skip(); // signature algorithm
    const dn = readName(r);
    const n = dn === undefined ? undefined : normalizeDN(dn);
    return n === undefined ? undefined : `${serial}$${n}`;
  } catch {
    // Not DER, or not a certificate (the reader's ProtocolError).
    return undefined;
  }
}

/** A serial number as an assertion writes it: decimal, or in GSER also `0x…` (as slapd reads them). */
function serialOf(s: string, gser: boolean): string | undefined {
  if (/^-?[0-9]+$/.test(s)) return BigInt(s).toString();
  const hex = gser ? /^0x([0-9a-f]+)$/i.exec(s) : null;
  return hex ? BigInt('0x' + hex[1]).toString() : undefined;
}

/** GSER `{ serialNumber N, issuer rdnSequence:"DN" }`, the two in either order. */
function gser(s: string): { serial: string; issuer: string } | undefined {
  let rest = s.trim();
  if (!rest.startsWith('{') || !rest.endsWith('}')) return undefined;
  rest = rest.slice(1, -1).trim();
  let serial: string | undefined;
  let issuer: string | undefined;
  while (rest !== '') {
    const m = /^(serialNumber|issuer)\s+/.exec(rest);
    if (!m) return undefined;
    rest = rest.slice(m[0].length);
    if (m[1] === 'serialNumber') {
      if (serial !== undefined) return undefined;
      const v = /^[^,\s}]+/.exec(rest);
      if (!v) return undefined;
      serial = serialOf(v[0], true);
      if (serial === undefined) return undefined;
      rest = rest.slice(v[0].length);
    } else {
      if (issuer !== undefined) return undefined;
      if (rest.startsWith('rdnSequence:')) rest = rest.slice('rdnSequence:'.length);
      // A GSER string: "…" with "" for a quote inside.
      if (!rest.startsWith('"')) return undefined;
      let i = 1;
      let v = '';
      for (;;) {
        const q = rest.indexOf('"', i);
        if (q < 0) return undefined;
        v += rest.slice(i, q);
        if (rest[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      issuer = v;
      rest = rest.slice(i);
    }
    rest = rest.trimStart();
    if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
    else if (rest !== '') return undefined;
  }
  return serial !== undefined && issuer !== undefined ? { serial, issuer } : undefined;
}

/** The key of an assertion (GSER, or `serial$issuer`); undefined when it is neither. */
export function certificateAssertionKey(s: string, normalizeDN: (s: string) => string | undefined): string | undefined {
  let parts = gser(s);
  if (parts === undefined) {
    const d = s.indexOf('$');
    if (d <= 0) return undefined;
    const serial = serialOf(s.slice(0, d), false);
    if (serial === undefined) return undefined;
    parts = { serial, issuer: s.slice(d + 1) };
  }
  const n = normalizeDN(parts.issuer);
  return n === undefined ? undefined : `${parts.serial}$${n}`;
}
