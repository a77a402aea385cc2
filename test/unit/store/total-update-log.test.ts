// A total update within one history keeps the consumer's changelog: of the
// changes the copy covers, its records may be the only ones left (the
// supplier trimmed them), and a replica that lacks them must still be able
// to get them incrementally (simulator seed 403876).
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/log.js';
import { adoptGeneration, applyGroup, changesFor, stageCommit, trimChangelog, trimmedRuv } from '../../../src/store/replica.js';
import { StageFile } from '../../../src/store/stage.js';
import { Store } from '../../../src/store/store.js';
import { localAdd, localModify } from '../../../src/store/update.js';
import { b, ROOT as root, SCHEMA as schema, SUFFIX } from '../../helpers/store.js';

const ALICE = `uid=alice,${SUFFIX}`;

function open(t: Test, replicaId: number): { store: Store; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-total-log-'));
  const store = new Store({ dataDir: dir, suffix: SUFFIX, schema, indexes: {}, replicaId, log: createLogger({ level: 'fatal' }) });
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, dir };
}

/** Replaces `to`'s data by a copy of `from`'s, as a consumer's total update does. */
async function totalUpdate(to: { store: Store; dir: string }, from: Store): Promise<void> {
  const stage = StageFile.create(to.dir);
  await stage.append(b('every state of the supplier'));
  stage.close();
  const states = [...from.states()].map(({ uuid, raw }) => from.fromRaw(raw, uuid));
  await stageCommit(to.store, stage.path, from.generationId, from.ruv, () => states);
  stage.discard();
}

t.test('records the copy covers stay in the changelog: a replica lacking them is sent them, not told to initialise', async (t) => {
  const a = open(t, 1).store;
  const m2 = open(t, 2);
  await a.write((tx) => localAdd(tx, root, SUFFIX, [{ type: 'objectClass', values: [b('dcObject'), b('organization')] }, { type: 'o', values: [b('Example')] }]));
  await a.write((tx) => localAdd(tx, root, ALICE, [{ type: 'objectClass', values: [b('inetOrgPerson')] }, { type: 'cn', values: [b('Alice')] }, { type: 'sn', values: [b('Smith')] }]));
  await adoptGeneration(m2.store, a.generationId);
  await applyGroup(m2.store, changesFor(a, {}, 100).changes, {});
  // Replica 2's own change reaches replica 1, which then trims its whole changelog.
  await m2.store.write((tx) => localModify(tx, root, ALICE, [{ op: 0, attr: 'mail', values: [b('alice@example.com')] }]));
  const own = changesFor(m2.store, a.ruv, 100).changes;
  t.equal(own.length, 1, 'one change of replica 2');
  await applyGroup(a, own, a.ruv);
  t.ok((await trimChangelog(a, { maxAgeMs: 0, maxRecords: 0, consumers: [] })) >= 3, 'replica 1 trimmed it');
  t.ok(changesFor(a, { 1: a.ruv['1']! }, 100).lacks, 'replica 1 can no longer send it');
  // And a change of replica 1 that replica 2 gets only with the copy.
  await a.write((tx) => localModify(tx, root, ALICE, [{ op: 2, attr: 'description', values: [b('copied')] }]));

  await totalUpdate(m2, a);
  t.same(m2.store.ruv, a.ruv, 'the copy is adopted');
  t.equal(m2.store.dbs.changelog.get(own[0]!.csn)?.csn, own[0]!.csn, 'its record is still in replica 2\'s changelog');
  t.notOk(trimmedRuv(m2.store)['2'], 'nothing of replica 2 counts as trimmed');
  const peer = changesFor(m2.store, { 1: a.ruv['1']! }, 100);
  t.notOk(peer.lacks, 'a replica with only replica 1\'s changes needs no total update');
  t.same(peer.changes.map((ch) => ch.csn), [own[0]!.csn], 'it is sent replica 2\'s change');
  t.equal(trimmedRuv(m2.store)['1'], a.ruv['1'], 'replica 1\'s changes the copy brought without records count as trimmed');
});
