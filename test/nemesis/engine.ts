// One nemesis run: three masters in a full mesh and a consumer fed by two of
// them, all real processes behind per-link proxies; the write load on every
// master while the seeded schedule kills and restarts masters (one of them
// with its clock skewed by minutes), cuts, isolates and slows links. Then
// everything heals, the run waits for convergence (equal RUVs, no lag), runs
// `meshdir repl check` over all four servers and checks the ledger against
// the data and the conflict logs.
import { Topology } from '../helpers/nemesis-topology.js';
import { Prng } from '../sim/prng.js';
import { describe, schedule, type Fault, type Step } from './schedule.js';
import { verify, type Verdict } from './verify.js';
import { STABLE, Workload } from './workload.js';

export const MASTERS = ['m1', 'm2', 'm3'];
const CONSUMER = 'c1';
const FEEDERS = ['m1', 'm2'];

export interface NemesisOptions {
  seed: number;
  /** How long writes and faults go on. */
  durationMs: number;
  loopsPerMaster?: number;
  paceMs?: number;
  meanGapMs?: number;
  convergeTimeoutMs?: number;
  /** Leave the servers' data directories when the run fails (path in the report). */
  keepOnFailure?: boolean;
  /** Progress lines (each fault as it starts). */
  log?: (line: string) => void;
}

