#!/usr/bin/env node
// `meshdir serve` from dist/, with optional run-time patches that emulate
// proposed changes to src/ — for measuring a proposal before anyone writes
// it, never for figures of the product. Each patch keeps the server's
// semantics (durability included); see PATCHES.
//
//   node bench/whatif-serve.mjs --config FILE [--patch send-concat,base-cache,txn-memo,log-buffered,no-repl]
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO } from './lib.mjs';

const dist = (p) => import(new URL(`dist/${p}`, `file://${REPO}/`).href);
const args = process.argv.slice(2);
const config = args[args.indexOf('--config') + 1];
const patches = args.includes('--patch') ? args[args.indexOf('--patch') + 1].split(',').filter(Boolean) : [];

const PATCHES = {
  /**
   * src/ldap/connection.ts send()/flushNow(): collect a turn's responses in
   * an array and write them as one Buffer.concat'ed chunk, flushing every
   * connection from one setImmediate, instead of socket.cork() +
   * setImmediate per connection + uncork (writev of many small chunks).
   */
  async 'send-concat'() {
    const { Connection } = await dist('ldap/connection.js');
    const queued = new WeakMap();
    const dirty = new Set();
    let scheduled = false;
    const flushAll = () => {
      scheduled = false;
      for (const c of dirty) c.flushNow();
      dirty.clear();
    };
    Connection.prototype.send = function (bytes) {
      if (this.closed) return false;
      let q = queued.get(this);
      if (q === undefined) queued.set(this, (q = { bufs: [], len: 0 }));
      q.bufs.push(bytes);
      q.len += bytes.length;
      dirty.add(this);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flushAll);
      }
      return !this.socket.writableNeedDrain;
    };
    Connection.prototype.flushNow = function () {
      const q = queued.get(this);
      if (q === undefined || q.bufs.length === 0) return;
      const out = q.bufs.length === 1 ? q.bufs[0] : Buffer.concat(q.bufs, q.len);
      q.bufs = [];
      q.len = 0;
      if (!this.closed) this.socket.write(out);
    };
  },

  /**
   * src/store/store.ts byNdn(): outside write transactions, remember decoded
   * records by normalized DN until the next write starts or commits — what
   * search needs of its base (id, ndn) without decoding the base entry on
   * every search. (The cheaper real fix: search takes only dn2id.get(ndn).)
   */
  async 'base-cache'() {
    const { Store } = await dist('store/store.js');
    const cache = new Map();
    let writing = 0;
    const byNdn = Store.prototype.byNdn;
    Store.prototype.byNdn = function (ndn) {
      if (writing > 0) return byNdn.call(this, ndn);
      let r = cache.get(ndn);
      if (r === undefined) {
        r = byNdn.call(this, ndn);
        if (r !== undefined && cache.size < 1000) cache.set(ndn, r);
      }
      return r;
    };
    const write = Store.prototype.write;
    Store.prototype.write = async function (fn) {
      writing++;
      cache.clear();
      try {
        return await write.call(this, fn);
      } finally {
        writing--;
        cache.clear();
      }
    };
  },

  /**
   * src/store/write.ts Txn.get(): keep the entry states a transaction has
   * read for the rest of that transaction (a put or remove of a state drops
   * it), instead of a LMDB get + msgpack decode on every call.
   */
  async 'txn-memo'() {
    const { Txn } = await dist('store/write.js');
    let current;
    let memo = new Map();
    let hooked;
    const get = Txn.prototype.get;
    Txn.prototype.get = function (uuid) {
      if (current !== this) {
        current = this;
        memo = new Map();
      }
      const core = this.store.dbs.core;
      if (hooked !== core) {
        hooked = core;
        for (const m of ['put', 'remove']) {
          const orig = core[m];
          core[m] = function (k, ...a) {
            memo.delete(k);
            return orig.call(this, k, ...a);
          };
        }
      }
      if (memo.has(uuid)) return memo.get(uuid);
      const v = get.call(this, uuid);
      memo.set(uuid, v);
      return v;
    };
  },

  /**
   * The write path without replication's storage (issue 3's "local writes
   * within 15% of their speed without this"): entry states stay in the
   * transaction's memory instead of after the entry's record (which keeps
   * the state it had), and nothing goes to
   * the changelog, the state index or the stored RUV. The entry, DN and
   * attribute indexes are written as before and every commit is still
   * synced. The conflict rules still run (they compute the visible entry),
   * so this is a lower bound on what the wiring costs. Only for modifies of
   * imported entries and adds: state written by this variant is lost.
   */
  async 'no-repl'() {
    const { Txn } = await dist('store/write.js');
    const noop = { put() {}, remove() {} };
    // A record keeps the state it had (an import's); an added entry's gets none.
    const stateForRecord = Txn.prototype.stateForRecord;
    Txn.prototype.stateForRecord = function (uuid, old) {
      stateForRecord.call(this, uuid, old);
      return old?.state;
    };
    const apply = Txn.prototype.apply;
    Txn.prototype.apply = function (ch) {
      const { changelog, coreIdx } = this.store.dbs;
      this.store.dbs.changelog = noop;
      // The conflict rules still look names up (an add: who else wants this
      // DN); they find what the import wrote and nothing of this variant's.
      this.store.dbs.coreIdx = { ...noop, get: (key) => coreIdx.get(key), getValues: (key) => coreIdx.getValues(key) };
      try {
        return apply.call(this, ch);
      } finally {
        this.store.dbs.changelog = changelog;
        this.store.dbs.coreIdx = coreIdx;
      }
    };
    // No RUV in meta either (the constructor then starts every transaction from {}).
    Txn.prototype.finish = function () {};
  },

  /**
   * src/log.ts createLogger(): let sonic-boom gather log lines into 4 KiB
   * writes (flushed at least every 250 ms and on stop) instead of one
   * write(2) per access-log line.
   */
  async 'log-buffered'() {
    const { pino } = createRequire(join(REPO, 'package.json'))('pino');
    startOptions.makeLog = (level) =>
      pino({ level, base: { pid: process.pid } }, pino.destination({ fd: 1, sync: false, minLength: 4096, periodicFlush: 250 }));
  },
};

const startOptions = {};
for (const p of patches) {
  if (!PATCHES[p]) throw new Error(`unknown patch ${p} (known: ${Object.keys(PATCHES).join(', ')})`);
  await PATCHES[p]();
}
const { loadServerConfig } = await dist('config/load.js');
const { startServer } = await dist('runtime.js');
const cfg = loadServerConfig(config);
const running = await startServer(cfg, startOptions.makeLog ? { log: startOptions.makeLog(cfg.log.level) } : {});
running.ctx.log.info({ patches }, 'whatif patches applied');
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (stopping) process.exit(130);
    stopping = true;
    running.stop().then(() => process.exit(0), () => process.exit(1));
  });
}
