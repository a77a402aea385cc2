// Entry checks. Expected codes and texts are what slapd 2.5 returned for the
// same entries (ldapadd / ldapmodify against a scratch slapd with core,
// cosine, inetorgperson and nis).
import t from 'tap';
import { newEntry, str, type Entry } from '../../../src/dit/entry.js';
import { RC } from '../../../src/errors.js';
import { loadSchemaDir } from '../../../src/schema/load.js';
import { Schema } from '../../../src/schema/schema.js';

const s = loadSchemaDir(new URL('../../../schema/', import.meta.url).pathname);

/** Builds an entry from LDIF-ish lines, resolving names like a front end would. */
function entry(dn: string, ...lines: string[]): Entry {
  const e = newEntry(dn);
  for (const l of lines) {
    const i = l.indexOf(': ');
    const key = s.canonicalDescription(l.slice(0, i))?.key ?? l.slice(0, i);
    const v = Buffer.from(l.slice(i + 2), 'utf8');
    const vs = e.attrs.get(key);
    if (vs === undefined) e.attrs.set(key, [v]);
    else vs.push(v);
  }
  return e;
}

const D = ',dc=example,dc=com';

t.test('valid entries and their structural object class', async (t) => {
  t.same(
    s.checkEntry(entry('uid=jdoe,ou=people' + D, 'objectClass: top', 'objectClass: person', 'objectClass: organizationalPerson',
      'objectClass: inetOrgPerson', 'cn: John Doe', 'sn: Doe', 'uid: jdoe', 'mail: jdoe@example.com')),
    { structuralObjectClass: 'inetOrgPerson' },
  );
  t.same(s.checkEntry(entry('cn=q4' + D, 'objectClass: organizationalPerson', 'cn: q4', 'sn: a')), {
    structuralObjectClass: 'organizationalPerson',
  }, 'superclasses need not be listed');
  t.same(s.checkEntry(entry('dc=example,dc=com', 'objectClass: dcObject', 'objectClass: organization', 'o: ex', 'dc: example')), {
    structuralObjectClass: 'organization',
  });
  t.same(s.checkEntry(entry('cn=q6' + D, 'objectClass: alias', 'objectClass: extensibleObject', 'aliasedObjectName: cn=x', 'cn: q6')), {
    structuralObjectClass: 'alias',
  }, 'extensibleObject allows any attribute');
  t.same(s.checkEntry(entry('cn=u' + D, 'objectClass: account', 'objectClass: posixAccount', 'cn: u', 'uid: u',
    'uidNumber: 1', 'gidNumber: 1', 'homeDirectory: /home/u')), { structuralObjectClass: 'account' });
  t.same(s.checkEntry(entry('cn=replication manager,cn=config', 'objectClass: applicationProcess',
    'objectClass: simpleSecurityObject', 'cn: replication manager', 'userPassword: {SSHA}x')), {
    structuralObjectClass: 'applicationProcess',
  });
  t.same(s.checkEntry(entry('cn=opattrs' + D, 'objectClass: person', 'cn: opattrs', 'sn: x',
    'entryUUID: 4a4a4a4a-1111-2222-3333-444455556666', 'createTimestamp: 20240101000000Z', 'meshdirConflict: naming cn=x' + D)), {
    structuralObjectClass: 'person',
  }, 'operational attributes and meshdirConflict are allowed in any entry');
  t.same(s.checkEntry(entry('cn=gone' + D, 'objectClass: glue', 'cn: whatever'), { placeholder: true }), { structuralObjectClass: 'glue' },
    'glue placeholders skip naming and content rules');
  t.same(s.checkEntry(entry('', 'objectClass: top', 'objectClass: OpenLDAProotDSE')), { structuralObjectClass: 'OpenLDAProotDSE' });
});

