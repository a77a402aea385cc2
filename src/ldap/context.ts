// What every operation handler gets: configuration, schema, store, access
// control, logging and counters of one running server.
import type { SecureContext } from 'node:tls';
import type { ServerConfig } from '../config/load.js';
import type { Logger } from '../log.js';
import type { Schema } from '../schema/schema.js';
import type { Store } from '../store/store.js';
import type { Access } from './access.js';
import type { LocalTree } from '../store/local-tree.js';
import type { PagedSearches } from './paged.js';

export interface Counters {
  connectionsTotal: number;
  connectionsCurrent: number;
  ops: Record<string, number>;
  entriesSent: number;
  bytesSent: number;
  startedAt: number;
}

export interface ExtendedHandler {
  oid: string;
  handle(ctx: ServerContext, conn: import('./connection.js').Connection, id: number, value: Buffer | undefined): Promise<void> | void;
}

export interface ServerContext {
  config: ServerConfig;
  schema: Schema;
  store: Store;
  access: Access;
  log: Logger;
  rootNdn: string;
  /** cn=config: local entries (Replication Manager …), rootDn only. */
  configTree: LocalTree;
  counters: Counters;
  /** Paged searches left open between pages, all connections'. */
  paged: PagedSearches;
  /** Current TLS context (reloaded when the files change); undefined without TLS. */
  tlsContext(): SecureContext | undefined;
  /** Extended operations beyond the built-in ones (replication adds its own). */
  extended: Map<string, ExtendedHandler>;
  /** Virtual entries under cn=monitor, computed when read. */
  monitorEntries(): { dn: string; attrs: [string, string[]][] }[];
  /** Slows down and locks out repeated failed binds (optional). */
  bindGuard?: BindGuard;
  /** The URLs this server listens on (ports resolved). */
  urls: string[];
  /** Referral URLs for writes on a read-only replica. */
  referrals(): string[];
}

export interface BindGuard {
  /**
   * Before the password is checked: throws (invalidCredentials while the DN
   * is locked), or may hold the bind back until attempts already being
   * verified for that DN are done; returns what to call once this attempt's
   * succeeded() or failed() is recorded.
   */
  admit(ndn: string): Promise<() => void>;
  /** How long to hold back a failure response for this DN (slows guessing). */
  delayMs?(ndn: string): number;
  succeeded(ndn: string): void;
  failed(ndn: string, peer: string): void;
}
