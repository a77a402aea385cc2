import { loadSchemaDir } from '/work/main/dist/schema/load.js';
import { Store } from '/work/main/dist/store/store.js';
import { localAdd, localModify } from '/work/main/dist/store/update.js';
import { silentLogger } from '/work/main/dist/log.js';
import { rmSync } from 'node:fs';
rmSync('/tmp/dbgstore3', { recursive: true, force: true });
const schema = loadSchemaDir('/work/main/schema');
const store = new Store({ dataDir: '/tmp/dbgstore3', suffix: 'dc=example,dc=com', schema, indexes: {uid:['eq'], objectClass: ['eq']}, replicaId: 1, log: silentLogger });
const b = (s) => Buffer.from(s);
const root = {dn:'cn=admin'};
await store.write((tx) => localAdd(tx, root, 'dc=example,dc=com', [{ type: 'objectClass', values: [b('dcObject'), b('organization')] }, { type: 'o', values: [b('Example')] }]));
await store.write((tx) => localAdd(tx, root, 'ou=people,dc=example,dc=com', [{ type: 'objectClass', values: [b('organizationalUnit')] }]));
const ps = [];
for (let i = 0; i < 2000; i++) ps.push(store.write((tx) => localAdd(tx, root, `uid=user${i},ou=people,dc=example,dc=com`, [{ type: 'objectClass', values: [b('top'), b('person'), b('organizationalPerson'), b('inetOrgPerson')] }, { type: 'cn', values: [b('User '+i)] }, { type: 'sn', values: [b('U')] }, { type: 'mail', values: [b(`user${i}@example.com`)] }, { type: 'description', values: [b('x')] }])));
await Promise.all(ps);
for (let n = 0; n < 4; n++) {
  const t0 = performance.now();
  const ps = [];
  for (let i = 0; i < 2000; i++) ps.push(store.write((tx) => localModify(tx, root, `uid=user${(i*7)%2000},ou=people,dc=example,dc=com`, [{ op: 2, attr: 'description', values: [b(`v${n}-${i}`)] }])));
  await Promise.all(ps);
  console.log(`2000 modifies: ${(performance.now()-t0).toFixed(0)} ms`);
}
