// Searches outside the suffix: the root DSE, cn=Subschema, cn=monitor and
// cn=config. These entries are small and few, so they are built when read.
import type { Entry } from '../../dit/entry.js';
import { LdapError, RC } from '../../errors.js';
import { compileFilter, matchesSubstrings, type CompiledFilter, type FilterItem } from '../../schema/filter.js';
import type { Schema } from '../../schema/schema.js';
import type { Filter } from '../../dit/filter-types.js';
import type { Connection, Session } from '../connection.js';
import type { ServerContext } from '../context.js';
import { CONTROL, EXOP, FEATURE, encodeSearchEntry, type SearchRequest } from '../pdu/index.js';
import { encodeKept, encodeSelected, type Selection } from '../selection.js';
import { generalizedTime } from '../../store/update.js';
import type { SearchResult } from './search.js';
import { defaultReferral } from '../referral.js';

export const VENDOR_NAME = 'meshdir';
export const VENDOR_VERSION = '0.1.0';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

interface Virtual {
  dn: string;
  ndn: string;
  attrs: Map<string, Buffer[]>;
}

/** cn=Subschema, normalized. */
export const SUBSCHEMA_NDN = 'cn=subschema';

/** In slapd 2.5's order, so that root DSE listings compare line for line. */
export function supportedControls(): string[] {
  return [
    CONTROL.proxiedAuthz, CONTROL.manageDsaIT, CONTROL.subentries, CONTROL.dontUseCopy, CONTROL.pagedResults,
    CONTROL.matchedValues, CONTROL.postRead, CONTROL.preRead, CONTROL.assertion,
  ];
}

/** In slapd's attribute order (root_dse_info), vendor attributes before entryDN. */
function rootDse(ctx: ServerContext): Virtual {
  const ext = [...(ctx.tlsContext() ? [EXOP.startTls] : []), EXOP.passwordModify, EXOP.whoAmI, EXOP.cancel, ...ctx.extended.keys()];
  return {
    dn: '',
    ndn: '',
    attrs: new Map([
      ['objectClass', [b('top'), b('OpenLDAProotDSE')]],
      ['structuralObjectClass', [b('OpenLDAProotDSE')]],
      ['namingContexts', [b(ctx.config.suffix)]],
      ['supportedControl', supportedControls().map(b)],
      ['supportedExtension', ext.map(b)],
      ['supportedFeatures', Object.values(FEATURE).map(b)],
      ['supportedLDAPVersion', [b('3')]],
      ['vendorName', [b(VENDOR_NAME)]],
      ['vendorVersion', [b(VENDOR_VERSION)]],
      ['entryDN', [b('')]],
      ['subschemaSubentry', [b('cn=Subschema')]],
    ]),
  };
}

const ROOT_DSE_USER = new Set(['objectClass']);

/** cn=Subschema with the attributes slapd adds around the schema (extensibleObject, timestamps, entryDN). */
function subschema(ctx: ServerContext): Virtual {
  const schema = ctx.schema.subschemaEntry();
  const started = [b(generalizedTime(ctx.counters.startedAt))];
  const attrs = new Map<string, Buffer[]>();
  for (const [k, vs] of schema) {
    if (k === 'objectClass' && !vs.some((v) => v.toString().toLowerCase() === 'extensibleobject')) vs.push(b('extensibleObject'));
    attrs.set(k, vs);
    if (k === 'structuralObjectClass') attrs.set('createTimestamp', started).set('modifyTimestamp', started);
  }
  attrs.set('entryDN', [b('cn=Subschema')]).set('subschemaSubentry', [b('cn=Subschema')]);
  return { dn: 'cn=Subschema', ndn: SUBSCHEMA_NDN, attrs };
}

function monitor(ctx: ServerContext): Virtual[] {
  return ctx.monitorEntries().map((e) => ({
    dn: e.dn,
    ndn: ctx.schema.normalizeDN(e.dn) ?? e.dn.toLowerCase(),
    attrs: new Map(e.attrs.map(([k, vs]) => [k, vs.map(b)])),
  }));
}

function config(ctx: ServerContext): Virtual[] {
  return [...ctx.configTree.all()].map((e) => ({ dn: e.dn, ndn: e.ndn, attrs: new Map(e.attrs) }));
}

function inScope(ndn: string, base: string, scope: number): boolean {
  if (scope === 0) return ndn === base;
  const below = base === '' ? ndn !== '' : ndn.endsWith(',' + base);
  if (scope === 1) return below && ndn.slice(0, ndn.length - base.length - (base ? 1 : 0)).split(/(?<!\\),/).length === 1;
  return ndn === base || below;
}

/** The root DSE's attributes are operational except objectClass (as in slapd). */
function rootDseChunks(e: Virtual, sel: Selection): Buffer[] {
  const out: Buffer[] = [];
  for (const [k, vs] of e.attrs) {
    const want = ROOT_DSE_USER.has(k) ? sel.allUser || sel.names.has(k) : sel.allOp || sel.names.has(k);
    if (want) encodeKept(sel, k, vs, out);
  }
  return out;
}

/**
 * The virtual entries a request on `ndn` may see, or an error as slapd
 * gives it (cn=Subschema exists only at base scope; cn=config is for the
 * rootDn).
 */
