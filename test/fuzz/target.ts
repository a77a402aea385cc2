// The server a fuzz run attacks: the example data plus the ou=fuzz sandbox
// the corpus writes to, with a smaller PDU limit so that "huge" mutants hit
// it without the client sending megabytes.
import { readFileSync } from 'node:fs';
import { LdapClient } from '../../src/ldap/client.js';
import { ROOT_DN, ROOT_PW, startServer, type TestServer } from '../helpers/server.js';
import { SANDBOX_ENTRIES } from './corpus.js';

export const TARGET_MAX_PDU = 1024 * 1024;

export async function startTarget(): Promise<TestServer> {
  const s = await startServer({ seed: true, yaml: `limits: { maxPduBytes: ${TARGET_MAX_PDU} }` });
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
