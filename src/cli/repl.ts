// `meshdir repl status | init | check` and `meshdir conflicts`.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError, loadAgreement, loadServerConfig, type ServerConfig } from '../config/load.js';
import { LdapClient } from '../ldap/client.js';
import { LdapError, MeshdirError, RC } from '../errors.js';
import { createLogger } from '../log.js';
import { loadServerSchema, openExistingStore } from '../runtime.js';
import { totalUpdate } from '../repl/session/total-init.js';
import { compareReplicas } from '../repl/session/check.js';
import { otherAgreementOf } from '../repl/session/agreements.js';
import { progressBar } from './progress.js';

interface BindOpts {
  bindDn?: string;
  password?: string;
  starttls?: boolean;
  cacert?: string;
}

/** As ldap-utils: a CA file from --cacert or LDAPTLS_CACERT, else the system's CAs. */
function tlsOf(o: BindOpts): ConnectionOptions {
  const ca = o.cacert ?? process.env.LDAPTLS_CACERT;
  return ca ? { ca: readFileSync(ca) } : {};
}

function password(o: BindOpts): string | undefined {
  return o.password ?? process.env.MESHDIR_PASSWORD;
}

async function connect(url: string, o: BindOpts): Promise<LdapClient> {
  const tls = tlsOf(o);
  const c = await LdapClient.connect(url, { timeoutMs: 30_000, tls });
  if (o.starttls) await c.startTls(tls);
  if (o.bindDn) {
    await c.bind(o.bindDn, password(o) ?? '').catch((e: Error) => {
      c.close();
      throw new MeshdirError('MESHDIR_BIND', `${url}: bind as ${o.bindDn} failed: ${e.message}`);
    });
  }
  return c;
}

