// Deterministic replication simulator, from the command line.
//   npm run sim -- --seeds N [--from S] [--jobs J]   run seeds S..S+N-1, stop at the first failure
//   npm run sim -- --seed S                          replay one seed, with its trace on failure
//   npm run sim -- --seed S --entry UUID [--attr A]  and the changes made to that entry (that
//                                                    attribute) and its state on every replica
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { show } from '../test/sim/checks.js';
import { runSeed, type SimResult } from '../test/sim/simulation.js';

interface Report {
  done: number;
  fail?: SimResult;
  stats: Record<string, number>;
}

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    seeds: { type: 'string' },
    from: { type: 'string', default: '0' },
    jobs: { type: 'string' },
    worker: { type: 'string' },
    entry: { type: 'string' },
    attr: { type: 'string' },
  },
});

function int(name: string, v: string | undefined, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`sim: --${name} needs a non-negative integer, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
}

function replayLine(seed: number): string {
  return `npm run sim -- --seed ${seed}`;
}

function addStats(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Runs seeds from, from+stride, … below end; reports to the parent. */
function worker(from: number, end: number, stride: number): void {
  const stats: Record<string, number> = {};
  let done = 0;
  for (let seed = from; seed < end; seed += stride) {
    const r = runSeed(seed);
    done++;
    addStats(stats, r.stats);
    if (!r.ok) {
      process.send!({ done, fail: r, stats } satisfies Report, () => process.disconnect());
      return;
    }
    if (done % 250 === 0) {
      process.send!({ done, stats } satisfies Report);
      done = 0;
      for (const k of Object.keys(stats)) delete stats[k];
    }
  }
  process.send!({ done, stats } satisfies Report, () => process.disconnect());
}

/** The changes made to one entry (one attribute of it), and its state on every replica. */
function explain(r: SimResult, uuid: string, attr: string | undefined): void {
  console.log(`\nchanges to ${uuid}${attr ? ` touching ${attr}` : ''}, in CSN order (priorities by replica: ${r.priorities!.join(' ')}):`);
  for (const ch of [...r.changes!].sort((a, b) => (a.csn < b.csn ? -1 : 1))) {
    if (ch.uuid !== uuid) continue;
    const body =
      ch.op === 'modify' ? ch.mods.filter((m) => !attr || m.attr === attr) : ch.op === 'add' ? ch.attrs.filter(([a]) => !attr || a === attr) : ch.op === 'modrdn' ? { rdn: ch.rdn, oldRdn: ch.oldRdn, deleteOldRdn: ch.deleteOldRdn, parent: ch.parent, held: ch.held } : {};
    if (ch.op === 'modify' && Array.isArray(body) && body.length === 0) continue;
    console.log(`  ${ch.csn} ${ch.op} ${show(body)}`);
  }
  for (const c of r.conflicts!) if (c.uuid === uuid && (!attr || !c.attr || c.attr === attr)) console.log(`  conflict ${show(c)}`);
  r.dits!.forEach((d, i) => {
    const st = d.get(uuid);
    console.log(`replica ${i + 1}: ${st === undefined ? 'no such entry' : `shown ${show(attr ? st.vis.attrs.find(([a]) => a === attr) : st.vis)}\n  state ${show(attr ? st.state.attrs[attr] : st.state)}`}`);
  });
}

function replay(seed: number): void {
  const t0 = performance.now();
  const r = runSeed(seed, { trace: true, keepDits: values.entry !== undefined });
  const ms = performance.now() - t0;
  if (values.entry !== undefined) explain(r, values.entry, values.attr);
  if (r.ok) {
    console.log(`seed ${seed}: ok in ${ms.toFixed(0)} ms ${JSON.stringify(r.stats)}`);
    return;
  }
  console.log(r.trace.join('\n'));
  console.log(`\nseed ${seed}: FAILED\n${r.failures.map((f) => `  ${f}`).join('\n')}`);
  process.exitCode = 1;
}

function batch(from: number, count: number, jobs: number): void {
  const end = from + count;
  const t0 = performance.now();
  const stats: Record<string, number> = {};
  let done = 0;
  let running = 0;
  let failed = false;
  let nextReport = 1000;
  const children = Array.from({ length: Math.min(jobs, count) }, (_, i) =>
    fork(fileURLToPath(import.meta.url), ['--worker', `${from + i},${end},${jobs}`], { execArgv: process.execArgv }),
  );
  for (const child of children) {
    running++;
    child.on('message', (m: Report) => {
      done += m.done;
      addStats(stats, m.stats);
      if (m.fail && !failed) {
        failed = true;
        const f = m.fail;
        console.log(`seed ${f.seed}: FAILED\n${f.failures.map((x) => `  ${x}`).join('\n')}\nreplay: ${replayLine(f.seed)}`);
        process.exitCode = 1;
        for (const c of children) c.kill();
      }
      if (done >= nextReport && !failed) {
        console.log(`${done}/${count} seeds ok (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
        nextReport += 1000;
      }
    });
    child.on('exit', (code) => {
      if (code && !failed) {
        failed = true;
        console.log(`a simulator process died (exit ${code}) around seeds from ${from}: run with --jobs 1 to find the seed`);
        process.exitCode = 1;
        for (const c of children) c.kill();
      }
      if (--running === 0 && !failed) {
        const s = (performance.now() - t0) / 1000;
        const conflicts = Object.entries(stats).filter(([k]) => k.startsWith('conflict.')).map(([k, v]) => `${k.slice(9)}=${v}`).join(' ');
        console.log(`${done} seeds (${from}..${end - 1}) ok in ${s.toFixed(1)} s with ${jobs} processes; conflicts resolved: ${conflicts}`);
      }
    });
  }
}

if (values.worker) {
  const [from, end, stride] = values.worker.split(',').map(Number) as [number, number, number];
  worker(from, end, stride);
} else if (values.seed !== undefined) {
  replay(int('seed', values.seed));
} else {
  const jobs = int('jobs', values.jobs, Math.min(2, availableParallelism()));
  batch(int('from', values.from), int('seeds', values.seeds, 1000), Math.max(1, jobs));
}
