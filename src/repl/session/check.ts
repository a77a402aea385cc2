// `meshdir repl check`: read the same subtree from every replica (paged, so
// size limits do not cut it short) and compare entry by entry, value by value.
import type { ConnectionOptions } from 'node:tls';
import { LdapError, MeshdirError, RC } from '../../errors.js';
import { LdapClient } from '../../ldap/client.js';
import { CONTROL, decodePagedResults, pagedResultsControl } from '../../ldap/pdu/index.js';

export interface CheckResult {
  entries: number;
  differences: number;
  report: string[];
}

type Snapshot = Map<string, { dn: string; attrs: Map<string, string[]> }>;

const PAGE = 1000;
/** Conflict entries are hidden from ordinary searches; naming meshdirConflict shows them too. */
const EVERYTHING = '(|(objectClass=*)(meshdirConflict=*))';

function dnKey(dn: string): string {
  return dn.toLowerCase().replace(/\s*([,=+])\s*/g, '$1');
}

/** The subtree as one replica holds it; undefined when its base is not there (a difference, not an error). */
async function snapshot(client: LdapClient, url: string, base: string): Promise<Snapshot | undefined> {
  const out: Snapshot = new Map();
  let cookie: Uint8Array = Buffer.alloc(0);
  do {
    const r = await client.search(base, EVERYTHING, { scope: 2, attributes: ['*', 'entryUUID'], controls: [pagedResultsControl(PAGE, cookie)] }).catch((e: Error) => {
      if (e instanceof LdapError && e.code === RC.noSuchObject) return undefined;
      throw new MeshdirError('MESHDIR_CHECK', `${url}: search of ${base} failed: ${e.message || (e instanceof LdapError ? `result ${e.code}` : 'error')}`);
    });
    if (r === undefined) return undefined;
    // The entries so far are not all of them: compared, they would hide any difference after.
    if (r.code === RC.sizeLimitExceeded) {
      throw new MeshdirError('MESHDIR_CHECK', `${url}: search of ${base} failed: its size limit ends the read (paged or not); bind as the rootDn (-D, -w), whom it does not hold`);
    }
    for (const e of r.entries) {
      const attrs = new Map<string, string[]>();
      for (const a of e.attrs) attrs.set(a.type.toLowerCase(), a.values.map((v) => v.toString('base64')).sort());
      out.set(dnKey(e.dn), { dn: e.dn, attrs });
    }
    const ctl = r.controls.find((c) => c.oid === CONTROL.pagedResults);
    cookie = ctl ? decodePagedResults(ctl.value).cookie : Buffer.alloc(0);
  } while (cookie.length > 0);
  return out;
}

function show(v: string): string {
  const b = Buffer.from(v, 'base64');
  return /^[\x20-\x7e]*$/.test(b.toString('latin1')) ? b.toString('latin1') : `base64:${v}`;
}

/**
 * The values not every replica holds, grouped by the replicas that hold them
 * (a long multi-valued attribute that differs in one value shows that value).
 */
export function valueDifferences(urls: string[], values: string[][]): string[] {
  const holders = new Map<string, number[]>();
  values.forEach((vs, i) => {
    for (const v of vs) holders.set(v, [...(holders.get(v) ?? []), i]);
  });
  const groups = new Map<string, string[]>();
  for (const [v, on] of holders) {
    if (on.length === urls.length) continue;
    const key = on.join(',');
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const lines: string[] = [];
  for (const [key, vs] of [...groups].sort()) {
    const on = key.split(',').map((i) => urls[Number(i)]);
    lines.push(`    only on ${on.join(', ')}: ${vs.map(show).join(' | ')}`);
  }
  const absent = urls.filter((_, i) => values[i]!.length === 0);
  if (absent.length) lines.push(`    absent on ${absent.join(', ')}`);
  return lines;
}

function urlDn(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  } catch {
    return '';
  }
}

export async function compareReplicas(
  urls: string[], o: { bindDn?: string; password?: string; base?: string; tls?: ConnectionOptions; starttls?: boolean },
): Promise<CheckResult> {
  const clients: LdapClient[] = [];
  try {
    for (const url of urls) {
      const c = await LdapClient.connect(url, { timeoutMs: 120_000, tls: o.tls });
      clients.push(c);
      if (o.starttls) await c.startTls(o.tls);
      if (o.bindDn) {
        await c.bind(o.bindDn, o.password ?? '').catch((e: Error) => {
          throw new MeshdirError('MESHDIR_BIND', `${url}: bind as ${o.bindDn} failed: ${e.message}`);
        });
      }
    }
    // An LDAP URL may name the subtree (ldap://host:port/ou=people,dc=example,dc=com), as for ldapsearch -H.
    const named = [...new Set(urls.map(urlDn).filter((d) => d !== ''))];
    if (!o.base && named.length > 1) throw new MeshdirError('MESHDIR_USAGE', `the URLs name different subtrees (${named.join('; ')}): name one with -b`);
    let base: string | undefined = o.base ?? named[0];
    if (!base) {
      const dse = await clients[0]!.search('', '(objectClass=*)', { scope: 0, attributes: ['namingContexts'] });
      base = dse.entries[0]?.attrs.find((a) => a.type.toLowerCase() === 'namingcontexts')?.values[0]?.toString();
      if (!base) throw new Error(`${urls[0]}: no naming context to compare`);
    }
    const got = await Promise.all(clients.map((c, i) => snapshot(c, urls[i]!, base!)));
    const without = urls.filter((_, i) => got[i] === undefined);
    if (without.length === urls.length) throw new MeshdirError('MESHDIR_CHECK', `${base}: no such entry on any of the replicas`);
    const snaps = got.map((s) => s ?? new Map() as Snapshot);
    const report: string[] = [];
    let differences = 0;
    if (without.length) {
      differences++;
      report.push(`${base}: the subtree is missing on ${without.join(', ')}`);
    }
    const all = new Set<string>();
    for (const s of snaps) for (const k of s.keys()) all.add(k);
    for (const k of [...all].sort()) {
      const here = snaps.map((s) => s.get(k));
      const dn = here.find((x) => x)!.dn;
      // A replica without the subtree is reported once, above.
      const missing = urls.filter((_, i) => !here[i] && got[i] !== undefined);
      if (here.some((e) => !e)) {
        if (!missing.length) continue;
        differences++;
        report.push(`${dn}: missing on ${missing.join(', ')}`);
        continue;
      }
      // Entries are matched case-insensitively, but the DN a replica serves is
      // data too: `uid=CAROL` on one and `uid=carol` on another is a difference.
      const spellings = new Map<string, string[]>();
      here.forEach((e, i) => spellings.set(e!.dn, [...(spellings.get(e!.dn) ?? []), urls[i]!]));
      if (spellings.size > 1) {
        differences++;
        report.push(`${dn}: DN differs`);
        for (const [spelled, on] of spellings) report.push(`    on ${on.join(', ')}: ${spelled}`);
      }
      const names = new Set<string>();
      for (const e of here) for (const a of e!.attrs.keys()) names.add(a);
      for (const a of [...names].sort()) {
        const vals = here.map((e) => (e!.attrs.get(a) ?? []).join('\n'));
        if (vals.every((v) => v === vals[0])) continue;
        differences++;
        report.push(`${dn}: ${a} differs`);
        report.push(...valueDifferences(urls, here.map((e) => e!.attrs.get(a) ?? [])));
      }
    }
    return { entries: all.size, differences, report };
  } finally {
    for (const c of clients) c.close();
  }
}