function localUrl(config: ServerConfig): string {
  // Port 0 is whatever port the system gave the server: not one to connect to.
  const fixed = config.listen.filter((u) => new URL(u).port !== '0');
  const url = fixed.find((u) => u.startsWith('ldap:')) ?? fixed[0];
  if (url === undefined) throw new ConfigError(`${config.file}: listen: port 0 only (the port the system picked is in the server's "meshdir started" log line): repl status needs a fixed port`);
  return url;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

function ago(gt: string | undefined): string {
  if (!gt) return '-';
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(gt);
  if (!m) return gt;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

type MonitorEntry = { attrs: { type: string; values: (Buffer | string)[] }[] };

/** Figures that are counts, as numbers; RUVs as lists; the rest as strings. */
const NUMBERS = new Set(['conflicts', 'clockAheadMs', 'changesReceived', 'sessionsAccepted', 'sessionsRefused', 'agreements', 'changesSent', 'lagMs']);
const LISTS = new Set(['ruv', 'consumerRuv']);

function figures(e: MonitorEntry | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of e?.attrs ?? []) {
    if (a.type === 'objectClass') continue;
    const values = a.values.map(String);
    out[a.type] = LISTS.has(a.type) ? values : NUMBERS.has(a.type) ? Number(values[0]) : values[0];
  }
  return out;
}

/** `repl status --json`: the server's figures and one object per agreement, for scripts and monitoring. */
function statusJson(file: string, top: MonitorEntry | undefined, agreements: MonitorEntry[]): Record<string, unknown> {
  return { file, ...figures(top), agreements: agreements.map(figures) };
}

export function replCommand(program: Command): void {
  const repl = program.command('repl').description('replication: status, total update, consistency check');
  const bindOptions = (c: Command) =>
    c
      .option('-D, --bind-dn <dn>', 'bind as this DN (default anonymous)')
      .option('-w, --password <pw>', 'bind password (or MESHDIR_PASSWORD)')
      .option('-Z, --starttls', 'StartTLS before binding (as ldapsearch -ZZ: fail without it)')
      .option('--cacert <file>', 'CA file for the servers\' certificates (or LDAPTLS_CACERT)');

  bindOptions(
    repl
      .command('status')
      .description('every agreement of a running server: state, last session, lag, changes sent')
      .requiredOption('-c, --config <file>', 'server file (YAML)')
      .option('--json', 'one JSON object (the cn=replication,cn=monitor figures) instead of the table'),
  ).action(async (opts: { config: string; json?: boolean } & BindOpts) => {
    const config = loadServerConfig(opts.config);
    // The checks `serve` makes (DNs, indexes, policies): the same clean refusal, not "connection refused".
    loadServerSchema(config);
    // Its own server: without --cacert, the CA its server file names (an ldaps://-only server's certificate is checked against it).
    const cacert = opts.cacert ?? (process.env.LDAPTLS_CACERT || config.tls?.ca);
    const url = localUrl(config);
    const c = await connect(url, { ...opts, cacert });
    try {
      const r = await c.search('cn=replication,cn=monitor', '(objectClass=*)', { scope: 2 }).catch((e: Error) => {
        // anonymousRead: false — say what to do, and where.
        if (e instanceof LdapError && e.code === RC.insufficientAccessRights && !opts.bindDn) throw new MeshdirError('MESHDIR_BIND', `${url}: ${e.message}: bind with -D and -w (e.g. -D '${config.rootDn}' -w …, or MESHDIR_PASSWORD)`);
        throw e;
      });
      const get = (e: (typeof r.entries)[number], a: string) => e.attrs.find((x) => x.type.toLowerCase() === a.toLowerCase())?.values.map((v) => v.toString()) ?? [];
      const top = r.entries.find((e) => e.dn.toLowerCase() === 'cn=replication,cn=monitor');
      if (opts.json) {
        process.stdout.write(JSON.stringify(statusJson(config.file, top, r.entries.filter((e) => e !== top))) + '\n');
        return;
      }
      if (top) {
        process.stdout.write(`${config.file}: role ${get(top, 'role')[0]}, generation ${get(top, 'generationId')[0]}, conflicts ${get(top, 'conflicts')[0]}, peer clocks ahead by up to ${get(top, 'clockAheadMs')[0]} ms\n`);
        process.stdout.write(`RUV: ${get(top, 'ruv').join(', ') || '(empty)'}\n`);
        for (const d of get(top, 'detail')) process.stdout.write(`${d}\n`);
        process.stdout.write('\n');
      }
      const rows = [['AGREEMENT', 'CONSUMER', 'STATE', 'LAST SESSION', 'RESULT', 'LAG', 'SENT']];
      // A result too long for the table (a refusal's reason, a file error) follows it in full.
      const long: string[] = [];
      for (const e of r.entries) {
        if (e === top) continue;
        const name = get(e, 'cn')[0] ?? '';
        const result = get(e, 'detail')[0] ?? get(e, 'lastResult')[0] ?? '';
        if (result.length > 70) long.push(`${name}: ${result}`);
        rows.push([
          name, get(e, 'consumer')[0] ?? '', get(e, 'state')[0] ?? '', ago(get(e, 'lastSessionStart')[0]),
          result.length > 70 ? `${result.slice(0, 69)}…` : result, `${get(e, 'lagMs')[0] ?? '0'} ms`, get(e, 'changesSent')[0] ?? '0',
        ]);
      }
      process.stdout.write(rows.length > 1 ? table(rows) : 'no agreements\n');
      if (long.length > 0) process.stdout.write(`\n${long.join('\n')}\n`);
    } finally {
      c.close();
    }
  });

  repl
    .command('init')
    .description('total update: replace the consumer of an agreement with a full copy of this server')
    .requiredOption('-c, --config <file>', 'server file (YAML) of the supplier')
    .requiredOption('-a, --agreement <name>', 'agreement name (its file name in agreementsDir, without .yaml)')
    .option('--no-progress', 'no progress bar')
    .action(async (opts: { config: string; agreement: string; progress: boolean }) => {
      const config = loadServerConfig(opts.config);
      if (!config.agreementsDir) throw new ConfigError(`${config.file}: agreementsDir: not set, so there are no agreements`);
      const file = join(config.agreementsDir, `${opts.agreement.replace(/\.ya?ml$/i, '')}.yaml`);
      const agreement = loadAgreement(file, dirname(config.file));
      const other = otherAgreementOf(config.agreementsDir, file, agreement.consumer, dirname(config.file));
      if (other) throw new ConfigError(`${file}: consumer: ${agreement.consumer} is also the consumer of ${other} (one agreement per consumer): remove one of them first`);
      const store = openExistingStore(config, createLogger({ level: 'warn' }));
      const bar = opts.progress && process.stderr.isTTY ? await progressBar({ format: 'init [{bar}] {percentage}% | {value}/{total} entries | {eta_formatted} left' }) : undefined;
      try {
        const started = Date.now();
        const r = await totalUpdate(store, config, agreement, {
          onStart: (total) => bar?.start(total, 0),
          onProgress: (n) => bar?.update(n),
        });
        bar?.stop();
        process.stderr.write(`initialised ${agreement.consumer} with ${r.entries} entries in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
        if (r.discarded > 0) process.stderr.write(`meshdir: warning: ${agreement.consumer} was a master of another generation: ${r.discarded} changes made on it that the copy lacks were discarded with its database\n`);
      } finally {
        bar?.stop();
        await store.close();
      }
    });

  bindOptions(
    repl
      .command('check')
      .description('compare replicas entry by entry; exit 0 when identical, 1 when they differ, 2 when they could not be compared')
      .argument('<urls...>', 'two or more ldap:// URLs')
      .option('-b, --base <dn>', 'subtree to compare (default: the DN the URLs name, else the first naming context)'),
  ).action(async (urls: string[], opts: BindOpts & { base?: string }) => {
    if (urls.length < 2) throw new ConfigError('repl check needs at least two URLs');
    let r: Awaited<ReturnType<typeof compareReplicas>>;
    try {
      r = await compareReplicas(urls, { bindDn: opts.bindDn, password: password(opts), base: opts.base, tls: tlsOf(opts), starttls: opts.starttls });
    } catch (e) {
      // As diff(1): 1 for differences, 2 when the replicas could not be compared.
      process.stderr.write(`meshdir: ${(e as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    for (const line of r.report) process.stdout.write(line + '\n');
    process.stdout.write(r.differences === 0 ? `identical: ${r.entries} entries on ${urls.length} replicas\n` : `${r.differences} difference${r.differences === 1 ? '' : 's'}\n`);
    process.exitCode = r.differences === 0 ? 0 : 1;
  });
}

export function conflictsCommand(program: Command): void {
  program
    .command('conflicts')
    .description('list the conflict log: every replication conflict and how it was resolved')
    .requiredOption('-c, --config <file>', 'server file (YAML)')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { config: string; json?: boolean }) => {
      const config = loadServerConfig(opts.config);
      const store = openExistingStore(config, createLogger({ level: 'warn' }));
      try {
        let n = 0;
        for (const c of store.conflicts()) {
          n++;
          if (opts.json) process.stdout.write(JSON.stringify(c) + '\n');
          else {
            const when = new Date(c.at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
            process.stdout.write(`${when}  ${c.kind.padEnd(13)} ${c.dn ?? c.uuid}${c.attr ? ` [${c.attr}]` : ''}\n    ${c.detail}${c.loser ? `; lost: ${c.loser}` : ''}${c.winner ? `; kept: ${c.winner}` : ''}\n    csn ${c.csn}\n`);
          }
        }
        if (!opts.json) process.stdout.write(`${n} conflict${n === 1 ? '' : 's'}\n`);
      } finally {
        await store.close();
      }
    });
}
