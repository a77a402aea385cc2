// Public API of the replication core (pure: no I/O, clocks or randomness).
export * from './csn.js';
export * from './clock.js';
export * from './policy.js';
export * from './state.js';
export * from './change.js';
export * from './visible.js';
export * from './view.js';
export { World } from './naming.js';
export { apply, type ApplyResult, type Write } from './urp.js';
export { visibleValues } from './values.js';
export { sumAsDeltas } from './deltas.js';
export { decodeStored, encodeStored } from './codec.js';
export * from './ruv.js';
export * from './changelog.js';
export * from './purge.js';