t.test('errors match slapd', async (t) => {
  const cases: Array<[Entry, number, string, boolean?]> = [
    [entry('cn=a' + D, 'objectClass: person', 'cn: a', 'cn: A', 'sn: x'), RC.attributeOrValueExists, 'cn: value #0 provided more than once'],
    [entry('cn=q1' + D, 'objectClass: person', 'cn: q1', 'sn: a', 'sn: b', 'sn: c', 'sn: B'), RC.attributeOrValueExists, 'sn: value #1 provided more than once'],
    [entry('cn=q3' + D, 'objectClass: person', 'objectClass: person', 'cn: q3', 'sn: a'), RC.attributeOrValueExists, 'objectClass: value #0 provided more than once'],
    [entry('cn=c' + D, 'objectClass: person', 'cn: c'), RC.objectClassViolation, "object class 'person' requires attribute 'sn'"],
    [entry('cn=d' + D, 'objectClass: person', 'objectClass: organizationalUnit', 'cn: d', 'sn: x', 'ou: y'), RC.objectClassViolation, 'invalid structural object class chain (person/organizationalUnit)'],
    [entry('cn=e' + D, 'objectClass: top', 'cn: e'), RC.objectClassViolation, 'no structural object class provided'],
    [entry('cn=f' + D, 'objectClass: person', 'cn: f', 'sn: x', 'mail: a@b'), RC.objectClassViolation, "attribute 'mail' not allowed"],
    [entry('cn=h' + D, 'objectClass: inetOrgPerson', 'cn: h', 'sn: x', 'employeeNumber: 1', 'employeeNumber: 2'), RC.constraintViolation, 'employeeNumber: multiple values provided', true],
    [entry('cn=h' + D, 'objectClass: inetOrgPerson', 'cn: h', 'sn: x', 'employeeNumber: 1', 'employeeNumber: 2'), RC.constraintViolation, "attribute 'employeeNumber' cannot have multiple values"],
    [entry('cn=i' + D, 'objectClass: posixAccount', 'objectClass: account', 'cn: i', 'uid: i', 'uidNumber: abc', 'gidNumber: 1', 'homeDirectory: /x'), RC.invalidAttributeSyntax, 'uidNumber: value #0 invalid per syntax'],
    [entry('cn=j' + D, 'objectClass: person', 'objectClass: foo', 'cn: j', 'sn: x'), RC.invalidAttributeSyntax, 'objectClass: value #1 invalid per syntax'],
    [entry('cn=k' + D, 'objectClass: person', 'cn: k', 'sn: x', 'foo: bar'), RC.undefinedAttributeType, 'foo: attribute type undefined'],
    [entry('cn=l' + D, 'cn: l', 'sn: x'), RC.objectClassViolation, 'no objectClass attribute'],
    [entry('cn=m' + D, 'objectClass: person', 'cn: m', 'sn: x', 'telephoneNumber: abc$'), RC.invalidAttributeSyntax, 'telephoneNumber: value #0 invalid per syntax'],
    [entry('cn=o' + D, 'objectClass: person', 'cn: o', 'sn: x', 'seeAlso: notadn'), RC.invalidAttributeSyntax, 'seeAlso: value #0 invalid per syntax'],
    [entry('cn=p' + D, 'objectClass: dcObject', 'dc: p', 'cn: p'), RC.objectClassViolation, 'no structural object class provided'],
    // A client naming glue is checked like any class (it could switch the checks off before).
    [entry('cn=g2' + D, 'objectClass: glue', 'cn: g2', 'mail: a@b'), RC.objectClassViolation, "attribute 'cn' not allowed"],
    [entry('cn=p7' + D, 'objectClass: inetOrgPerson', 'objectClass: glue', 'cn: p7', 'uidNumber: 3'), RC.objectClassViolation, 'invalid structural object class chain (inetOrgPerson/glue)'],
    [entry('cn=q5' + D, 'objectClass: person', 'objectClass: top', 'objectClass: simpleSecurityObject', 'cn: q5', 'sn: a'), RC.objectClassViolation, "object class 'simpleSecurityObject' requires attribute 'userPassword'"],
    [entry('cn=q12' + D, 'objectClass: inetOrgPerson', 'objectClass: posixAccount', 'cn: q12', 'sn: y'), RC.objectClassViolation, "object class 'posixAccount' requires attribute 'uid'"],
    [entry('entryUUID=4a4a4a4a-1111-2222-3333-444455556666' + D, 'objectClass: person', 'cn: q8', 'sn: y'), RC.namingViolation, "naming attribute 'entryUUID' is operational", true],
    [entry('cn=g' + D, 'objectClass: person', 'cn: gg', 'sn: x'), RC.namingViolation, "value of naming attribute 'cn' is not present in entry"],
    [entry('uid=g' + D, 'objectClass: person', 'cn: gg', 'sn: x'), RC.namingViolation, "naming attribute 'uid' is not present in entry"],
    // The RDN's value under an option does not name the entry (slapd: attr_find of the plain type).
    [entry('cn=staff' + D, 'objectClass: person', 'cn;lang-en: staff', 'sn: x'), RC.namingViolation, "naming attribute 'cn' is not present in entry"],
    [entry('cn=staff' + D, 'objectClass: person', 'cn: other', 'cn;lang-en: staff', 'sn: x'), RC.namingViolation, "value of naming attribute 'cn' is not present in entry"],
    [entry('cn=x' + D, 'objectClass: person', 'objectClass: inetOrgPerson', 'cn: x', 'sn: x', 'structuralObjectClass: person'), RC.objectClassModsProhibited, "structural object class modification from 'person' to 'inetOrgPerson' not allowed"],
    [entry('cn=x' + D, 'objectClass: person', 'objectClass: posixGroup', 'cn: x', 'sn: x', 'gidNumber: 1'), RC.objectClassViolation, 'invalid structural object class chain (person/posixGroup)'],
    [entry('cn=x' + D, 'objectClass: person', 'cn: x', 'sn: x', 'cn;lang-en: y', 'mail;lang-en: z'), RC.objectClassViolation, "attribute 'mail;lang-en' not allowed"],
  ];
  for (const [e, code, message, add] of cases) {
    t.throws(() => s.checkEntry(e, { add: add === true }), { code, message }, message);
  }
});