export interface NemesisReport {
  seed: number;
  durationMs: number;
  steps: Step[];
  skewed: string;
  writes: { sent: number; acked: number; refused: number; maybe: number; ackedByOp: Record<string, number>; refusedBy: Record<string, number>; maybeBy: Record<string, number> };
  faults: { kills: number; skewsMs: number[]; partitions: number; cuts: number; isolations: number; slowdowns: number; inits: number; disables: number };
  /** Total updates by outcome: 'done', or why `repl init` gave up (a cut link, a busy consumer, a refused copy). */
  inits: Record<string, number>;
  /** Distinct conflict records over all servers, by kind; and records per server. */
  conflicts: Record<string, number>;
  conflictsPerServer: Record<string, number>;
  convergeMs?: number;
  check: { ok: boolean; output: string };
  entries: number;
  verdict?: Verdict;
  serverErrors: string[];
  /** Where the data directories were left (a failed run with keepOnFailure). */
  kept?: string;
  /** Why the run failed; empty when it passed. */
  problems: string[];
  totalMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const tally = (xs: string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
};

export async function runNemesis(o: NemesisOptions): Promise<NemesisReport> {
  const started = Date.now();
  const log = o.log ?? (() => undefined);
  const topo = await Topology.start({ masters: MASTERS, consumer: CONSUMER, feeders: FEEDERS });
  const problems: string[] = [];
  const skewed = MASTERS[new Prng(o.seed).int(0, MASTERS.length - 1)]!;
  const steps = schedule(o.seed, o.durationMs, { masters: MASTERS, others: [CONSUMER], pairs: topo.pairs, agreements: topo.agreements, skewed, ...(o.meanGapMs ? { meanGapMs: o.meanGapMs } : {}) });
  const report: NemesisReport = {
    seed: o.seed, durationMs: o.durationMs, steps, skewed,
    writes: { sent: 0, acked: 0, refused: 0, maybe: 0, ackedByOp: {}, refusedBy: {}, maybeBy: {} },
    faults: { kills: 0, skewsMs: [], partitions: 0, cuts: 0, isolations: 0, slowdowns: 0, inits: 0, disables: 0 },
    inits: {},
    conflicts: {}, conflictsPerServer: {}, check: { ok: false, output: '' }, entries: 0, serverErrors: [], problems, totalMs: 0,
  };
  try {
    const seeded = await waitFor(async () => (await Promise.all(topo.names.map((n) => topo.mesh.count(n)))).every((n) => n === 12), 30_000);
    if (!seeded) throw new Error('the seed entries did not reach every server in 30 s');

    const work = new Workload({ masters: MASTERS, url: (n) => topo.mesh.node(n).url, seed: o.seed, loopsPerMaster: o.loopsPerMaster ?? 2, paceMs: o.paceMs ?? 20 });
    let finishing!: () => void;
    const finish = new Promise<void>((r) => (finishing = r));
    const hold = (ms: number) => Promise.race([sleep(ms), finish]);
    const running: Promise<void>[] = [];
    const killing = new Map<string, Promise<void>>();
    const t0 = Date.now();
    work.start();
    for (const step of steps) {
      await sleep(step.at - (Date.now() - t0));
      log(describe(step));
      running.push(inflict(topo, step.fault, hold, report, problems, killing).catch((e: Error) => void problems.push(`${describe(step)} failed: ${e.message}`)));
    }
    await sleep(o.durationMs - (Date.now() - t0));
    await work.stop();
    finishing();
    await Promise.all(running);
    topo.healAll();
    for (const m of MASTERS) {
      if (!topo.isUp(m)) await restart(topo, m, 0, problems);
    }

    const w = work.ledger.writes;
    report.writes = {
      sent: w.length,
      acked: w.filter((x) => x.outcome === 'acked').length,
      refused: w.filter((x) => x.outcome === 'refused').length,
      maybe: w.filter((x) => x.outcome === 'maybe').length,
      ackedByOp: tally(w.filter((x) => x.outcome === 'acked').map((x) => x.op)),
      refusedBy: tally(w.filter((x) => x.outcome === 'refused').map((x) => x.why ?? '?')),
      maybeBy: tally(w.filter((x) => x.outcome === 'maybe').map((x) => x.why ?? '?')),
    };

    const healed = Date.now();
    let why = '';
    const converged = await waitFor(async () => {
      const s = await topo.settled();
      why = s.why;
      return s.converged;
    }, o.convergeTimeoutMs ?? 120_000);
    if (converged) report.convergeMs = Date.now() - healed;
    else problems.push(`no convergence ${o.convergeTimeoutMs ?? 120_000} ms after healing: ${why}`);

    report.check = await topo.check();
    if (!report.check.ok) problems.push(`repl check over ${topo.names.join(', ')} found differences:\n${report.check.output.slice(0, 4000)}`);
    const conflicts = await topo.conflicts();
    const distinct = new Map(conflicts.map((c) => [`${c.kind}|${c.csn}|${c.uuid}|${c.attr ?? ''}|${c.loser ?? ''}`, c.kind]));
    report.conflicts = tally([...distinct.values()]);
    report.conflictsPerServer = tally(conflicts.map((c) => c.node));
    const final = await topo.mesh.entries(MASTERS[0]!, { conflicts: true });
    report.entries = final.size;
    report.verdict = verify(w, final, conflicts, STABLE);
    for (const l of report.verdict.lost) problems.push(`acknowledged write lost: ${l}`);
    problems.push(...report.verdict.problems);
    problems.push(...topo.crashes);
    report.serverErrors = topo.errors();
  } catch (e) {
    problems.push(`the run stopped: ${(e as Error).stack ?? e}`);
  } finally {
    const keep = !!o.keepOnFailure && problems.length > 0;
    await topo.stop({ keep });
    if (keep) report.kept = topo.mesh.root;
    report.totalMs = Date.now() - started;
  }
  return report;
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return true;
    } catch {
      // a server still starting, a connection refused: not yet
    }
    if (Date.now() > until) return false;
    await sleep(250);
  }
}

/** Start a killed master again; a start that fails is a finding, and it is tried again. */
async function restart(topo: Topology, node: string, skewMs: number, problems: string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await topo.relaunch(node, skewMs);
      return;
    } catch (e) {
      problems.push(`${node} failed to start (attempt ${attempt}): ${(e as Error).message.slice(0, 1500)}`);
      if (attempt === 3) throw e;
      await sleep(1000);
    }
  }
}

/**
 * `killing`: each node's kill fault in progress (its restart included). The
 * schedule leaves 3 s after a restart before the next kill of the same node,
 * but a restart can take longer on a loaded machine: the next kill then found
 * the node already down, and its restart raced the previous one for the data
 * directory ("in use by process N"). Kills of one node wait for each other.
 */
