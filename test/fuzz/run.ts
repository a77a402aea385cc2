// `npm run fuzz -- --count N --seed S [--connections C] [--bound] [--only I] [--repl]`
// (--repl: replication messages instead, see repl.ts)
// Sends N mutated PDUs (default 100,000) at a fresh server, then checks it
// still runs, answers a fresh connection, and holds the same data: the
// `meshdir export` byte for byte (anonymous run: every write is refused),
// or, with --bound (connections bound as the rootDn, so mutated writes can
// succeed), every entry no accepted write touched. Prints PDUs/s,
// connections closed and the server's RSS before and after; exits 1 on a
// problem with the seed and the offending PDU in hex. --only I replays
// mutant I of the seed alone.
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { LdapClient } from '../../src/ldap/client.js';
import { cleanup, ROOT_DN, ROOT_PW, SUFFIX, type TestServer } from '../helpers/server.js';
import { corpus } from './corpus.js';
import { runRepl } from './repl.js';
import { describeAnomaly, fuzz, plan, pduLimit, type FuzzReport } from './engine.js';
import { Mutator } from './mutate.js';
import { exportLdif, explain, snapshot } from './snapshot.js';
import { exited, hasExited, rssKiB, serverErrors, startTarget, TARGET_MAX_PDU } from './target.js';

const ROOT = { dn: ROOT_DN, password: ROOT_PW };

function watchStderr(s: TestServer): () => string {
  let err = '';
  s.child.stderr!.on('data', (d) => (err += d));
  return () => err;
}

/** After a crash: replay the last mutants one by one on a fresh server until one kills it. */
async function culprit(seed: number, suspects: number[], bound: boolean): Promise<string> {
  const s = await startTarget();
  try {
    for (const m of [...new Set(suspects)].reverse()) {
      await fuzz({ url: s.url, seed, count: 1, start: m, connections: 1, maxPdu: TARGET_MAX_PDU, ...(bound ? { bind: ROOT } : {}), stopped: () => exited(s), timeoutMs: 5000 });
      if (await hasExited(s, 300)) {
        const p = plan(new Mutator(seed, corpus(), TARGET_MAX_PDU).at(m), pduLimit(TARGET_MAX_PDU, bound));
        return `offending PDU: mutant ${m} (${p.mutant.kind}), replay with --seed ${seed} --only ${m}${bound ? ' --bound' : ''}:\n${p.wire.toString('hex')}`;
      }
    }
    return `no single mutant of the last ${suspects.length} kills a fresh server: ${suspects.join(' ')}`;
  } finally {
    await s.stop();
    cleanup(s.dir);
  }
}

async function checkFresh(url: string): Promise<void> {
  const c = await LdapClient.connect(url, { timeoutMs: 10_000 });
  try {
    await c.bind(ROOT_DN, ROOT_PW);
    const r = await c.search(SUFFIX, '(objectClass=*)', { scope: 0 });
    if (r.entries.length !== 1) throw new Error(`base search of ${SUFFIX} returned ${r.entries.length} entries`);
  } finally {
    c.close();
  }
}

