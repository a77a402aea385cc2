import t from 'tap';
import { MeshdirError } from '../../../src/errors.js';
import { parseSchemaText } from '../../../src/schema/parse.js';
import { Schema } from '../../../src/schema/schema.js';

t.test('statements: continuation lines, comments, case-insensitive keywords', async (t) => {
  const text = [
    '# a comment',
    'AttributeType ( 1.2.3.4 NAME ( \'fooBar\' \'fb\' )',
    '# a comment inside the statement',
    '\tDESC \'it\\27s a \\5C test\'',
    '',
    '    EQUALITY caseIgnoreMatch',
    '    SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{64} SINGLE-VALUE X-ORIGIN \'test\' X-LIST ( \'a\' \'b\' ) )',
    'OBJECTCLASS ( 1.2.3.5 NAME \'fooObject\' SUP top AUXILIARY MUST ( fooBar $ cn ) MAY ( description sn ) )',
    'attributetype ( 1.2.3.6 NAME \'folded\' DESC \'a DUA should',
    '    use this\' SUP name )',
  ].join('\n');
  const p = parseSchemaText(text, 'x.schema');
  t.equal(p.definitions.length, 3);
  // slapd joins a continued line to the one before without its line break (duaconf.schema).
  t.same(p.definitions[2]!.fields.get('DESC'), ['a DUA should    use this'], 'a quoted string over two lines has no line break');
  const at = p.definitions[0];
  t.equal(at.kind, 'attributetype');
  t.equal(at.oid, '1.2.3.4');
  t.equal(at.line, 2);
  t.same(at.fields.get('NAME'), ['fooBar', 'fb']);
  t.same(at.fields.get('DESC'), ["it's a \\ test"]);
  t.same(at.fields.get('SYNTAX'), ['1.3.6.1.4.1.1466.115.121.1.15{64}']);
  t.same(at.fields.get('SINGLE-VALUE'), []);
  t.same(at.fields.get('X-LIST'), ['a', 'b']);
  const oc = p.definitions[1];
  t.equal(oc.kind, 'objectclass');
  t.same(oc.fields.get('MUST'), ['fooBar', 'cn']);
  t.same(oc.fields.get('MAY'), ['description', 'sn'], 'lists without $ are accepted');
});

t.test('objectidentifier macros, chained and with suffixes', async (t) => {
  const s = Schema.fromTexts([
    [
      'objectIdentifier myRoot 1.3.6.1.4.1.99999.7',
      'objectidentifier myAttrs myRoot:1',
      'objectidentifier mySyntax 1.3.6.1.4.1.1466.115.121.1.27',
      "attributetype ( myAttrs:1 NAME 'myCount' EQUALITY integerMatch SYNTAX mySyntax SINGLE-VALUE )",
      "attributetype ( myAttrs:2 NAME 'myQuoted' SYNTAX '1.3.6.1.4.1.1466.115.121.1.15' )",
      "objectclass ( myRoot:2.1 NAME 'myThing' SUP top STRUCTURAL MUST ( cn $ myCount ) )",
    ].join('\n'),
  ]);
  t.equal(s.attributeType('myCount')?.oid, '1.3.6.1.4.1.99999.7.1.1');
  t.equal(s.attributeType('myCount')?.syntax, '1.3.6.1.4.1.1466.115.121.1.27');
  t.equal(s.attributeType('myQuoted')?.syntax, '1.3.6.1.4.1.1466.115.121.1.15');
  t.equal(s.objectClass('myThing')?.oid, '1.3.6.1.4.1.99999.7.2.1');
});

t.test('the same macro defined twice identically is accepted, differently is an error', async (t) => {
  t.doesNotThrow(() => Schema.fromTexts(['objectidentifier a 1.2.3', 'objectidentifier a 1.2.3']));
  t.throws(() => Schema.fromTexts(['objectidentifier a 1.2.3', 'objectidentifier a 1.2.4']), {
    message: /^text2:1: objectidentifier a already defined as 1\.2\.3 at text1:1$/,
  });
});

t.test('unknown directives are skipped with a warning naming file and line', async (t) => {
  const s = Schema.fromTexts([{ name: 'typo.schema', text: "\n\nattributeype ( 1.2.3.9 NAME 'x' SYNTAX 1.2 )" }]);
  t.same(s.warnings, ["typo.schema:3: unknown directive 'attributeype' ignored"]);
  const d = Schema.fromTexts([{ name: 'cr.schema', text: "ditcontentrule ( 2.5.6.6 NAME 'personCR' AUX posixAccount )" }]);
  t.same(d.warnings, ['cr.schema:1: ditcontentrule 2.5.6.6 ignored: DIT content rules are not enforced']);
  t.equal(s.attributeType('x'), undefined);
});

