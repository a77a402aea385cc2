// `meshdir import` takes entries in any order, as slapadd does (OpenLDAP's
// test001 loads its data reversed): an entry whose parent comes later in the
// file is added once the parent is. A parent that never comes is an error
// naming the entry's line.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { cleanup, EXAMPLE_LDIF, meshdir, REPO, startServer, SUFFIX } from '../helpers/server.js';
import { dns, exported, setup } from '../helpers/import.js';
import { as, tool } from '../interop/tools.js';

const blocks = (ldif: string): string[] => ldif.split(/\n\n+/).map((b) => b.trim()).filter((b) => b.startsWith('dn:') || /\ndn:/.test(b));

t.test('children before their parents: every entry is added', async (t) => {
  const { dir, config } = setup(t);
  const example = readFileSync(EXAMPLE_LDIF, 'utf8');
  const reversed = blocks(example).reverse();
  t.ok(reversed.length > 5 && reversed[reversed.length - 1]!.includes(`dn: ${SUFFIX}`), 'the suffix entry comes last');
  writeFileSync(join(dir, 'reversed.ldif'), reversed.join('\n\n') + '\n');
  const r = meshdir(['import', '--config', config, '--no-progress', join(dir, 'reversed.ldif')]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stderr, new RegExp(`imported ${reversed.length} entries`));
  const out = dns(exported(config, dir));
  t.same([...out].sort(), [...dns(example)].sort(), 'the same entries');
  for (const dn of out) {
    const parent = dn.slice(dn.indexOf(',') + 1);
    if (dn !== SUFFIX) t.ok(out.indexOf(parent) < out.indexOf(dn), `${dn} after its parent in the export`);
  }
});

t.test('children before their parents: entries take slapadd\'s order (export, unindexed subtree search)', async (t) => {
  // slapadd gives each entry the next id as it reads it; an entry whose
  // superiors are missing gets ids for them first (glue), which they take
  // when they come. The order below is slapcat's after slapadd 2.5 of this
  // file (OpenLDAP's test001-slapadd compares the search of such a load).
  const file = join(REPO, 'test', 'fixtures', 'ldif', 'unordered.ldif');
  const slapadd = [SUFFIX, `ou=people,${SUFFIX}`, `ou=x,ou=people,${SUFFIX}`, `uid=a,ou=x,ou=people,${SUFFIX}`, `ou=groups,${SUFFIX}`,
    `cn=g,ou=groups,${SUFFIX}`, `ou=y,ou=people,${SUFFIX}`, `uid=b,ou=y,ou=people,${SUFFIX}`];
  const { dir, config } = setup(t);
  const r = meshdir(['import', '--config', config, '--no-progress', file]);
  t.equal(r.status, 0, r.stderr);
  t.same(dns(exported(config, dir)), slapadd, 'the export');
  const server = await startServer({ seed: file, indexes: '{ uid: [eq] }' });
  t.teardown(async () => {
    await server.stop();
    cleanup(server.dir);
  });
  const search = tool('ldapsearch', [...as(server.url), '-LLL', '-o', 'ldif-wrap=no', '-b', SUFFIX, '(objectClass=*)', '1.1']);
  t.equal(search.code, 0, search.stderr);
  t.same(dns(search.stdout), slapadd, 'an unindexed subtree search from the suffix');
});

t.test('a parent that never comes: the entry fails with its line; --continue keeps the rest', async (t) => {
  const { dir, config } = setup(t);
  const file = join(dir, 'orphan.ldif');
  writeFileSync(file, [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
    `dn: uid=lost,ou=nowhere,${SUFFIX}\nobjectClass: account\nuid: lost`,
    `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people`,
  ].join('\n\n') + '\n');
  const r = meshdir(['import', '--config', config, '--no-progress', file]);
  t.equal(r.status, 1);
  t.match(r.stderr, `orphan.ldif:7: uid=lost,ou=nowhere,${SUFFIX}`, 'names the entry and its line');
  t.match(r.stderr, `: its parent ou=nowhere,${SUFFIX} is neither in the file nor in the database (result 32)`, 'and the parent it lacks');
  t.match(r.stderr, 'import stopped: 2 entries were imported and stay in the database (--continue skips bad entries)');

  const { dir: dir2, config: config2 } = setup(t);
  const k = meshdir(['import', '--config', config2, '--no-progress', '--continue', file]);
  t.equal(k.status, 1);
  t.match(k.stderr, /imported 2 entries .*, 1 failed/);
  t.same(dns(exported(config2, dir2)), [SUFFIX, `ou=people,${SUFFIX}`]);
});