function printReport(rep: FuzzReport, rss: [number, number]): void {
  const top = (m: Map<number | string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}:${v}`).join(' ');
  console.log(`mutants ${rep.mutants} (${top(rep.kinds)}) in ${(rep.ms / 1000).toFixed(1)} s: ${Math.round(rep.mutants / (rep.ms / 1000))} PDUs/s`);
  console.log(`frames ${rep.frames}, responses ${rep.responses}, result codes ${top(rep.codes)}`);
  console.log(`connections ${rep.connections}: closed by the server ${rep.serverCloses}, dropped by the client ${rep.clientAborts}`);
  const mib = (kib: number) => (Number.isNaN(kib) ? 'n/a' : `${(kib / 1024).toFixed(1)} MiB`);
  console.log(`server RSS ${mib(rss[0])} before, ${mib(rss[1])} after`);
}

async function run(seed: number, count: number, connections: number, bound: boolean): Promise<number> {
  const s = await startTarget();
  const stderr = watchStderr(s);
  const problems: string[] = [];
  try {
    const exportBefore = bound ? undefined : exportLdif(s.configFile);
    const before = bound ? await snapshot(s.url) : undefined;
    const rss0 = rssKiB(s.child.pid!);
    let shown = 0;
    const rep = await fuzz({
      url: s.url, seed, count, connections, maxPdu: TARGET_MAX_PDU, ...(bound ? { bind: ROOT } : {}), stopped: () => exited(s),
      onProgress: (n) => {
        if (n >= shown + 10_000) process.stderr.write(`  ${(shown = n - (n % 10_000))} sent\n`);
      },
    });
    if (await hasExited(s, rep.anomalies.length ? 1000 : 0)) {
      problems.push(`server exited (code ${s.child.exitCode}, signal ${s.child.signalCode}); its stderr:\n${stderr()}`);
      problems.push(await culprit(seed, rep.recent, bound));
      const refused = rep.anomalies.filter((a) => a.kind === 'connect-failed').length;
      if (refused) problems.push(`(then ${refused} connection(s) refused)`);
      problems.push(...rep.anomalies.filter((a) => a.kind !== 'connect-failed').map((a) => describeAnomaly(a, seed, bound)));
      printReport(rep, [rss0, NaN]);
    } else {
      problems.push(...rep.anomalies.map((a) => describeAnomaly(a, seed, bound)));
      const rss1 = rssKiB(s.child.pid!);
      await checkFresh(s.url).catch((e) => problems.push(`a fresh connection failed: ${(e as Error).message}`));
      try {
        const exportAfter = exportLdif(s.configFile);
        if (exportBefore !== undefined) {
          const accepted = rep.writes.filter((w) => w.code === 0);
          if (accepted.length) problems.push(`anonymous writes accepted: mutants ${accepted.map((w) => w.mutant).join(' ')}`);
          if (exportAfter !== exportBefore) problems.push('the export differs after the run');
          else console.log(`data unchanged: export of ${exportBefore.length} octets identical`);
        } else {
          const unexplained = explain(before!, await snapshot(s.url), rep.writes);
          if (unexplained.length) problems.push(`entries changed that no accepted write touched: ${unexplained.join('; ')}`);
          else console.log(`data consistent: ${rep.writes.length} writes accepted or unanswered, no other entry changed`);
        }
      } catch (e) {
        problems.push(`reading the data back failed: ${(e as Error).message}`);
      }
      printReport(rep, [rss0, rss1]);
    }
    const errors = serverErrors(s);
    if (errors.length) problems.push(`the server logged ${errors.length} error(s), e.g.\n  ${errors.slice(0, 3).join('\n  ')}`);
  } finally {
    await s.stop();
    cleanup(s.dir);
  }
  for (const p of problems) console.log(`PROBLEM ${p}`);
  console.log(problems.length ? `FAILED (seed ${seed})` : `OK (seed ${seed})`);
  return problems.length ? 1 : 0;
}

async function only(seed: number, index: number, bound: boolean): Promise<number> {
  const p = plan(new Mutator(seed, corpus(), TARGET_MAX_PDU).at(index), pduLimit(TARGET_MAX_PDU, bound));
  console.log(`mutant ${index} (${p.mutant.kind}), ends ${p.end}: ${p.wire.toString('hex')}`);
  for (const f of p.frames) console.log(`  frame of ${f.bytes.length} octets: ${f.expect}${f.msg ? ` ${f.msg.op.type} id ${f.msg.id}` : ''}${f.decoderFault ? ` DECODER FAULT ${f.decoderFault}` : ''}`);
  const s = await startTarget();
  const stderr = watchStderr(s);
  try {
    const rep = await fuzz({ url: s.url, seed, count: 1, start: index, connections: 1, maxPdu: TARGET_MAX_PDU, ...(bound ? { bind: ROOT } : {}), stopped: () => exited(s) });
    const dead = await hasExited(s, 300);
    for (const a of rep.anomalies) console.log(describeAnomaly(a, seed, bound));
    console.log(`result codes: ${[...rep.codes].map(([k, v]) => `${k}:${v}`).join(' ') || 'none'}; server ${dead ? `EXITED\n${stderr()}` : 'running'}`);
    for (const e of serverErrors(s)) console.log(`server error: ${e}`);
    return dead || rep.anomalies.length ? 1 : 0;
  } finally {
    await s.stop();
    cleanup(s.dir);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '100000' },
      seed: { type: 'string' },
      connections: { type: 'string', default: '16' },
      bound: { type: 'boolean', default: false },
      only: { type: 'string' },
      repl: { type: 'boolean', default: false },
    },
  });
  const seed = values.seed !== undefined ? Number(values.seed) >>> 0 : randomInt(2 ** 31);
  console.log(`fuzz seed ${seed}${values.bound ? ', bound as the rootDn' : ', anonymous'}`);
  if (values.repl) return runRepl(seed, Number(values.count), Number(values.connections));
  if (values.only !== undefined) return only(seed, Number(values.only), values.bound);
  return run(seed, Number(values.count), Number(values.connections), values.bound);
}

process.exitCode = await main();
