// A total update's replace (replica.ts stageCommit) writes the records,
// each with its state after it, in key order, as the compacted copy does,
// but with plain puts, whose page splits leave room (MDB_APPEND, which the
// copy uses, fills pages, so the copy leaves room itself): the first
// change of every entry on the new replica (its state gains a CSN) must
// not split the records' pages wholesale (a few do: 182 → 183–192 leaf
// pages of states in eight runs, when they had a database of their own;
// full pages double).
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/log.js';
import { stageCommit } from '../../../src/store/replica.js';
import { StageFile } from '../../../src/store/stage.js';
import { Store } from '../../../src/store/store.js';
import { b, fillPeople, leafPages, modifyEachPerson, personDn, SCHEMA, SUFFIX } from '../../helpers/store.js';

const N = 2000;

const openStore = (dataDir: string, replicaId: number) =>
  new Store({ dataDir, suffix: SUFFIX, schema: SCHEMA, indexes: { uid: ['eq'] }, replicaId, log: createLogger({ level: 'error' }) });

t.test('after a replace, a modify of every entry splits none of the records\' pages', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-replace-room-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const a = openStore(join(dir, 'a'), 1);
  await fillPeople(a, N);

  // The stage as a supplier's total update fills it: states in key order, in chunks.
  const bDir = join(dir, 'b');
  const c = openStore(bDir, 2);
  t.teardown(() => c.close());
  const stage = StageFile.create(bDir);
  const uuids = [...a.states()].map((s) => s.uuid);
  for (let i = 0; i < uuids.length; i += 500) await stage.append(b(uuids.slice(i, i + 500).join(',')));
  stage.close();
  const r = await stageCommit(c, stage.path, a.generationId, a.ruv, (chunk) => chunk.toString().split(',').map((u) => a.getStored(u)!), uuids.length);
  await a.close();
  t.equal(r.n, N + 2, 'every state replaced');
  const before = await leafPages(bDir, 'entries');

  await modifyEachPerson(c, N);
  t.equal(c.byNdn(c.normalize(personDn(N - 1)))?.get('sn')?.[0]?.toString(), `T${N - 1}`, 'the replica took the modifies');
  const after = await leafPages(bDir, 'entries');
  t.ok(before > 20, `the records and their states fill ${before} leaf pages`);
  t.ok(after <= before * 1.25, `record leaf pages ${before} → ${after} after a modify of each entry (full pages would split: ~2×)`);
});
