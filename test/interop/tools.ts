// Runs OpenLDAP's command-line tools (Debian ldap-utils) against a test
// server, isolated from the machine's ldap.conf and ~/.ldaprc.
import { spawnSync } from 'node:child_process';
import { ROOT_DN, ROOT_PW, SUFFIX } from '../helpers/server.js';

export interface ToolResult {
  /** Exit status: the LDAP result code for most tools. */
  code: number;
  stdout: string;
  stderr: string;
}

export function tool(name: string, args: string[], opts: { input?: string; env?: Record<string, string> } = {}): ToolResult {
  const r = spawnSync(name, args, {
    encoding: 'utf8',
    input: opts.input,
    timeout: 30_000,
    env: { ...process.env, LDAPCONF: '/dev/null', LDAPRC: 'meshdir-test-none', ...opts.env },
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export const people = (uid: string): string => `uid=${uid},ou=people,${SUFFIX}`;

/** Connection and bind options: anonymous, the rootDn, or an example user (password "secret"). */
export function as(url: string, who: 'anonymous' | 'root' | string = 'anonymous', password = 'secret'): string[] {
  if (who === 'anonymous') return ['-x', '-H', url];
  if (who === 'root') return ['-x', '-H', url, '-D', ROOT_DN, '-w', ROOT_PW];
  return ['-x', '-H', url, '-D', people(who), '-w', password];
}

/** `ldapmodify` of `dn` as `who` (see `as`) with one change, e.g. "replace: mail\nmail: x". */
export function modifyAs(url: string, who: string, dn: string, change: string): ToolResult {
  return tool('ldapmodify', as(url, who), { input: `dn: ${dn}\nchangetype: modify\n${change}\n` });
}

/** DNs of `ldapsearch -LLL` output, in order. */
export function dns(ldif: string): string[] {
  return ldif.split('\n').filter((l) => l.startsWith('dn:')).map((l) => l.replace(/^dn: ?/, ''));
}

/** The "type: value" lines of each entry of `ldapsearch -LLL -o ldif-wrap=no` output, sorted (attribute order is not compared). */
export function entryLines(ldif: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const block of ldif.split(/\n\n+/)) {
    const lines = block.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    if (lines.length === 0) continue;
    out.set(lines[0]!.replace(/^dn: ?/, ''), lines.slice(1).sort());
  }
  return out;
}

/** The attribute types named in `ldapsearch -LLL` output (of every entry). */
export function types(ldif: string): string[] {
  return [...new Set(ldif.split('\n').filter((l) => /^[A-Za-z0-9.;-]+::? ?/.test(l) && !l.startsWith('dn:')).map((l) => l.split(':')[0]!))].sort();
}
