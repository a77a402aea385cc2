// The replication core's view of attributes (AttrRules), from the schema and
// the server file's `replication.attributePolicies` / `uniqueAttributes`.
// Every master must be configured alike, or their merges differ.
import { formatRDN } from '../dit/dn.js';
import { LdapError } from '../errors.js';
import type { AttrInfo, AttrRules, Ava, Policy, UniquePolicy } from '../repl/core/policy.js';
import type { Schema } from '../schema/schema.js';

export interface PolicyConfig {
  attributePolicies?: Record<string, Policy>;
  uniqueAttributes?: Record<string, UniquePolicy>;
}

export function avasToRdn(rdn: readonly Ava[]): string {
  return formatRDN(rdn.map(([type, v]) => ({ type, value: v.toString('utf8') })));
}

/**
 * The policies as one string, types by their schema names, sorted: equal on
 * two servers exactly when they merge alike. A replication session starts
 * only between servers whose signatures agree.
 */
export function policySignature(schema: Schema, cfg: PolicyConfig): string {
  const canon = (m: Record<string, string> | undefined): string =>
    Object.entries(m ?? {})
      .map(([k, v]) => `${schema.attributeType(k)?.name ?? k}:${v}`)
      .sort()
      .join(',');
  return `attributePolicies {${canon(cfg.attributePolicies)}} uniqueAttributes {${canon(cfg.uniqueAttributes)}}`;
}

export function makeRules(schema: Schema, cfg: PolicyConfig): AttrRules {
  const byName = (m: Record<string, string> | undefined): Map<string, string> => {
    const out = new Map<string, string>();
    for (const [k, v] of Object.entries(m ?? {})) {
      const at = schema.attributeType(k);
      if (at === undefined) throw new LdapError(17, `attribute policy for unknown attribute "${k}"`);
      out.set(at.name, v);
    }
    return out;
  };
  const policies = byName(cfg.attributePolicies);
  const unique = byName(cfg.uniqueAttributes);
  const cache = new Map<string, AttrInfo>();
  return {
    keyOf(attr, value) {
      try {
        return schema.eqKey(attr, value);
      } catch {
        // A value that does not normalize (schema changed, or stored raw) keys by its octets.
        return '\0raw:' + value.toString('latin1');
      }
    },
    info(attr) {
      let info = cache.get(attr);
      if (info) return info;
      const at = schema.canonicalDescription(attr)?.type;
      const ord = at?.ordering;
      const text = ord?.text ?? true;
      info = {
        singleValued: at?.singleValue ?? false,
        policy: (at && (policies.get(at.name) as Policy)) || 'lww',
      };
      const u = at && (unique.get(at.name) as UniquePolicy | undefined);
      if (u) info.unique = u;
      if (ord?.compare) {
        const valueNorm = ord.valueNorm ?? ord.norm;
        const norm = (v: Buffer) => valueNorm(text ? v.toString('utf8') : v.toString('latin1')) ?? '';
        info.order = (a, b) => ord.compare!(norm(a), norm(b));
      }
      cache.set(attr, info);
      return info;
    },
    checkSchema(attrs, rdn) {
      // An OBSOLETE class is refused at the write (unless relaxed), not a merge conflict.
      try {
        schema.checkEntry({ dn: rdn.length ? avasToRdn(rdn) : '', attrs: new Map(attrs as Map<string, Buffer[]>) }, { trusted: true, relax: true });
        return null;
      } catch (e) {
        if (e instanceof LdapError) return e.message;
        throw e;
      }
    },
  };
}
