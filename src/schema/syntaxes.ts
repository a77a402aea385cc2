// LDAP syntaxes (RFC 4517 §3.3 and friends) with the checks meshdir applies
// on add and modify. A syntax without `validate`, or one not listed here,
// accepts any value.
import { isUtf8 } from 'node:buffer';
import { X509Certificate } from 'node:crypto';
import type { Value } from '../dit/entry.js';
import type { Syntax, SyntaxContext } from './types.js';
import { canonicalInteger, canonicalTime, canonicalUuid, isBitString, isOid, isPrintable } from './values.js';

const L = '1.3.6.1.4.1.1466.115.121.1.';

export const SYN = {
  bitString: L + '6',
  certificate: L + '8',
  certificateExactAssertion: '1.3.6.1.1.15.1',
  boolean: L + '7',
  countryString: L + '11',
  dn: L + '12',
  directoryString: L + '15',
  generalizedTime: L + '24',
  ia5String: L + '26',
  integer: L + '27',
  nameAndOptionalUID: L + '34',
  numericString: L + '36',
  oid: L + '38',
  octetString: L + '40',
  postalAddress: L + '41',
  printableString: L + '44',
  telephoneNumber: L + '50',
  substringAssertion: L + '58',
  uuid: '1.3.6.1.1.16.1',
  csn: '1.3.6.1.4.1.4203.666.11.2.1',
  attributeTypeDescription: L + '3',
  objectClassDescription: L + '37',
  matchingRuleDescription: L + '30',
  matchingRuleUseDescription: L + '31',
  ldapSyntaxDescription: L + '54',
} as const;

const text = (v: Value): string => v.toString('utf8');
const ascii = (v: Value): boolean => {
  for (let i = 0; i < v.length; i++) if (v[i] > 0x7f) return false;
  return true;
};
// time#counter#replica#subseq, as in DESIGN.md and OpenLDAP; widths are the CSN module's business.
const CSN = /^[0-9]{14}(\.[0-9]+)?Z#[0-9a-fA-F]+#[0-9a-fA-F]+#[0-9a-fA-F]+$/;
const BINARY = "X-BINARY-TRANSFER-REQUIRED 'TRUE' X-NOT-HUMAN-READABLE 'TRUE'";
const NOT_HUMAN = "X-NOT-HUMAN-READABLE 'TRUE'";

function isNameAndOptionalUid(s: string, ctx: SyntaxContext): boolean {
  // The DN itself may contain '#' (escaped); the UID part is a trailing #'bits'B.
  const m = /#('[01]*'B)$/.exec(s);
  return ctx.validDN(m === null ? s : s.slice(0, m.index));
}

// slapd's printablesStringValidate: printable strings separated by '$', none empty.
const isPrintables = (v: Value): boolean => text(v).split('$').every(isPrintable);
// RFC 4517 §3.3.5, case-insensitive as slapd's deliveryMethodValidate.
const PDM = '(?:any|mhs|physical|telex|teletex|g3fax|g4fax|ia5|videotex|telephone)';
const DELIVERY_METHOD = new RegExp(`^${PDM}(?: *\\$ *${PDM})*$`, 'i');

function syn(oid: string, desc: string, validate?: Syntax['validate'], ext = ''): Syntax {
  return validate === undefined ? { oid, desc, ext } : { oid, desc, ext, validate };
}

/** An X.509 certificate in DER (RFC 4523 §2.1), as slapd's certificateValidate checks it: one that parses. */
function isCertificate(v: Buffer): boolean {
  // X509Certificate takes PEM too; the attribute holds DER only.
  if (v[0] !== 0x30) return false;
  try {
    new X509Certificate(v);
    return true;
  } catch {
    return false;
  }
}

