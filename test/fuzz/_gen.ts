import { corpus } from './corpus.js';
import { Mutator } from './mutate.js';
import { plan } from './engine.js';
const m = new Mutator(1, corpus(), 1 << 20);
const t0 = performance.now();
let big = 0; const slow: [number, number, string, number][] = [];
for (let i = 0; i < 3000; i++) { const t = performance.now(); const p = plan(m.at(i), 1 << 20); const dt = performance.now() - t; if (dt > 5) slow.push([i, +dt.toFixed(0), p.mutant.kind, p.wire.length]); big += p.wire.length; }
console.log('gen ms', (performance.now() - t0).toFixed(0), 'bytes', big, slow.slice(0, 20));
