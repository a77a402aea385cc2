// cn=monitor: counters of the running server, built when read.
import type { ServerContext } from '../ldap/context.js';
import { VENDOR_NAME, VENDOR_VERSION } from '../ldap/ops/virtual.js';
import { generalizedTime } from '../store/update.js';

export interface MonitorEntry {
  dn: string;
  attrs: [string, string[]][];
}

/** Extra monitor entries contributed by other subsystems (replication). */
export type MonitorSource = () => MonitorEntry[];

const sources: WeakMap<ServerContext, MonitorSource[]> = new WeakMap();

export function addMonitorSource(ctx: ServerContext, src: MonitorSource): void {
  const list = sources.get(ctx) ?? [];
  list.push(src);
  sources.set(ctx, list);
}

export function monitorEntries(ctx: ServerContext): MonitorEntry[] {
  const c = ctx.counters;
  const now = Date.now();
  const oc = ['top', 'extensibleObject'];
  const out: MonitorEntry[] = [
    {
      dn: 'cn=monitor',
      attrs: [
        ['objectClass', oc], ['cn', ['monitor']], ['vendorName', [VENDOR_NAME]], ['vendorVersion', [VENDOR_VERSION]],
        ['startTime', [generalizedTime(c.startedAt)]], ['currentTime', [generalizedTime(now)]],
        ['uptimeSeconds', [String(Math.floor((now - c.startedAt) / 1000))]], ['role', [ctx.config.role]],
        ...(ctx.config.replicaId !== undefined ? [['replicaId', [String(ctx.config.replicaId)]] as [string, string[]]] : []),
      ],
    },
    {
      dn: 'cn=connections,cn=monitor',
      attrs: [['objectClass', oc], ['cn', ['connections']], ['currentConnections', [String(c.connectionsCurrent)]], ['totalConnections', [String(c.connectionsTotal)]]],
    },
    {
      dn: 'cn=operations,cn=monitor',
      attrs: [
        ['objectClass', oc], ['cn', ['operations']], ['entriesSent', [String(c.entriesSent)]],
        ...Object.entries(c.ops).sort().map(([k, v]) => [`${k}Operations`, [String(v)]] as [string, string[]]),
      ],
    },
    {
      dn: 'cn=database,cn=monitor',
      attrs: [
        ['objectClass', oc], ['cn', ['database']], ['namingContexts', [ctx.config.suffix]], ['entries', [String(ctx.store.entryCount())]],
        ['generationId', [ctx.store.generationId]], ['conflicts', [String(ctx.store.conflictCount)]],
      ],
    },
  ];
  for (const src of sources.get(ctx) ?? []) out.push(...src());
  return out;
}
