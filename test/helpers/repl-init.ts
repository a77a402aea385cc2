// Total-update tests' shared setup: people to copy, a disabled agreement
// for `repl init`, the staged copies a consumer leaves in its data
// directory, and changelogs that are trimmed within seconds.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LdapClient } from '../../src/ldap/client.js';
import { eventually, meshdirAsync, REPL_DN, type Mesh } from './mesh.js';
import { SUFFIX } from './server.js';

/** Server-file YAML: a changelog that keeps 1 s of records, trimmed every second. */
export const SHORT_CHANGELOG = `replication:\n  managers: ["${REPL_DN}"]\n  changelog: { maxAge: 1s }\n  maintenanceInterval: 1s\n`;

/** How many changelog records a node has trimmed, from its log. */
export const trimmedBy = (mesh: Mesh, name: string): number =>
  mesh.node(name).server.log.reduce((n, l) => {
    const o = JSON.parse(l) as { msg: string; trimmed?: number };
    return n + (o.msg === 'replication maintenance' ? (o.trimmed ?? 0) : 0);
  }, 0);

export const person = (uid: string) => ({ objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid, cn: uid, sn: uid });

/** The suffix, ou=people and `n` people below it, added 250 at a time (with `bytes` random bytes of description each, if any). */
export async function addPeople(c: LdapClient, n: number, bytes = 0): Promise<void> {
  await c.add(SUFFIX, { objectClass: ['top', 'dcObject', 'organization'], dc: 'example', o: 'Example' });
  await c.add(`ou=people,${SUFFIX}`, { objectClass: ['top', 'organizationalUnit'], ou: 'people' });
  for (let i = 0; i < n; i += 250) {
    await Promise.all(Array.from({ length: Math.min(250, n - i) }, (_, j) => c.add(`uid=p${i + j},ou=people,${SUFFIX}`, { ...person(`p${i + j}`), ...(bytes ? { description: randomBytes(bytes).toString('hex') } : {}) })));
  }
}

/** Staged copies of a total update in a node's data directory (src/store/stage.ts). */
export const stagedFiles = (dir: string): string[] => readdirSync(join(dir, 'data')).filter((n) => n.startsWith('total-update.stage.'));

/** A disabled agreement `from` → `to` (for repl init only), once `from` has loaded it. */
export async function agreeForInit(mesh: Mesh, from: string, to: string): Promise<void> {
  mesh.agree(from, to, { enabled: false });
  await eventually(async () => (await mesh.agreement(from, `to-${to}`)) !== undefined, 5000, 'the agreement loaded');
}

/** `meshdir repl init` of `from`'s agreement `to-<to>`, as an operator runs it. */
export function replInit(mesh: Mesh, from: string, to: string): ReturnType<typeof meshdirAsync> {
  return meshdirAsync(['repl', 'init', '--config', mesh.node(from).server.configFile, '--agreement', `to-${to}`, '--no-progress']);
}