/** In the order slapd lists them in cn=Subschema. */
export const SYNTAXES: readonly Syntax[] = [
  syn(L + '4', 'Audio', undefined, NOT_HUMAN),
  syn(L + '5', 'Binary', undefined, NOT_HUMAN),
  syn(SYN.bitString, 'Bit String', (v) => isBitString(text(v))),
  syn(SYN.boolean, 'Boolean', (v) => {
    const s = text(v);
    return s === 'TRUE' || s === 'FALSE';
  }),
  syn(SYN.certificate, 'Certificate', isCertificate, BINARY),
  syn(L + '9', 'Certificate List', undefined, BINARY),
  syn(L + '10', 'Certificate Pair', undefined, BINARY),
  syn(SYN.dn, 'Distinguished Name', (v, ctx) => isUtf8(v) && ctx.validDN(text(v))),
  syn(L + '14', 'Delivery Method', (v) => DELIVERY_METHOD.test(text(v))),
  // Spaces alone are a value (RFC 4517 `1*UTF8`; slapd takes them too).
  syn(SYN.directoryString, 'Directory String', (v) => v.length > 0 && isUtf8(v)),
  syn(L + '22', 'Facsimile Telephone Number', isPrintables),
  syn(SYN.generalizedTime, 'Generalized Time', (v) => canonicalTime(text(v)) !== undefined),
  syn(SYN.ia5String, 'IA5 String', ascii),
  syn(SYN.integer, 'Integer', (v) => canonicalInteger(text(v), true) !== undefined),
  syn(L + '28', 'JPEG', undefined, NOT_HUMAN),
  syn(SYN.nameAndOptionalUID, 'Name And Optional UID', (v, ctx) => isUtf8(v) && isNameAndOptionalUid(text(v), ctx)),
  syn(SYN.numericString, 'Numeric String', (v) => /^[0-9 ]+$/.test(text(v))),
  syn(SYN.oid, 'OID', (v) => isOid(text(v))),
  syn(L + '39', 'Other Mailbox'),
  syn(SYN.octetString, 'Octet String'),
  // RFC 4517 §3.3.28: '\' only as \24 ('$') or \5C ('\'). Empty lines, and an
  // empty value, pass as in slapd 2.5 (so its data imports as it is).
  syn(SYN.postalAddress, 'Postal Address', (v) => isUtf8(v) && /^(?:[^\\]|\\(?:24|5[cC]))*$/.test(text(v))),
  syn(SYN.printableString, 'Printable String', (v) => isPrintable(text(v))),
  syn(SYN.countryString, 'Country String', (v) => v.length === 2 && isPrintable(text(v))),
  syn(L + '45', 'SubtreeSpecification'),
  syn(L + '49', 'Supported Algorithm', undefined, BINARY),
  syn(SYN.telephoneNumber, 'Telephone Number', (v) => isPrintable(text(v))),
  syn(L + '52', 'Telex Number', isPrintables),
  syn('1.3.6.1.1.1.0.0', 'RFC2307 NIS Netgroup Triple'),
  syn('1.3.6.1.1.1.0.1', 'RFC2307 Boot Parameter'),
  syn(SYN.certificateExactAssertion, 'Certificate Exact Assertion'),
  syn(SYN.uuid, 'UUID', (v) => canonicalUuid(text(v)) !== undefined),
  syn(SYN.csn, 'CSN', (v) => v.length <= 64 && CSN.test(text(v))),
  syn(SYN.attributeTypeDescription, 'Attribute Type Description'),
  syn(SYN.objectClassDescription, 'Object Class Description'),
  syn(SYN.matchingRuleDescription, 'Matching Rule Description'),
  syn(SYN.matchingRuleUseDescription, 'Matching Rule Use Description'),
  syn(SYN.ldapSyntaxDescription, 'LDAP Syntax Description'),
  syn(SYN.substringAssertion, 'Substring Assertion'),
];

/**
 * Syntaxes slapd 2.5 knows that meshdir neither checks nor lists
 * (schema_init.c's syntax_defs): a schema file may name them, and their
 * values are taken as they come. Any other syntax must be defined by an
 * ldapsyntax statement, or the file is refused, as slapd refuses it.
 */
export const SLAPD_ONLY_SYNTAXES: readonly string[] = [
  ...[1, 2, 13, 16, 17, 19, 20, 21, 23, 25, 29, 32, 33, 35, 42, 43, 51, 53, 55, 56, 57].map((n) => L + n),
  '1.2.36.79672281.1.5.0', '1.2.36.79672281.1.5.2', '1.2.36.79672281.1.5.3',
  ...[2, 3, 4, 5, 6, 7].map((n) => '1.3.6.1.1.15.' + n),
  ...[1, 2, 3].map((n) => '1.3.6.1.4.1.4203.666.11.10.2.' + n),
  '1.3.6.1.4.1.4203.666.2.2', '1.3.6.1.4.1.4203.666.2.7', '1.3.6.1.4.1.4203.666.11.2.4', '1.3.6.1.4.1.4203.1.1.1',
  '1.2.840.113549.1.8.1.1',
];