function virtualPool(ctx: ServerContext, who: Session, ndn: string, scope: number, dn: string, search: boolean): Virtual[] {
  const monitorNdn = ctx.schema.normalizeDN('cn=monitor')!;
  let pool: Virtual[];
  if (ndn === '') {
    // slapd: a one/sub search of the empty base without a default search base finds nothing.
    if (scope !== 0) throw new LdapError(RC.noSuchObject, '');
    pool = [rootDse(ctx)];
  } else if (ndn === SUBSCHEMA_NDN) {
    if (scope !== 0) throw new LdapError(RC.noSuchObject, '');
    pool = [subschema(ctx)];
  } else if (ndn === monitorNdn || ndn.endsWith(',' + monitorNdn)) {
    ctx.access.checkRead(who, 'outside');
    pool = monitor(ctx);
  } else if (ctx.configTree.holds(ndn)) {
    if (!ctx.access.isRoot(who)) throw new LdapError(RC.insufficientAccessRights, 'cn=config is readable only by the rootDn');
    pool = config(ctx);
  } else {
    throw defaultReferral(ctx.schema, ctx.config.referral, dn, search ? scope : undefined) ?? new LdapError(RC.noSuchObject, '');
  }
  if (!pool.some((e) => e.ndn === ndn)) {
    // The nearest entry above, as slapd's back-monitor names it.
    const above = pool.filter((e) => e.ndn !== '' && ndn.endsWith(',' + e.ndn)).sort((a, b) => b.ndn.length - a.ndn.length)[0];
    throw new LdapError(RC.noSuchObject, '', above?.dn ?? '');
  }
  return pool;
}

/**
 * A filter over cn=monitor's entries. Their attributes (lagMs, state …) are
 * not schema types: a filter item naming one is matched on the strings
 * themselves (case-insensitively; >= and <= numerically when both sides are
 * integers: `(lagMs>=1000)`); the rest goes through the schema.
 */
function monitorFilterOf(f: Filter, schema: Schema): CompiledFilter {
  return compileFilter(f, schema, (item) => (item.type === 'extensible' || schema.canonicalDescription(item.attr) !== undefined ? undefined : rawMatch(item)));
}

function rawMatch(f: Exclude<FilterItem, { type: 'extensible' }>): CompiledFilter {
  const name = f.attr.toLowerCase();
  const low = (v: Buffer): string => v.toString('utf8').toLowerCase();
  const valuesOf = (e: Entry): Buffer[] | undefined => {
    for (const [k, vs] of e.attrs) if (k.toLowerCase() === name) return vs;
    return undefined;
  };
  const order = (a: string, b: string): number =>
    /^-?\d+$/.test(a) && /^-?\d+$/.test(b) ? Math.sign(Number(BigInt(a) - BigInt(b))) : a < b ? -1 : a > b ? 1 : 0;
  let test: (v: string) => boolean;
  switch (f.type) {
    case 'present':
      return (e) => valuesOf(e) !== undefined;
    case 'equality':
    case 'approx': {
      const a = low(f.value);
      test = (v) => v === a;
      break;
    }
    case 'ge':
    case 'le': {
      const a = low(f.value);
      test = f.type === 'ge' ? (v) => order(v, a) >= 0 : (v) => order(v, a) <= 0;
      break;
    }
    case 'substrings': {
      const initial = f.initial === undefined ? '' : low(f.initial);
      const final = f.final === undefined ? '' : low(f.final);
      const any = f.any.map(low);
      test = (v) => matchesSubstrings(v, initial, any, final);
      break;
    }
  }
  return (e) => valuesOf(e)?.some((v) => test(low(v))) ?? false;
}

/** One entry outside the suffix (for compare), or noSuchObject. */
export function virtualEntry(ctx: ServerContext, who: Session, ndn: string, dn: string): Entry {
  const e = virtualPool(ctx, who, ndn, 0, dn, false).find((x) => x.ndn === ndn)!;
  return { dn: e.dn, attrs: e.attrs };
}

export function virtualSearch(ctx: ServerContext, conn: Connection, who: Session, id: number, req: SearchRequest, ndn: string, sel: Selection): SearchResult {
  const pool = virtualPool(ctx, who, ndn, req.scope, req.base, true);
  const filter = compileFilter(req.filter, ctx.schema);
  const monitorNdn = ctx.schema.normalizeDN('cn=monitor')!;
  let monitorFilter: CompiledFilter | undefined;
  let sent = 0;
  let code: number = RC.success;
  for (const e of pool) {
    if (!inScope(e.ndn, ndn, req.scope)) continue;
    const entry: Entry = { dn: e.dn, attrs: e.attrs };
    const monitor = inScope(e.ndn, monitorNdn, 2);
    if ((monitor ? (monitorFilter ??= monitorFilterOf(req.filter, ctx.schema)) : filter)(entry) !== true) continue;
    if (req.sizeLimit > 0 && sent >= req.sizeLimit) {
      code = RC.sizeLimitExceeded;
      break;
    }
    const chunks = e.ndn === ''
      ? rootDseChunks(e, sel)
      : encodeSelected(ctx.schema, sel, e.attrs, (k) => !ctx.access.passwordVisible(who) && k === 'userPassword');
    conn.send(encodeSearchEntry(id, e.dn, chunks));
    sent++;
  }
  // Entries of the root DSE, cn=Subschema, cn=monitor and cn=config are sent too (as slapd's cn=Entries,cn=Statistics counts them).
  ctx.counters.entriesSent += sent;
  return { code, matchedDN: '', message: '', entries: sent };
}
