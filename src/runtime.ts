// The composition root of one server process: schema, store, front end (and
// replication, when configured), wired together and stopped in order.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerConfig } from './config/load.js';
import { createLogger, type Logger } from './log.js';
import { Access } from './ldap/access.js';
import { AccessRules, AclConfigError } from './ldap/acl.js';
import { ConfigError } from './config/load.js';
import { MeshdirError } from './errors.js';
import type { Counters, ExtendedHandler, ServerContext } from './ldap/context.js';
import { LdapServer, type Listening } from './ldap/server.js';
import { TlsMaterial, type TlsFiles } from './ldap/tls.js';
import { loadSchemaDir } from './schema/load.js';
import type { Schema } from './schema/schema.js';
import { SYN } from './schema/syntaxes.js';
import { CONFIG_DN, LocalTree } from './store/local-tree.js';
import { Store } from './store/store.js';
import { hasClass } from './store/record.js';
import { reconcileIndexes } from './store/reindex.js';
import { monitorEntries } from './monitor/monitor.js';
import { BruteForceGuard } from './auth/guard.js';
import { Replication } from './repl/session/agreements.js';
import { PagedSearches } from './ldap/paged.js';

export interface RunningServer {
  ctx: ServerContext;
  replication: Replication;
  listening: Listening[];
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  schema?: Schema;
}

function accessRules(config: ServerConfig, schema: Schema, store: Store): AccessRules {
  try {
    return new AccessRules(config.access.rules, schema, groupMembers(store));
  } catch (e) {
    if (e instanceof AclConfigError) throw new ConfigError(`${config.file}: ${e.message}`);
    throw e;
  }
}

function normalizeAll(schema: Schema, dns: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const d of dns) {
    const n = schema.normalizeDN(d);
    if (n !== undefined) out.add(n);
  }
  return out;
}

