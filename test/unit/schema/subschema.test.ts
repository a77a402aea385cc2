import t from 'tap';
import { loadSchemaDir } from '../../../src/schema/load.js';
import { Schema } from '../../../src/schema/schema.js';

const s = loadSchemaDir(new URL('../../../schema/', import.meta.url).pathname);
const sub = s.subschemaEntry();
const values = (k: string): string[] => (sub.get(k) ?? []).map((v) => v.toString('utf8'));

// Lines copied from `ldapsearch -b cn=subschema -s base + '*'` against slapd 2.5
// loaded with the same core, cosine, inetorgperson and nis files.
const SLAPD = {
  attributeTypes: [
    "( 2.5.18.1 NAME 'createTimestamp' DESC 'RFC4512: time which object was created' EQUALITY generalizedTimeMatch ORDERING generalizedTimeOrderingMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.24 SINGLE-VALUE NO-USER-MODIFICATION USAGE directoryOperation )",
    "( 1.3.6.1.1.16.4 NAME 'entryUUID' DESC 'UUID of the entry' EQUALITY UUIDMatch ORDERING UUIDOrderingMatch SYNTAX 1.3.6.1.1.16.1 SINGLE-VALUE NO-USER-MODIFICATION USAGE directoryOperation )",
    "( 1.3.6.1.4.1.4203.666.1.7 NAME 'entryCSN' DESC 'change sequence number of the entry content' EQUALITY CSNMatch ORDERING CSNOrderingMatch SYNTAX 1.3.6.1.4.1.4203.666.11.2.1{64} SINGLE-VALUE NO-USER-MODIFICATION USAGE directoryOperation )",
    "( 2.5.4.3 NAME ( 'cn' 'commonName' ) DESC 'RFC4519: common name(s) for which the entity is known by' SUP name )",
    "( 2.5.4.35 NAME 'userPassword' DESC 'RFC4519/2307: password of user' EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40{128} )",
    "( 0.9.2342.19200300.100.1.3 NAME ( 'mail' 'rfc822Mailbox' ) DESC 'RFC1274: RFC822 Mailbox' EQUALITY caseIgnoreIA5Match SUBSTR caseIgnoreIA5SubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.26{256} )",
  ],
  objectClasses: [
    "( 2.5.6.0 NAME 'top' DESC 'top of the superclass chain' ABSTRACT MUST objectClass )",
    "( 2.5.20.1 NAME 'subschema' DESC 'RFC4512: controlling subschema (sub)entry' AUXILIARY MAY ( dITStructureRules $ nameForms $ dITContentRules $ objectClasses $ attributeTypes $ matchingRules $ matchingRuleUse ) )",
    "( 2.16.840.1.113730.3.2.2 NAME 'inetOrgPerson' DESC 'RFC2798: Internet Organizational Person' SUP organizationalPerson STRUCTURAL MAY ( audio $ businessCategory $ carLicense $ departmentNumber $ displayName $ employeeNumber $ employeeType $ givenName $ homePhone $ homePostalAddress $ initials $ jpegPhoto $ labeledURI $ mail $ manager $ mobile $ o $ pager $ photo $ roomNumber $ secretary $ uid $ userCertificate $ x500uniqueIdentifier $ preferredLanguage $ userSMIMECertificate $ userPKCS12 ) )",
    "( 1.3.6.1.1.1.2.0 NAME 'posixAccount' DESC 'Abstraction of an account with POSIX attributes' SUP top AUXILIARY MUST ( cn $ uid $ uidNumber $ gidNumber $ homeDirectory ) MAY ( userPassword $ loginShell $ gecos $ description ) )",
  ],
  ldapSyntaxes: [
    "( 1.3.6.1.4.1.1466.115.121.1.8 DESC 'Certificate' X-BINARY-TRANSFER-REQUIRED 'TRUE' X-NOT-HUMAN-READABLE 'TRUE' )",
    "( 1.3.6.1.4.1.1466.115.121.1.15 DESC 'Directory String' )",
  ],
  matchingRules: [
    "( 2.5.13.27 NAME 'generalizedTimeMatch' SYNTAX 1.3.6.1.4.1.1466.115.121.1.24 )",
    "( 2.5.13.2 NAME 'caseIgnoreMatch' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )",
  ],
};

t.test('definitions print exactly as slapd prints them', async (t) => {
  for (const [attr, lines] of Object.entries(SLAPD)) {
    const have = values(attr);
    for (const line of lines) t.ok(have.includes(line), `${attr}: ${line.slice(0, 60)}`);
  }
});

t.test('entry shape', async (t) => {
  t.same(values('objectClass'), ['top', 'subentry', 'subschema']);
  t.same(values('structuralObjectClass'), ['subentry']);
  t.same(values('cn'), ['Subschema']);
  t.equal(values('attributeTypes').length, s.allAttributeTypes().length);
  t.equal(values('objectClasses').length, s.allObjectClasses().length);
  t.equal(values('matchingRules').length, s.allMatchingRules().filter((r) => !r.hidden).length, 'all but the hidden DN scope rules');
  for (const k of ['attributeTypes', 'objectClasses', 'ldapSyntaxes', 'matchingRules', 'matchingRuleUse']) {
    t.ok(values(k).every((v) => /^\( [0-9.]+ .*\)$/.test(v)), `${k} values are RFC 4512 descriptions`);
  }
  const mru = values('matchingRuleUse').find((v) => v.includes("NAME 'integerMatch'"))!;
  t.match(mru, /^\( 2\.5\.13\.14 NAME 'integerMatch' APPLIES \( .*\buidNumber\b.*\) \)$/);
  t.notMatch(mru, /\bcn\b/);
  const copy = s.subschemaEntry();
  copy.get('cn')!.push(Buffer.from('x'));
  t.same(values('cn'), ['Subschema'], 'callers get a copy');
});

t.test('macros expanded, escapes, extensions and ldapsyntax definitions', async (t) => {
  const x = Schema.fromTexts([
    [
      'objectidentifier base 1.3.6.1.4.1.99999.5',
      "attributetype ( base:1 NAME 'q' DESC 'it\\27s \\5C' SUP name X-ORIGIN 'test' X-TAGS ( 'a' 'b' ) )",
      "objectclass ( base:2 NAME 'qq' SUP ( top ) AUXILIARY MAY q )",
      "ldapsyntax ( 1.3.6.1.4.1.99999.5.3 DESC 'my syntax' X-NOT-HUMAN-READABLE 'TRUE' )",
    ].join('\n'),
  ]);
  const e = x.subschemaEntry();
  const at = e.get('attributeTypes')!.map(String);
  t.ok(at.includes("( 1.3.6.1.4.1.99999.5.1 NAME 'q' DESC 'it\\27s \\5C' SUP name X-ORIGIN 'test' X-TAGS ( 'a' 'b' ) )"));
  t.ok(e.get('objectClasses')!.map(String).includes("( 1.3.6.1.4.1.99999.5.2 NAME 'qq' SUP top AUXILIARY MAY q )"));
  t.ok(e.get('ldapSyntaxes')!.map(String).includes("( 1.3.6.1.4.1.99999.5.3 DESC 'my syntax' X-NOT-HUMAN-READABLE 'TRUE' )"));
});
