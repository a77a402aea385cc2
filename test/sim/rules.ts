// The attribute rules the simulator runs with: a few attributes, one of each
// kind and policy, and a schema rule that merges can break.
import type { AttrInfo, AttrRules, Ava, Policy } from '../../src/repl/core/policy.js';

const INTEGER = /^[-+]?\d+$/;

function integerOrder(a: Buffer, b: Buffer): number {
  const x = a.toString();
  const y = b.toString();
  if (INTEGER.test(x) && INTEGER.test(y)) {
    const d = BigInt(x) - BigInt(y);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }
  return Buffer.compare(a, b);
}

type Spec = { single: boolean; policy: Policy; caseExact?: boolean; integer?: boolean; unique?: 'rename' | 'discard' };

export const SIM_ATTRS: Record<string, Spec> = {
  objectClass: { single: false, policy: 'lww' },
  cn: { single: false, policy: 'lww' },
  sn: { single: true, policy: 'lww' },
  description: { single: false, policy: 'lww', caseExact: true },
  mail: { single: false, policy: 'lww', unique: 'rename' },
  uid: { single: true, policy: 'lww', unique: 'discard' },
  title: { single: true, policy: 'manual' },
  employeeNumber: { single: true, policy: 'priority' },
  seeAlso: { single: false, policy: 'priority' },
  loginCount: { single: true, policy: 'sum', integer: true },
  lowMark: { single: true, policy: 'min', integer: true },
  highMark: { single: true, policy: 'max', integer: true },
};

export const RDN_ATTR = 'cn';

export function makeRules(): AttrRules {
  const infos = new Map<string, AttrInfo>();
  for (const [name, s] of Object.entries(SIM_ATTRS)) {
    const info: AttrInfo = { singleValued: s.single, policy: s.policy };
    if (s.unique) info.unique = s.unique;
    if (s.integer) info.order = integerOrder;
    infos.set(name, info);
  }
  const fallback: AttrInfo = { singleValued: false, policy: 'lww' };
  return {
    keyOf(attr, value) {
      const s = value.toString('utf8');
      return SIM_ATTRS[attr]?.caseExact || attr === 'entryUUID' ? s : s.toLowerCase();
    },
    info: (attr) => infos.get(attr) ?? fallback,
    checkSchema(attrs: ReadonlyMap<string, readonly Buffer[]>, _rdn: readonly Ava[]) {
      const oc = attrs.get('objectClass')?.map((v) => v.toString().toLowerCase()) ?? [];
      if (oc.includes('person') && !attrs.has('sn')) return 'objectClass person requires sn';
      return null;
    },
  };
}
