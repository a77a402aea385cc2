// makeDirs: `mkdir -p` that fails where Node's recursive mkdirSync spins
// (under /proc it never returns), and creates what is missing elsewhere.
import t from 'tap';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirs } from '../../../src/dirs.js';

t.test('creates the missing parents, with the mode asked for', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'meshdir-dirs-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const deep = join(base, 'a', 'b', 'c');
  makeDirs(deep, 0o700);
  t.ok(statSync(deep).isDirectory());
  t.equal(statSync(join(base, 'a')).mode & 0o777, 0o700);
  makeDirs(deep);
  t.pass('an existing directory is fine');
  writeFileSync(join(base, 'file'), '');
  t.throws(() => makeDirs(join(base, 'file', 'x')), { code: 'ENOTDIR' });
});

t.test('a path the kernel refuses throws at once', async (t) => {
  t.throws(() => makeDirs('/proc/meshdir-nope/x'), { code: 'ENOENT' });
});
