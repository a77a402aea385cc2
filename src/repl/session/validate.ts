// Changes from the wire are checked field by field before any is applied:
// a malformed record fails its whole group (DESIGN.md: bad input on the
// replication port closes the session, nothing of that group is applied).
import { ProtocolError } from '../../errors.js';
import type { Change, Mod } from '../core/change.js';
import { csnReplicaId, isCsn } from '../core/csn.js';
import type { Ruv } from '../core/ruv.js';
import type { Ava } from '../core/policy.js';
import type { Stored } from '../core/view.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function bad(why: string): never {
  throw new ProtocolError(`malformed change: ${why}`);
}

function buf(v: unknown, what: string): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v);
  return bad(`${what} is not binary`);
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024) bad(`${what} is not a name`);
  return v as string;
}

function avas(v: unknown, what: string): Ava[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > 64) bad(`${what} is not an RDN`);
  return (v as unknown[]).map((a) => {
    if (!Array.isArray(a) || a.length !== 2) bad(`${what} has a bad value assertion`);
    return [str(a[0], what), buf(a[1], what)] as Ava;
  });
}

function values(v: unknown, what: string): Buffer[] {
  if (!Array.isArray(v)) bad(`${what} values are not a list`);
  return (v as unknown[]).map((x) => buf(x, what));
}

function mod(m: unknown): Mod {
  if (m === null || typeof m !== 'object') bad('mod is not a map');
  const o = m as Record<string, unknown>;
  const attr = str(o.attr, 'mod attr');
  if (o.op === 'increment') {
    if (typeof o.delta !== 'string' || !/^[-+]?\d{1,40}$/.test(o.delta)) bad('increment delta');
    return { op: 'increment', attr, delta: o.delta as string };
  }
  if (o.op !== 'add' && o.op !== 'delete' && o.op !== 'replace') bad(`mod op ${String(o.op)}`);
  return { op: o.op as 'add' | 'delete' | 'replace', attr, values: values(o.values, attr) };
}

export function validateChange(x: unknown): Change {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) bad('record is not a map');
  const o = x as Record<string, unknown>;
  if (!isCsn(o.csn)) bad(`csn ${String(o.csn)}`);
  if (typeof o.uuid !== 'string' || !UUID.test(o.uuid)) bad(`uuid ${String(o.uuid)}`);
  const base: { csn: string; uuid: string; pri?: number } = { csn: o.csn as string, uuid: o.uuid as string };
  if (o.pri !== undefined) {
    if (typeof o.pri !== 'number' || !Number.isInteger(o.pri)) bad('priority');
    base.pri = o.pri as number;
  }
  switch (o.op) {
    case 'add': {
      if (typeof o.parent !== 'string' || (o.parent !== '' && !UUID.test(o.parent))) bad('parent');
      if (!Array.isArray(o.attrs)) bad('attrs');
      const attrs = (o.attrs as unknown[]).map((a) => {
        if (!Array.isArray(a) || a.length !== 2) bad('attribute');
        return [str(a[0], 'attribute'), values(a[1], 'attribute')] as [string, Buffer[]];
      });
      return { ...base, op: 'add', parent: o.parent as string, rdn: avas(o.rdn, 'rdn'), attrs };
    }
    case 'delete':
      return { ...base, op: 'delete' };
    case 'modify':
      if (!Array.isArray(o.mods) || o.mods.length === 0) bad('mods');
      return { ...base, op: 'modify', mods: (o.mods as unknown[]).map(mod) };
    case 'modrdn': {
      if (typeof o.deleteOldRdn !== 'boolean') bad('deleteOldRdn');
      const ch: Change = { ...base, op: 'modrdn', rdn: avas(o.rdn, 'rdn'), oldRdn: avas(o.oldRdn, 'oldRdn'), deleteOldRdn: o.deleteOldRdn as boolean };
      if (o.parent !== undefined) {
        if (typeof o.parent !== 'string' || (o.parent !== '' && !UUID.test(o.parent))) bad('parent');
        ch.parent = o.parent as string;
      }
      if (o.held !== undefined) {
        if (!Array.isArray(o.held) || o.held.length !== ch.rdn.length) bad('held');
        ch.held = (o.held as unknown[]).map((h) => {
          if (h === null) return null;
          if (!Array.isArray(h) || h.length !== 3 || !isCsn(h[0]) || !Number.isInteger(h[1]) || (h[1] as number) < 0) bad('held');
          return [h[0] as string, h[1] as number, buf(h[2], 'held')];
        });
      }
      return ch;
    }
    default:
      return bad(`op ${String(o.op)}`);
  }
}

/** Total update: a stored state as sent by the supplier (shape checked; the core re-derives nothing from it). */
export function validateStored(x: unknown): Stored & { uuid: string } {
  if (x === null || typeof x !== 'object') bad('state is not a map');
  const o = x as Record<string, unknown>;
  const state = o.state as Record<string, unknown> | undefined;
  const vis = o.vis as Record<string, unknown> | undefined;
  if (!state || typeof state !== 'object' || typeof state.uuid !== 'string' || !UUID.test(state.uuid)) bad('state uuid');
  if (!isCsn(state!.csn)) bad('state csn');
  if (!vis || typeof vis !== 'object' || !['live', 'glue', 'hidden'].includes(vis.kind as string)) bad('visible kind');
  if (!Array.isArray(vis!.attrs) || !Array.isArray(vis!.rdn)) bad('visible entry');
  return { uuid: state!.uuid as string, state: state as never, vis: vis as never };
}

/** A RUV from the wire: replicaId → that replica's CSN. */
export function validateRuv(x: unknown, what: string): Ruv {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new ProtocolError(`${what} is not a map`);
  const entries = Object.entries(x as Record<string, unknown>);
  if (entries.length > 4096) throw new ProtocolError(`${what} has too many replicas`);
  for (const [rid, csn] of entries) {
    if (!isCsn(csn) || String(csnReplicaId(csn as string)) !== rid) throw new ProtocolError(`${what}: ${rid} → ${String(csn)} is not that replica's CSN`);
  }
  return x as Ruv;
}
