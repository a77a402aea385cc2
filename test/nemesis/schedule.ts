// The fault schedule of a nemesis run: a pure function of the seed and the
// length of the run, so a seed names the same kills, partitions, slowdowns
// and clock skews every time (the writes interleave differently, the faults
// do not).
import { Prng } from '../sim/prng.js';

export type Fault =
  /** SIGKILL a master, start it again after `downMs` (with its clock shifted by `skewMs` when set). */
  | { kind: 'kill'; node: string; downMs: number; skewMs?: number }
  /** Both directions between two servers stop moving bytes for `ms`. */
  | { kind: 'cut'; a: string; b: string; ms: number; reset: boolean }
  /** Every link to and from one server stops for `ms`. */
  | { kind: 'isolate'; node: string; ms: number; reset: boolean }
  /** Both directions between two servers get `latencyMs` per chunk for `ms`. */
  | { kind: 'slow'; a: string; b: string; latencyMs: number; ms: number }
  /** `meshdir repl init` of `to` from `from` (its agreement to-<to>) while everything runs. */
  | { kind: 'init'; from: string; to: string }
  /** The agreement file `from` → `to` says `enabled: false` for `ms`, as an administrator pausing it would. */
  | { kind: 'disable'; from: string; to: string; ms: number };

export interface Step {
  /** Milliseconds after the start of the run. */
  at: number;
  fault: Fault;
}

export interface ScheduleOptions {
  masters: string[];
  /** Servers that only receive (the consumer): they can be isolated too. */
  others: string[];
  /** Pairs of servers with a link (one way or both) that can be cut and slowed. */
  pairs: [string, string][];
  /** Agreements, supplier → consumer: what a total update can run over. */
  agreements?: [string, string][];
  /** The master whose restarts shift its clock. */
  skewed: string;
  /** Mean gap between two fault starts. */
  meanGapMs?: number;
}

const MINUTE = 60_000;

/** ± 1 to 5 minutes, never zero. */
function skew(rng: Prng): number {
  return (rng.chance(0.5) ? 1 : -1) * rng.int(1 * MINUTE, 5 * MINUTE);
}

/**
 * Faults from 0 to `durationMs`. The first ones cover every kind (a kill of
 * the skewed master with a clock skew among them), so even a short run
 * exercises each; at most two masters are down at a time.
 */
export function schedule(seed: number, durationMs: number, o: ScheduleOptions): Step[] {
  const rng = new Prng(seed ^ 0x5eed);
  const meanGap = o.meanGapMs ?? 3000;
  const all = [...o.masters, ...o.others];
  const downUntil = new Map<string, number>();
  const steps: Step[] = [];
  const pair = (): [string, string] => rng.pick(o.pairs);
  const make = (kind: Fault['kind'], at: number, forceSkew: boolean): Fault | undefined => {
    switch (kind) {
      case 'kill': {
        const up = o.masters.filter((m) => (downUntil.get(m) ?? 0) < at);
        if (up.length < 2) return undefined;
        const node = forceSkew ? o.skewed : rng.pick(up);
        if (!up.includes(node)) return undefined;
        const downMs = rng.int(300, 4000);
        // Restart plus catch-up take a few seconds: leave room before the next kill of it.
        downUntil.set(node, at + downMs + 3000);
        const f: Fault = { kind: 'kill', node, downMs };
        if (node === o.skewed && (forceSkew || rng.chance(0.7))) f.skewMs = skew(rng);
        return f;
      }
      case 'cut': {
        const [a, b] = pair();
        return { kind: 'cut', a, b, ms: rng.int(1000, 8000), reset: rng.chance(0.3) };
      }
      case 'isolate':
        return { kind: 'isolate', node: rng.pick(all), ms: rng.int(1000, 6000), reset: rng.chance(0.3) };
      case 'slow': {
        const [a, b] = pair();
        return { kind: 'slow', a, b, latencyMs: rng.pick([20, 50, 100, 200, 400]), ms: rng.int(2000, 10_000) };
      }
      case 'init': {
        if (!o.agreements?.length) return undefined;
        const [from, to] = rng.pick(o.agreements);
        return { kind: 'init', from, to };
      }
      case 'disable': {
        if (!o.agreements?.length) return undefined;
        const [from, to] = rng.pick(o.agreements);
        return { kind: 'disable', from, to, ms: rng.int(1000, 8000) };
      }
    }
  };
  // A first kill that cannot happen yet (its master is still down from the
  // other one) goes back behind the next fault and is tried again after it,
  // so every schedule has both.
  const firsts: ('kill-skew' | Fault['kind'])[] = rng.shuffle(['kill-skew', 'kill', 'cut', 'isolate', 'slow', ...(o.agreements?.length ? (['init', 'disable'] as const) : [])] as const);
  let at = rng.int(500, 1500);
  while (firsts.length > 0 && at < durationMs) {
    const k = firsts.shift()!;
    const f = make(k === 'kill-skew' ? 'kill' : k, at, k === 'kill-skew');
    if (f) steps.push({ at, fault: f });
    else firsts.splice(1, 0, k);
    // Closer together than later faults, so that all of them fit a short run.
    at += rng.int(Math.round(meanGap / 2), meanGap);
  }
  const kinds: Fault['kind'][] = ['kill', 'cut', 'isolate', 'slow', 'init', 'disable'];
  const weights = [25, 30, 15, 30, ...(o.agreements?.length ? [6, 10] : [0, 0])];
  while (at < durationMs) {
    const f = make(kinds[rng.weighted(weights)]!, at, false);
    if (f) steps.push({ at, fault: f });
    at += rng.int(Math.round(meanGap / 2), Math.round(meanGap * 1.5));
  }
  return steps;
}

/** One line per step, for the printed schedule. */
export function describe(s: Step): string {
  const f = s.fault;
  const t = `${(s.at / 1000).toFixed(1)}s`;
  switch (f.kind) {
    case 'kill':
      return `${t} kill ${f.node}, down ${f.downMs} ms${f.skewMs !== undefined ? `, restarts with clock ${f.skewMs > 0 ? '+' : ''}${Math.round(f.skewMs / 1000)} s` : ''}`;
    case 'cut':
      return `${t} cut ${f.a}<->${f.b} for ${f.ms} ms${f.reset ? ', connections reset on heal' : ''}`;
    case 'isolate':
      return `${t} isolate ${f.node} for ${f.ms} ms${f.reset ? ', connections reset on heal' : ''}`;
    case 'slow':
      return `${t} slow ${f.a}<->${f.b} by ${f.latencyMs} ms for ${f.ms} ms`;
    case 'init':
      return `${t} repl init ${f.to} from ${f.from}`;
    case 'disable':
      return `${t} disable agreement ${f.from}->${f.to} for ${f.ms} ms`;
  }
}
