// Replication over StartTLS and over ldaps:// checks the consumer's
// certificate: with the CA that signed it the agreement replicates; with
// another CA it stops as `refused` and its status says why (a TLS
// certificate error).
import t from 'tap';
import { LdapError, RC } from '../../src/errors.js';
import { Mesh, eventually } from '../helpers/mesh.js';
import { makePki } from '../helpers/pki.js';
import { cleanup, meshdir, ROOT_DN, ROOT_PW } from '../helpers/server.js';

for (const transport of ['starttls', 'ldaps'] as const) {
  t.test(`replication over ${transport} verifies the consumer certificate`, async (t) => {
    const pki = makePki();
    t.teardown(() => cleanup(pki.dir));
    const mesh = await Mesh.start({
      nodes: { m1: 'master', c1: 'consumer', c2: 'consumer' },
      seed: 'm1',
      ldaps: transport === 'ldaps' ? ['c1', 'c2'] : [],
      yaml: (name) => (name === 'm1' ? '' : `tls: { cert: ${pki.cert}, key: ${pki.key} }`),
    });
    t.teardown(() => mesh.stop());
    const seeded = await mesh.count('m1');
    const url = (n: string) => (transport === 'ldaps' ? mesh.node(n).ldapsUrl! : mesh.node(n).url);

    mesh.agree('m1', 'c1', { consumer: url('c1'), transport, tlsCa: pki.ca });
    await eventually(async () => (await mesh.count('c1')) === seeded, 20_000, `c1 has every entry over ${transport}`);
    t.pass(`c1 got all ${seeded} entries over ${transport} with the right CA`);
    t.equal((await mesh.agreement('m1', 'to-c1'))!.consumer?.[0], url('c1'), `the agreement went to ${url('c1')}`);
    const check = mesh.check(['m1', 'c1']);
    t.ok(check.ok, check.output.split('\n')[0]);

    mesh.agree('m1', 'c2', { consumer: url('c2'), transport, tlsCa: pki.otherCa });
    await eventually(async () => (await mesh.agreement('m1', 'to-c2'))?.state?.[0] === 'refused', 20_000, 'to-c2 refused');
    const status = (await mesh.agreement('m1', 'to-c2'))!;
    t.match(status.detail?.[0], /TLS to ldaps?:\/\/127\.0\.0\.1:\d+: .*(certificate|self.signed|verify)/i, `status says why: ${status.detail?.[0]}`);
    // An empty consumer has no suffix entry yet: noSuchObject.
    t.equal(await mesh.count('c2').then(String, (e: LdapError) => (e.code === RC.noSuchObject ? 'empty' : String(e))), 'empty', 'c2 got nothing');
  });
}

// DESIGN.md's agreement file has no CA key: the supplier's own `tls.ca`
// (its server file) is the trust anchor for its consumers, as slapd's
// syncrepl falls back to the server's TLS CA.
t.test('without tlsCa the supplier checks consumers against its server file\'s tls.ca', async (t) => {
  const pki = makePki();
  t.teardown(() => cleanup(pki.dir));
  const mesh = await Mesh.start({
    nodes: { m1: 'master', c1: 'consumer' },
    seed: 'm1',
    yaml: (name) => `tls: { cert: ${pki.cert}, key: ${pki.key}${name === 'm1' ? `, ca: ${pki.ca}` : ''} }`,
  });
  t.teardown(() => mesh.stop());
  const seeded = await mesh.count('m1');
  mesh.agree('m1', 'c1', { transport: 'starttls' });
  await eventually(async () => (await mesh.count('c1')) === seeded, 20_000, 'c1 has every entry over StartTLS');
  t.pass(`c1 got all ${seeded} entries, checked against m1's tls.ca`);
  // repl check over StartTLS, as ldapsearch -ZZ: the bind password never crosses in clear.
  const check = (ca: string) => meshdir(['repl', 'check', '-Z', '--cacert', ca, '-D', ROOT_DN, '-w', ROOT_PW, mesh.node('m1').url, mesh.node('c1').url]);
  const ok = check(pki.ca);
  t.same([ok.status, ok.stdout], [0, `identical: ${seeded} entries on 2 replicas\n`], ok.stderr);
  const wrong = check(pki.otherCa);
  t.equal(wrong.status, 2, 'another CA: not compared');
  t.match(wrong.stderr, /StartTLS failed: .*(certificate|verify)/);
  mesh.agree('m1', 'c1', { transport: 'starttls', tlsCa: pki.otherCa });
  await eventually(async () => (await mesh.agreement('m1', 'to-c1'))?.state?.[0] === 'refused', 20_000, 'refused with an agreement tlsCa that did not sign it');
  t.pass('an agreement\'s tlsCa takes precedence');
});
