// `meshdir compact` and `meshdir backup` whose copy cannot be written (a
// full disk; here a file-size limit below the copy's size, past which its
// writes fail as on a full disk): one line naming where and why, the
// database untouched, no half copy left behind. Before: "meshdir:
// Input/output error", and backup left a partial DIR/db filling its disk.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { BIN, cleanup, EXAMPLE_LDIF, meshdir, nodeCommand, writeServerFile } from '../helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'meshdir-copyfull-'));
t.teardown(() => cleanup(dir));
const configFile = writeServerFile(dir, {});
t.equal(meshdir(['import', '--config', configFile, '--no-progress', EXAMPLE_LDIF]).status, 0, 'imported');
const data = join(dir, 'data', 'data.mdb');
const digest = (): string => createHash('sha256').update(readFileSync(data)).digest('hex');
const before = digest();

/** meshdir under a 40 KiB file-size limit (the database is ~90 KiB). */
const limited = (args: string[]) => spawnSync(...nodeCommand([BIN, ...args], 40), { encoding: 'utf8', timeout: 60_000 });

t.test('compact', async (t) => {
  const r = limited(['compact', '--config', configFile]);
  t.equal(r.status, 1, 'exit 1');
  t.equal(r.stderr, `meshdir: cannot copy the database to ${join(dir, 'data', '.compact')}: Input/output error\n`);
  t.notOk(existsSync(join(dir, 'data', '.compact')), 'no half copy left');
  t.equal(digest(), before, 'the database untouched');
});

t.test('backup', async (t) => {
  const target = join(dir, 'backup');
  const r = limited(['backup', '--config', configFile, target]);
  t.equal(r.status, 1, 'exit 1');
  t.equal(r.stderr, `meshdir: cannot copy the database to ${join(target, 'db')}: Input/output error\n`);
  t.same(readdirSync(target), [], 'no half copy and no manifest left');
  t.equal(digest(), before, 'the database untouched');
  t.equal(meshdir(['export', '--config', configFile]).status, 0, 'and it exports');
});
