// The total update's staged copy (src/store/stage.ts) on real files.
import t, { type Test } from 'tap';
import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discardStages, readStage, StageFile } from '../../../src/store/stage.js';

function tmp(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-stage-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('chunks come back in order, byte for byte; a new stage removes the old one', async (t) => {
  const dir = tmp(t);
  writeFileSync(join(dir, 'data.mdb'), 'not a stage');
  const first = StageFile.create(dir);
  await first.append(Buffer.from('left over'));
  const stage = StageFile.create(dir);
  const chunks = [Buffer.from('one'), Buffer.alloc(0), Buffer.alloc(300_000, 7), Buffer.from([0, 1, 2, 255])];
  for (const c of chunks) await stage.append(c);
  // An abandoned total update's write still under way lands in its own (removed) file.
  await first.append(Buffer.from('late'));
  first.close();
  t.equal(stage.size, chunks.reduce((n, c) => n + 4 + c.length, 0), 'size counts headers and chunks');
  stage.close();
  t.same([...readStage(stage.path)], chunks);
  t.same(readdirSync(dir).sort(), ['data.mdb', stage.path.slice(dir.length + 1)].sort(), 'only the newest stage is left, nothing else removed');
  stage.discard();
  t.same(readdirSync(dir), ['data.mdb']);
});

t.test('a stage cut short is refused, not read as a smaller copy', async (t) => {
  const dir = tmp(t);
  const stage = StageFile.create(dir);
  await stage.append(Buffer.alloc(100, 1));
  await stage.append(Buffer.alloc(100, 2));
  stage.close();
  truncateSync(stage.path, 104 + 50);
  t.throws(() => [...readStage(stage.path)], /ends inside a chunk$/);
  truncateSync(stage.path, 104 + 2);
  t.throws(() => [...readStage(stage.path)], /ends inside a chunk header/);
  await t.rejects(stage.append(Buffer.from('x')), /the staged copy was closed/);
  discardStages(dir);
  t.same(readdirSync(dir), []);
  discardStages(join(dir, 'missing'));
});
