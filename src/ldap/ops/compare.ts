// Compare (RFC 4511 §4.10) with the attribute's equality rule, in slapd's
// order: the assertion (type, equality rule, value syntax) is checked
// before the entry is looked up.
import { parseDN } from '../../dit/dn.js';
import type { Entry } from '../../dit/entry.js';
import { LdapError, RC } from '../../errors.js';
import { compareAssertion } from '../../schema/filter.js';
import { hasOptions } from '../../schema/schema.js';
import { recEntry } from '../../store/record.js';
import type { Session } from '../connection.js';
import type { ServerContext } from '../context.js';
import type { CompareRequest, Control } from '../pdu/index.js';
import { assertionOf } from '../assertion.js';
import { SUBSCHEMA_NDN, virtualEntry } from './virtual.js';
import { checkReferral, hiddenFrom } from '../referral.js';

const SUBSCHEMA = Buffer.from('cn=Subschema');

function target(ctx: ServerContext, who: Session, dn: string, ndn: string, controls: readonly Control[]): Entry {
  const store = ctx.store;
  if (!store.inSuffix(ndn)) return virtualEntry(ctx, who, ndn, dn);
  ctx.access.checkRead(who);
  checkReferral(ctx.schema, store, dn, controls, hiddenFrom(ctx.access, who));
  const rec = store.byNdn(ndn);
  if (!rec) throw new LdapError(RC.noSuchObject, '', store.matchedDN(parseDN(dn)));
  const entry = recEntry(rec);
  // Computed when read, like slapd's: present on every entry.
  entry.attrs.set('hasSubordinates', [Buffer.from(store.hasChildren(rec.id) ? 'TRUE' : 'FALSE')]);
  entry.attrs.set('subschemaSubentry', [SUBSCHEMA]);
  return entry;
}

export function compare(ctx: ServerContext, who: Session, req: CompareRequest, controls: readonly Control[] = []): number {
  const ndn = ctx.store.normalize(req.dn);
  const d = ctx.schema.canonicalDescription(req.attr);
  if (!d) throw new LdapError(RC.undefinedAttributeType, '');
  if (d.type.equality === undefined) throw new LdapError(RC.inappropriateMatching, 'inappropriate matching request');
  if (ctx.schema.assertionKey(d.type, req.value) === undefined) {
    // slapd's asserted_value_validate_normalize: the assertion syntax's check, else the rule's normalizer, failed.
    const checked = ctx.schema.syntaxes.get(d.type.equality.syntax)?.validate !== undefined;
    throw new LdapError(RC.invalidAttributeSyntax, checked ? 'value does not conform to assertion syntax' : 'unable to normalize value for matching');
  }
  // As slapd's fe_op_compare: the root DSE and cn=Subschema it compares
  // hold neither type (a search shows both); elsewhere it refuses them once
  // a naming context holds the DN (32 first for one no context holds).
  if (d.type.name === 'entryDN' || d.type.name === 'subschemaSubentry') {
    if (ndn === '' || ndn === SUBSCHEMA_NDN) throw new LdapError(RC.noSuchAttribute, '');
    if (!ctx.store.inSuffix(ndn)) target(ctx, who, req.dn, ndn, controls);
    throw new LdapError(RC.unwillingToPerform, `${d.type.name} compare not supported`);
  }
  const asserted = assertionOf(ctx, who, controls);
  const entry = target(ctx, who, req.dn, ndn, controls);
  // An entry the requester may not see is as good as missing (slapd: no
  // "disclose", noSuchObject), whatever the compare would have answered.
  if (ctx.store.inSuffix(ndn) && !ctx.access.discloses(who, ndn, entry)) throw new LdapError(RC.noSuchObject, '');
  // An assertion is the operation's precondition (RFC 4528): before access and the attribute.
  asserted?.(entry, ndn);
  if (ctx.store.inSuffix(ndn) ? !ctx.access.allows(who, 'compare', ndn, entry, d.type.name) : d.type.name === 'userPassword' && !ctx.access.passwordVisible(who)) {
    throw new LdapError(RC.insufficientAccessRights, '');
  }
  const types = new Set(d.type.subtypes);
  // An attribute with the asked-for options (`cn;lang-en` needs values tagged lang-en).
  const present = [...entry.attrs.keys()].some((k) => {
    const held = ctx.schema.canonicalDescription(k);
    return held !== undefined && types.has(held.type) && hasOptions(d.options, held.options);
  });
  if (!present) throw new LdapError(RC.noSuchAttribute, '');
  return compareAssertion(ctx.schema, entry, req.attr, req.value) ? RC.compareTrue : RC.compareFalse;
}
