// After a SIGKILL and restart: is every acknowledged write there, is every
// entry whole, do the indexes agree with the entries, does export work, and
// does a new write work? Then the ledger is settled to what the database
// holds, so the next round starts from known state.
import type { Test } from 'tap';
import type { PartialAttribute } from '../../src/ldap/pdu/types.js';
import { LdapClient, type SearchEntry } from '../../src/ldap/client.js';
import { meshdir, ROOT_DN, ROOT_PW, SUFFIX } from '../helpers/server.js';
import { addAttrs, addDn, chainDn, chainUid, modDn, modMail, type Ledger } from './workload.js';

const lc = (s: string): string => s.toLowerCase();

/** User attributes as sorted "type: value" lines (types lower-cased). */
function userAttrs(attrs: PartialAttribute[]): string[] {
  return attrs.flatMap((a) => a.values.map((v) => `${lc(a.type)}: ${v.toString('utf8')}`)).sort();
}

function expectedAttrs(attrs: Record<string, string[]>): string[] {
  return Object.entries(attrs).flatMap(([k, vs]) => vs.map((v) => `${lc(k)}: ${v}`)).sort();
}

const one = (attrs: PartialAttribute[], type: string): string[] =>
  attrs.filter((a) => lc(a.type) === type).flatMap((a) => a.values.map((v) => v.toString('utf8')));

export interface Verified {
  entries: number;
  /** Unacknowledged writes found committed, by kind. */
  unackedCommitted: { adds: number; deletes: number; mods: number; renames: number };
}

/**
 * `fixed`: normalized DNs of entries no stream touches (the example data).
 * Checks with `t` and settles `ledger`.
 */
