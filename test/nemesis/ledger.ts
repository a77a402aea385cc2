// What the nemesis workload did: every write it sent, with where, what, when
// and how it ended. A write with a success result is acknowledged; one with a
// definite LDAP refusal was not applied; one whose connection died or timed
// out (or that got a result saying nothing about whether it applied) may or
// may not have been applied, and only ever serves as an explanation.
import { LdapError, RC, resultName } from '../../src/errors.js';

export type Outcome = 'acked' | 'refused' | 'maybe';

export interface Mod {
  op: 'add' | 'delete' | 'replace';
  attr: string;
  /** Empty with delete: the whole attribute. */
  values: string[];
}

export interface Write {
  id: number;
  node: string;
  op: 'add' | 'modify' | 'delete' | 'modrdn';
  /** The target DN, lowercase. */
  dn: string;
  /** modrdn: the new DN, lowercase. */
  newDn?: string;
  /** add: the carLicense value that marks this entry for life. */
  tag?: string;
  /** modify: its changes; add: none (the tag identifies it). */
  mods: Mod[];
  /** performance.timeOrigin-based milliseconds: when sent and when the outcome was known. */
  sent: number;
  done: number;
  outcome: Outcome;
  /** Result code name of a refusal or of a maybe with a result, else the connection error kind. */
  why?: string;
}

/** Results that say the server did not apply the write. */
const REFUSALS = new Set<number>([
  RC.noSuchAttribute, RC.undefinedAttributeType, RC.constraintViolation, RC.attributeOrValueExists, RC.invalidAttributeSyntax,
  RC.noSuchObject, RC.invalidDNSyntax, RC.insufficientAccessRights, RC.unwillingToPerform, RC.namingViolation,
  RC.objectClassViolation, RC.notAllowedOnNonLeaf, RC.notAllowedOnRDN, RC.entryAlreadyExists, RC.objectClassModsProhibited,
]);

export const now = (): number => performance.timeOrigin + performance.now();

/** Values carry the id of the write that made them, so a value in the data names its write. */
export const token = {
  tag: (id: number) => `c-${id}`,
  description: (id: number) => `d-${id}`,
  title: (id: number) => `t-${id}`,
  mail: (id: number) => `m-${id}@nemesis.example.com`,
};

/** The write id inside a value made by `token`, if it is one. */
export function tokenId(v: string): number | undefined {
  const m = /^[cdtm]-(\d+)(@nemesis\.example\.com)?$/i.exec(v);
  return m ? Number(m[1]) : undefined;
}

export class Ledger {
  readonly writes: Write[] = [];
  #next = 1;

  nextId(): number {
    return this.#next++;
  }

  /** Run one write and record it; resolves to its outcome (and the LDAP code of a refusal). */
  async run(w: Omit<Write, 'sent' | 'done' | 'outcome'>, f: () => Promise<void>): Promise<{ outcome: Outcome; code?: number }> {
    const rec: Write = { ...w, sent: now(), done: 0, outcome: 'maybe' };
    this.writes.push(rec);
    let code: number | undefined;
    try {
      await f();
      rec.outcome = 'acked';
    } catch (e) {
      if (e instanceof LdapError) {
        code = e.code;
        rec.outcome = REFUSALS.has(e.code) ? 'refused' : 'maybe';
        rec.why = resultName(e.code);
      } else {
        rec.why = (e as { code?: string }).code === 'MESHDIR_TIMEOUT' ? 'timeout' : 'connection';
      }
    }
    rec.done = now();
    return { outcome: rec.outcome, ...(code !== undefined ? { code } : {}) };
  }
}
