// Total update, supplier side: a consistent snapshot of every entry state
// (one LMDB read transaction, so the RUV sent matches the data) streamed to
// the consumer, which stages it and swaps it in atomically at the end.
import type { AgreementConfig, ServerConfig } from '../../config/load.js';
import { LdapError, MeshdirError, RC } from '../../errors.js';
import { LdapClient } from '../../ldap/client.js';
import type { Store } from '../../store/store.js';
import type { Ruv } from '../core/ruv.js';
import type { Stored } from '../core/view.js';
import { peerTls } from './supplier.js';
import { approxBytes, MAX_BATCH_BYTES, pack, packList, REPL_OID, unpack } from './protocol.js';

const CHUNK = 1000;
const WINDOW = 4;

export interface InitHooks {
  onStart?(total: number): void;
  onProgress?(sent: number): void;
}

export async function totalUpdate(store: Store, config: ServerConfig, a: AgreementConfig, hooks: InitHooks = {}): Promise<{ entries: number; ruv: Ruv; discarded: number }> {
  const tls = a.transport === 'plain' ? undefined : peerTls(config, a);
  const client = await LdapClient.connect(a.consumer, { tls, timeoutMs: 120_000 });
  const txn = store.dbs.env.useReadTransaction();
  try {
    if (a.transport === 'starttls') await client.startTls(tls);
    try {
      await client.bind(a.bindDn, a.password);
    } catch (e) {
      if (e instanceof LdapError && e.code === RC.invalidCredentials) throw new MeshdirError('MESHDIR_REPL_REFUSED', `${a.consumer}: bind as ${a.bindDn} refused: invalid credentials`);
      throw e;
    }
    const ruv = (store.dbs.meta.get('ruv', { transaction: txn }) as Ruv | undefined) ?? {};
    const gen = store.dbs.meta.get('generationId', { transaction: txn }) as string;
    const total = store.stateCount(txn);
    // An empty replica never supplies others (README): a copy of nothing would empty the consumer.
    if (total === 0) throw new MeshdirError('MESHDIR_REPL_INIT', `${config.file}: this server holds no entries; a total update from it would empty ${a.consumer} (is --config the right server?)`);
    await client.extended(REPL_OID.initBegin, pack({ gen, ruv, suffix: config.suffix, url: config.listen[0], agreement: a.name, total }));
    hooks.onStart?.(total);
    let seq = 0;
    let sent = 0;
    let chunk: Stored[] = [];
    const inflight = new Set<Promise<unknown>>();
    // The first chunk refused says why: the ones after it in the window are
    // refused only because it was (the consumer dropped the session).
    let failed: { e: unknown } | undefined;
    const flush = async (): Promise<void> => {
      const items = chunk;
      chunk = [];
      const p = client.extended(REPL_OID.initChunk, pack({ seq: seq++, ...packList(items, Math.max(1, a.compression)) })).then(
        () => {
          sent += items.length;
          hooks.onProgress?.(sent);
        },
        (e: unknown) => void (failed ??= { e }),
      );
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      if (inflight.size >= WINDOW) await Promise.race(inflight);
      if (failed) throw failed.e;
    };
    let bytes = 0;
    for (const { raw } of store.states({ transaction: txn })) {
      const value = store.fromRaw(raw);
      const size = approxBytes(value);
      if (chunk.length > 0 && (chunk.length >= CHUNK || bytes + size > MAX_BATCH_BYTES)) {
        bytes = 0;
        await flush();
      }
      chunk.push(value);
      bytes += size;
    }
    if (chunk.length) await flush();
    await Promise.all(inflight);
    if (failed) throw failed.e;
    const end = unpack((await client.extended(REPL_OID.initEnd)).value, 'init end');
    return { entries: Number(end.count ?? sent), ruv, discarded: Number(end.discarded ?? 0) };
  } finally {
    txn.done();
    client.close();
  }
}
