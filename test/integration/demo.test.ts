// `meshdir demo` (what `npm start` runs), on a copy of the repository whose
// demo files name free ports instead of 1389…4389 (which the README's demo
// keeps for people): it starts three masters and a consumer, the example
// data replicated, and stops them all on SIGINT; when one server cannot
// start, the demo fails and leaves none of the others running.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { LdapClient } from '../../src/ldap/client.js';
import { cleanup, nodeCommand, REPO, SUFFIX } from '../helpers/server.js';
import { freePort } from '../helpers/mesh.js';

const DEMO_PORTS = [1389, 2389, 3389, 4389];

/** A copy of what the demo runs (dist, bin, schema, agreements) with its ports replaced by `ports`. */
function demoCopy(t: Test, ports: number[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-demo-'));
  t.teardown(() => {
    killLeftovers(dir);
    cleanup(dir);
  });
  for (const d of ['dist', 'bin', 'schema', 'agreements']) cpSync(join(REPO, d), join(dir, d), { recursive: true });
  cpSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const f = join(d, name);
      if (statSync(f).isDirectory()) walk(f);
      else if (f.endsWith('.yaml')) {
        let text = readFileSync(f, 'utf8');
        DEMO_PORTS.forEach((p, i) => (text = text.replaceAll(`127.0.0.1:${p}`, `127.0.0.1:${ports[i]}`)));
        writeFileSync(f, text);
      }
    }
  };
  walk(join(dir, 'agreements'));
  return dir;
}

/** Processes still running from `dir` (servers a failed demo left behind). */
function leftovers(dir: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir)) pids.push(Number(p));
    } catch {
      // gone
    }
  }
  return pids;
}

function killLeftovers(dir: string): void {
  for (const pid of leftovers(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

function run(dir: string, args: string[] = []): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn(...nodeCommand([join(dir, 'bin', 'meshdir'), 'demo', ...args]), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, exit };
}

const refuses = (port: number): Promise<boolean> =>
  new Promise((r) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), r(false)));
    s.once('error', () => r(true));
  });

const ports = async (): Promise<number[]> => {
  const out: number[] = [];
  while (out.length < 4) {
    const p = await freePort();
    if (!out.includes(p)) out.push(p);
  }
  return out;
};

for (const args of [[], ['--keep']]) t.test(`the demo${args.map((a) => ` ${a}`).join('')} starts four servers with the example data and stops them all on SIGINT`, async (t) => {
  const p = await ports();
  const dir = demoCopy(t, p);
  // --keep without an earlier run: the example data all the same (before, four empty servers).
  const demo = run(dir, args);
  t.teardown(() => demo.child.kill('SIGKILL'));
  // Looked for as it is printed (not every 100 ms): what follows checks what a paste at once would see.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the demo not running after 60 s')), 60_000);
    const look = (): void => {
      if (!demo.out().includes('Ctrl-C stops everything') && demo.child.exitCode === null) return;
      clearTimeout(timer);
      demo.child.stdout!.off('data', look);
      resolve();
    };
    demo.child.stdout!.on('data', look);
    demo.child.once('exit', look);
  });
  t.match(demo.out(), `m1  ldap://127.0.0.1:${p[0]}  master (replicaId 1)`);
  t.match(demo.out(), `c1  ldap://127.0.0.1:${p[3]}  consumer`);
  // The printed lines work when pasted at once: the example data is on every server when they appear
  // (before: the first, an ldapsearch of alice on m2, answered 32 for a second or two).
  const alice = await Promise.all(p.map(async (port) => {
    const c = await LdapClient.connect(`ldap://127.0.0.1:${port}`, { timeoutMs: 5000 });
    try {
      return (await c.search(SUFFIX, '(uid=alice)', { scope: 2 })).entries.length;
    } catch (e) {
      return (e as Error).message;
    } finally {
      c.close();
    }
  }));
  t.same(alice, [1, 1, 1, 1], 'alice on all four as soon as the demo says it runs');
  if (!args.length) {
    // A second demo while this one runs: refused, this one's data left alone (before: wiped from under it).
    const second = run(dir);
    t.equal(await second.exit, 1, 'a second demo in the same place: exit 1');
    t.match(second.err(), /\.demo\/m1 is in use by process \d+: is a demo already running\? Stop it first/);
    const c = await LdapClient.connect(`ldap://127.0.0.1:${p[1]}`, { timeoutMs: 5000 });
    t.teardown(() => c.close());
    await c.bind('cn=Directory Manager', 'secret');
    await c.modify(`uid=alice,ou=people,${SUFFIX}`, [{ op: 'replace', attr: 'mail', values: 'second@example.com' }]);
    t.ok(statSync(join(dir, '.demo', 'm2', 'data.mdb')).size > 0, 'the running demo keeps its data files');
  }
  demo.child.kill('SIGINT');
  t.equal(await demo.exit, 0, 'exit 0 on SIGINT');
  t.match(demo.err(), 'meshdir demo: all servers stopped');
  for (const port of p) t.ok(await refuses(port), `nothing listens on ${port} any more`);
  t.same(leftovers(dir), [], 'no server left running');
  if (args.length) t.match(demo.err(), 'no earlier run to keep');
});

t.test('a server that cannot start (its port taken) fails the demo, and the others are stopped too', async (t) => {
  const p = await ports();
  const dir = demoCopy(t, p);
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(p[1], '127.0.0.1', () => r()));
  t.teardown(() => blocker.close());
  const demo = run(dir);
  t.teardown(() => demo.child.kill('SIGKILL'));
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([demo.exit, new Promise<string>((r) => (timer = setTimeout(() => r('still running after 60 s'), 60_000)))]);
  clearTimeout(timer);
  t.equal(code, 1, 'exit 1');
  t.match(demo.err(), `cannot listen on ldap://127.0.0.1:${p[1]}: address already in use`);
  for (const port of [p[0]!, p[2]!, p[3]!]) t.ok(await refuses(port), `nothing listens on ${port}`);
  t.same(leftovers(dir), [], 'no server left running (before the fix: m1, m3 and c1 ran on without the demo)');
});
