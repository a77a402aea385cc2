// Hybrid logical clock (Kulkarni et al.): CSN time follows the wall clock
// when it moves forward and otherwise stays put while the counter ticks, so
// CSNs never go backwards, whatever the wall clock does. Receiving a CSN
// ahead of us moves the clock past it instead of refusing it: skew between
// masters is measured (for cn=monitor), never fatal.
import { type Csn, formatCsn, MAX_COUNTER, parseCsn } from './csn.js';

/** Persist this with the database; restore it before issuing CSNs. */
export interface ClockState {
  replicaId: number;
  /** µs since the epoch of the last CSN issued or observed. */
  time: number;
  counter: number;
}

export function newClockState(replicaId: number): ClockState {
  return { replicaId, time: 0, counter: 0 };
}

export function clockNext(state: ClockState, nowMs: number): { state: ClockState; csn: Csn } {
  const wall = Math.floor(nowMs * 1000);
  let time = state.time;
  let counter = state.counter + 1;
  if (wall > time) {
    time = wall;
    counter = 0;
  } else if (counter > MAX_COUNTER) {
    time += 1;
    counter = 0;
  }
  const next = { replicaId: state.replicaId, time, counter };
  return { state: next, csn: formatCsn({ time, counter, replicaId: state.replicaId, subseq: 0 }) };
}

/**
 * Move past a CSN received from another replica. `skewMs` is the remote CSN's
 * time minus our wall clock: positive when the sender runs ahead of us.
 */
export function clockObserve(state: ClockState, csn: Csn, nowMs: number): { state: ClockState; skewMs: number } {
  const p = parseCsn(csn);
  const skewMs = p.time / 1000 - nowMs;
  if (p.time > state.time) return { state: { replicaId: state.replicaId, time: p.time, counter: p.counter }, skewMs };
  if (p.time === state.time && p.counter > state.counter) {
    return { state: { replicaId: state.replicaId, time: p.time, counter: p.counter }, skewMs };
  }
  return { state, skewMs };
}

/** A mutable holder around ClockState for code that owns one clock. */
export class HybridClock {
  #state: ClockState;
  #aheadMs = 0;

  constructor(state: ClockState) {
    this.#state = state;
  }

  get state(): ClockState {
    return this.#state;
  }

  /**
   * The most an observed CSN was ahead of this clock (0 while none was): how
   * far another master's clock runs ahead. An older CSN says nothing about
   * clocks (only how old the change is), so it does not count.
   */
  get aheadMs(): number {
    return this.#aheadMs;
  }

  next(nowMs: number): Csn {
    const r = clockNext(this.#state, nowMs);
    this.#state = r.state;
    return r.csn;
  }

  observe(csn: Csn, nowMs: number): number {
    const r = clockObserve(this.#state, csn, nowMs);
    this.#state = r.state;
    if (r.skewMs > this.#aheadMs) this.#aheadMs = r.skewMs;
    return r.skewMs;
  }
}
