// RFC 4514 §2.4: an AVA value written as `#hexstring` is the BER encoding of
// the value. Only the string types can be turned back into text.

const OCTET_STRING = 0x04;
const UTF8_STRING = 0x0c;
const PRINTABLE_STRING = 0x13;
const IA5_STRING = 0x16;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of a BER-encoded string value, or undefined if it is not one. */
export function decodeBerString(ber: Buffer): string | undefined {
  if (ber.length < 2) return undefined;
  const tag = ber[0];
  let len = ber[1];
  let off = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || ber.length < off + n) return undefined;
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + ber[off++];
  }
  if (off + len !== ber.length) return undefined;
  const content = ber.subarray(off);
  switch (tag) {
    case PRINTABLE_STRING:
    case IA5_STRING:
      return content.every((b) => b < 0x80) ? content.toString('latin1') : undefined;
    case OCTET_STRING:
    case UTF8_STRING:
      try {
        return utf8.decode(content);
      } catch {
        return undefined;
      }
    default:
      return undefined;
  }
}
