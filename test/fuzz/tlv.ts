// A TLV tree for the mutator: valid requests are parsed into
// elements so that mutations can change one value, tag or child and still
// re-encode with correct lengths. That gets well-framed nonsense past the
// BER layer into the operations, where byte flips rarely reach.

export interface Tlv {
  tag: number;
  /** Primitive content, or the children of a constructed element. */
  content: Buffer | Tlv[];
}

const CONSTRUCTED = 0x20;
/** Tag of a pseudo-element whose content is written out as is (pre-encoded bytes). */
export const RAW = -1;

/** Parses a well-formed definite-length encoding (as our encoder writes it). */
export function parseTlv(buf: Buffer): Tlv {
  const [node, end] = parseAt(buf, 0);
  if (end !== buf.length) throw new Error(`trailing ${buf.length - end} octets`);
  return node;
}

function parseAt(buf: Buffer, at: number): [Tlv, number] {
  const tag = buf[at]!;
  let pos = at + 1;
  let len = buf[pos++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos++]!;
  }
  const end = pos + len;
  if (end > buf.length) throw new Error('length past the end');
  if (!(tag & CONSTRUCTED)) return [{ tag, content: buf.subarray(pos, end) }, end];
  const children: Tlv[] = [];
  while (pos < end) {
    const [child, next] = parseAt(buf, pos);
    children.push(child);
    pos = next;
  }
  return [{ tag, content: children }, end];
}

export function encodeLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function cloneTlv(node: Tlv): Tlv {
  return { tag: node.tag, content: Buffer.isBuffer(node.content) ? Buffer.from(node.content) : node.content.map(cloneTlv) };
}

/** Every element with its parent (undefined for the root), depth first. */
export function walkTlv(root: Tlv): { node: Tlv; parent: Tlv | undefined }[] {
  const out: { node: Tlv; parent: Tlv | undefined }[] = [];
  const visit = (node: Tlv, parent: Tlv | undefined): void => {
    out.push({ node, parent });
    if (!Buffer.isBuffer(node.content)) for (const c of node.content) visit(c, node);
  };
  visit(root, undefined);
  return out;
}
