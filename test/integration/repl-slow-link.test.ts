// A link slower than a group needs: on a 40 KB/s link a group of 100
// changes of 6 KB takes 15 s, longer than a session's request timeout. The
// supplier must not send that group again, whole, after every reconnect
// (the consumer would never get it); smaller groups get through.
import { createServer, connect, type Socket } from 'node:net';
import t from 'tap';
import { Mesh, eventually, freePort } from '../helpers/mesh.js';
import { SUFFIX } from '../helpers/server.js';

const BYTES_PER_S = 40_000;

/** A TCP relay to `port` that lets BYTES_PER_S through towards it. */
async function throttle(port: number): Promise<{ url: string; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ port, host: '127.0.0.1' });
    sockets.add(client).add(upstream);
    const queue: Buffer[] = [];
    let busy = false;
    const pump = (): void => {
      if (busy) return;
      const b = queue.shift();
      if (!b) return;
      busy = true;
      setTimeout(() => {
        if (!upstream.destroyed) upstream.write(b);
        busy = false;
        pump();
      }, (b.length / BYTES_PER_S) * 1000);
    };
    client.on('data', (d: Buffer) => {
      for (let i = 0; i < d.length; i += 4096) queue.push(d.subarray(i, i + 4096));
      pump();
    });
    upstream.on('data', (d: Buffer) => client.write(d));
    const end = (): void => {
      queue.length = 0;
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) s.on('close', end).on('error', end);
  });
  const p = await freePort();
  await new Promise<void>((r) => server.listen(p, '127.0.0.1', () => r()));
  return {
    url: `ldap://127.0.0.1:${p}`,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

t.test('a group too large for a slow link is sent in smaller ones', async (t) => {
  const mesh = await Mesh.start({ nodes: { m1: 'master', c1: 'consumer' }, seed: 'm1' });
  t.teardown(() => mesh.stop());
  mesh.agree('m1', 'c1');
  await eventually(async () => (await mesh.count('c1')) === 12, 20_000, 'seed on c1');
  const link = await throttle(mesh.node('c1').server.port);
  t.teardown(() => link.close());
  mesh.agree('m1', 'c1', { consumer: link.url, heartbeat: '1s' });
  await eventually(async () => (await mesh.agreement('m1', 'to-c1'))?.state?.[0] === 'in-sync', 10_000, 'in sync through the slow link');

  // Stop sending while the 100 modifies are made, so they leave as one group of 100.
  mesh.agree('m1', 'c1', { consumer: link.url, heartbeat: '1s', enabled: false });
  await eventually(async () => (await mesh.agreement('m1', 'to-c1'))?.state?.[0] === 'disabled', 10_000, 'disabled');
  const c = await mesh.client('m1');
  const big = (i: number) => `${i} ${'x'.repeat(6000)}`.replace(/x/g, () => String.fromCharCode(97 + Math.floor(Math.random() * 26)));
  for (let i = 0; i < 100; i++) await c.modify(`uid=alice,ou=people,${SUFFIX}`, [{ op: 'replace', attr: 'description', values: [big(i)] }]);
  c.close();
  const t0 = Date.now();
  mesh.agree('m1', 'c1', { consumer: link.url, heartbeat: '1s', enabled: true });
  await eventually(
    async () => (await mesh.entries('c1')).get(`uid=alice,ou=people,${SUFFIX}`.toLowerCase())?.description?.[0]?.startsWith('99 ') === true,
    90_000,
    'the last modify on c1',
  ).catch((e: Error) => t.fail(e.message));
  t.pass(`600 KB of changes through a 40 KB/s link in ${Date.now() - t0} ms`);
});
