// The matching rules meshdir implements (RFC 4517 §4.2, RFC 4530, and the
// OpenLDAP CSN and Active Directory bitwise rules). A rule maps values and
// assertions to normalized strings; equality is string equality of those
// forms, which is what lets eqKey serve indexes and replication identity.
import { isDescendant, parentDN } from '../dit/dn.js';
import type { Value } from '../dit/entry.js';
import { asciiKey, asciiLower, isAscii, prepCaseExact, prepCaseIgnore, prepPiece, removeChars, squeezeSpaces } from './prep.js';
import { certificateAssertionKey, certificateValueKey } from './certificate.js';
import { SYN } from './syntaxes.js';
import type { AttributeType, MatchingRule } from './types.js';
import {
  canonicalInteger, canonicalTime, canonicalUuid, compareIntegers, compareTimes, isBitString, isNumericOid, isOid,
} from './values.js';

/** Schema knowledge some rules need. */
export interface RuleContext {
  /** OID of the schema element with this NAME (any kind), if known. */
  oidOf(descr: string): string | undefined;
  /** Normalized form of a DN string, undefined if invalid. */
  normalizeDN(s: string): string | undefined;
}

type Spec = Omit<MatchingRule, 'name' | 'names' | 'compat' | 'text'> & {
  names: string[];
  compat?: readonly string[];
  text?: boolean;
};

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const nonEmpty = (f: (s: string) => string) => (s: string): string | undefined => (s === '' ? undefined : f(s));

/**
 * The syntax the caseIgnore/caseExact rules also apply to, as in slapd
 * (its directoryStringSyntaxes). The schema adds the syntaxes of the types
 * that name a rule (build.ts): `c` makes countryString one.
 */
const STRINGISH = [SYN.printableString];

function stringRules(fold: boolean, first: number): Spec[] {
  const prep = fold ? prepCaseIgnore : prepCaseExact;
  const base = fold ? 'caseIgnore' : 'caseExact';
  const norm = nonEmpty(prep);
  return [
    {
      oid: `2.5.13.${first}`, names: [`${base}Match`], syntax: SYN.directoryString, kind: 'equality', norm,
      normBytes: (v) => asciiKey(v, fold), compat: STRINGISH,
    },
    {
      oid: `2.5.13.${first + 1}`, names: [`${base}OrderingMatch`], syntax: SYN.directoryString, kind: 'ordering', norm,
      compare: byCodeUnit, compat: STRINGISH,
    },
    {
      oid: `2.5.13.${first + 2}`, names: [`${base}SubstringsMatch`], syntax: SYN.substringAssertion, kind: 'substr',
      norm, piece: (s, pos) => prepPiece(s, pos, fold, true), compat: [SYN.directoryString, ...STRINGISH],
    },
  ];
}

function ia5Rules(fold: boolean, eqOid: string, subOid: string): Spec[] {
  const norm = (s: string): string | undefined => (isAscii(s) ? squeezeSpaces(fold ? asciiLower(s) : s) : undefined);
  const base = fold ? 'caseIgnoreIA5' : 'caseExactIA5';
  return [
    { oid: eqOid, names: [`${base}Match`], syntax: SYN.ia5String, kind: 'equality', norm, normBytes: (v) => asciiKey(v, fold) },
    {
      oid: subOid, names: [`${base}SubstringsMatch`], syntax: SYN.ia5String, kind: 'substr', norm,
      piece: (s, pos) => (isAscii(s) ? prepPiece(s, pos, fold) : undefined),
    },
  ];
}

// caseIgnoreList (postal address): lines separated by '$', '\24' and '\5C' escapes.
function listLines(s: string): string[] {
  return s.split('$').map((l) => prepCaseIgnore(l.replace(/\\(24|5c|5C)/g, (_, h: string) => (h === '24' ? '$' : '\\'))));
}

