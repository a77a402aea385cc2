// Prometheus metrics (server file `metrics.listen`): a real server, scraped
// over HTTP while an LDAP client uses it and an agreement points at a
// consumer that is not there.
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from './ldap-client.js';
import { cleanup, meshdir, REPO, ROOT_DN, ROOT_HASH, ROOT_PW, startServer, SUFFIX } from '../helpers/server.js';

async function get(url: string): Promise<{ status: number; type: string; body: string }> {
  const r = await fetch(url);
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text() };
}

/** The value of one sample (`name{labels}` exactly as exposed), undefined if absent. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

t.test('counters and database figures, read when scraped', async (t) => {
  const server = await startServer({ seed: true, yaml: 'metrics: { listen: "127.0.0.1:0" }' });
  t.teardown(async () => { await server.stop(); cleanup(server.dir); });
  const started = server.log.map((l) => JSON.parse(l)).find((l) => l.msg === 'meshdir started');
  const url: string = started.metrics;
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

  const before = await get(url);
  t.equal(before.status, 200);
  t.match(before.type, /^text\/plain; version=0\.0\.4/);
  t.match(before.body, /# TYPE meshdir_operations_total counter/);
  t.ok((sample(before.body, 'meshdir_entries') ?? 0) > 10, 'the imported entries are counted');
  t.ok((sample(before.body, 'process_resident_memory_bytes') ?? 0) > 0, 'process figures too');

  const c = await Client.connect(server.url);
  t.teardown(() => c.close());
  await c.bind(ROOT_DN, ROOT_PW);
  for (let i = 0; i < 3; i++) await c.search(SUFFIX, { filter: '(uid=alice)' });
  await c.modify(`uid=alice,ou=people,${SUFFIX}`, [['replace', 'description', ['scraped']]]);
  const after = await get(url);
  const searches = (b: string) => sample(b, 'meshdir_operations_total{op="search"}') ?? 0;
  t.equal(searches(after.body) - searches(before.body), 3, 'three more searches');
  t.equal(sample(after.body, 'meshdir_connections'), 1);
  t.ok((sample(after.body, 'meshdir_entries_sent_total') ?? 0) >= 3);
  const rid1 = sample(after.body, 'meshdir_ruv_csn_timestamp_seconds{replica_id="1"}');
  t.ok(rid1 !== undefined && Math.abs(rid1 - Date.now() / 1000) < 60, 'the RUV holds the modify just made');
  const writes = (b: string) => ['alone', 'batched', 'pipelined'].map((p) => sample(b, `meshdir_commits_total{path="${p}"}`) ?? NaN).reduce((x, y) => x + y);
  t.equal(writes(after.body) - writes(before.body), 1, 'the modify is counted under one of the three ways a write commits');

  t.equal((await get(url.replace('/metrics', '/other'))).status, 404);
});

t.test('an agreement whose consumer does not answer', async (t) => {
  const server = await startServer({ seed: true, yaml: 'metrics: { listen: "127.0.0.1:0" }' });
  t.teardown(() => server.stop());
  const url: string = server.log.map((l) => JSON.parse(l)).find((l) => l.msg === 'meshdir started').metrics;
  // No agreementsDir in this server file: no agreement figures.
  t.notMatch((await get(url)).body, /^meshdir_agreement_state\{/m);
  await server.stop();

  // The same data with an agreement to a port nobody listens on.
  const agr = join(server.dir, 'agr');
  mkdirSync(agr);
  writeFileSync(join(agr, 'to-nowhere.yaml'), 'consumer: ldap://127.0.0.1:1\nbindDn: cn=replication manager,cn=config\nbindPassword: x\ntransport: plain\n');
  const again = await startServer({ dir: server.dir, yaml: `metrics: { listen: "127.0.0.1:0" }\nagreementsDir: ${agr}` });
  t.teardown(async () => { await again.stop(); cleanup(server.dir); });
  const url2: string = again.log.map((l) => JSON.parse(l)).find((l) => l.msg === 'meshdir started').metrics;
  let body = '';
  for (let i = 0; i < 50; i++) {
    body = (await get(url2)).body;
    if (sample(body, 'meshdir_agreement_state{agreement="to-nowhere",consumer="ldap://127.0.0.1:1",state="backoff"}') === 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const states = body.split('\n').filter((l) => l.startsWith('meshdir_agreement_state{agreement="to-nowhere"'));
  t.equal(states.length, 12, 'one series per state');
  t.same(states.filter((l) => l.endsWith(' 1')), ['meshdir_agreement_state{agreement="to-nowhere",consumer="ldap://127.0.0.1:1",state="backoff"} 1']);
  t.equal(sample(body, 'meshdir_agreement_changes_sent_total{agreement="to-nowhere"}'), 0);
  t.ok((sample(body, 'meshdir_agreement_lag_seconds{agreement="to-nowhere"}') ?? -1) >= 0);
});

t.test('a bad metrics listener is refused', async (t) => {
  const server = await startServer({ yaml: 'metrics: { listen: "127.0.0.1:0" }' });
  t.teardown(async () => { await server.stop(); cleanup(server.dir); });
  const taken = new URL(server.log.map((l) => JSON.parse(l)).find((l) => l.msg === 'meshdir started').metrics).host;
  const file = join(server.dir, 'other.yaml');
  const serve = (listen: string) => {
    writeFileSync(file, `replicaId: 2\nlisten: [ldap://127.0.0.1:0]\ndataDir: ${join(server.dir, 'other')}\nsuffix: ${SUFFIX}\nrootDn: ${ROOT_DN}\nrootPassword: "${ROOT_HASH}"\nschemaDir: ${join(REPO, 'schema')}\nmetrics: { listen: "${listen}" }\n`);
    return meshdir(['serve', '--config', file]);
  };
  for (const [listen, reason] of [
    ['9389', 'must be host:port, e.g. 127.0.0.1:9389'],
    ['127.0.0.1:70000', 'port must be 0-65535'],
  ]) {
    const r = serve(listen);
    t.same([r.status, r.stderr], [2, `meshdir: ${file}: metrics.listen: ${reason}\n`], listen);
  }
  const r = serve(taken);
  t.not(r.status, 0);
  t.match(r.stderr, `metrics: cannot listen on ${taken}: address already in use`);
});
