// Log rotation as logrotate does it: the log file renamed, then SIGHUP. The
// server opens its log file again by name and goes on serving; the lines
// before the signal stay in the renamed file, those after it go to the new.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { eventually, freePort, serving } from '../helpers/mesh.js';
import { BIN, cleanup, EXAMPLE_LDIF, meshdir, nodeCommand, ROOT_DN, ROOT_PW, SUFFIX, writeServerFile } from '../helpers/server.js';

t.test('SIGHUP reopens the log file: a renamed log keeps the old lines, a new one gets the rest', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-logrotate-'));
  t.teardown(() => cleanup(dir));
  const port = await freePort();
  const logFile = join(dir, 'meshdir.log');
  const configFile = writeServerFile(dir, { listen: [`ldap://127.0.0.1:${port}`], yaml: `log: { file: ${logFile}, access: true }` });
  t.equal(meshdir(['import', '--config', configFile, '--no-progress', EXAMPLE_LDIF]).status, 0, 'imported');
  const child = spawn(...nodeCommand([BIN, 'serve', '--config', configFile]), { stdio: ['ignore', 'ignore', 'pipe'] });
  const { client: c, stderr } = await serving(t, child, port);
  await c.bind(ROOT_DN, ROOT_PW);

  await c.search(SUFFIX, '(uid=before-rotation)', { attributes: ['uid'] });
  await eventually(async () => readFileSync(logFile, 'utf8').includes('before-rotation'), 5_000, 'the first search logged');
  renameSync(logFile, `${logFile}.1`);
  child.kill('SIGHUP');
  await eventually(async () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('log file reopened'), 5_000, 'a new log file, opened on SIGHUP');
  await c.search(SUFFIX, '(uid=after-rotation)', { attributes: ['uid'] });
  await c.modify(`uid=alice,ou=people,${SUFFIX}`, [{ op: 'replace', attr: 'description', values: 'rotated' }]);
  await eventually(async () => readFileSync(logFile, 'utf8').includes('after-rotation'), 5_000, 'the next search logged in the new file');
  const old = readFileSync(`${logFile}.1`, 'utf8');
  t.match(old, /meshdir started/, 'the renamed file keeps the lines before the signal');
  t.notMatch(old, /after-rotation/, 'and none after it');
  t.equal(child.exitCode, null, `the server still runs (stderr: ${stderr().slice(-300)})`);

  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'and stops on SIGTERM');
});
