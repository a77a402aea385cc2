import { loadSchemaDir } from '/work/main/src/schema/load.js';
import { Store } from '/work/main/src/store/store.js';
import { localAdd } from '/work/main/src/store/update.js';
import { silentLogger } from '/work/main/src/log.js';
import { rmSync } from 'node:fs';
rmSync('/tmp/dbgstore2', { recursive: true, force: true });
const schema = loadSchemaDir('/work/main/schema');
const store = new Store({ dataDir: '/tmp/dbgstore2', suffix: 'dc=example,dc=com', schema, indexes: {uid:['eq']}, replicaId: 1, log: silentLogger });
const b = (s: string) => Buffer.from(s);
const root = {dn:'cn=admin'};
await store.write((tx) => localAdd(tx, root, 'dc=example,dc=com', [{ type: 'objectClass', values: [b('dcObject'), b('organization')] }, { type: 'o', values: [b('Example')] }]));
await store.write((tx) => localAdd(tx, root, 'ou=people,dc=example,dc=com', [{ type: 'objectClass', values: [b('organizationalUnit')] }]));
const core = store.dbs.core; const idx = store.dbs.coreIdx;
let gets = 0, looks = 0, lookItems = 0;
const og = core.get.bind(core); (core as any).get = (k: any, o?: any) => { gets++; return og(k, o); };
const ol = idx.getValues.bind(idx); (idx as any).getValues = (k: any, o?: any) => { looks++; const r = [...ol(k, o)]; lookItems += r.length; return r; };
for (let n = 0; n < 3; n++) {
  const t0 = performance.now();
  const ps = [];
  for (let i = 0; i < 1000; i++) ps.push(store.write((tx) => localAdd(tx, root, `uid=u${n}x${i},ou=people,dc=example,dc=com`, [{ type: 'objectClass', values: [b('inetOrgPerson')] }, { type: 'cn', values: [b('x')] }, { type: 'sn', values: [b('y')] }])));
  await Promise.all(ps);
  console.log(`1000 adds: ${(performance.now()-t0).toFixed(0)} ms; core.get ${gets}, lookups ${looks}, looked-up uuids ${lookItems}`);
  gets = looks = lookItems = 0;
}
