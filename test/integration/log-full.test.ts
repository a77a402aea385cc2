// A log file that cannot grow (a full disk; here a file-size limit, ulimit
// -f, past which its writes fail with EFBIG as they would with ENOSPC) must
// not stop the server: it goes on answering, says so once on stderr, and
// still stops on SIGTERM. Before, the log's write error became an uncaught
// exception and the flush at exit retried the write for ever: the server
// neither served nor exited, and only SIGKILL ended it.
import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { freePort, serving } from '../helpers/mesh.js';
import { BIN, cleanup, EXAMPLE_LDIF, meshdir, nodeCommand, SUFFIX, writeServerFile } from '../helpers/server.js';

t.test('a log that cannot be written: the server answers, says so once, and stops on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-logfull-'));
  t.teardown(() => cleanup(dir));
  const port = await freePort();
  const logFile = join(dir, 'log', 'meshdir.log');
  const configFile = writeServerFile(dir, { listen: [`ldap://127.0.0.1:${port}`], yaml: `log: { file: ${logFile}, access: true }` });
  t.equal(meshdir(['import', '--config', configFile, '--no-progress', EXAMPLE_LDIF]).status, 0, 'imported');
  // Room for the database (what a start writes; searches do not) and 512 KiB of log.
  const limitKiB = Math.ceil(statSync(join(dir, 'data', 'data.mdb')).size / 1024) + 512;
  const child = spawn(...nodeCommand([BIN, 'serve', '--config', configFile], limitKiB), { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const { client: c, stderr } = await serving(t, child, port);

  // ~200 octets of access log per search: well past the limit.
  for (let round = 0; round < 320; round++) {
    await Promise.all(Array.from({ length: 16 }, () => c.search(SUFFIX, '(uid=alice)', { attributes: ['uid'] })));
  }
  const logSize = statSync(logFile).size;
  t.ok(logSize <= limitKiB * 1024 && logSize > 0, `the log stopped growing at the limit (${logSize} octets)`);
  const r = await c.search(SUFFIX, '(uid=alice)', { attributes: ['uid'] });
  t.equal(r.entries.length, 1, 'after 5,000 searches the server still answers');
  t.equal(child.exitCode, null, `still running (stderr: ${stderr().slice(-300)})`);
  const said = stderr().split('\n').filter((l) => l.includes('cannot write the log'));
  t.equal(said.length, 1, `said once on stderr: ${said[0]}`);
  t.match(said[0], `meshdir: cannot write the log (${logFile}): EFBIG`);

  c.close();
  const t0 = Date.now();
  child.kill('SIGTERM');
  const timeout = new Promise<string>((r) => setTimeout(() => r('still running 15 s after SIGTERM'), 15_000).unref());
  const code = await Promise.race([exited, timeout]);
  t.equal(code, 0, `SIGTERM stops it (${Date.now() - t0} ms)`);
});
