// Three masters in a full mesh and a consumer fed by two of them, under
// concurrent writes to the same entries and attributes, adds of one DN on
// two masters, and delete against modify. Afterwards every replica must be
// identical (`meshdir repl check`), and every value a client was told was
// written but that is not visible must be explained: by a later write (sent
// after that one was acknowledged) or by a record in the conflict log.
import t from 'tap';
import type { LdapClient } from '../../src/ldap/client.js';
import { Ledger, Mesh, eventually, type Acked, type ConflictLine, type LedgerMod } from '../helpers/mesh.js';
import { Proxy } from '../helpers/proxy.js';
import { SUFFIX } from '../helpers/server.js';
import { Prng } from '../sim/prng.js';

const SEED = Number(process.env.SEED ?? Date.now() % 1_000_000);
const ROUNDS = 24;
const MASTERS = ['m1', 'm2', 'm3'];
const TARGETS = ['alice', 'bob', 'carol'].map((u) => `uid=${u},ou=people,${SUFFIX}`);
const VICTIMS = [1, 2, 3].map((k) => `uid=victim${k},ou=people,${SUFFIX}`);
const person = (uid: string, extra: Record<string, string | string[]> = {}) => ({
  objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid, cn: uid, sn: uid, ...extra,
});

t.comment(`seed ${SEED} (rerun with SEED=${SEED})`);
t.test('3-master full mesh + consumer under concurrent writes', async (t) => {
  const started = Date.now();
  const mesh = await Mesh.start({ nodes: { m1: 'master', m2: 'master', m3: 'master', c1: 'consumer' }, seed: 'm1' });
  // Masters reach each other through proxies, so that a round's writes can
  // be made concurrent for certain: while the links are cut no master can
  // have seen another's write before making its own. Without that, a write a
  // client sent "at the same time" may reach its master after a rival's
  // replicated change, and then it simply comes later (no conflict to log).
  const links = new Map<string, Proxy>();
  for (const m of MASTERS) links.set(m, await Proxy.start(mesh.node(m).url));
  t.teardown(async () => {
    await Promise.all([...links.values()].map((p) => p.close()));
    await mesh.stop();
  });
  for (const a of MASTERS) for (const b of MASTERS) if (a !== b) mesh.agree(a, b, { consumer: links.get(b)!.url });
  /** Run `f` with no replication between masters, then let what was held back through. */
  const isolated = async (f: () => Promise<unknown>): Promise<void> => {
    links.forEach((p) => p.cut());
    try {
      await f();
    } finally {
      links.forEach((p) => p.heal());
    }
  };
  mesh.agree('m1', 'c1');
  mesh.agree('m2', 'c1');

  const clients = new Map<string, LdapClient>();
  for (const m of MASTERS) clients.set(m, await mesh.client(m));
  t.teardown(() => clients.forEach((c) => c.close()));
  const c = (m: string) => clients.get(m)!;

  await t.test('setup replicates to every node', async (t) => {
    for (const v of VICTIMS) await c('m1').add(v, person(v.slice(4, v.indexOf(',')), { description: 'victim' }));
    await eventually(async () => {
      for (const n of [...MASTERS, 'c1']) if ((await mesh.count(n)) !== 15) return false;
      return true;
    }, 20_000, '15 entries everywhere');
    t.pass(`15 entries on 4 nodes after ${Date.now() - started} ms`);
  });

  // Entry UUIDs before the storm: modified entries are found by UUID afterwards,
  // even when deleted (conflict records name the UUID).
  const uuidOf = new Map<string, string>();
  const before = await mesh.entries('m1');
  for (const dn of [...TARGETS, ...VICTIMS]) uuidOf.set(dn.toLowerCase(), before.get(dn.toLowerCase())!.entryuuid![0]!);

  const ledger = new Ledger();
  const rng = new Prng(SEED);
  const known = new Map<string, string[]>(); // dn → mail values acknowledged so far

  /** A random modify on one of the targets (every draw before the await: a seed gives the same workload). */
  async function randomOp(m: string, r: number): Promise<void> {
    const dn = rng.pick(TARGETS);
    const tag = `${m}-r${r}-${rng.int(0, 9999)}`;
    const mods: LedgerMod[] = [];
    switch (rng.weighted([4, 3, 2, 2, 1])) {
      case 0: mods.push({ op: 'replace', attr: 'description', values: [tag] }); break;
      case 1: mods.push({ op: 'add', attr: 'mail', values: [`${tag}@example.com`] }); break;
      case 2: mods.push({ op: 'replace', attr: 'title', values: [tag] }, { op: 'add', attr: 'mail', values: [`${tag}-b@example.com`] }); break;
      case 3: mods.push({ op: 'replace', attr: 'telephoneNumber', values: [`+1 555 ${rng.int(1000, 9999)}`] }); break;
      default: {
        const mails = known.get(dn) ?? [];
        if (mails.length === 0) return;
        mods.push({ op: 'delete', attr: 'mail', values: [rng.pick(mails)] });
      }
    }
    if (await ledger.modify(c(m), m, dn, mods)) {
      for (const x of mods) if (x.op === 'add' && x.attr === 'mail') known.set(dn, [...(known.get(dn) ?? []), ...x.values]);
    }
  }

  await t.test('concurrent writes on all masters', async (t) => {
    const t0 = Date.now();
    // The same DN added on two masters at once (and on three).
    await isolated(() => Promise.all([
      ledger.add(c('m1'), 'm1', `uid=twin,ou=people,${SUFFIX}`, person('twin', { description: 'twin-from-m1' })),
      ledger.add(c('m2'), 'm2', `uid=twin,ou=people,${SUFFIX}`, person('twin', { description: 'twin-from-m2' })),
      ...MASTERS.map((m) => ledger.add(c(m), m, `uid=triplet,ou=people,${SUFFIX}`, person('triplet', { description: `triplet-from-${m}` }))),
    ]));
    for (let r = 0; r < ROUNDS; r++) {
      // One write per master, made while the masters cannot hear each other:
      // every pair in a round is concurrent, every write of a later round
      // comes after all of this one were acknowledged.
      await isolated(() => {
        const ops: Promise<unknown>[] = MASTERS.map((m) => randomOp(m, r));
        // Delete against modify: one master deletes while the others modify it.
        if (r === 8 || r === 14 || r === 20) {
          const v = VICTIMS[(r - 8) / 6]!;
          const [killer, ...others] = [...MASTERS].sort(() => rng.next() - 0.5);
          ops.push(ledger.del(c(killer!), killer!, v));
          for (const m of others) ops.push(ledger.modify(c(m), m, v, [{ op: 'replace', attr: 'description', values: [`${m}-keeps-${r}`] }]));
        }
        return Promise.all(ops);
      });
    }
    t.ok(ledger.acked.length > ROUNDS * 3, `${ledger.acked.length} writes acknowledged, ${ledger.failed} refused, in ${Date.now() - t0} ms`);
  });

  await t.test('all replicas converge to identical data', async (t) => {
    const t0 = Date.now();
    let last = '';
    await eventually(() => {
      const r = mesh.check([...MASTERS, 'c1']);
      last = r.output;
      return r.ok;
    }, 30_000, 'repl check to pass').catch((e: Error) => t.fail(`${e.message}\n${last}`));
    t.match(last, /^identical: \d+ entries on 4 replicas/m, `converged ${Date.now() - t0} ms after the last write`);
    // Equal data can come before equal RUVs: a last change that alters nothing
    // visible (a value already superseded) may still be on its way.
    let ruvs: string[] = [];
    const t1 = Date.now();
    await eventually(async () => {
      ruvs = await Promise.all([...MASTERS, 'c1'].map(async (n) => (await mesh.monitor(n)).get('replication')!.ruv!.join(',')));
      return new Set(ruvs).size === 1;
    }, 10_000, 'one RUV everywhere').catch((e: Error) => t.fail(`${e.message}\n${ruvs.join('\n')}`));
    t.same(new Set(ruvs).size, 1, `one RUV everywhere ${Date.now() - t1} ms after equal data: ${ruvs[0]}`);
  });

  const final = await mesh.entries('m1', { conflicts: true });
  const byUuid = new Map<string, Record<string, string[]>>();
  for (const attrs of final.values()) byUuid.set(attrs.entryuuid![0]!, attrs);
  const conflicts = mesh.conflicts(MASTERS);
  if (process.env.DEBUG) for (const x of conflicts) t.comment(JSON.stringify(x));
  t.comment(`conflict log: ${conflicts.length} records (${[...new Set(conflicts.map((x) => x.kind))].join(', ') || 'none'})`);

  const attrValues = (attrs: Record<string, string[]> | undefined, attr: string) => attrs?.[attr.toLowerCase()] ?? [];
  const touches = (w: Acked, dn: string, attr: string, v: string) =>
    w.dn.toLowerCase() === dn.toLowerCase() &&
    (w.op === 'delete' || w.mods.some((m) => m.attr.toLowerCase() === attr.toLowerCase() && (m.op === 'replace' || (m.op === 'delete' && (m.values.length === 0 || m.values.includes(v))))));
  const logged = (uuid: string, attr: string, v: string) => (x: ConflictLine) =>
    x.uuid === uuid && ((x.attr?.toLowerCase() === attr.toLowerCase() && (x.loser ?? '').includes(v)) || x.kind === 'modify-delete');

  await t.test('every overwritten value is explained', async (t) => {
    const unexplained: string[] = [];
    const lwwUnlogged: string[] = [];
    let lost = 0;
    let byLog = 0;
    for (const w of ledger.acked) {
      if (w.op !== 'modify') continue;
      const uuid = uuidOf.get(w.dn.toLowerCase())!;
      const now = byUuid.get(uuid);
      for (const m of w.mods) {
        if (m.op === 'delete') continue;
        for (const v of m.values) {
          if (attrValues(now, m.attr).some((x) => x.toLowerCase() === v.toLowerCase())) continue;
          lost++;
          const later = ledger.acked.some((x) => x !== w && x.sent > w.acked && touches(x, w.dn, m.attr, v));
          if (later) continue;
          if (conflicts.some(logged(uuid, m.attr, v))) {
            byLog++;
            continue;
          }
          const rivals = ledger.acked.filter((x) => x !== w && x.sent <= w.acked && touches(x, w.dn, m.attr, v) && x.op === 'modify');
          const span = (x: Acked) => `${x.node} ${JSON.stringify(x.mods)} sent +${(x.sent - w.sent).toFixed(1)} ms, acked +${(x.acked - w.sent).toFixed(1)} ms`;
          const what = `${w.node} ${m.op} ${m.attr}: ${v} on ${w.dn}${now ? `, now ${JSON.stringify(attrValues(now, m.attr))}` : ' (entry deleted)'}; acked +${(w.acked - w.sent).toFixed(1)} ms; rivals: ${rivals.map(span).join('; ')}`;
          (rivals.length && now ? lwwUnlogged : unexplained).push(what);
          if (process.env.DEBUG) for (const x of conflicts.filter((x) => x.uuid === uuid && x.attr?.toLowerCase() === m.attr.toLowerCase())) t.comment(JSON.stringify(x));
        }
      }
    }
    t.comment(`${lost} acknowledged values are not visible: ${byLog} explained by the conflict log, ${lwwUnlogged.length} lost to a concurrent write without a record`);
    for (const x of lwwUnlogged.slice(0, 3)) t.comment(`  e.g. ${x}`);
    t.same(unexplained, [], 'no value is gone without a later write or a conflict record');
    // DESIGN.md: the conflict log "must say which write lost".
    t.same(lwwUnlogged, [], 'concurrent last-writer-wins losers are in the conflict log');
  });

  await t.test('add/add of one DN keeps both entries and logs the naming conflict', async (t) => {
    for (const [uid, from] of [['twin', ['m1', 'm2']], ['triplet', MASTERS]] as const) {
      const dn = `uid=${uid},ou=people,${SUFFIX}`.toLowerCase();
      const holders = [...final.values()].filter((a) => attrValues(a, 'uid').includes(uid));
      t.equal(holders.length, from.length, `${uid}: ${from.length} entries survive`);
      t.equal(holders.filter((a) => !a.meshdirconflict).length, 1, `${uid}: exactly one holds the DN`);
      for (const m of from) t.ok(holders.some((a) => attrValues(a, 'description').includes(`${uid}-from-${m}`)), `${uid}: the add from ${m} is visible`);
      const renamed = holders.filter((a) => a.meshdirconflict);
      for (const a of renamed) {
        t.equal(a.meshdirconflict![0]!.toLowerCase().replace(/,\s+/g, ','), `naming ${dn}`, `${uid}: the renamed entry says which DN it wanted`);
        t.ok(conflicts.some((x) => x.kind === 'naming' && x.uuid === a.entryuuid![0]), `${uid}: ${a.entryuuid![0]} has a naming record`);
      }
      t.ok(final.has(dn), `${uid}: the DN itself is held`);
    }
  });

  await t.test('no value appears that no client wrote', async (t) => {
    const written = new Set<string>();
    for (const w of ledger.acked) for (const m of w.mods) for (const v of m.values) written.add(`${m.attr}:${v}`.toLowerCase());
    for (const dn of TARGETS) {
      const now = byUuid.get(uuidOf.get(dn.toLowerCase())!)!;
      const was = before.get(dn.toLowerCase())!;
      for (const attr of ['description', 'title', 'mail', 'telephoneNumber']) {
        const ghosts = attrValues(now, attr).filter((v) => !written.has(`${attr}:${v}`.toLowerCase()) && !attrValues(was, attr).includes(v));
        t.same(ghosts, [], `${dn} ${attr}`);
      }
    }
  });

  t.comment(`total ${Date.now() - started} ms`);
});