function firstComponent(s: string): string | undefined {
  const m = /^\(\s*(\S+)/.exec(s);
  return m === null ? undefined : m[1];
}

function bigints(value: string, assertion: string): [bigint, bigint] | undefined {
  try {
    return [BigInt(value), BigInt(assertion)];
  } catch {
    return undefined;
  }
}

function specs(ctx: RuleContext): Spec[] {
  // objectClass values repeat endlessly ("top", "person"…): remember their OIDs.
  const oids = new Map<string, string>();
  const oidNorm = (s: string): string | undefined => {
    const hit = oids.get(s);
    if (hit !== undefined) return hit;
    const t = s.trim();
    if (!isOid(t)) return undefined;
    const oid = isNumericOid(t) ? t : ctx.oidOf(t) ?? t.toLowerCase();
    if (oids.size >= 10_000) oids.clear();
    oids.set(s, oid);
    return oid;
  };
  const intNorm = (s: string): string | undefined => canonicalInteger(s, false);
  // An assertion must be an INTEGER as written (RFC 4517 §3.3.16), as slapd
  // validates it: "01001" or "1001 " make the filter Undefined and compare
  // answer invalidAttributeSyntax. Stored values were checked on the way in.
  const intAssertion = (s: string): string | undefined => (/^(0|-?[1-9][0-9]*)$/.test(s) ? s : undefined);
  const numeric = (s: string): string | undefined => (/^[0-9 ]+$/.test(s) ? removeChars(s, ' ') : undefined);
  const phone = (s: string): string | undefined => (s === '' ? undefined : removeChars(prepCaseIgnore(s), ' -'));
  const ident = (s: string): string | undefined => s;
  const uniqueMember = (s: string): string | undefined => {
    const m = /#('[01]*'B)$/.exec(s);
    const dn = ctx.normalizeDN(m === null ? s : s.slice(0, m.index));
    return dn === undefined ? undefined : m === null ? dn : dn + '#' + m[1];
  };
  return [
    { oid: '2.5.13.0', names: ['objectIdentifierMatch'], syntax: SYN.oid, kind: 'equality', norm: oidNorm },
    { oid: '2.5.13.1', names: ['distinguishedNameMatch'], syntax: SYN.dn, kind: 'equality', norm: (s) => ctx.normalizeDN(s) },
    ...stringRules(true, 2),
    ...stringRules(false, 5),
    { oid: '2.5.13.8', names: ['numericStringMatch'], syntax: SYN.numericString, kind: 'equality', norm: numeric },
    {
      oid: '2.5.13.9', names: ['numericStringOrderingMatch'], syntax: SYN.numericString, kind: 'ordering', norm: numeric,
      compare: byCodeUnit,
    },
    {
      oid: '2.5.13.10', names: ['numericStringSubstringsMatch'], syntax: SYN.substringAssertion, kind: 'substr',
      norm: numeric, piece: (s) => numeric(s), compat: [SYN.numericString],
    },
    {
      oid: '2.5.13.11', names: ['caseIgnoreListMatch'], syntax: SYN.postalAddress, kind: 'equality',
      norm: (s) => listLines(s).map((l) => l.replace(/\\/g, '\\5c').replace(/\$/g, '\\24')).join('$'),
    },
    {
      oid: '2.5.13.12', names: ['caseIgnoreListSubstringsMatch'], syntax: SYN.substringAssertion, kind: 'substr',
      norm: (s) => listLines(s).join(''), piece: (s, pos) => prepPiece(s, pos, true), compat: [SYN.postalAddress],
    },
    {
      oid: '2.5.13.13', names: ['booleanMatch'], syntax: SYN.boolean, kind: 'equality',
      norm: (s) => (s === 'TRUE' || s === 'FALSE' ? s : undefined),
    },
    { oid: '2.5.13.14', names: ['integerMatch'], syntax: SYN.integer, kind: 'equality', norm: intAssertion, valueNorm: intNorm },
    {
      oid: '2.5.13.15', names: ['integerOrderingMatch'], syntax: SYN.integer, kind: 'ordering', norm: intAssertion, valueNorm: intNorm,
      compare: compareIntegers,
    },
    {
      oid: '2.5.13.16', names: ['bitStringMatch'], syntax: SYN.bitString, kind: 'equality',
      norm: (s) => (isBitString(s) ? s : undefined),
    },
    { oid: '2.5.13.17', names: ['octetStringMatch'], syntax: SYN.octetString, kind: 'equality', norm: ident, text: false },
    {
      oid: '2.5.13.18', names: ['octetStringOrderingMatch'], syntax: SYN.octetString, kind: 'ordering', norm: ident,
      compare: byCodeUnit, text: false,
    },
    {
      oid: '2.5.13.19', names: ['octetStringSubstringsMatch'], syntax: SYN.octetString, kind: 'substr', norm: ident,
      piece: ident, text: false,
    },
    { oid: '2.5.13.20', names: ['telephoneNumberMatch'], syntax: SYN.telephoneNumber, kind: 'equality', norm: phone },
    {
      oid: '2.5.13.21', names: ['telephoneNumberSubstringsMatch'], syntax: SYN.substringAssertion, kind: 'substr',
      // A piece of spaces and hyphens only is one space, as in slapd: it matches no number.
      norm: phone, piece: (s) => removeChars(prepCaseIgnore(s), ' -') || ' ', compat: [SYN.telephoneNumber],
    },
    { oid: '2.5.13.23', names: ['uniqueMemberMatch'], syntax: SYN.nameAndOptionalUID, kind: 'equality', norm: uniqueMember },
    { oid: '2.5.13.27', names: ['generalizedTimeMatch'], syntax: SYN.generalizedTime, kind: 'equality', norm: canonicalTime },
    {
      oid: '2.5.13.28', names: ['generalizedTimeOrderingMatch'], syntax: SYN.generalizedTime, kind: 'ordering',
      norm: canonicalTime, compare: compareTimes,
    },
    {
      oid: '2.5.13.29', names: ['integerFirstComponentMatch'], syntax: SYN.integer, kind: 'equality', norm: intNorm,
      valueNorm: (s) => {
        const f = firstComponent(s);
        return f === undefined ? undefined : intNorm(f);
      },
    },
    {
      oid: '2.5.13.30', names: ['objectIdentifierFirstComponentMatch'], syntax: SYN.oid, kind: 'equality', norm: oidNorm,
      valueNorm: (s) => {
        const f = firstComponent(s);
        return f === undefined ? undefined : oidNorm(f);
      },
    },
    ...ia5Rules(false, '1.3.6.1.4.1.1466.109.114.1', '1.3.6.1.4.1.4203.1.2.1'),
    ...ia5Rules(true, '1.3.6.1.4.1.1466.109.114.2', '1.3.6.1.4.1.1466.109.114.3'),
    {
      // Values are DER, assertions text: both reduce to serial$issuer.
      oid: '2.5.13.34', names: ['certificateExactMatch'], syntax: SYN.certificateExactAssertion, kind: 'equality', text: false,
      norm: (s) => certificateAssertionKey(Buffer.from(s, 'latin1').toString('utf8'), ctx.normalizeDN),
      valueNorm: (s) => certificateValueKey(Buffer.from(s, 'latin1'), ctx.normalizeDN),
      compat: [SYN.certificate],
    },
    { oid: '1.3.6.1.1.16.2', names: ['UUIDMatch'], syntax: SYN.uuid, kind: 'equality', norm: canonicalUuid },
    {
      oid: '1.3.6.1.1.16.3', names: ['UUIDOrderingMatch'], syntax: SYN.uuid, kind: 'ordering', norm: canonicalUuid,
      compare: byCodeUnit,
    },
    // CSN strings are fixed-width with byte order = CSN order (DESIGN.md), so plain comparison is right.
    { oid: '1.3.6.1.4.1.4203.666.11.2.2', names: ['CSNMatch'], syntax: SYN.csn, kind: 'equality', norm: nonEmpty((s) => s) },
    {
      oid: '1.3.6.1.4.1.4203.666.11.2.3', names: ['CSNOrderingMatch'], syntax: SYN.csn, kind: 'ordering',
      norm: nonEmpty((s) => s), compare: byCodeUnit,
    },
    {
      oid: '1.2.840.113556.1.4.803', names: ['integerBitAndMatch'], syntax: SYN.integer, kind: 'equality', norm: intNorm,
      match: (v, a) => {
        const n = bigints(v, a);
        return n === undefined ? undefined : (n[0] & n[1]) === n[1];
      },
    },
    {
      oid: '1.2.840.113556.1.4.804', names: ['integerBitOrMatch'], syntax: SYN.integer, kind: 'equality', norm: intNorm,
      match: (v, a) => {
        const n = bigints(v, a);
        return n === undefined ? undefined : (n[0] & n[1]) !== 0n;
      },
    },
    // OpenLDAP's DN scope rules, e.g. (entryDN:dnSubtreeMatch:=ou=people,dc=example,dc=com).
    ...([
      ['8', 'dnSubtreeMatch', (v: string, a: string) => v === a || isDescendant(v, a)],
      ['9', 'dnOneLevelMatch', (v: string, a: string) => parentDN(v) === a],
      ['10', 'dnSubordinateMatch', (v: string, a: string) => isDescendant(v, a)],
      ['11', 'dnSuperiorMatch', (v: string, a: string) => isDescendant(a, v)],
    ] as const).map(([n, name, match]): Spec => ({
      oid: `1.3.6.1.4.1.4203.666.4.${n}`, names: [name], syntax: SYN.dn, kind: 'equality', norm: (s) => ctx.normalizeDN(s), match, hidden: true,
    })),
  ];
}

export function buildRules(ctx: RuleContext): MatchingRule[] {
  return specs(ctx).map((s) => ({ ...s, name: s.names[0], compat: [...(s.compat ?? [])], text: s.text ?? true }));
}

/**
 * Rules OpenLDAP's shipped schema files name that meshdir does not implement
 * (certificate and X.500 presentation rules). Attributes naming them load
 * without that rule, silently; any other unknown rule draws a warning.
 */
export const UNIMPLEMENTED_RULES = new Set(
  [
    'certificateMatch', 'certificatePairExactMatch', 'certificateListExactMatch',
    'attributeCertificateExactMatch', 'protocolInformationMatch', 'presentationAddressMatch', 'authzMatch',
    'privateKeyMatch', 'directoryStringFirstComponentMatch', 'keywordMatch', 'wordMatch',
  ].map((n) => n.toLowerCase()),
);

/** A rule can be used on a type whose syntax it is for, or that names it (extensible match, matchingRuleUse). */
export function ruleApplies(rule: MatchingRule, at: AttributeType): boolean {
  return (
    at.equality === rule || at.ordering === rule || at.substr === rule ||
    (at.syntax !== undefined && (rule.syntax === at.syntax || rule.compat.includes(at.syntax)))
  );
}

/** The rule's normalized form of a stored value (octets), taking the byte fast path when the rule has one. */
export function valueKeyer(rule: MatchingRule): (v: Value) => string | undefined {
  const norm = rule.valueNorm ?? rule.norm;
  const fast = rule.valueNorm === undefined ? rule.normBytes : undefined;
  if (fast !== undefined) return (v) => fast(v) ?? norm(v.toString('utf8'));
  return rule.text ? (v) => norm(v.toString('utf8')) : (v) => norm(v.toString('latin1'));
}
