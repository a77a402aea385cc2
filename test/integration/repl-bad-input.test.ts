// Bad input on the replication port: a bound Replication Manager that sends
// out-of-order, undecodable or malformed change groups gets a protocolError
// and its session closed, and nothing of that group is applied. Then seeded
// mutations of a valid group: the server answers each one and stays up.
import t from 'tap';
import { LdapError, RC } from '../../src/errors.js';
import { LdapClient } from '../../src/ldap/client.js';
import { formatCsn } from '../../src/repl/core/csn.js';
import { REPL_OID, pack, packList } from '../../src/repl/session/protocol.js';
import { Mesh, REPL_DN, REPL_PW } from '../helpers/mesh.js';
import { SUFFIX } from '../helpers/server.js';

const ALICE = `uid=alice,ou=people,${SUFFIX}`;
const ORIGIN = 7; // a replicaId no server of this mesh has

t.test('malformed change groups from a bound Replication Manager', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master' }, seed: 'm1' });
  t.teardown(() => mesh.stop());
  const gen = (await mesh.monitor('m1')).get('replication')!.generationid![0]!;
  const admin = await mesh.client('m1');
  t.teardown(() => admin.close());
  const found = await admin.search(ALICE, '(objectClass=*)', { scope: 0, attributes: ['entryUUID'] });
  const uuid = found.entries[0]!.attrs.find((a) => a.type.toLowerCase() === 'entryuuid')!.values[0]!.toString();

  let counter = 0;
  const csn = () => formatCsn({ time: Date.now() * 1000, counter: counter++, replicaId: ORIGIN, subseq: 0 });
  const modify = (value: string, c = csn()) => ({ csn: c, op: 'modify', uuid, mods: [{ op: 'replace', attr: 'description', values: [Buffer.from(value)] }] });
  const group = (seq: number, changes: unknown[]) => pack({ seq, ...packList(changes, 0) });

  async function session(): Promise<LdapClient> {
    const c = await LdapClient.connect(mesh.node('m1').url, { timeoutMs: 5000 });
    await c.bind(REPL_DN, REPL_PW);
    await c.extended(REPL_OID.start, pack({ v: 1, suffix: SUFFIX, gen, rid: ORIGIN, url: 'ldap://127.0.0.1:1', agreement: 'bad-input' }));
    return c;
  }

  /** Sends one group; returns the result code (0 on success) and whether the server closed the session. */
  async function send(value: Buffer): Promise<{ code: number; message: string; closed: boolean }> {
    const c = await session();
    try {
      await c.extended(REPL_OID.group, value);
      return { code: 0, message: '', closed: c.closed };
    } catch (e) {
      if (!(e instanceof LdapError)) throw e;
      for (let i = 0; i < 50 && !c.closed; i++) await new Promise((r) => setTimeout(r, 10));
      return { code: e.code, message: e.message, closed: c.closed };
    } finally {
      c.close();
    }
  }

  const description = async () => {
    const r = await admin.search(ALICE, '(objectClass=*)', { scope: 0, attributes: ['description'] });
    return r.entries[0]!.attrs.find((a) => a.type.toLowerCase() === 'description')?.values.map(String) ?? [];
  };
  const before = await mesh.entries('m1');

  const cases: [string, Buffer, RegExp][] = [
    ['a group out of order (seq 1 first)', group(1, [modify('out of order')]), /out of order/],
    ['undecodable records', pack({ seq: 0, z: 0, data: Buffer.from('\xc1\xff not msgpack at all', 'latin1') }), /undecodable|not a list/],
    ['an unknown compression', pack({ seq: 0, z: 9, data: Buffer.from('x') }), /compression/],
    ['records not in CSN order', group(0, [modify('second', csn()), modify('first', formatCsn({ time: 1e15, counter: 0, replicaId: ORIGIN, subseq: 0 }))]), /CSN order/],
    ['a valid record followed by a malformed one', group(0, [modify('valid but in a bad group'), { csn: csn(), op: 'modify', uuid: 'not-a-uuid', mods: [] }]), /uuid/],
    ['a record with an unknown op', group(0, [{ csn: csn(), op: 'explode', uuid }]), /op/],
    ['no seq at all', pack({ z: 0, data: packList([modify('no seq')], 0).data }), /out of order/],
    ['a base that is not a RUV', pack({ seq: 0, base: { [ORIGIN]: 'yesterday' }, ...packList([modify('bad base')], 0) }), /base/],
  ];
  for (const [what, value, reason] of cases) {
    const r = await send(value);
    t.equal(r.code, RC.protocolError, `${what}: protocolError`);
    t.match(r.message, reason, `${what}: says why (${r.message})`);
    t.ok(r.closed, `${what}: session closed`);
  }
  t.same(await mesh.entries('m1'), before, 'nothing of any bad group was applied');
  t.notOk((await description()).some((v) => /bad group|out of order|second|first|no seq/.test(v)), 'alice has none of their values');

  // The same path accepts a well-formed group, so the checks above can tell.
  const good = csn();
  const ok = await send(group(0, [modify('a good group', good)]));
  t.equal(ok.code, 0, 'a well-formed group is accepted');
  t.same(await description(), ['a good group'], 'and applied');

  // A group continues from what the supplier takes the consumer to hold
  // (`base`); from more than that, the changes in between would never come.
  const at = (ms: number) => formatCsn({ time: (Date.now() + ms) * 1000, counter: 0, replicaId: ORIGIN, subseq: 0 });
  const gap = await send(pack({ seq: 0, base: { [ORIGIN]: at(5000) }, ...packList([modify('after a hole', at(10_000))], 0) }));
  t.equal(gap.code, RC.unwillingToPerform, 'a group that would leave a hole is refused');
  t.match(gap.message, new RegExp(`replica ${ORIGIN}.*holds them only up to ${good.replace(/[.#]/g, '\\$&')}`), `says what is missing (${gap.message})`);
  t.ok(gap.closed, 'and the session ends (the supplier starts again from the RUV)');
  t.same(await description(), ['a good group'], 'nothing of it was applied');
  const next = await send(pack({ seq: 0, base: { [ORIGIN]: good }, ...packList([modify('continues', at(10_000))], 0) }));
  t.equal(next.code, 0, 'a group that continues from what the consumer holds is accepted');
  t.same(await description(), ['continues'], 'and applied');

  // Seeded mutations of a valid group's bytes: every one gets an answer
  // (accepted, or a protocol error), and the server keeps serving.
  const seed = Number(process.env.REPL_FUZZ_SEED ?? Date.now() % 100000);
  let state = seed;
  const rand = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const tally = new Map<number, number>();
  for (let i = 0; i < 200; i++) {
    const bytes = Buffer.from(group(0, [modify(`fuzz ${i}`)]));
    for (let k = 1 + rand(4); k > 0; k--) bytes[rand(bytes.length)] = rand(256);
    const r = await send(bytes);
    tally.set(r.code, (tally.get(r.code) ?? 0) + 1);
  }
  t.comment(`mutated groups (seed ${seed}, rerun with REPL_FUZZ_SEED=${seed}): result codes ${JSON.stringify(Object.fromEntries(tally))}`);
  t.ok(mesh.node('m1').server.child.exitCode === null, `the server is still running (seed ${seed})`);
  const after = await mesh.entries('m1');
  t.equal(after.size, before.size, `no entry appeared or vanished (seed ${seed})`);
});