/** Members of a group entry (member / uniqueMember), cached until the next commit. */
function groupMembers(store: Store): (groupNdn: string) => Set<string> {
  // A membership change counts from the next operation on.
  const cache = new Map<string, Set<string>>();
  store.events.on('commit', () => cache.clear());
  return (groupNdn) => {
    const hit = cache.get(groupNdn);
    if (hit) return hit;
    const members = new Set<string>();
    const rec = store.byNdn(groupNdn);
    for (const [k, vs] of rec?.attrs ?? []) {
      if (k !== 'member' && k !== 'uniqueMember') continue;
      for (const v of vs) {
        const n = store.schema.normalizeDN(v.toString('utf8').replace(/#'[01]*'B$/, ''));
        if (n !== undefined) members.add(n);
      }
    }
    if (cache.size > 1000) cache.clear();
    cache.set(groupNdn, members);
    return members;
  };
}

/**
 * MESHDIR_CLOCK_SKEW_MS shifts this server's wall clock (fault tests skew one
 * master by minutes; CSNs must still order and replicate).
 */
function wallClock(): () => number {
  const skew = Number(process.env.MESHDIR_CLOCK_SKEW_MS ?? 0);
  return Number.isFinite(skew) && skew !== 0 ? () => Date.now() + skew : Date.now;
}

/**
 * The server file's schema and what in the file the schema must know (the
 * suffix and DNs, indexed types, attribute policies): a fault is a bad
 * server file like any other, one line naming file, field and reason.
 */
export function loadServerSchema(config: ServerConfig): Schema {
  const bad = (field: string, reason: string): never => {
    throw new ConfigError(`${config.file}: ${field}: ${reason}`);
  };
  let schema: Schema;
  try {
    schema = loadSchemaDir(config.schemaDir);
  } catch (e) {
    if (e instanceof MeshdirError) bad('schemaDir', e.message);
    throw e;
  }
  const dn = (field: string, v: string): void => {
    const n = schema.normalizeDN(v);
    if (n === undefined || n === '') bad(field, `"${v}" is not a valid DN`);
  };
  dn('suffix', config.suffix);
  dn('rootDn', config.rootDn);
  config.replication.managers.forEach((m, i) => {
    dn(`replication.managers.${i}`, m);
    // Only entries under cn=config may replicate (DESIGN.md): any other would be refused every session.
    const n = schema.normalizeDN(m)!;
    const root = schema.normalizeDN(CONFIG_DN)!;
    if (!n.endsWith(`,${root}`)) bad(`replication.managers.${i}`, `"${m}" is not below ${CONFIG_DN}: Replication Manager entries are local to each server, under ${CONFIG_DN} (e.g. "cn=replication manager,cn=config")`);
  });
  config.access.writers.forEach((w, i) => dn(`access.writers.${i}`, w));
  for (const a of Object.keys(config.indexes)) if (!schema.attributeType(a)) bad(`indexes.${a}`, 'attribute type undefined in the schema');
  for (const key of ['attributePolicies', 'uniqueAttributes'] as const) {
    for (const a of Object.keys(config.replication[key])) if (!schema.attributeType(a)) bad(`replication.${key}.${a}`, 'attribute type undefined in the schema');
  }
  // A policy that cannot act on its attribute would be lww without a word.
  for (const [a, policy] of Object.entries(config.replication.attributePolicies)) {
    const at = schema.attributeType(a)!;
    const field = `replication.attributePolicies.${a}`;
    if ((policy === 'min' || policy === 'max') && !(at.singleValue && at.ordering?.compare)) bad(field, `${policy} orders concurrent values: ${at.name} must be SINGLE-VALUE with an ORDERING rule`);
    if (policy === 'sum' && !(at.singleValue && at.syntax === SYN.integer)) bad(field, `sum adds up concurrent increments: ${at.name} must be a SINGLE-VALUE INTEGER`);
    if (policy === 'manual' && !at.singleValue) bad(field, `manual logs the loser of concurrent values: ${at.name} must be SINGLE-VALUE (a multi-valued attribute keeps every value)`);
  }
  return schema;
}

/**
 * The store of a command that reads what a server or an import left
 * (export, backup, conflicts, repl init): a dataDir without a database is a
 * mistyped path or a server never started, not an empty directory to make.
 */
export function openExistingStore(config: ServerConfig, log: Logger): Store {
  if (!existsSync(join(config.dataDir, 'data.mdb'))) throw new ConfigError(`${config.file}: dataDir: no database in ${config.dataDir} (nothing was imported or served there)`);
  return openStore(config, log);
}

export function openStore(config: ServerConfig, log: Logger, schema = loadServerSchema(config)): Store {
  return new Store({
    now: wallClock(),
    dataDir: config.dataDir,
    suffix: config.suffix,
    schema,
    indexes: config.indexes,
    replicaId: config.replicaId,
    mapSizeMiB: config.mapSizeMiB,
    growMap: config.growMap,
    priority: config.replication.priority,
    policies: { attributePolicies: config.replication.attributePolicies, uniqueAttributes: config.replication.uniqueAttributes },
    log,
  });
}

const GROUP_CLASSES = ['groupOfNames', 'groupOfUniqueNames'];

/** Indexes built for another configuration are rebuilt before anything is served or imported (reindex.ts). */
export function reindex(store: Store, log: Logger): void {
  const r = reconcileIndexes(store);
  if (r === undefined) return;
  log.warn({ built: r.built, dropped: r.dropped, replicationIndex: r.core, read: r.read, ms: r.ms }, 'indexes rebuilt for the server file\'s indexes and policies');
}

/** Unreadable or unusable TLS files at start are a fault of the server file: exit 2, naming it. */
function tlsMaterial(config: ServerConfig, files: TlsFiles, log: Logger): TlsMaterial {
  try {
    return new TlsMaterial(files, log);
  } catch (e) {
    if (e instanceof MeshdirError && e.code === 'MESHDIR_TLS') throw new ConfigError(`${config.file}: ${e.message}`);
    throw e;
  }
}

export async function startServer(config: ServerConfig, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? createLogger({ level: config.log.level, file: config.log.file });
  const schema = opts.schema ?? loadServerSchema(config);
  for (const w of schema.warnings) {
    log.warn({ schema: w }, 'schema warning');
    // The log may be a file nobody reads at start: an administrator who just dropped a schema file in looks here.
    if (config.log.file) process.stderr.write(`meshdir: schema warning: ${w}\n`);
  }
  // Before the store: a server file refused for its TLS files leaves no database behind.
  const tls = config.tls ? tlsMaterial(config, config.tls, log) : undefined;
  const store = openStore(config, log, schema);
  reindex(store, log);
  if (!Object.entries(config.indexes).some(([a, kinds]) => schema.canonicalDescription(a)?.type.name === 'objectClass' && kinds.includes('eq'))) {
    // Without it a search that dereferences aliases (JNDI's default) cannot tell there are none, and walks its scope.
    log.warn('no equality index on objectClass: searches that dereference aliases will walk their whole scope');
  }
  tls?.watch();
  const counters: Counters = { connectionsTotal: 0, connectionsCurrent: 0, ops: {}, entriesSent: 0, bytesSent: 0, startedAt: Date.now() };
  const writerNdns = new Set<string>();
  for (const w of config.access.writers) {
    const n = schema.normalizeDN(w);
    if (n === undefined) continue;
    writerNdns.add(n);
    // A writer is the DN a client binds as: a group there makes no member a writer (access.rules `who: group:` does).
    const rec = store.byNdn(n);
    if (rec && GROUP_CLASSES.some((c) => hasClass(schema, rec, c))) log.warn({ writer: w }, 'access.writers names a group: its members are not writers (a writer is the DN a client binds as; use access.rules with who: "group:DN")');
  }
  const extended = new Map<string, ExtendedHandler>();
  const configTree = new LocalTree(store.dbs, schema);
  const ctx: ServerContext = {
    config,
    schema,
    store,
    access: new Access({
      anonymousRead: config.access.anonymousRead,
      writerNdns,
      managerNdns: normalizeAll(schema, config.replication.managers),
      localNdn: configTree.rootNdn,
      rules: accessRules(config, schema, store),
    }),
    log,
    rootNdn: store.normalize(config.rootDn),
    configTree,
    counters,
    paged: new PagedSearches(),
    bindGuard: new BruteForceGuard(
      { delayAfter: config.access.bruteForce.delayAfter, lockAfter: config.access.bruteForce.lockAfter, lockForMs: config.access.bruteForce.lockFor, windowMs: config.access.bruteForce.window },
      log,
      // Slowed, never locked: the administrator and the replication identities.
      [config.rootDn, ...config.replication.managers].map((d) => schema.normalizeDN(d) ?? ''),
    ),
    tlsContext: () => tls?.context,
    extended,
    urls: [...config.listen],
    monitorEntries: () => monitorEntries(ctx),
    referrals: () => (config.replication.referrals.length ? config.replication.referrals : [...replication.consumer.suppliers]),
  };
  const replication = new Replication(ctx);
  const server = new LdapServer(ctx, tls);
  let listening: Listening[];
  let metrics: { url: string; close(): Promise<void> } | undefined;
  try {
    listening = await server.listen(config.listen);
    if (config.metrics) {
      // Loaded only when asked for: prom-client is ~40 of the ~410 modules every server start loads.
      const { metricsRegistry, serveMetrics } = await import('./monitor/metrics.js');
      metrics = await serveMetrics(config.metrics.listen, metricsRegistry(ctx, replication));
    }
  } catch (e) {
    await server.close();
    await store.close();
    throw e;
  }
  ctx.urls = listening.map((l) => l.url);
  replication.start();
  log.info({ listen: listening.map((l) => l.url), suffix: config.suffix, role: config.role, replicaId: config.replicaId, generationId: store.generationId, ...(metrics ? { metrics: metrics.url } : {}) }, 'meshdir started');
  let stopped: Promise<void> | undefined;
  return {
    ctx,
    replication,
    listening,
    stop() {
      stopped ??= (async () => {
        tls?.unwatch();
        await metrics?.close();
        await replication.stop();
        await server.close();
        await store.dbs.env.flushed;
        await store.close();
        log.info({ commits: store.commitPaths }, 'meshdir stopped');
        log.flush?.();
      })();
      return stopped;
    },
  };
}
