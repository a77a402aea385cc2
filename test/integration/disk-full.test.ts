// A database disk that fills up under a write load: no crash, clients told
// why, every acknowledged write kept. The disk is made "full" without a
// mount: the server runs under a file-size limit (ulimit -f), past which
// LMDB's page writes fail (EFBIG, or a short write it reports as EIO) as
// they do on a full disk (ENOSPC, or a short write).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { LdapError, RC } from '../../src/errors.js';
import { LdapClient } from '../../src/ldap/client.js';
import { cleanup, launch, ROOT_DN, ROOT_PW, startServer, SUFFIX, type TestServer } from '../helpers/server.js';

const people = `ou=people,${SUFFIX}`;
const BIG = 'x'.repeat(20_000);

t.test('writes failing on a full disk, queued and direct: refused with a reason, the server stays up, nothing acknowledged is lost', async (t) => {
  const first = await startServer({ seed: true });
  const dir = first.dir;
  await first.stop();
  t.teardown(() => cleanup(dir));
  const size = statSync(join(dir, 'data', 'data.mdb')).size;
  let s: TestServer = await launch(dir, first.configFile, undefined, { fileSizeLimitKiB: Math.ceil(size / 1024) + 1024 });
  t.teardown(() => s.stop());
  let stderr = '';
  s.child.stderr!.on('data', (d) => (stderr += d));
  const c = await LdapClient.connect(s.url, { timeoutMs: 20_000 });
  t.teardown(() => c.close());
  await c.bind(ROOT_DN, ROOT_PW);
  const acked: string[] = [];
  const refusals = new Map<string, number>();
  let next = 0;
  // Eight at a time: most commits go through lmdb-js' writer thread in batches.
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < 300) {
        const uid = `full${next++}`;
        await c.add(`uid=${uid},${people}`, { objectClass: ['inetOrgPerson'], uid, cn: uid, sn: 'full', description: BIG }).then(
          () => acked.push(uid),
          (e: unknown) => {
            const k = e instanceof LdapError ? `${e.code} ${e.message}` : String(e);
            refusals.set(k, (refusals.get(k) ?? 0) + 1);
          },
        );
      }
    }),
  );
  await new Promise((r) => setTimeout(r, 300)); // a crashed server's exit is seen
  t.ok(acked.length > 0 && refusals.size > 0, `${acked.length} adds acknowledged, then refused: ${JSON.stringify([...refusals])}`);
  t.equal(s.child.exitCode, null, `the server is still running (stderr: ${stderr.slice(-300)})`);
  t.equal(s.child.signalCode, null, `not killed by a signal (${s.child.signalCode})`);
  const failures = s.log.filter((l) => /"write failed"/.test(l)).slice(0, 3);
  for (const k of refusals.keys()) {
    t.notMatch(k, /internal error|closed|ECONNRESET/, `a refusal names its reason: ${k} (server log: ${failures.join(' | ')})`);
    t.match(k, new RegExp(`^(${RC.other}|${RC.unwillingToPerform}) `), 'other or unwillingToPerform');
  }
  // A lone write (the direct path, on the main thread) is refused the same
  // way. Pages the failed batches left free may still take a few smaller
  // commits than theirs: those are acknowledged like any other.
  let lone: unknown;
  for (let i = 0; i < 40 && lone === undefined; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const uid = `lone${i}`;
    lone = await c.add(`uid=${uid},${people}`, { objectClass: ['inetOrgPerson'], uid, cn: uid, sn: 'full', description: BIG }).then(() => void acked.push(uid), (e: unknown) => e);
  }
  t.ok(lone instanceof LdapError && !/internal error/.test(lone.message), `a lone write is refused with a reason: ${(lone as Error)?.message}`);
  const seen = await c.search(people, '(sn=full)', { scope: 1, attributes: ['uid'] });
  t.equal(seen.entries.length, acked.length, 'reads go on: every acknowledged add, nothing else');
  c.close();
  await s.stop();
  // Space again: every acknowledged add survived the restart, and writes work.
  s = await launch(dir, first.configFile);
  const d = await LdapClient.connect(s.url, { timeoutMs: 20_000 });
  t.teardown(() => d.close());
  await d.bind(ROOT_DN, ROOT_PW);
  const after = await d.search(people, '(sn=full)', { scope: 1, attributes: ['uid'] });
  const uids = new Set(after.entries.map((e) => e.dn.replace(/^uid=([^,]*),.*$/, "$1")));
  t.same(acked.filter((u) => !uids.has(u)), [], 'no acknowledged add is missing after a restart');
  await d.add(`uid=again,${people}`, { objectClass: ['inetOrgPerson'], uid: 'again', cn: 'again', sn: 'again' });
  t.pass('writes work again once there is space');
});