t.test('errors name the file, the line and the reason', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ["attributetype ( 1.2.3 NAME 'a'\n  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15", /^f\.schema:2: attributetype 1\.2\.3: missing '\)' at end of definition$/],
    ["\nattributetype ( 1.2.3 NAME 'a'\n  BOGUS x SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )", /^f\.schema:3: attributetype 1\.2\.3: unknown keyword 'BOGUS'$/],
    ["attributetype ( nomacro:1 NAME 'a' SYNTAX 1.2 )", /^f\.schema:1: unknown OID macro 'nomacro' in 'nomacro:1'$/],
    ["attributetype ( notanoid NAME 'a' SYNTAX 1.2 )", /^f\.schema:1: attributetype notanoid: OID is neither numeric nor a known macro$/],
    ["attributetype ( 1.2.3 NAME 'a' DESC 'unterminated )", /^f\.schema:1: unterminated quoted string$/],
    ["attributetype ( 1.2.3 NAME 'a' )", /^f\.schema:1: attributeType a: needs SYNTAX or SUP$/],
    ["\n\nattributetype ( 1.2.3 NAME 'a' SUP nosuch )", /^f\.schema:3: attributetype 1\.2\.3: SUP attribute type 'nosuch' not found$/],
    ["objectclass ( 1.2.3 NAME 'o' MUST nosuch )", /^f\.schema:1: objectclass 1\.2\.3: MUST attribute type 'nosuch' not found$/],
    ["objectclass ( 1.2.3 NAME 'o' SUP nosuch )", /^f\.schema:1: objectClass o: SUP class 'nosuch' not found$/],
    ["objectclass ( 1.2.3 NAME 'o' ABSTRACT AUXILIARY )", /^f\.schema:1: objectClass 1\.2\.3: more than one of ABSTRACT, STRUCTURAL, AUXILIARY$/],
    ["attributetype ( 2.5.4.3 NAME 'myCn' SUP name )", /^f\.schema:1: duplicate attributeType '2\.5\.4\.3' \(already defined at \(built-in\):\d+\)$/],
    ["attributetype ( 1.2.3 NAME 'CN' SUP name )", /^f\.schema:1: duplicate attributeType 'CN' \(already defined at \(built-in\):\d+\)$/],
    ["  NAME 'x'", /^f\.schema:1: continuation line without a statement$/],
    ["attributetype ( 1.2.3 NAME 'a' SUP a )", /^f\.schema:1: attributeType a: SUP chain loops$/],
    // What slapd refuses too (slaptest, 2.5).
    ["attributetype ( 1.2.3 NAME 'a' SYNTAX 1.3.6.1.4.1.1466.115.121.1.999 )", /^f\.schema:1: attributeType a: syntax '1\.3\.6\.1\.4\.1\.1466\.115\.121\.1\.999' not found$/],
    ["attributetype ( 1.2.3 NAME 'a' ORDERING integerOrderingMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 )", /^f\.schema:1: attributeType a: ORDERING integerOrderingMatch without an EQUALITY rule$/],
    ["attributetype ( 1.2.3 NAME 'a' SUP description USAGE directoryOperation )", /^f\.schema:1: attributeType a: USAGE directoryOperation differs from its SUP description's \(userApplications\)$/],
    ["objectclass ( 1.2.4 NAME 's' SUP top STRUCTURAL )\nobjectclass ( 1.2.3 NAME 'o' SUP s AUXILIARY )", /^f\.schema:2: objectClass o: AUXILIARY class cannot have the STRUCTURAL class 's' as SUP$/],
    ["objectclass ( 1.2.4 NAME 'x' SUP top AUXILIARY )\nobjectclass ( 1.2.3 NAME 'o' SUP x STRUCTURAL )", /^f\.schema:2: objectClass o: STRUCTURAL class cannot have the AUXILIARY class 'x' as SUP$/],
    ["objectclass ( 1.2.4 NAME 's' SUP top STRUCTURAL )\nobjectclass ( 1.2.3 NAME 'o' SUP s ABSTRACT )", /^f\.schema:2: objectClass o: ABSTRACT class cannot have the STRUCTURAL class 's' as SUP$/],
  ];
  for (const [text, msg] of cases) {
    t.throws(() => Schema.fromTexts([{ name: 'f.schema', text }]), msg, msg.source);
    try {
      Schema.fromTexts([{ name: 'f.schema', text }]);
    } catch (e) {
      t.ok(e instanceof MeshdirError && e.code === 'MESHDIR_SCHEMA');
    }
  }
});
