// RFC 4511 §4.5.1.7 Filter CHOICE <-> the Filter value of src/dit.
import { BadRequestContent, ProtocolError } from '../../errors.js';
import type { BerReader } from '../../ber/reader.js';
import type { BerWriter } from '../../ber/writer.js';
import type { Filter } from '../../dit/filter-types.js';
import { TAG } from '../../ber/tags.js';
import { FILTER } from './protocol.js';

/** Deeper filters are refused as malformed: recursion depth stays bounded. */
export const MAX_FILTER_DEPTH = 100;

const SUB_INITIAL = 0x80;
const SUB_ANY = 0x81;
const SUB_FINAL = 0x82;
const EXT_RULE = 0x81;
const EXT_TYPE = 0x82;
const EXT_VALUE = 0x83;
const EXT_DN_ATTRS = 0x84;

type AvaType = 'equality' | 'ge' | 'le' | 'approx';
type SubstringsFilter = Extract<Filter, { type: 'substrings' }>;
type ExtensibleFilter = Extract<Filter, { type: 'extensible' }>;

function readAva(r: BerReader, tag: number, type: AvaType): Filter {
  const outer = r.enter(tag);
  const attr = r.readString();
  const value = r.readOctets();
  r.leave(outer);
  return { type, attr, value };
}

function readSubstrings(r: BerReader): Filter {
  const outer = r.enter(FILTER.substrings);
  const attr = r.readString();
  const seq = r.enter(TAG.sequence);
  const f: SubstringsFilter = { type: 'substrings', attr, any: [] };
  let n = 0;
  while (r.hasMore()) {
    const tag = r.peek();
    if (f.final !== undefined) throw new BadRequestContent('substring after final');
    if (tag === SUB_INITIAL) {
      if (n !== 0) throw new BadRequestContent('initial substring not first');
      f.initial = r.readOctets(SUB_INITIAL);
    } else if (tag === SUB_ANY) {
      f.any.push(r.readOctets(SUB_ANY));
    } else if (tag === SUB_FINAL) {
      f.final = r.readOctets(SUB_FINAL);
    } else {
      throw new BadRequestContent(`bad substring choice 0x${tag.toString(16)}`);
    }
    n++;
  }
  if (n === 0) throw new BadRequestContent('substrings filter without substrings');
  r.leave(seq);
  r.leave(outer);
  return f;
}

function readExtensible(r: BerReader): Filter {
  const outer = r.enter(FILTER.extensible);
  let rule: string | undefined;
  let attr: string | undefined;
  if (r.peek() === EXT_RULE) rule = r.readString(EXT_RULE);
  if (r.peek() === EXT_TYPE) attr = r.readString(EXT_TYPE);
  const value = r.readOctets(EXT_VALUE);
  const dnAttributes = r.peek() === EXT_DN_ATTRS ? r.readBoolean(EXT_DN_ATTRS) : false;
  r.leave(outer);
  // RFC 4511 §4.5.1.7.7: without a matchingRule the type must be present.
  if (rule === undefined && attr === undefined) throw new BadRequestContent('extensible match without rule or type');
  const f: ExtensibleFilter = { type: 'extensible', value, dnAttributes };
  if (rule !== undefined) f.rule = rule;
  if (attr !== undefined) f.attr = attr;
  return f;
}

export function readFilter(r: BerReader, depth = 0): Filter {
  if (depth >= MAX_FILTER_DEPTH) throw new BadRequestContent(`filter nested deeper than ${MAX_FILTER_DEPTH}`);
  const tag = r.peek();
  switch (tag) {
    case FILTER.and:
    case FILTER.or: {
      // Empty sets are RFC 4526 absolute true (&) and false (|).
      const outer = r.enter(tag);
      const filters: Filter[] = [];
      while (r.hasMore()) filters.push(readFilter(r, depth + 1));
      r.leave(outer);
      return { type: tag === FILTER.and ? 'and' : 'or', filters };
    }
    case FILTER.not: {
      const outer = r.enter(tag);
      const filter = readFilter(r, depth + 1);
      r.leave(outer);
      return { type: 'not', filter };
    }
    case FILTER.equality:
      return readAva(r, tag, 'equality');
    case FILTER.ge:
      return readAva(r, tag, 'ge');
    case FILTER.le:
      return readAva(r, tag, 'le');
    case FILTER.approx:
      return readAva(r, tag, 'approx');
    case FILTER.substrings:
      return readSubstrings(r);
    case FILTER.present:
      return { type: 'present', attr: r.readString(FILTER.present) };
    case FILTER.extensible:
      return readExtensible(r);
    case -1:
      throw new ProtocolError('truncated: filter expected');
    default:
      throw new BadRequestContent(`unknown filter choice 0x${tag.toString(16).padStart(2, '0')}`);
  }
}

const AVA_TAG = { equality: FILTER.equality, ge: FILTER.ge, le: FILTER.le, approx: FILTER.approx } as const;

export function writeFilter(w: BerWriter, f: Filter): void {
  switch (f.type) {
    case 'and':
    case 'or':
      w.startSequence(f.type === 'and' ? FILTER.and : FILTER.or);
      for (const sub of f.filters) writeFilter(w, sub);
      w.endSequence();
      return;
    case 'not':
      w.startSequence(FILTER.not);
      writeFilter(w, f.filter);
      w.endSequence();
      return;
    case 'equality':
    case 'ge':
    case 'le':
    case 'approx':
      w.startSequence(AVA_TAG[f.type]);
      w.writeString(f.attr);
      w.writeOctets(f.value);
      w.endSequence();
      return;
    case 'present':
      w.writeString(f.attr, FILTER.present);
      return;
    case 'substrings':
      w.startSequence(FILTER.substrings);
      w.writeString(f.attr);
      w.startSequence(TAG.sequence);
      if (f.initial !== undefined) w.writeOctets(f.initial, SUB_INITIAL);
      for (const a of f.any) w.writeOctets(a, SUB_ANY);
      if (f.final !== undefined) w.writeOctets(f.final, SUB_FINAL);
      w.endSequence();
      w.endSequence();
      return;
    case 'extensible':
      w.startSequence(FILTER.extensible);
      if (f.rule !== undefined) w.writeString(f.rule, EXT_RULE);
      if (f.attr !== undefined) w.writeString(f.attr, EXT_TYPE);
      w.writeOctets(f.value, EXT_VALUE);
      // DEFAULT FALSE is omitted, as DER and OpenLDAP's client do.
      if (f.dnAttributes) w.writeBoolean(true, EXT_DN_ATTRS);
      w.endSequence();
      return;
  }
}
