import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import t from 'tap';
import { loadSchemaDir, schemaFiles } from '../../../src/schema/load.js';

// Every schema file OpenLDAP 2.5 ships (Debian's slapd package, /etc/ldap/schema),
// kept here with their license notices so the test does not need slapd installed.
const OPENLDAP = new URL('./fixtures/openldap/', import.meta.url).pathname.replace(/\/$/, '');
const SHIPPED = new URL('../../../schema/', import.meta.url).pathname;

t.test('every schema file OpenLDAP ships loads together', async (t) => {
  const files = readdirSync(OPENLDAP).filter((n) => n.endsWith('.schema'));
  t.equal(files.length, 15);
  const s = loadSchemaDir(OPENLDAP);
  // dsee.schema has a typo ("attributeype") that slapd skips too.
  t.same(s.warnings, [`${OPENLDAP}/dsee.schema:96: unknown directive 'attributeype' ignored`]);
  // Spot checks from several files, including cross-file references (msuser → nis).
  t.equal(s.attributeType('homeDirectory')?.oid, '1.3.6.1.1.1.1.3');
  t.ok(s.objectClass('computer')?.may.includes(s.attributeType('nisMapName')!));
  t.equal(s.attributeType('javaClassName')?.name, 'javaClassName');
  t.equal(s.objectClass('groupOfURLs')?.oid, '2.16.840.1.113730.3.2.33');
  t.equal(s.attributeType('c-l')?.collective, true);
  t.equal(s.objectClass('changeLogEntry')?.oid, '2.16.840.1.113730.3.2.1', 'dsee macros expanded');
});

t.test('each file loads on its own or with the files it needs', async (t) => {
  const needs: Record<string, string[]> = {
    'inetorgperson.schema': ['cosine.schema'],
    'nis.schema': ['cosine.schema'],
    'msuser.schema': ['cosine.schema', 'inetorgperson.schema', 'nis.schema'],
    'pmi.schema': [],
    'openldap.schema': ['cosine.schema', 'inetorgperson.schema'],
  };
  for (const f of readdirSync(OPENLDAP).filter((n) => n.endsWith('.schema') && n !== 'core.schema')) {
    const dir = mkdtempSync(join(tmpdir(), 'meshdir-schema-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    for (const g of ['core.schema', ...(needs[f] ?? ['cosine.schema']), f]) {
      writeFileSync(join(dir, g), readFileSync(join(OPENLDAP, g)));
    }
    t.doesNotThrow(() => loadSchemaDir(dir), f);
  }
});

t.test('the shipped schema folder', async (t) => {
  t.same(schemaFiles(SHIPPED).map((p) => basename(p)), [
    'core.schema', 'cosine.schema', 'inetorgperson.schema', 'nis.schema', 'meshdir.schema',
  ]);
  const s = loadSchemaDir(SHIPPED);
  t.same(s.warnings, []);
  const conflict = s.attributeType('meshdirConflict')!;
  t.ok(conflict.oid.startsWith('1.3.6.1.4.1.99999.1.'), 'experimental arc');
  t.equal(conflict.operational, false);
  t.equal(conflict.singleValue, false);
  t.equal(conflict.equality?.name, 'caseIgnoreMatch');
  t.equal(s.objectClass('glue')?.kind, 'STRUCTURAL');
  t.equal(s.objectClass('glue')?.oid, '1.3.6.1.4.1.4203.666.3.4');
  for (const name of [
    'entryUUID', 'entryCSN', 'entryDN', 'createTimestamp', 'modifyTimestamp', 'creatorsName', 'modifiersName',
    'hasSubordinates', 'subschemaSubentry', 'structuralObjectClass', 'contextCSN', 'namingContexts',
    'supportedControl', 'supportedExtension', 'supportedFeatures', 'supportedLDAPVersion',
    'supportedSASLMechanisms', 'vendorName', 'vendorVersion', 'ref', 'attributeTypes', 'objectClasses',
    'ldapSyntaxes', 'matchingRules', 'matchingRuleUse',
  ]) {
    t.ok(s.attributeType(name), name);
  }
  for (const name of ['subschema', 'extensibleObject', 'referral', 'applicationProcess', 'simpleSecurityObject', 'person']) {
    t.ok(s.objectClass(name), name);
  }
  t.equal(s.attributeType('entryUUID')?.operational, true);
  t.equal(s.attributeType('ref')?.usage, 'distributedOperation');
});

t.test('shipped OpenLDAP files are verbatim copies with their license headers', async (t) => {
  for (const f of ['core.schema', 'cosine.schema', 'inetorgperson.schema', 'nis.schema']) {
    const ours = readFileSync(join(SHIPPED, f), 'utf8');
    t.equal(ours, readFileSync(join(OPENLDAP, f), 'utf8'), f);
    t.match(ours, /OpenLDAP\s+##?\s*Public License/);
  }
});

t.test('references are resolved after all files are read, in any order', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-schema-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a-uses.schema'), "objectclass ( 1.3.6.1.4.1.99999.9.2 NAME 'usesLater' SUP later AUXILIARY MAY laterAttr )\n");
  writeFileSync(join(dir, 'b-defines.schema'), [
    "attributetype ( 1.3.6.1.4.1.99999.9.1 NAME 'laterAttr' SUP name )",
    "objectclass ( 1.3.6.1.4.1.99999.9.3 NAME 'later' SUP top AUXILIARY )",
  ].join('\n'));
  const s = loadSchemaDir(dir);
  t.ok(s.objectClass('usesLater')?.chain.has(s.objectClass('later')!));
  t.equal(s.attributeType('laterAttr')?.equality?.name, 'caseIgnoreMatch');
});

t.test('an unreadable directory is a clear error', async (t) => {
  t.throws(() => loadSchemaDir('/nonexistent/schema'), { code: 'MESHDIR_SCHEMA', message: /^\/nonexistent\/schema: cannot read schema directory/ });
});
