// `npm run fuzz -- --repl`: the replication port's messages, fuzzed. K
// connections bind as a Replication Manager, start a session, and send
// change groups (adds and modifies under the ou=fuzz sandbox) and
// heartbeats, most of them with a few octets of the request value mutated
// (seeded). A session the server ends (protocolError) is opened again. The
// server must answer every request, keep running, and hold exactly the same
// entries outside the sandbox afterwards.
import { LdapError } from '../../src/errors.js';
import { LdapClient } from '../../src/ldap/client.js';
import { formatCsn } from '../../src/repl/core/csn.js';
import { REPL_OID, pack, packList } from '../../src/repl/session/protocol.js';
import { ROOT_DN, ROOT_PW, SUFFIX } from '../helpers/server.js';
import { exportLdif } from './snapshot.js';
import { exited, rssKiB, serverErrors, startTarget } from './target.js';

const REPL_DN = 'cn=replication manager,cn=config';
const REPL_PW = 'fuzz-repl-secret';
const SANDBOX = `ou=fuzz,${SUFFIX}`;
const ORIGIN = 9;

/** Deterministic PRNG (mulberry32), so a seed replays the same mutants. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n | 0;
  };
}

/** The export without the sandbox's entries (the only ones valid groups may change). */
function outsideSandbox(ldif: string): string {
  const dnOf = (block: string): string => {
    const first = block.split('\n')[0] ?? '';
    return first.startsWith('dn:: ') ? Buffer.from(first.slice(5), 'base64').toString('utf8') : first.slice(4);
  };
  return ldif.split('\n\n').filter((b) => !/(^|,)ou=fuzz,/i.test(dnOf(b))).join('\n\n');
}

