// Server side: one framed PDU -> LdapMessage. A broken envelope throws
// ProtocolError (the connection is dropped); an unknown operation, or one
// whose encoding or content is bad, inside a sound envelope becomes
// {type:'invalid'}: the server answers protocolError under the message's id
// when only the content is bad, and otherwise sends the Notice of
// Disconnection and hangs up (RFC 4511 §4.1.1), as slapd does.
import { BadRequestContent, ProtocolError } from '../../errors.js';
import { BerReader } from '../../ber/reader.js';
import { TAG } from '../../ber/tags.js';
import { readEnvelope } from './envelope.js';
import { readAttribute } from './attribute.js';
import { readControls } from './controls.js';
import { readFilter } from './filter.js';
import { CTX, OP } from './protocol.js';
import type { Control, LdapMessage, Modification, Request } from './types.js';

function readBind(r: BerReader): Request {
  const outer = r.enter(OP.bindRequest);
  const version = r.readInt();
  if (version < 1 || version > 127) throw new BadRequestContent(`bind version ${version} out of range`);
  const name = r.readString();
  const tag = r.peek();
  let auth: Extract<Request, { type: 'bind' }>['auth'];
  if (tag === CTX.authSimple) {
    auth = { kind: 'simple', password: r.readOctets(CTX.authSimple) };
  } else if (tag === CTX.authSasl) {
    const sasl = r.enter(CTX.authSasl);
    const mechanism = r.readString();
    auth = r.hasMore() ? { kind: 'sasl', mechanism, credentials: r.readOctets() } : { kind: 'sasl', mechanism };
    r.leave(sasl);
  } else {
    throw new BadRequestContent(`unknown authentication choice 0x${tag.toString(16)}`);
  }
  r.leave(outer);
  return { type: 'bind', version, name, auth };
}

function readSearch(r: BerReader): Request {
  const outer = r.enter(OP.searchRequest);
  const base = r.readString();
  const scope = r.readEnum();
  // 3 is OpenLDAP's subordinate subtree (`ldapsearch -s children`).
  if (scope !== 0 && scope !== 1 && scope !== 2 && scope !== 3) throw new BadRequestContent(`unknown search scope ${scope}`);
  const deref = r.readEnum();
  if (deref < 0 || deref > 3) throw new BadRequestContent(`unknown derefAliases ${deref}`);
  const sizeLimit = r.readInt();
  const timeLimit = r.readInt();
  if (sizeLimit < 0 || timeLimit < 0) throw new BadRequestContent('negative size or time limit');
  const typesOnly = r.readBoolean();
  const filter = readFilter(r);
  const attrs = r.enter(TAG.sequence);
  const attributes: string[] = [];
  while (r.hasMore()) attributes.push(r.readString());
  r.leave(attrs);
  r.leave(outer);
  return { type: 'search', base, scope, deref, sizeLimit, timeLimit, typesOnly, filter, attributes };
}

function readModify(r: BerReader): Request {
  const outer = r.enter(OP.modifyRequest);
  const dn = r.readString();
  const list = r.enter(TAG.sequence);
  const changes: Modification[] = [];
  while (r.hasMore()) {
    const change = r.enter(TAG.sequence);
    const op = r.readEnum();
    if (op !== 0 && op !== 1 && op !== 2 && op !== 3) throw new BadRequestContent(`unknown modify operation ${op}`);
    const { type, values } = readAttribute(r);
    r.leave(change);
    changes.push({ op, attr: type, values });
  }
  r.leave(list);
  r.leave(outer);
  return { type: 'modify', dn, changes };
}

function readAdd(r: BerReader): Request {
  const outer = r.enter(OP.addRequest);
  const dn = r.readString();
  const list = r.enter(TAG.sequence);
  const attrs: { type: string; values: Buffer[] }[] = [];
  while (r.hasMore()) {
    const a = readAttribute(r);
    // RFC 4511 §4.7: vals SET SIZE(1..MAX); slapd says "no values for attribute type".
    if (a.values.length === 0) throw new BadRequestContent(`no values for attribute type ${a.type}`);
    attrs.push(a);
  }
  r.leave(list);
  r.leave(outer);
  return { type: 'add', dn, attrs };
}

function readModDN(r: BerReader): Request {
  const outer = r.enter(OP.modDNRequest);
  const dn = r.readString();
  const newRdn = r.readString();
  const deleteOldRdn = r.readBoolean();
  const newSuperior = r.hasMore() ? r.readString(CTX.newSuperior) : undefined;
  r.leave(outer);
  return newSuperior === undefined
    ? { type: 'modrdn', dn, newRdn, deleteOldRdn }
    : { type: 'modrdn', dn, newRdn, deleteOldRdn, newSuperior };
}

function readCompare(r: BerReader): Request {
  const outer = r.enter(OP.compareRequest);
  const dn = r.readString();
  const ava = r.enter(TAG.sequence);
  const attr = r.readString();
  const value = r.readOctets();
  r.leave(ava);
  r.leave(outer);
  return { type: 'compare', dn, attr, value };
}

function readExtended(r: BerReader): Request {
  const outer = r.enter(OP.extendedRequest);
  const oid = r.readString(CTX.requestName);
  const value = r.hasMore() ? r.readOctets(CTX.requestValue) : undefined;
  r.leave(outer);
  return value === undefined ? { type: 'extended', oid } : { type: 'extended', oid, value };
}

function readOp(r: BerReader, tag: number): Request {
  switch (tag) {
    case OP.searchRequest:
      return readSearch(r);
    case OP.bindRequest:
      return readBind(r);
    case OP.modifyRequest:
      return readModify(r);
    case OP.addRequest:
      return readAdd(r);
    case OP.delRequest:
      return { type: 'delete', dn: r.readString(OP.delRequest) };
    case OP.modDNRequest:
      return readModDN(r);
    case OP.compareRequest:
      return readCompare(r);
    case OP.extendedRequest:
      return readExtended(r);
    case OP.abandonRequest: {
      const id = r.readInt(OP.abandonRequest);
      if (id < 0) throw new ProtocolError(`abandon of messageID ${id}`);
      return { type: 'abandon', id };
    }
    case OP.unbindRequest:
      r.readNull(OP.unbindRequest);
      return { type: 'unbind' };
    default:
      throw new ProtocolError(`unknown operation 0x${tag.toString(16).padStart(2, '0')}`);
  }
}

function invalid(tag: number, e: unknown, prefix = ''): Request {
  if (!(e instanceof ProtocolError)) throw e;
  return { type: 'invalid', tag, reason: prefix + e.message, disconnect: !(e instanceof BadRequestContent) };
}

/**
 * Decodes exactly one LDAPMessage filling `pdu` (as framed by frameLength).
 * Returned Buffers are views of `pdu`.
 */
export function decodeMessage(pdu: Buffer): LdapMessage {
  const r = new BerReader(pdu);
  const env = readEnvelope(r);
  let controls: Control[] = [];
  let op: Request | undefined;
  if (env.controlsStart !== -1) {
    r.pos = env.controlsStart;
    try {
      controls = readControls(r);
    } catch (e) {
      op = invalid(env.tag, e, 'malformed controls: ');
    }
  }
  if (op === undefined) {
    r.pos = env.opStart;
    r.end = env.opEnd;
    try {
      op = readOp(r, env.tag);
    } catch (e) {
      op = invalid(env.tag, e);
    }
  }
  return { id: env.id, op, controls };
}
