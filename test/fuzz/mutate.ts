// Seeded mutations of valid request PDUs. Mutant number i depends only on
// (seed, i), so any one of them can be regenerated alone to reproduce a
// failure. Kinds: structure-aware ones that keep BER well-framed (replace a
// value, tag or child, nest deep) to reach the operations, byte-level ones
// (flip, truncate, insert, splice), lying lengths (longer, shorter, huge,
// indefinite, non-minimal) and plain garbage.
import { Prng } from '../sim/prng.js';
import type { CorpusItem } from './corpus.js';
import { cloneTlv, encodeLength, parseTlv, RAW, walkTlv, type Tlv } from './tlv.js';

export interface Mutant {
  index: number;
  kind: Kind;
  pdu: Buffer;
}

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

const STRINGS: Buffer[] = [
  '', ' ', '*', '\\', '\\00', '(', ')', '=', ',', '+', '#', '"', ';', '<>', 'dc=example,dc=com', 'ou=fuzz,dc=example,dc=com',
  'uid=alice,ou=people,dc=example,dc=com', 'cn=engineering,ou=groups,dc=example,dc=com', 'cn=Subschema', 'cn=monitor', 'cn=config',
  'cn=x,cn=config', 'uid=f1+cn=Fuzz 1,ou=fuzz,dc=example,dc=com', 'UID=F1 , OU=Fuzz,DC=Example,DC=COM', 'cn=#04024869', 'cn=#0', 'cn=\\zz',
  '2.5.4.3=x,dc=example,dc=com', 'entryUUID=00000000-0000-0000-0000-000000000000+cn=x,ou=fuzz,dc=example,dc=com',
  'objectClass', 'top', 'glue', 'alias', 'extensibleObject', 'subentry', 'posixAccount', 'groupOfNames', 'inetOrgPerson',
  '1.2.3', '2.5.4.3', '0.0', '1.', '.1', '2.5.4.3;binary', 'cn;lang-en', 'cn;x-', 'userPassword', 'entryUUID', 'entryCSN',
  'createTimestamp', 'modifyTimestamp', 'hasSubordinates', 'structuralObjectClass', 'meshdirConflict', 'member', 'uidNumber',
  'jpegPhoto', 'telephoneNumber', '+', '1.1', '-1', '0', '00', '2147483648', '99999999999999999999999', '1e9', ' 12 ', '+1', '--1',
  '20240101000000Z', '99991399999999Z', '2024', '20240101000000.123456789Z', '20240101000000+2400', 'TRUE', 'FALSE', 'true',
  '{SSHA}AAAA', '{PBKDF2-SHA512}1$$', '{CRYPT}x', '{SSHA512}', 'dn:', 'u:alice', 'dn:cn=Directory Manager',
  '\u0301\u0301', '\uFFFD', '\u0000', 'e\u0301', '\u200b', 'ǅ', 'İ', 'ß', '\u{1F600}',
  '1.3.6.1.4.1.1466.20037', '1.3.6.1.4.1.4203.1.11.1', '1.3.6.1.4.1.4203.1.11.3', '1.2.840.113556.1.4.319', '2.16.840.1.113730.3.4.2',
  '(objectClass=*)', 'caseIgnoreMatch', 'integerMatch', 'distinguishedNameMatch', 'octetStringMatch', 'generalizedTimeMatch',
].map(b);
const BYTES: Buffer[] = [
  Buffer.from([0xc3, 0x28]), Buffer.from([0xff, 0xfe, 0xfd]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80]),
  Buffer.from([0]), Buffer.from([0x80]), Buffer.from([0x30, 0x00]), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
];
const INTS: Buffer[] = [
  [], [0], [1], [0xff], [0x80], [0x7f, 0xff, 0xff, 0xff], [0x80, 0, 0, 0], [0xff, 0xff, 0xff, 0xff], [1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1], [0, 7],
].map((x) => Buffer.from(x));
const TAGS = [
  0x01, 0x02, 0x04, 0x05, 0x0a, 0x30, 0x31, 0x42, 0x4a, 0x50, 0x60, 0x63, 0x66, 0x68, 0x6c, 0x6e, 0x77, 0x61, 0x64, 0x78,
  0x80, 0x81, 0x82, 0x83, 0x84, 0x87, 0x8a, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa8, 0xa9, 0x1f, 0x3f, 0xff, 0x00,
];
/** Length octets worth trying where a length goes. */
const LENGTH_LIES: Buffer[] = [
  [0x80], [0x81], [0x84], [0x85, 0, 0, 0, 0, 1], [0x88, 0, 0, 0, 0, 0, 0, 0, 1], [0x84, 0x7f, 0xff, 0xff, 0xff],
  [0x84, 0xff, 0xff, 0xff, 0xff], [0x83, 0xff, 0xff, 0xff], [0x82, 0xff, 0xff], [0x7f], [0xff],
].map((x) => Buffer.from(x));