t.test('collective attributes only in collective attribute subentries', async (t) => {
  const all = loadSchemaDir(new URL('./fixtures/openldap/', import.meta.url).pathname);
  const e = newEntry('cn=x' + D);
  e.attrs.set('objectClass', [Buffer.from('person')]);
  for (const [k, v] of [['cn', 'x'], ['sn', 'x'], ['c-l', 'Paris']]) e.attrs.set(k, [Buffer.from(v)]);
  t.throws(() => all.checkEntry(e), { code: RC.objectClassViolation, message: "'c-l' can only appear in collectiveAttributeSubentry" });
});

t.test('add puts missing RDN values into the entry, like slapd', async (t) => {
  const e = entry('cn=g' + D, 'objectClass: person', 'cn: gg', 'sn: x');
  s.checkEntry(e, { add: true });
  t.same(e.attrs.get('cn')!.map(str), ['gg', 'g']);
  const m = entry('cn=q7+sn=x' + D, 'objectClass: person', 'cn: q7', 'sn: y');
  s.checkEntry(m, { add: true });
  t.same(m.attrs.get('sn')!.map(str), ['y', 'x']);
  const u = entry('uid=new' + D, 'objectClass: account', 'objectClass: posixAccount', 'cn: n', 'uidNumber: 1', 'gidNumber: 1', 'homeDirectory: /h');
  t.same(s.checkEntry(u, { add: true }), { structuralObjectClass: 'account' }, 'the added value satisfies MUST uid');
  t.same(u.attrs.get('uid')!.map(str), ['new']);
  const opt = entry('cn=staff' + D, 'objectClass: person', 'cn;lang-en: staff', 'sn: x');
  s.checkEntry(opt, { add: true });
  t.same([opt.attrs.get('cn')!.map(str), opt.attrs.get('cn;lang-en')!.map(str)], [['staff'], ['staff']], 'a value under an option is not the RDN value');
  const sv = entry('c=US' + D, 'objectClass: country', 'c: FR');
  t.throws(() => s.checkEntry(sv, { add: true }), {
    code: RC.namingViolation, message: "value of single-valued naming attribute 'c' conflicts with value present in entry",
  });
});

t.test('RDN values compare by the equality rule', async (t) => {
  t.doesNotThrow(() => s.checkEntry(entry('CN=John   DOE' + D, 'objectClass: person', 'cn: john doe', 'sn: x')));
  t.doesNotThrow(() => s.checkEntry(entry('telephoneNumber=\\+1 555-0100,cn=x' + D, 'objectClass: person', 'cn: x', 'sn: x', 'telephoneNumber: +15550100')));
  t.doesNotThrow(() => s.checkEntry(entry('entryUUID=4a4a4a4a-1111-2222-3333-444455556666+cn=x' + D, 'objectClass: person', 'cn: x', 'sn: x',
    'entryUUID: 4A4A4A4A-1111-2222-3333-444455556666')), 'stored conflict entries may be named by entryUUID');
});

t.test('abstract classes may only be superclasses of the entry classes', async (t) => {
  const x = Schema.fromTexts([
    "objectclass ( 1.3.6.1.4.1.99999.9.1 NAME 'absThing' SUP top ABSTRACT MAY description )",
    "objectclass ( 1.3.6.1.4.1.99999.9.2 NAME 'realThing' SUP absThing STRUCTURAL MUST cn )",
  ]);
  const mk = (...oc: string[]): Entry => {
    const e = newEntry('cn=a');
    e.attrs.set('objectClass', oc.map((o) => Buffer.from(o)));
    e.attrs.set('cn', [Buffer.from('a')]);
    return e;
  };
  t.same(x.checkEntry(mk('realThing', 'absThing', 'top')), { structuralObjectClass: 'realThing' });
  t.throws(() => x.checkEntry(mk('OpenLDAProotDSE', 'absThing')), {
    code: RC.objectClassViolation, message: "instantiation of abstract objectClass 'absThing' not allowed",
  });
});

t.test('checkValues for add and modify input', async (t) => {
  t.same(s.checkValues(s.canonicalDescription('cn')!, [Buffer.from('A'), Buffer.from('b')]), ['a', 'b'], 'returns the keys');
  t.throws(() => s.checkValues(s.canonicalDescription('cn')!, []), { code: RC.protocolError });
});
