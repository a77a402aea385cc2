#!/usr/bin/env node
// Micro-benchmark of the schema's search hot path: eqKey of a caseIgnore
// value and compiled filters on a typical entry (best of 5 rounds, ns/op).
// Build first: `npm run build`, then `node bench/schema-speed.mjs`.
const dist = new URL('../dist/', import.meta.url);
const { newEntry, val } = await import(new URL('dit/entry.js', dist).href);
const { compileFilter } = await import(new URL('schema/filter.js', dist).href);
const { loadSchemaDir } = await import(new URL('schema/load.js', dist).href);

const s = loadSchemaDir(new URL('../schema/', import.meta.url).pathname);
let sink = 0;

function nsPerOp(n, f) {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink += f(i);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n);
  }
  return best;
}

const cn = s.attributeType('cn');
const values = Array.from({ length: 1024 }, (_, i) => val(`User Number ${i}`));
console.log(`eqKey(cn, "User Number N")        ${nsPerOp(200_000, (i) => cn.eqKey(values[i & 1023]).length).toFixed(0).padStart(6)} ns/op`);
console.log(`eqKey by name                      ${nsPerOp(200_000, (i) => s.eqKey('cn', values[i & 1023]).length).toFixed(0).padStart(6)} ns/op`);

const e = newEntry('uid=user5,ou=people,dc=example,dc=com', [
  ['objectClass', ['top', 'person', 'organizationalPerson', 'inetOrgPerson'].map(val)],
  ['cn', [val('User Five')]], ['sn', [val('Five')]], ['uid', [val('user5')]],
  ['mail', [val('user5@example.com')]], ['telephoneNumber', [val('+1 555 0005')]],
]);
const f = compileFilter({ type: 'equality', attr: 'uid', value: val('user5') }, s);
const g = compileFilter({
  type: 'and',
  filters: [
    { type: 'equality', attr: 'objectClass', value: val('inetOrgPerson') },
    { type: 'substrings', attr: 'cn', initial: val('user'), any: [] },
  ],
}, s);
console.log(`(uid=user5)                        ${nsPerOp(200_000, () => (f(e) ? 1 : 0)).toFixed(0).padStart(6)} ns/op`);
console.log(`(&(objectClass=inetOrgPerson)(cn=user*)) ${nsPerOp(100_000, () => (g(e) ? 1 : 0)).toFixed(0).padStart(6)} ns/op`);
if (sink === 0) console.log('(no work measured)');
