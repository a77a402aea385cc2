// The server a fuzz run attacks: the example data plus the ou=fuzz sandbox
// the corpus writes to, with a smaller PDU limit so that "huge" mutants hit
// it without the client sending megabytes.
import { readFileSync } from 'node:fs';
import { LdapClient } from '../../src/ldap/client.js';
import { ROOT_DN, ROOT_PW, startServer, type TestServer } from '../helpers/server.js';
import { SANDBOX_ENTRIES } from './corpus.js';

export const TARGET_MAX_PDU = 1024 * 1024;

/**
 * The brute-force guard would lock the rootDn after the corpus's wrong
 * binds (and slow every later bind), which would stop the checks that
 * bind as the rootDn; it is switched off here.
 */
const YAML = [`limits: { maxPduBytes: ${TARGET_MAX_PDU} }`, 'access: { bruteForce: { delayAfter: 1000000000, lockAfter: 1000000000 } }'].join('\n');

/** With `replication`, a Replication Manager may open sessions (`npm run fuzz -- --repl`). */
export async function startTarget(o: { replication?: boolean } = {}): Promise<TestServer> {
  const yaml = o.replication ? `${YAML}\nreplication:\n  managers: ["cn=replication manager,cn=config"]` : YAML;
  const s = await startServer({ seed: true, yaml });
  const c = await LdapClient.connect(s.url, { timeoutMs: 30_000 });
  try {
    await c.bind(ROOT_DN, ROOT_PW);
    for (const e of SANDBOX_ENTRIES) await c.add(e.dn, e.attrs);
  } finally {
    c.close();
  }
  return s;
}

export function exited(s: TestServer): boolean {
  return s.child.exitCode !== null || s.child.signalCode !== null;
}

/** Resident set size of a process in KiB (Linux). */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** Error lines of the server's log (pino level 50 and up), shortened. */
export function serverErrors(s: TestServer): string[] {
  return s.log.flatMap((l) => {
    let j: { level: number; msg: string; err?: { message?: string; stack?: string } | string };
    try {
      j = JSON.parse(l);
    } catch {
      return [`not a log line: ${l}`];
    }
    if (j.level < 50) return [];
    const err = typeof j.err === 'string' ? j.err : (j.err?.stack ?? j.err?.message ?? '').split('\n').slice(0, 3).join(' | ');
    return [`${j.msg}: ${err}`];
  });
}

/**
 * Whether the server process has ended, waiting up to `ms` for its exit to
 * be reported: refused connections usually arrive before the exit event.
 */
export async function hasExited(s: TestServer, ms = 1000): Promise<boolean> {
  if (exited(s)) return true;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      s.child.off('exit', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    s.child.on('exit', done);
  });
  return exited(s);
}