async function inflict(topo: Topology, f: Fault, hold: (ms: number) => Promise<void>, r: NemesisReport, problems: string[], killing: Map<string, Promise<void>>): Promise<void> {
  switch (f.kind) {
    case 'kill': {
      const previous = killing.get(f.node) ?? Promise.resolve();
      const done = previous.then(async () => {
        r.faults.kills++;
        await topo.kill(f.node);
        await hold(f.downMs);
        if (f.skewMs !== undefined) r.faults.skewsMs.push(f.skewMs);
        await restart(topo, f.node, f.skewMs ?? 0, problems);
      });
      killing.set(f.node, done.catch(() => undefined));
      return done;
    }
    case 'cut': {
      r.faults.partitions++;
      r.faults.cuts++;
      const heal = topo.cut(f.a, f.b);
      await hold(f.ms);
      heal(f.reset);
      return;
    }
    case 'isolate': {
      r.faults.partitions++;
      r.faults.isolations++;
      const heal = topo.isolate(f.node);
      await hold(f.ms);
      heal(f.reset);
      return;
    }
    case 'slow': {
      r.faults.slowdowns++;
      const undo = topo.slow(f.a, f.b, f.latencyMs);
      await hold(f.ms);
      undo();
      return;
    }
    case 'disable': {
      r.faults.disables++;
      const enable = topo.disable(f.from, f.to);
      await hold(f.ms);
      enable();
      return;
    }
    case 'init': {
      // Whether it succeeds is up to the faults around it (a cut link, a
      // killed consumer, another total update, a copy refused because it
      // lacks what the consumer cannot replay); what must hold whichever
      // way it goes is checked at the end: convergence, no lost write.
      r.faults.inits++;
      const res = await topo.init(f.from, f.to);
      const why = res.ok ? 'done' : (res.output.split('\n').pop() ?? '').replace(/^meshdir: /, '').replace(/ldap:\/\/[^\s:]+:\d+/g, 'URL').replace(/\d+(\.\d+)?/g, 'N').slice(0, 100);
      r.inits[why] = (r.inits[why] ?? 0) + 1;
      return;
    }
  }
}

/** The figures of a run, one line each. */
export function formatReport(r: NemesisReport): string[] {
  const kv = (x: Record<string, number>) => Object.entries(x).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  const v = r.verdict;
  const lines = [
    `nemesis seed ${r.seed}: ${(r.durationMs / 1000).toFixed(0)} s of writes and faults, ${r.steps.length} scheduled faults; skewed master ${r.skewed}`,
    `writes: ${r.writes.sent} sent, ${r.writes.acked} acknowledged (${kv(r.writes.ackedByOp)}), ${r.writes.refused} refused (${kv(r.writes.refusedBy)}), ${r.writes.maybe} unknown outcome (${kv(r.writes.maybeBy)})`,
    `faults: ${r.faults.kills} kills (clock skews at restart: ${r.faults.skewsMs.map((s) => `${s > 0 ? '+' : ''}${Math.round(s / 1000)} s`).join(', ') || 'none'}), ${r.faults.partitions} partitions (${r.faults.cuts} link cuts, ${r.faults.isolations} isolations), ${r.faults.slowdowns} slowdowns`,
    `total updates: ${r.faults.inits} (${kv(r.inits)}); agreements disabled for a while: ${r.faults.disables}`,
    `conflicts (distinct over 4 servers): ${kv(r.conflicts)}; records per server: ${kv(r.conflictsPerServer)}`,
    `converged ${r.convergeMs === undefined ? 'NOT' : `in ${(r.convergeMs / 1000).toFixed(1)} s`} after healing; repl check: ${r.check.output.trim().split('\n').pop() ?? ''}`,
    v
      ? `acknowledged writes: ${v.acked}: ${v.present} present, ${v.superseded} superseded, ${v.byConflict} named by a conflict record, ${v.deleted} gone with their entry, ${v.lost.length} lost; ${r.entries} entries at the end`
      : 'acknowledged writes: not verified',
    `server error log lines: ${r.serverErrors.length}; total ${(r.totalMs / 1000).toFixed(1)} s`,
    ...r.serverErrors.slice(0, 10).map((l) => `  ${l}`),
  ];
  for (const p of r.problems) lines.push(`PROBLEM ${p}`);
  if (r.kept) lines.push(`data directories kept in ${r.kept}`);
  lines.push(r.problems.length ? `FAILED (seed ${r.seed})` : `OK (seed ${r.seed})`);
  return lines;
}
