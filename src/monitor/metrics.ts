// Prometheus metrics (DESIGN.md "Monitoring": optional): the figures of
// cn=monitor and cn=replication,cn=monitor, read when scraped, served over
// HTTP by prom-client's registry. Nothing here runs on the request path.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { MeshdirError } from '../errors.js';
import type { ServerContext } from '../ldap/context.js';
import { csnTimeMs } from '../repl/core/csn.js';
import type { Replication } from '../repl/session/agreements.js';
import type { AgreementState } from '../repl/session/supplier.js';

const STATES: AgreementState[] = ['disabled', 'off-schedule', 'empty', 'connecting', 'sending', 'in-sync', 'backoff', 'needs-init', 'generation-mismatch', 'refused', 'invalid', 'stopped'];

/** A counter whose value is kept elsewhere (a running total): set when scraped. */
function total<L extends string>(registry: Registry, name: string, help: string, labelNames: L[], read: (set: (labels: Record<L, string>, v: number) => void) => void): void {
  new Counter({
    name, help, labelNames, registers: [registry],
    collect() {
      this.reset();
      read((labels, v) => this.inc(labels, v));
    },
  });
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: L[], read: (set: (labels: Record<L, string>, v: number) => void) => void): void {
  new Gauge({
    name, help, labelNames, registers: [registry],
    collect() {
      this.reset();
      read((labels, v) => this.set(labels, v));
    },
  });
}

export function metricsRegistry(ctx: ServerContext, replication: Replication): Registry {
  const r = new Registry();
  const none = {} as Record<never, string>;
  const c = ctx.counters;
  collectDefaultMetrics({ register: r });
  gauge(r, 'meshdir_connections', 'Open client connections.', [], (set) => set(none, c.connectionsCurrent));
  total(r, 'meshdir_connections_total', 'Client connections accepted.', [], (set) => set(none, c.connectionsTotal));
  total(r, 'meshdir_operations_total', 'LDAP operations received, by operation (as cn=operations,cn=monitor).', ['op'], (set) => {
    for (const [op, n] of Object.entries(c.ops)) set({ op }, n);
  });
  total(r, 'meshdir_entries_sent_total', 'Search result entries sent.', [], (set) => set(none, c.entriesSent));
  gauge(r, 'meshdir_entries', 'Entries in the database.', [], (set) => set(none, ctx.store.entryCount()));
  total(r, 'meshdir_conflicts_total', 'Replication conflicts resolved and logged (meshdir conflicts).', [], (set) => set(none, ctx.store.conflictCount));
  total(r, 'meshdir_commits_total', 'Writes committed, by the way they took: alone, as a transaction body in a batch, or pipelined (plain puts in a batch).', ['path'], (set) => {
    const p = ctx.store.commitPaths;
    set({ path: 'alone' }, p.direct);
    set({ path: 'batched' }, p.queued - p.pipelined);
    set({ path: 'pipelined' }, p.pipelined);
  });
  gauge(r, 'meshdir_ruv_csn_timestamp_seconds', 'Time of the latest change from each originating replica that this server holds (its RUV).', ['replica_id'], (set) => {
    for (const [rid, csn] of Object.entries(ctx.store.ruv)) set({ replica_id: rid }, csnTimeMs(csn) / 1000);
  });
  total(r, 'meshdir_replication_changes_received_total', 'Changes received from suppliers.', [], (set) => set(none, replication.consumer.received));
  total(r, 'meshdir_replication_sessions_total', 'Replication sessions from suppliers, by outcome.', ['result'], (set) => {
    set({ result: 'accepted' }, replication.consumer.sessionsAccepted);
    set({ result: 'refused' }, replication.consumer.refused);
  });
  const agreements = (fn: (a: ReturnType<Replication['statuses']>[number]) => void) => {
    for (const a of replication.statuses()) fn(a);
  };
  gauge(r, 'meshdir_agreement_state', 'State of each replication agreement: 1 for its current state, 0 for the others.', ['agreement', 'consumer', 'state'], (set) =>
    agreements((a) => {
      for (const s of STATES) set({ agreement: a.name, consumer: a.consumer, state: s }, a.state === s ? 1 : 0);
    }),
  );
  total(r, 'meshdir_agreement_changes_sent_total', 'Changes sent to the consumer.', ['agreement'], (set) => agreements((a) => set({ agreement: a.name }, a.changesSent)));
  gauge(r, 'meshdir_agreement_lag_seconds', 'Age of the oldest change the consumer lacks (0 when in sync).', ['agreement'], (set) => agreements((a) => set({ agreement: a.name }, a.lagMs / 1000)));
  gauge(r, 'meshdir_agreement_last_session_end_timestamp_seconds', 'When the last session with the consumer ended.', ['agreement'], (set) =>
    agreements((a) => {
      if (a.lastSessionEnd !== undefined) set({ agreement: a.name }, a.lastSessionEnd / 1000);
    }),
  );
  return r;
}

/** The metrics listener: GET /metrics on `host:port`. */
export async function serveMetrics(listen: string, registry: Registry): Promise<{ url: string; close(): Promise<void> }> {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(listen.slice(i + 1));
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (e: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${e.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new MeshdirError('MESHDIR_LISTEN', `metrics: cannot listen on ${listen}: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.message}`)));
    server.listen(port, host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  return {
    url: `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