export type Kind = 'valid' | 'tree' | 'bytes' | 'length' | 'nest' | 'garbage' | 'huge' | 'concat';
/** Kinds of mutant and how often each is drawn. */
const KINDS: [Kind, number][] = [['valid', 10], ['tree', 35], ['bytes', 27], ['length', 10], ['nest', 5], ['garbage', 5], ['huge', 4], ['concat', 4]];

function mix(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Encodes a tree, letting `lie` replace the length octets of chosen elements. */
function encode(node: Tlv, lie?: (n: Tlv, real: number) => Buffer | undefined): Buffer {
  if (node.tag === RAW) return node.content as Buffer;
  const body = Buffer.isBuffer(node.content) ? node.content : Buffer.concat(node.content.map((c) => encode(c, lie)));
  return Buffer.concat([Buffer.from([node.tag]), lie?.(node, body.length) ?? encodeLength(body.length), body]);
}

export class Mutator {
  readonly #seed: number;
  readonly #items: CorpusItem[];
  readonly #trees: Tlv[];
  readonly #maxPdu: number;
  #r = new Prng(0);

  constructor(seed: number, items: CorpusItem[], maxPdu: number) {
    this.#seed = seed >>> 0;
    this.#items = items;
    this.#trees = items.map((it) => parseTlv(it.pdu));
    this.#maxPdu = maxPdu;
  }

  /** Mutant number `index` of this seed. */
  at(index: number): Mutant {
    return this.#make(index, this.#seed);
  }

  /** `seed` differs for the second PDU of a 'concat' mutant, which is never a 'concat' itself. */
  #make(index: number, seed: number): Mutant {
    const r = (this.#r = new Prng(mix(seed, index)));
    const item = r.weighted(this.#items.map((it) => it.weight));
    const tree = cloneTlv(this.#trees[item]!);
    // Message ids of the mutants are random, so they rarely clash with each other.
    const id = (tree.content as Tlv[])[0];
    if (id) id.content = Buffer.from([r.int(1, 0x7f), r.int(0, 255), r.int(0, 255)]);
    const kind = KINDS[r.weighted(KINDS.map(([k, w]) => (k === 'concat' && seed !== this.#seed ? 0 : w)))]![0];
    return { index, kind, pdu: this.#pdu(kind, tree, index, seed) };
  }

  #pdu(kind: Kind, tree: Tlv, index: number, seed: number): Buffer {
    const r = this.#r;
    switch (kind) {
      case 'valid':
        return encode(tree);
      case 'tree':
        for (let n = r.int(1, 3); n > 0; n--) this.#mutateTree(tree);
        return encode(tree);
      case 'bytes': {
        if (r.chance(0.3)) this.#mutateTree(tree);
        let pdu = encode(tree);
        for (let n = r.int(1, 4); n > 0; n--) pdu = this.#mutateBytes(pdu);
        return pdu;
      }
      case 'length': {
        const target = r.pick(walkTlv(tree)).node;
        const lie = this.#lengthLie();
        return encode(tree, (n, real) => (n === target ? lie(real) : undefined));
      }
      case 'nest':
        return this.#nest(tree);
      case 'garbage':
        return this.#garbage();
      case 'huge': {
        const body = Buffer.concat((tree.content as Tlv[]).map((c) => encode(c)));
        const huge = r.pick([this.#maxPdu, this.#maxPdu + 1, 0x7fffffff, 0xffffffff, r.int(this.#maxPdu >> 1, this.#maxPdu - 8)]);
        return Buffer.concat([Buffer.from([0x30, 0x84]), u32(huge), body]);
      }
      case 'concat':
        // Several PDUs in one write: framing must find each boundary.
        return Buffer.concat([encode(tree), this.#make(index, ~seed >>> 0).pdu]);
    }
  }

  #value(): Buffer {
    const r = this.#r;
    switch (r.int(0, 5)) {
      case 0:
      case 1:
        return r.pick(STRINGS);
      case 2:
        return r.pick(BYTES);
      case 3:
        return Buffer.from(Array.from({ length: r.int(0, 64) }, () => r.int(0, 255)));
      case 4: {
        // Long or many-RDN values: DN parsing, index keys, normalization.
        const unit = r.pick(STRINGS);
        return Buffer.concat(Array.from({ length: r.int(2, 400) }, (_, i) => (i ? Buffer.concat([b(r.pick([',', '+', ' ', ''])), unit]) : unit)));
      }
      default:
        return Buffer.alloc(r.pick([1000, 2000, 4096, 65_536, 262_144]), r.pick([0x41, 0x00, 0xff, 0x2c]));
    }
  }

  #mutateTree(tree: Tlv): void {
    const r = this.#r;
    const all = walkTlv(tree);
    const { node, parent } = r.pick(all);
    switch (r.int(0, 7)) {
      case 0:
      case 1:
        if (Buffer.isBuffer(node.content)) node.content = node.tag === 0x02 || node.tag === 0x0a || node.tag === 0x01 ? r.pick(INTS) : this.#value();
        else node.content.push({ tag: 0x04, content: this.#value() });
        return;
      case 2:
        node.tag = r.pick(TAGS);
        return;
      case 3:
        if (parent && !Buffer.isBuffer(parent.content)) parent.content.splice(parent.content.indexOf(node), 1);
        return;
      case 4:
        // Repeats: many values, many changes, many filter branches.
        if (parent && !Buffer.isBuffer(parent.content)) {
          // Bounded so that a mutant stays near the PDU limit, not far beyond it.
          const times = Math.min(r.pick([1, 2, 10, 1000]), Math.ceil(this.#maxPdu / encode(node).length));
          parent.content.splice(parent.content.indexOf(node), 0, ...Array.from({ length: times }, () => cloneTlv(node)));
        }
        return;
      case 5:
        if (!Buffer.isBuffer(node.content) && node.content.length > 1) node.content.reverse();
        return;
      case 6: {
        // Graft an element of another request here.
        const donor = r.pick(walkTlv(r.pick(this.#trees))).node;
        if (parent && !Buffer.isBuffer(parent.content)) parent.content[parent.content.indexOf(node)] = cloneTlv(donor);
        return;
      }
      default:
        if (!Buffer.isBuffer(node.content)) node.content = [];
        else node.content = Buffer.alloc(0);
    }
  }

  #mutateBytes(src: Buffer): Buffer {
    const r = this.#r;
    const at = src.length ? r.int(0, src.length - 1) : 0;
    const buf = Buffer.from(src);
    switch (r.int(0, 7)) {
      case 0:
        if (buf.length) buf[at] = r.int(0, 255);
        return buf;
      case 1:
        if (buf.length) buf[at]! ^= 1 << r.int(0, 7);
        return buf;
      case 2:
        if (buf.length) buf[at] = r.pick([0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x85, 0xff]);
        return buf;
      case 3:
        return Buffer.concat([buf.subarray(0, at), Buffer.from([r.int(0, 255)]), buf.subarray(at)]);
      case 4:
        return Buffer.concat([buf.subarray(0, at), buf.subarray(at + r.int(1, 4))]);
      case 5:
        return buf.subarray(0, at);
      case 6: {
        const end = Math.min(buf.length, at + r.int(1, 16));
        return Buffer.concat([buf.subarray(0, end), buf.subarray(at, end), buf.subarray(end)]);
      }
      default: {
        const other = r.pick(this.#items).pdu;
        const from = r.int(0, other.length - 1);
        return Buffer.concat([buf.subarray(0, at), other.subarray(from, from + r.int(1, 24)), buf.subarray(at + r.int(0, 7))]);
      }
    }
  }

  #lengthLie(): (real: number) => Buffer {
    const r = this.#r;
    switch (r.int(0, 4)) {
      case 0:
        return (real) => encodeLength(Math.max(0, real + r.pick([-2, -1, 1, 2, 100])));
      case 1:
        // Non-minimal long form: legal BER, same length.
        return (real) => Buffer.concat([Buffer.from([0x84]), u32(real)]);
      case 2:
        return () => r.pick(LENGTH_LIES);
      case 3:
        return () => Buffer.from([0x80]);
      default:
        return () => encodeLength(r.pick([0x7fffffff, this.#maxPdu, 1 << 16, 300]));
    }
  }

  /** Deep nesting (up to 5000 levels) around the search filter if there is one, else around any element. */
  #nest(tree: Tlv): Buffer {
    const r = this.#r;
    const depth = r.pick([2, 99, 100, 101, 1000, 5000]);
    const op = (tree.content as Tlv[])[1];
    const filter = op?.tag === 0x63 && !Buffer.isBuffer(op.content) ? op.content[6] : undefined;
    const all = walkTlv(tree).filter((x) => x.parent && !Buffer.isBuffer(x.parent.content));
    const { node, parent } = filter && r.chance(0.6) ? { node: filter, parent: op } : all.length ? r.pick(all) : { node: tree, parent: undefined };
    const tag = r.pick([0xa0, 0xa1, 0xa2, 0x30, 0x31, node.tag | 0x20]);
    // Headers computed inside out, then written once: a recursive encoder
    // would overflow the stack at depth 5000, repeated copies take seconds.
    const core = encode(node);
    const headers: Buffer[] = [];
    for (let i = 0, len = core.length; i < depth; i++) {
      const h = Buffer.concat([Buffer.from([tag]), encodeLength(len)]);
      headers.push(h);
      len += h.length;
    }
    const inner = Buffer.concat([...headers.reverse(), core]);
    if (!parent || Buffer.isBuffer(parent.content)) return inner;
    parent.content[parent.content.indexOf(node)] = { tag: RAW, content: inner };
    return encode(tree);
  }

  #garbage(): Buffer {
    const r = this.#r;
    const body = Buffer.from(Array.from({ length: r.int(0, 200) }, () => r.int(0, 255)));
    switch (r.int(0, 2)) {
      case 0:
        return body;
      case 1:
        return Buffer.concat([Buffer.from([0x30]), encodeLength(body.length), body]);
      default:
        return Buffer.concat([Buffer.from([0x30]), encodeLength(body.length + 5), Buffer.from([0x02, 0x01, 0x05]), Buffer.from([r.pick(TAGS)]), encodeLength(body.length), body]);
    }
  }
}

function u32(n: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n >>> 0);
  return out;
}
