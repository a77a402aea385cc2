// Client writes against `uniqueAttributes`: a value another entry holds is
// refused (constraintViolation), by the attribute's equality rule.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RC } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { loadSchemaDir } from '../../../src/schema/load.js';
import type { PolicyConfig } from '../../../src/store/rules.js';
import { Store } from '../../../src/store/store.js';
import { localAdd, localModify, localModrdn, type ClientMod } from '../../../src/store/update.js';

const schema = loadSchemaDir(new URL('../../../schema', import.meta.url).pathname);
const b = (s: string) => Buffer.from(s);
const root = { dn: 'cn=admin,dc=example,dc=com' };
const dn = (uid: string) => `uid=${uid},dc=example,dc=com`;
const person = (uid: string, mail?: string) => [
  { type: 'objectClass', values: [b('inetOrgPerson')] },
  { type: 'cn', values: [b(uid)] },
  { type: 'sn', values: [b(uid)] },
  ...(mail ? [{ type: 'mail', values: [b(mail)] }] : []),
];

async function open(t: Test, policies?: PolicyConfig) {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-unique-'));
  const store = new Store({ dataDir: dir, suffix: 'dc=example,dc=com', schema, indexes: {}, replicaId: 1, log: createLogger({ level: 'silent' }), ...(policies ? { policies } : {}) });
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await store.write((tx) => localAdd(tx, root, 'dc=example,dc=com', [{ type: 'objectClass', values: [b('dcObject'), b('organization')] }, { type: 'o', values: [b('Example')] }]));
  return store;
}

const add = (s: Store, uid: string, mail?: string) => s.write((tx) => localAdd(tx, root, dn(uid), person(uid, mail)));
const modify = (s: Store, uid: string, mods: ClientMod[]) => s.write((tx) => localModify(tx, root, dn(uid), mods));
const mail = (op: ClientMod['op'], ...v: string[]): ClientMod => ({ op, attr: 'mail', values: v.map(b) });

t.test('a value another entry holds is refused for add, modify add, replace and rename', async (t) => {
  const s = await open(t, { uniqueAttributes: { mail: 'rename' } });
  await add(s, 'a', 'a@example.com');
  await add(s, 'b', 'b@example.com');
  await t.rejects(add(s, 'c', 'A@example.com'), { code: RC.constraintViolation, message: /mail/ }, 'add: by the equality rule (caseIgnoreIA5Match)');
  await t.rejects(modify(s, 'b', [mail(0, 'a@example.com')]), { code: RC.constraintViolation }, 'modify add');
  await t.rejects(modify(s, 'b', [mail(2, 'a@example.com')]), { code: RC.constraintViolation }, 'modify replace');
  await t.rejects(s.write((tx) => localModrdn(tx, root, dn('b'), 'mail=a@example.com', false)), { code: RC.constraintViolation }, 'rename to an RDN value another entry holds');
  await modify(s, 'a', [mail(2, 'a@example.com')]);
  t.pass('replacing a value with itself: the holder is the entry itself');
  await modify(s, 'b', [mail(1, 'b@example.com'), mail(0, 'x@example.com')]);
  t.same(s.byNdn(s.normalize(dn('b')))?.attrs.find(([n]) => n === 'mail')?.[1].map(String), ['x@example.com']);
});

t.test('without uniqueAttributes any two entries may hold one value', async (t) => {
  const s = await open(t);
  await add(s, 'a', 'same@example.com');
  await add(s, 'b', 'same@example.com');
  await modify(s, 'a', [mail(0, 'other@example.com')]);
  await modify(s, 'b', [mail(0, 'other@example.com')]);
  t.equal(s.byNdn(s.normalize(dn('b')))?.attrs.find(([n]) => n === 'mail')?.[1].length, 2);
});
