// The PartialAttribute of RFC 4511 §4.1.7, read from requests, responses
// and the stored entry records, which keep attributes in this form.
import type { BerReader } from '../../ber/reader.js';
import { TAG } from '../../ber/tags.js';

/** PartialAttribute ::= SEQUENCE { type, vals SET OF value } */
export function readAttribute(r: BerReader): { type: string; values: Buffer[] } {
  const seq = r.enter(TAG.sequence);
  const type = r.readString();
  const set = r.enter(TAG.set);
  const values: Buffer[] = [];
  while (r.hasMore()) values.push(r.readOctets());
  r.leave(set);
  r.leave(seq);
  return { type, values };
}
