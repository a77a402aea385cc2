// The data before and after a fuzz run: `meshdir export` output (byte for
// byte) and a root search of every entry with all user and operational
// attributes, keyed by the server's own DN normalization. For runs where
// writes may succeed, `explain` says which changed entries no accepted (or
// unanswered) write can account for.
import { join } from 'node:path';
import { isDescendant, parentDN } from '../../src/dit/dn.js';
import { LdapClient } from '../../src/ldap/client.js';
import { decodePasswdModifyRequest } from '../../src/ldap/pdu/password-modify.js';
import { EXOP } from '../../src/ldap/pdu/protocol.js';
import { loadSchemaDir } from '../../src/schema/load.js';
import type { Schema } from '../../src/schema/schema.js';
import { meshdir, REPO, ROOT_DN, ROOT_PW, SUFFIX } from '../helpers/server.js';
import type { WriteOutcome } from './engine.js';

let schema: Schema | undefined;
function norm(dn: string): string | undefined {
  schema ??= loadSchemaDir(join(REPO, 'schema'));
  return schema.normalizeDN(dn);
}

/** `meshdir export` of a server file (works while the server runs). */
export function exportLdif(configFile: string): string {
  const r = meshdir(['export', '--config', configFile]);
  if (r.status !== 0) throw new Error(`meshdir export exited with ${r.status}: ${r.stderr}`);
  return r.stdout;
}

export interface SnapEntry {
  dn: string;
  /** Every attribute and value in the order the server returned them. */
  text: string;
  uids: string[];
}

/** Normalized DN → entry. */
export type Snapshot = Map<string, SnapEntry>;

export async function snapshot(url: string): Promise<Snapshot> {
  const c = await LdapClient.connect(url, { timeoutMs: 60_000 });
  try {
    await c.bind(ROOT_DN, ROOT_PW);
    const { entries } = await c.search(SUFFIX, '(objectClass=*)', { attributes: ['*', '+'] });
    const out: Snapshot = new Map();
    for (const e of entries) {
      const text = e.attrs.map((a) => `${a.type}: ${a.values.map((v) => v.toString('base64')).join(' ')}`).join('\n');
      const uids = e.attrs.filter((a) => a.type.toLowerCase() === 'uid').flatMap((a) => a.values.map((v) => v.toString('utf8').toLowerCase()));
      out.set(norm(e.dn) ?? e.dn, { dn: e.dn, text, uids });
    }
    return out;
  } finally {
    c.close();
  }
}

/** Normalized DNs whose entries differ, appeared or disappeared. */
function changed(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const [k, v] of before) if (after.get(k)?.text !== v.text) out.push(k);
  for (const k of after.keys()) if (!before.has(k)) out.push(k);
  return out;
}

/**
 * Changed entries that no given write explains. A write touches its target,
 * the target's parent (hasSubordinates), for a modrdn the whole subtree
 * moved and its new place, for a password modify the user it names.
 */
export function explain(before: Snapshot, after: Snapshot, writes: readonly WriteOutcome[]): string[] {
  const exact = new Set<string>();
  const subtrees = new Set<string>();
  const touch = (dn: string | undefined, subtree = false): void => {
    const n = dn === undefined ? undefined : norm(dn);
    if (n === undefined) return;
    (subtree ? subtrees : exact).add(n);
    const parent = parentDN(n);
    if (parent !== null) exact.add(parent);
  };
  for (const { msg } of writes) {
    const op = msg.op;
    switch (op.type) {
      case 'add':
      case 'delete':
      case 'modify':
        touch(op.dn);
        break;
      case 'modrdn': {
        touch(op.dn, true);
        const parent = op.newSuperior ?? (norm(op.dn) !== undefined ? parentDN(norm(op.dn)!) : null);
        if (parent !== null) touch(parent === '' ? op.newRdn : `${op.newRdn},${parent}`, true);
        break;
      }
      case 'extended':
        if (op.oid !== EXOP.passwordModify) break;
        try {
          const id = decodePasswdModifyRequest(op.value).userIdentity ?? '';
          if (id.startsWith('u:')) {
            for (const [k, e] of before) if (e.uids.includes(id.slice(2).toLowerCase())) exact.add(k);
          } else touch(id.replace(/^dn:/, ''));
        } catch {
          // undecodable: the server refused it too
        }
        break;
    }
  }
  return changed(before, after).filter((k) => !exact.has(k) && ![...subtrees].some((s) => k === s || isDescendant(k, s)));
}