t.test('the first bad entry stops the import: what came before it stays, nothing after it (as slapadd)', async (t) => {
  const { dir, config } = setup(t);
  const file = join(dir, 'bad.ldif');
  const person = (i: number) => `dn: cn=u${i},${SUFFIX}\nobjectClass: person\ncn: u${i}\nsn: s${i}` + (i === 10 ? '\nuidNumber: 1' : '');
  // Enough entries after the bad one that their writes are queued before it is found bad.
  writeFileSync(file, [`dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`, ...Array.from({ length: 3000 }, (_, i) => person(i + 1))].join('\n\n') + '\n');
  const r = meshdir(['import', '--config', config, '--no-progress', file]);
  t.equal(r.status, 1);
  t.match(r.stderr, `bad.ldif:52: cn=u10,${SUFFIX}: `, 'names the bad entry and its line');
  t.match(r.stderr, 'import stopped: 10 entries were imported and stay in the database');
  t.same(dns(exported(config, dir)), [SUFFIX, ...Array.from({ length: 9 }, (_, i) => `cn=u${i + 1},${SUFFIX}`)], 'the suffix and u1…u9, in order');
});

t.test('--continue also skips a record that is not LDIF, or not an entry, and reads on (as slapadd -c)', async (t) => {
  const { dir, config } = setup(t);
  const file = join(dir, 'messy.ldif');
  writeFileSync(file, [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
    `dn: ou=a,${SUFFIX}\nobjectClass: organizationalUnit\nbogus line\nou: a`,
    `dn: ou=b,${SUFFIX}\nobjectClass: organizationalUnit\nou: b`,
    `dn: ou=c,${SUFFIX}\nchangetype: delete`,
    `dn: ou=d,${SUFFIX}\nobjectClass: organizationalUnit\nou: d`,
  ].join('\n\n') + '\n');
  const k = meshdir(['import', '--config', config, '--no-progress', '--continue', file]);
  t.equal(k.status, 1, 'exit 1: something was skipped');
  t.match(k.stderr, 'messy.ldif:9: expected "name: value"');
  t.match(k.stderr, 'messy.ldif:16: import takes entries; "changetype: delete" is for ldapmodify');
  t.match(k.stderr, /imported 3 entries .*, 2 failed/);
  t.same(dns(exported(config, dir)), [SUFFIX, `ou=b,${SUFFIX}`, `ou=d,${SUFFIX}`]);
  const stop = meshdir(['import', '--config', setup(t).config, '--no-progress', file]);
  t.equal(stop.status, 1);
  t.match(stop.stderr, 'messy.ldif:9: expected "name: value"', 'without --continue it stops there');
});

t.test('a record that is not an entry stops the import after every entry before it is written', async (t) => {
  for (const bad of ['changetype: delete', 'bogus line']) {
    const { dir, config } = setup(t);
    const file = join(dir, 'stop.ldif');
    // ou=people before its parent: it waits, and must still be written.
    writeFileSync(file, [
      `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people`,
      `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
      ...['a', 'b'].map((u) => `dn: uid=${u},ou=people,${SUFFIX}\nobjectClass: account\nuid: ${u}`),
      `dn: ou=people,${SUFFIX}\n${bad}`,
      `dn: ou=groups,${SUFFIX}\nobjectClass: organizationalUnit\nou: groups`,
    ].join('\n\n') + '\n');
    const r = meshdir(['import', '--config', config, '--no-progress', file]);
    t.equal(r.status, 1, bad);
    t.match(r.stderr, 'stop.ldif:', 'names the line');
    t.match(r.stderr, 'import stopped: 4 entries were imported and stay in the database');
    t.notMatch(r.stderr, 'read transaction', 'no write was cut off');
    t.same(dns(exported(config, dir)).sort(), [SUFFIX, `ou=people,${SUFFIX}`, `uid=a,ou=people,${SUFFIX}`, `uid=b,ou=people,${SUFFIX}`].sort());
  }
});

t.test('a supplied structuralObjectClass must be the one the classes give (as slapadd)', async (t) => {
  const { dir, config } = setup(t);
  const file = join(dir, 'soc.ldif');
  const suffix = `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`;
  writeFileSync(file, [suffix, `dn: cn=a,${SUFFIX}\nobjectClass: device\ncn: a\nstructuralObjectClass: device`, `dn: cn=b,${SUFFIX}\nobjectClass: device\ncn: b\nstructuralObjectClass: person`].join('\n\n') + '\n');
  const r = meshdir(['import', '--config', config, '--no-progress', file]);
  t.equal(r.status, 1);
  t.match(r.stderr, `soc.ldif:12: cn=b,${SUFFIX}: structural object class modification from 'person' to 'device' not allowed (result 69)`);
  t.match(r.stderr, 'import stopped: 2 entries were imported');
  t.same(dns(exported(config, dir)), [SUFFIX, `cn=a,${SUFFIX}`], 'the agreeing one is taken');
});

t.test('a glue entry from an export imports again (placeholders are exempt from content rules)', async (t) => {
  const { dir, config } = setup(t);
  const file = join(dir, 'glue.ldif');
  writeFileSync(file, [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
    `dn: ou=gone,${SUFFIX}\nobjectClass: glue\nou: gone`,
    `dn: uid=kept,ou=gone,${SUFFIX}\nobjectClass: account\nuid: kept`,
  ].join('\n\n') + '\n');
  const r = meshdir(['import', '--config', config, '--no-progress', file]);
  t.equal(r.status, 0, r.stderr);
  t.same(dns(exported(config, dir)), [SUFFIX, `ou=gone,${SUFFIX}`, `uid=kept,ou=gone,${SUFFIX}`]);
});
