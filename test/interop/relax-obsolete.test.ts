// OBSOLETE object classes, as slapd 2.5 treats them (OpenLDAP's
// test037-manage adds one to an entry under the relax control): refused
// (65 "objectClass '…' is OBSOLETE") in an add or modify, unless the
// rootDn sends the relax control; an entry holding one then takes no
// modify without it, as in slapd, which checks the whole entry each time.
import t from 'tap';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, launch, REPO, SUFFIX, writeServerFile } from '../helpers/server.js';
import { as, people, tool } from './tools.js';

// The shipped schema and a fixture with an OBSOLETE class.
const dir = mkdtempSync(join(tmpdir(), 'meshdir-test-'));
const schemaDir = join(dir, 'schema');
mkdirSync(schemaDir);
for (const f of readdirSync(join(REPO, 'schema'))) copyFileSync(join(REPO, 'schema', f), join(schemaDir, f));
copyFileSync(join(REPO, 'test', 'fixtures', 'schema', 'legacy.schema'), join(schemaDir, 'legacy.schema'));
const configFile = writeServerFile(dir, {});
writeFileSync(configFile, readFileSync(configFile, 'utf8').replace(/^schemaDir: .*$/m, `schemaDir: ${schemaDir}`));
const server = await launch(dir, configFile);
t.teardown(async () => {
  await server.stop();
  cleanup(dir);
});
const url = server.url;

const ldif = (...lines: string[]): string => lines.join('\n') + '\n';
const run = (name: string, args: string[], input: string) => tool(name, args, { input });
const relaxed = (name: string, input: string, who = 'root') => run(name, ['-e', '!relax', ...as(url, who)], input);
const plain = (name: string, input: string) => run(name, as(url, 'root'), input);
const obsolete = (op: string): string => `ldap_${op}: Object class violation (65)\n\tadditional info: objectClass 'legacyAux' is OBSOLETE\n`;

t.equal(plain('ldapadd', ldif(`dn: ${SUFFIX}`, 'objectClass: dcObject', 'objectClass: organization', 'dc: example', 'o: Example', '',
  `dn: ou=people,${SUFFIX}`, 'objectClass: organizationalUnit', 'ou: people')).code, 0);
const BOB = people('bob');
const bob = (...lines: string[]) => ldif(`dn: ${BOB}`, ...lines);

t.test('an add naming an OBSOLETE class: 65 without relax, taken with it', async (t) => {
  const entry = bob('objectClass: account', 'objectClass: legacyAux', 'uid: bob', 'legacyFlag: TRUE');
  const refused = plain('ldapadd', bob('objectClass: account', 'objectClass: legacyAux', 'uid: bob'));
  t.equal(refused.code, 65);
  t.equal(refused.stderr, obsolete('add'));
  t.equal(plain('ldapadd', entry).code, 19, 'with an OBSOLETE type too: 19 for the type first, as slapd');
  const taken = relaxed('ldapadd', entry);
  t.equal(taken.code, 0, taken.stderr);
  const read = tool('ldapsearch', [...as(url, 'root'), '-LLL', '-b', BOB, '-s', 'base', '(objectClass=legacyAux)', 'objectClass', 'legacyFlag']);
  t.equal(read.stdout, `dn: ${BOB}\nobjectClass: account\nobjectClass: legacyAux\nlegacyFlag: TRUE\n\n`);
});

t.test('a modify adding an OBSOLETE class (test037-manage): 65 without relax, taken with it', async (t) => {
  const ALICE = people('alice');
  t.equal(plain('ldapadd', ldif(`dn: ${ALICE}`, 'objectClass: account', 'uid: alice')).code, 0);
  const add = ldif(`dn: ${ALICE}`, 'changetype: modify', 'add: objectClass', 'objectClass: legacyAux');
  const refused = plain('ldapmodify', add);
  t.equal(refused.code, 65);
  t.equal(refused.stderr, obsolete('modify'));
  t.equal(relaxed('ldapmodify', add).code, 0, 'relaxed');
  // The replication core checks the entry again: a class OBSOLETE at the
  // write is no schema conflict (meshdirConflict) once the write was taken.
  const conflicts = tool('ldapsearch', [...as(url, 'root'), '-LLL', '-b', SUFFIX, '(meshdirConflict=*)', 'meshdirConflict']);
  t.equal(conflicts.stdout, '', 'not marked a schema conflict');
  t.equal(relaxed('ldapmodify', ldif(`dn: ${ALICE}`, 'changetype: modify', 'add: legacyFlag', 'legacyFlag: FALSE')).code, 0, 'and its OBSOLETE type, relaxed');
  const later = plain('ldapmodify', ldif(`dn: ${ALICE}`, 'changetype: modify', 'replace: description', 'description: x'));
  t.equal(later.code, 65, 'the entry holds an OBSOLETE class: a modify without relax is refused, as in slapd');
  t.equal(later.stderr, obsolete('modify'));
  const drop = ldif(`dn: ${ALICE}`, 'changetype: modify', 'delete: objectClass', 'objectClass: legacyAux', '-', 'delete: legacyFlag');
  t.equal(plain('ldapmodify', drop).code, 0, 'removing the class and its type needs no relax');
  t.equal(plain('ldapmodify', ldif(`dn: ${ALICE}`, 'changetype: modify', 'replace: description', 'description: x')).code, 0);
});
