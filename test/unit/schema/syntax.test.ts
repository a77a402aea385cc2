// Syntax checks, calibrated against slapd 2.5: each row says whether slapd
// accepted the value for that attribute (ldapmodify replace).
import t from 'tap';
import { RC } from '../../../src/errors.js';
import { loadSchemaDir } from '../../../src/schema/load.js';
import { Schema } from '../../../src/schema/schema.js';

const s = loadSchemaDir(new URL('../../../schema/', import.meta.url).pathname);

function valid(attr: string, value: string | Buffer): boolean {
  const desc = s.canonicalDescription(attr)!;
  try {
    s.checkValues(desc, [typeof value === 'string' ? Buffer.from(value, 'utf8') : value]);
    return true;
  } catch (e) {
    if ((e as { code?: number }).code === RC.invalidAttributeSyntax) return false;
    throw e;
  }
}

const rows: Array<[string, string | Buffer, boolean]> = [
  // Directory String: non-empty UTF-8; spaces alone are a value (slapd 2.5 takes `description:: IA==`).
  ['description', 'hello', true],
  ['description', '  a  ', true],
  ['description', ' ', true],
  // Delivery Method (RFC 4517 §3.3.5, any case, '$' with spaces around), Facsimile and Telex Number (printable strings split by '$').
  ...(['any', 'TELEX', 'g3fax $ ia5', 'mhs$physical$telephone'] as const).map((v): [string, string, boolean] => ['preferredDeliveryMethod', v, true]),
  ...(['', 'bogus', 'any $', 'any ia5', 'anyx'] as const).map((v): [string, string, boolean] => ['preferredDeliveryMethod', v, false]),
  ['facsimileTelephoneNumber', '+1 555 0100', true],
  ['facsimileTelephoneNumber', '+1 555 0100$a4$fineResolution', true],
  ...(['', 'abc_', '$x', 'x$', 'x$$y'] as const).map((v): [string, string, boolean] => ['facsimileTelephoneNumber', v, false]),
  ['telexNumber', '12345$de$ab', true],
  ['telexNumber', '', false],
  ['manager', ' ', false],
  ['description', '', false],
  ['description', Buffer.from([0xc3, 0x28]), false],
  ['description', 'ünïcode ✓', true],
  // IA5 String
  ['mail', 'user@example.com', true],
  ['mail', '', true],
  ['mail', 'é', false],
  // Integer
  ['uidNumber', '42', true],
  ['uidNumber', ' 5', false], // no spaces, as slapd's integerValidate
  ['uidNumber', '5 ', false],
  ['uidNumber', '-12', true],
  ['uidNumber', '99999999999999999999999', true],
  ['uidNumber', '007', false],
  ['uidNumber', '-0', false],
  ['uidNumber', '+5', false],
  ['uidNumber', 'abc', false],
  // Boolean
  ['hasSubordinates', 'TRUE', true],
  ['hasSubordinates', 'FALSE', true],
  ['hasSubordinates', 'true', false],
  ['hasSubordinates', 'x', false],
  // DN
  ['seeAlso', 'cn=a+sn=b,dc=x', true],
  ['seeAlso', '', true],
  ['seeAlso', 'foo=a', false],
  ['seeAlso', 'no equals sign', false],
  // Generalized Time
  ['createTimestamp', '20240101123000Z', true],
  ['createTimestamp', '202401011230Z', true],
  ['createTimestamp', '20240101123000.5Z', true],
  ['createTimestamp', '20240101123000+0100', true],
  ['createTimestamp', '20240101123000', false],
  ['createTimestamp', '20241301123000Z', false],
  // Telephone Number: printable string
  ['telephoneNumber', '+1 555-1234', true],
  ['telephoneNumber', 'abc', true],
  ['telephoneNumber', 'a@b', false],
  ['telephoneNumber', '', false],
  // Printable String, Country String
  ['dnQualifier', 'abc', true],
  ['dnQualifier', 'a@b', false],
  ['c', 'US', true],
  ['c', 'u1', true],
  ['c', 'usa', false],
  // Numeric String
  ['x121Address', '12 34', true],
  ['x121Address', '12a', false],
  ['x121Address', '', false],
  // Postal Address
  ['postalAddress', 'a$b', true],
  ['postalAddress', '$', true],
  ['postalAddress', '', true], // slapd 2.5 stores an empty one
  ['postalAddress', 'St \\24 5\\5c$Town', true],
  ['postalAddress', 'a\\xz$b', false], // a backslash only as \24 or \5C
  ['postalAddress', 'a\\', false],
  // Bit String
  ['x500UniqueIdentifier', "'0101'B", true],
  ['x500UniqueIdentifier', "''B", true],
  ['x500UniqueIdentifier', "'0102'B", false],
  // Name and Optional UID
  ['uniqueMember', "cn=a,dc=b#'0101'B", true],
  ['uniqueMember', 'cn=a', true],
  ['uniqueMember', 'x', false],
  // OID (RFC 4517: numericoid or descr)
  ['supportedApplicationContext', '1.2.3', true],
  ['supportedApplicationContext', '1.2.x', false],
  ['supportedApplicationContext', '01.2', false],
  // UUID
  ['entryUUID', '4a4a4a4a-1111-2222-3333-444455556666', true],
  ['entryUUID', '4a4a4a4a-1111-2222-3333-44445555666', false],
  // CSN
  ['entryCSN', '20261122024500.123456Z#000000#001#000000', true],
  ['entryCSN', 'not a csn', false],
  // Octet String, and syntaxes not checked
  ['userPassword', Buffer.from([0, 1, 2, 0xff]), true],
  ['photo', Buffer.from([0xff]), true],
  ['objectClass', 'person', true],
  ['objectClass', '2.5.6.6', true],
  ['objectClass', 'noSuchClass', false],
];

t.test('syntax checks', async (t) => {
  for (const [attr, value, ok] of rows) t.equal(valid(attr, value), ok, `${attr}: ${JSON.stringify(String(value))}`);
});

t.test('invalid syntax message names the attribute and the value index', async (t) => {
  const desc = s.canonicalDescription('uidNumber')!;
  t.throws(() => s.checkValues(desc, [Buffer.from('1'), Buffer.from('x')]), {
    code: RC.invalidAttributeSyntax, message: 'uidNumber: value #1 invalid per syntax',
  });
});

t.test('a syntax slapd knows but meshdir does not check accepts anything; one nobody knows is refused', async (t) => {
  const x = Schema.fromTexts([
    "attributetype ( 1.3.6.1.4.1.99999.9.1 NAME 'oddOne' EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.55 )",
  ]);
  t.doesNotThrow(() => x.checkValues(x.canonicalDescription('oddOne')!, [Buffer.from([0xff, 0])]));
  t.throws(() => Schema.fromTexts(["attributetype ( 1.3.6.1.4.1.99999.9.2 NAME 'odder' SYNTAX 1.3.6.1.4.1.1466.115.121.1.999 )"]),
    { message: "text1:1: attributeType odder: syntax '1.3.6.1.4.1.1466.115.121.1.999' not found" });
  const defined = Schema.fromTexts([
    "ldapsyntax ( 1.3.6.1.4.1.99999.9.3 DESC 'own' )",
    "attributetype ( 1.3.6.1.4.1.99999.9.4 NAME 'owned' SYNTAX 1.3.6.1.4.1.99999.9.3 )",
  ]);
  t.ok(defined.canonicalDescription('owned'), 'one an ldapsyntax statement defines loads');
});

