// A total update's last step — the whole database replaced by the staged
// copy in one LMDB transaction (replica.ts stageCommit) — run on a worker
// thread, so that the consumer's own thread goes on answering from the old
// data meanwhile (it held every client for seconds: 5.5 s at 20,000
// entries). The worker opens the same environment (lmdb-js shares it
// between a process's threads); the main thread holds its writes back
// until it is done (Store.exclusive) and then reads what changed
// (Store.replacedElsewhere).
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { ServerConfig } from '../config/load.js';
import type { ParsedFile } from '../schema/parse.js';
import { LdapError } from '../errors.js';
import { createLogger } from '../log.js';
import { decodeList } from '../repl/session/protocol.js';
import type { Ruv } from '../repl/core/ruv.js';
import { stageCommit } from './replica.js';
import type { Store } from './store.js';
import { validateStored } from '../repl/session/validate.js';

interface Job {
  config: ServerConfig;
  /**
   * The schema the server runs (Schema.files), not its schemaDir read again:
   * a file dropped in or edited there since the start (for the next
   * restart) must not change how this copy is checked, stored and indexed,
   * nor fail it.
   */
  schema: readonly ParsedFile[];
  /** The staged copy (stage.ts). */
  stage: string;
  gen: string;
  ruv: Ruv;
  expected: number;
}

type Outcome = { ok: true; n: number; discarded: number } | { ok: false; code?: number; message: string };

/** stageCommit on a worker thread; resolves once it is durable and the store has read it back. */
export async function stageCommitElsewhere(store: Store, job: Job): Promise<{ n: number; discarded: number }> {
  return store.exclusive(async () => {
    const out = await new Promise<Outcome>((resolve, reject) => {
      const w = new Worker(new URL(import.meta.url), { workerData: job });
      w.once('message', resolve);
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`the total update's worker thread ended (exit ${code}) before its answer`)));
    }).finally(() => {
      // Also when it failed: a worker that ended after its commit but before
      // its answer replaced the database all the same (read back, an aborted
      // one leaves the same values).
      store.replacedElsewhere();
    });
    if (!out.ok) {
      // The worker's own log is silent: without this line the consumer's log
      // would hold nothing of a failed replacement (a full disk, say), only
      // the supplier's repl init would be told.
      store.log.error({ err: out.message, ...(out.code === undefined ? {} : { code: out.code }) }, 'total update: the database could not be replaced, the old data is kept');
      throw out.code === undefined ? new Error(out.message) : new LdapError(out.code, out.message);
    }
    return { n: out.n, discarded: out.discarded };
  });
}

async function work(job: Job): Promise<Outcome> {
  // Imported here: the main thread loads this module for the function above only.
  const { openStore } = await import('../runtime.js');
  const { Schema } = await import('../schema/schema.js');
  let store: Store | undefined;
  try {
    store = openStore(job.config, createLogger({ level: 'silent' }), new Schema([...job.schema]));
    const r = await stageCommit(store, job.stage, job.gen, job.ruv, (raw) => decodeList(raw, 'staged init chunk').map(validateStored), job.expected);
    return { ok: true, ...r };
  } catch (e) {
    // Answered, not thrown: the consumer logs it (a worker's uncaught error would skip that).
    return { ok: false, code: e instanceof LdapError ? e.code : undefined, message: (e as Error).message };
  } finally {
    await store?.close().catch(() => undefined);
  }
}

if (!isMainThread && parentPort && (workerData as Job | undefined)?.gen !== undefined) {
  const port = parentPort;
  void work(workerData as Job).then((o) => port.postMessage(o));
}
