// The LZ4 dictionary of the compressed databases (entry records and entry
// states, db.ts). A record of ~900 octets compresses poorly on its own: most
// of what repeats in it repeats across records (attribute descriptions with
// their BER framing, object class names, operational attribute names), and
// that is what a dictionary holds. In a copy of the benchmark's 100,000
// inetOrgPersons, their entry records took 49 MiB with this one instead of
// 131 uncompressed (78 with lmdb-js' default English/JSON dictionary), their
// states 66 instead of 99.
//
// Part of the stored format: every compressed record of a database needs
// these exact octets to be read back. Never edit this file; a new dictionary
// needs a new database format and a way to tell the two apart.
// (test/unit/store/compression.test.ts pins its digest.)
import { KNOWN } from '../repl/core/known-strings.js';

/**
 * The first 70 attribute types of known-strings.ts (an append-only list, so
 * these never change), in reverse order: the order they are written in.
 */
const ATTRIBUTES = KNOWN.slice(0, 70).reverse();

const OBJECT_CLASSES = [
  'top', 'person', 'organizationalPerson', 'inetOrgPerson', 'organizationalUnit', 'groupOfNames',
  'groupOfUniqueNames', 'posixAccount', 'shadowAccount', 'posixGroup', 'domain', 'dcObject', 'organization',
  'applicationProcess', 'simpleSecurityObject', 'extensibleObject', 'device', 'account', 'organizationalRole',
];

const WORDS = '{SSHA}{SSHA512}{PBKDF2-SHA512}uid=cn=ou=people,ou=groups,dc=o=Z#000000#000#000000';

/** An OCTET STRING of a short ASCII string, as the entry records hold it. */
function octetString(s: string): Buffer {
  return Buffer.concat([Buffer.from([0x04, s.length]), Buffer.from(s, 'latin1')]);
}

function build(): Buffer {
  const parts: Buffer[] = [];
  // An attribute description followed by the SET tag of its values.
  for (const a of ATTRIBUTES) parts.push(octetString(a), Buffer.from([0x31]));
  for (const oc of OBJECT_CLASSES) parts.push(octetString(oc));
  parts.push(Buffer.from(WORDS, 'latin1'));
  const dict = Buffer.concat(parts);
  // lmdb-js uses the dictionary's first multiple of 8 octets only: pad, so that all of it counts.
  return Buffer.concat([dict, Buffer.alloc((8 - (dict.length % 8)) % 8, 0x20)]);
}

export const DICTIONARY: Buffer = build();

/** lmdb-js' compression options for entries and states: records from 96 octets up are compressed. */
export function compression(): { threshold: number; dictionary: Buffer } {
  return { threshold: 96, dictionary: DICTIONARY };
}
