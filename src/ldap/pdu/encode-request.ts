// Client side: requests -> PDU, the mirror of decodeMessage. Used by tests,
// the fuzzer and the replication client.
import { BerWriter } from '../../ber/writer.js';
import { TAG } from '../../ber/tags.js';
import { writeControls } from './controls.js';
import { writeFilter } from './filter.js';
import { CTX, OP } from './protocol.js';
import type { ClientRequest, Control } from './types.js';

function writeAttribute(w: BerWriter, type: string, values: readonly Buffer[]): void {
  w.startSequence(TAG.sequence);
  w.writeString(type);
  w.startSequence(TAG.set);
  for (const v of values) w.writeOctets(v);
  w.endSequence();
  w.endSequence();
}

function writeOp(w: BerWriter, op: ClientRequest): void {
  switch (op.type) {
    case 'bind':
      w.startSequence(OP.bindRequest);
      w.writeInt(op.version);
      w.writeString(op.name);
      if (op.auth.kind === 'simple') {
        w.writeOctets(op.auth.password, CTX.authSimple);
      } else {
        w.startSequence(CTX.authSasl);
        w.writeString(op.auth.mechanism);
        if (op.auth.credentials !== undefined) w.writeOctets(op.auth.credentials);
        w.endSequence();
      }
      w.endSequence();
      return;
    case 'unbind':
      w.writeNull(OP.unbindRequest);
      return;
    case 'search':
      w.startSequence(OP.searchRequest);
      w.writeString(op.base);
      w.writeEnum(op.scope);
      w.writeEnum(op.deref);
      w.writeInt(op.sizeLimit);
      w.writeInt(op.timeLimit);
      w.writeBoolean(op.typesOnly);
      writeFilter(w, op.filter);
      w.startSequence(TAG.sequence);
      for (const a of op.attributes) w.writeString(a);
      w.endSequence();
      w.endSequence();
      return;
    case 'modify':
      w.startSequence(OP.modifyRequest);
      w.writeString(op.dn);
      w.startSequence(TAG.sequence);
      for (const c of op.changes) {
        w.startSequence(TAG.sequence);
        w.writeEnum(c.op);
        writeAttribute(w, c.attr, c.values);
        w.endSequence();
      }
      w.endSequence();
      w.endSequence();
      return;
    case 'add':
      w.startSequence(OP.addRequest);
      w.writeString(op.dn);
      w.startSequence(TAG.sequence);
      for (const a of op.attrs) writeAttribute(w, a.type, a.values);
      w.endSequence();
      w.endSequence();
      return;
    case 'delete':
      w.writeString(op.dn, OP.delRequest);
      return;
    case 'modrdn':
      w.startSequence(OP.modDNRequest);
      w.writeString(op.dn);
      w.writeString(op.newRdn);
      w.writeBoolean(op.deleteOldRdn);
      if (op.newSuperior !== undefined) w.writeString(op.newSuperior, CTX.newSuperior);
      w.endSequence();
      return;
    case 'compare':
      w.startSequence(OP.compareRequest);
      w.writeString(op.dn);
      w.startSequence(TAG.sequence);
      w.writeString(op.attr);
      w.writeOctets(op.value);
      w.endSequence();
      w.endSequence();
      return;
    case 'abandon':
      w.writeInt(op.id, OP.abandonRequest);
      return;
    case 'extended':
      w.startSequence(OP.extendedRequest);
      w.writeString(op.oid, CTX.requestName);
      if (op.value !== undefined) w.writeOctets(op.value, CTX.requestValue);
      w.endSequence();
      return;
  }
}

/** Appends one request LDAPMessage to `w`. */
export function writeRequest(w: BerWriter, id: number, op: ClientRequest, controls: readonly Control[] = []): void {
  w.startSequence(TAG.sequence);
  w.writeInt(id);
  writeOp(w, op);
  writeControls(w, controls);
  w.endSequence();
}

const scratch = new BerWriter(4096);

export function encodeRequest(id: number, op: ClientRequest, controls: readonly Control[] = []): Buffer {
  scratch.reset();
  writeRequest(scratch, id, op, controls);
  return scratch.toBuffer();
}