export async function verify(t: Test, url: string, configFile: string, ledger: Ledger, fixed: Set<string>, round: number): Promise<Verified> {
  const c = await LdapClient.connect(url, { timeoutMs: 60_000 });
  try {
    await c.bind(ROOT_DN, ROOT_PW);
    const all = await c.search(SUFFIX, '(objectClass=*)', { attributes: ['*', 'entryUUID'] });
    t.equal(all.code, 0, 'a full subtree search works');
    const uuids = all.entries.map((e) => one(e.attrs, 'entryuuid'));
    t.ok(uuids.every((u) => u.length === 1) && new Set(uuids.map((u) => u[0])).size === uuids.length, 'every entry has one entryUUID, all distinct');
    for (const e of all.entries) e.attrs = e.attrs.filter((a) => lc(a.type) !== 'entryuuid');
    const byDn = new Map<string, SearchEntry>(all.entries.map((e) => [lc(e.dn), e]));
    const unacked = { adds: 0, deletes: 0, mods: 0, renames: 0 };
    const explained = new Set<string>(fixed);

    // Adds and deletes: acknowledged ones are there (or gone), whole.
    const missing: string[] = [];
    const resurrected: string[] = [];
    const partial: string[] = [];
    for (const [uid, state] of ledger.adds) {
      const dn = lc(addDn(uid));
      const e = byDn.get(dn);
      const del = ledger.deletes.get(uid);
      if (e) {
        explained.add(dn);
        if (del === 'acked') resurrected.push(uid);
        if (state === 'sent') unacked.adds++;
        if (userAttrs(e.attrs).join('\n') !== expectedAttrs(addAttrs(uid)).join('\n')) partial.push(uid);
      } else if (state === 'acked' && del === undefined) missing.push(uid);
      if (!e && del === 'sent') unacked.deletes++;
    }
    t.same(missing, [], `every acknowledged add is there (${[...ledger.adds.values()].filter((s) => s === 'acked').length} acknowledged)`);
    t.same(resurrected, [], 'no acknowledged delete undone');
    t.same(partial, [], 'every added entry is whole');

    // Each acknowledged add also found by its own base search.
    const acked = [...ledger.adds].filter(([uid, s]) => s === 'acked' && !ledger.deletes.has(uid)).map(([uid]) => uid);
    const baseMisses: string[] = [];
    for (let i = 0; i < acked.length; i += 500) {
      await Promise.all(acked.slice(i, i + 500).map(async (uid) => {
        const r = await c.search(addDn(uid), '(objectClass=*)', { scope: 0, attributes: ['1.1'] }).catch(() => ({ entries: [] }));
        if (r.entries.length !== 1) baseMisses.push(uid);
      }));
    }
    t.same(baseMisses, [], `a base search finds each of the ${acked.length} acknowledged adds`);

    // Modifies: version between the last acknowledged and the last sent, all four changes or none.
    const badMods: string[] = [];
    for (const [uid, v] of ledger.mods) {
      const dn = lc(modDn(uid));
      explained.add(dn);
      const e = byDn.get(dn);
      const desc = e ? one(e.attrs, 'description') : [];
      const n = Number(/^v(\d+)$/.exec(desc[0] ?? '')?.[1] ?? NaN);
      const whole = desc.length === 1 && one(e!.attrs, 'title').join() === `v${n}` && one(e!.attrs, 'mail').join() === modMail(uid, n);
      if (!(whole && n >= v.acked && n <= v.sent)) badMods.push(`${uid}: acked v${v.acked}, sent v${v.sent}, found ${e ? userAttrs(e.attrs).filter((l) => !/^(objectclass|uid|cn|sn):/.test(l)).join('; ') : 'nothing'}`);
      else {
        if (n > v.acked) unacked.mods++;
        v.sent = v.acked = n;
      }
    }
    t.same(badMods, [], 'every modified entry holds one whole modify, at least the last acknowledged one');

    // Renames: exactly one name per chain, at a step between acknowledged and sent, old RDN value gone.
    const badChains: string[] = [];
    for (const [chain, v] of ledger.chains) {
      const found = all.entries.filter((e) => one(e.attrs, 'cn').join() === `Chain ${chain}`);
      const steps = found.map((e) => Number(/^uid=\w+?s(\d+),/i.exec(e.dn)?.[1] ?? NaN));
      const n = steps[0]!;
      const ok = found.length === 1 && n >= v.acked && n <= v.sent && lc(found[0]!.dn) === lc(chainDn(chain, n)) && one(found[0]!.attrs, 'uid').join() === chainUid(chain, n);
      if (!ok) badChains.push(`${chain}: acked step ${v.acked}, sent ${v.sent}, found ${found.map((e) => `${e.dn} uid=${one(e.attrs, 'uid').join('|')}`).join(', ') || 'nothing'}`);
      else {
        explained.add(lc(found[0]!.dn));
        if (n > v.acked) unacked.renames++;
        v.sent = v.acked = n;
      }
    }
    t.same(badChains, [], 'every renamed entry is at one whole step, at least the last acknowledged one');

    t.same(all.entries.map((e) => e.dn).filter((dn) => !explained.has(lc(dn))), [], 'no entry that no write made');

    // Indexes agree with the entries.
    const ids = async (filter: string) => (await c.search(SUFFIX, filter, { attributes: ['1.1'] })).entries.map((e) => lc(e.dn)).sort();
    const indexErrors: string[] = [];
    const expect = async (filter: string, dns: string[]) => {
      const got = await ids(filter);
      const want = dns.map(lc).sort();
      if (got.join('|') !== want.join('|')) indexErrors.push(`${filter}: got ${got.length} [${got.slice(0, 3).join('; ')}], want ${want.length}`);
    };
    for (const [chain, v] of ledger.chains) {
      await expect(`(uid=${chainUid(chain, v.acked)})`, [chainDn(chain, v.acked)]);
      if (v.acked > 0) await expect(`(uid=${chainUid(chain, v.acked - 1)})`, []);
    }
    for (const [uid, v] of ledger.mods) {
      await expect(`(mail=${modMail(uid, v.acked)})`, [modDn(uid)]);
      if (v.acked > 0) await expect(`(mail=${modMail(uid, v.acked - 1)})`, []);
    }
    const present = [...ledger.adds.keys()].filter((uid) => byDn.has(lc(addDn(uid))));
    await expect(`(cn=Fault a${round}x*)`, present.filter((uid) => uid.startsWith(`a${round}x`)).map(addDn));
    await expect('(&(objectClass=inetOrgPerson)(sn=Fault))', present.map(addDn));
    for (const uid of present.slice(-50)) await expect(`(uid=${uid})`, [addDn(uid)]);
    t.same(indexErrors, [], 'equality and substring indexes agree with the entries');

    const exported = meshdir(['export', '--config', configFile]);
    t.equal(exported.status, 0, `meshdir export works ${exported.stderr}`);
    t.equal((exported.stdout.match(/^dn: /gm) ?? []).length, all.entries.length, 'export holds every entry');

    const fresh = `after${round}`;
    await c.add(addDn(fresh), addAttrs(fresh));
    t.equal((await c.search(addDn(fresh), '(objectClass=*)', { scope: 0 })).entries.length, 1, 'a new add works');

    // Settle: what is there now is durable and known.
    for (const uid of [...ledger.adds.keys()]) {
      if (byDn.has(lc(addDn(uid)))) ledger.adds.set(uid, 'acked');
      else ledger.adds.delete(uid);
    }
    ledger.deletes.clear();
    ledger.adds.set(fresh, 'acked');
    return { entries: all.entries.length + 1, unackedCommitted: unacked };
  } finally {
    c.close();
  }
}