export async function runRepl(seed: number, count: number, connections: number): Promise<number> {
  const s = await startTarget({ replication: true });
  const problems: string[] = [];
  const codes = new Map<string, number>();
  const tally = (k: string) => codes.set(k, (codes.get(k) ?? 0) + 1);
  try {
    const admin = await LdapClient.connect(s.url, { timeoutMs: 10_000 });
    await admin.bind(ROOT_DN, ROOT_PW);
    await admin.add(REPL_DN, { objectClass: ['applicationProcess', 'simpleSecurityObject'], cn: 'replication manager', userPassword: REPL_PW });
    const mon = await admin.search('cn=replication,cn=monitor', '(objectClass=*)', { scope: 0, attributes: ['*', '+'] });
    const gen = mon.entries[0]!.attrs.find((a) => a.type.toLowerCase() === 'generationid')!.values[0]!.toString();
    const found = await admin.search(SANDBOX, '(objectClass=*)', { scope: 1, attributes: ['entryUUID'] });
    const uuids = found.entries.map((e) => e.attrs.find((a) => a.type.toLowerCase() === 'entryuuid')!.values[0]!.toString());
    const sandbox = (await admin.search(SANDBOX, '(objectClass=*)', { scope: 0, attributes: ['entryUUID'] })).entries[0]!.attrs[0]!.values[0]!.toString();
    admin.close();
    const before = outsideSandbox(exportLdif(s.configFile));
    const rss0 = rssKiB(s.child.pid!);

    const rand = prng(seed);
    let counter = 0;
    const csn = () => formatCsn({ time: Date.now() * 1000, counter: counter++ % 0xffffff, replicaId: ORIGIN, subseq: 0 });
    const change = (): unknown => {
      const uuid = uuids[rand(uuids.length)]!;
      if (rand(4) === 0) {
        const id = `r${counter}`;
        const hex = (counter + 0x10000000).toString(16);
        return { csn: csn(), op: 'add', uuid: `${hex}-0000-4000-8000-${hex.padStart(12, '0')}`, parent: sandbox, rdn: [['uid', Buffer.from(id)]], attrs: [['objectClass', [Buffer.from('account')]], ['uid', [Buffer.from(id)]]] };
      }
      return { csn: csn(), op: 'modify', uuid, mods: [{ op: 'replace', attr: 'description', values: [Buffer.from(`fuzz ${counter}`)] }] };
    };
    const mutate = (v: Buffer): Buffer => {
      const out = Buffer.from(v);
      for (let k = 1 + rand(4); k > 0; k--) out[rand(out.length)] = rand(256);
      return out;
    };

    let sent = 0;
    let shown = 0;
    const t0 = Date.now();
    const worker = async (): Promise<void> => {
      while (sent < count && !exited(s)) {
        const c = await LdapClient.connect(s.url, { timeoutMs: 10_000 }).catch((e: Error) => {
          problems.push(`connect failed: ${e.message}`);
          return undefined;
        });
        if (!c) return;
        try {
          await c.bind(REPL_DN, REPL_PW);
          await c.extended(REPL_OID.start, pack({ v: 1, suffix: SUFFIX, gen, rid: ORIGIN, url: 'ldap://127.0.0.1:1', agreement: 'fuzz' }));
          let seq = 0;
          while (sent < count && !c.closed) {
            const heartbeat = rand(10) === 0;
            const oid = heartbeat ? REPL_OID.heartbeat : REPL_OID.group;
            let value: Buffer | undefined = heartbeat ? undefined : pack({ seq, ...packList(Array.from({ length: 1 + rand(3) }, change), rand(2) * 6) });
            if (value && rand(10) < 9) value = mutate(value);
            sent++;
            try {
              await c.extended(oid, value);
              if (!heartbeat) seq++;
              tally('0');
            } catch (e) {
              if (!(e instanceof LdapError)) {
                // No answer at all: the one thing the server must never do.
                problems.push(`request ${sent} got no result: ${(e as Error).message}`);
                return;
              }
              tally(String(e.code));
              break; // an error ends the session (the server closes it): open a new one
            }
          }
        } catch (e) {
          problems.push(`session setup failed: ${(e as Error).message}`);
          return;
        } finally {
          c.close();
        }
        if (sent >= shown + 10_000) process.stderr.write(`  ${(shown = sent - (sent % 10_000))} sent\n`);
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
    const ms = Date.now() - t0;
    if (exited(s)) problems.push(`server exited (code ${s.child.exitCode}, signal ${s.child.signalCode})`);
    else {
      const rss1 = rssKiB(s.child.pid!);
      const after = outsideSandbox(exportLdif(s.configFile));
      if (after !== before) {
        const was = new Set(before.split('\n\n'));
        const now = new Set(after.split('\n\n'));
        const changed = [...now].filter((b) => !was.has(b)).map((b) => b.split('\n')[0]);
        const gone = [...was].filter((b) => !now.has(b)).map((b) => b.split('\n')[0]);
        problems.push(`entries outside the sandbox differ after the run: new or changed ${changed.join(', ') || 'none'}; gone or changed ${gone.join(', ') || 'none'}`);
      }
      else console.log(`data outside the sandbox unchanged (${before.length} octets of export)`);
      console.log(`replication messages ${sent} in ${(ms / 1000).toFixed(1)} s: ${Math.round(sent / (ms / 1000))}/s; result codes ${[...codes].map(([k, v]) => `${k}:${v}`).join(' ')}`);
      console.log(`server RSS ${(rss0 / 1024).toFixed(1)} MiB before, ${(rss1 / 1024).toFixed(1)} MiB after`);
    }
    const errors = serverErrors(s);
    if (errors.length) problems.push(`the server logged ${errors.length} error(s), e.g.\n  ${errors.slice(0, 3).join('\n  ')}`);
  } finally {
    await s.stop();
  }
  for (const p of problems) console.log(`PROBLEM ${p}`);
  console.log(problems.length ? `FAILED (seed ${seed}, --repl)` : `OK (seed ${seed}, --repl)`);
  return problems.length ? 1 : 0;
}
