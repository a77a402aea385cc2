// The V8 heap growth limit a server sets at start (src/cli/heap.ts): left
// alone when node was started with one. (What it saves is measured by
// bench/memory.mjs and bench/whatif.mjs, not here: V8's heap sizes are
// not steady enough to assert on.)
import t from 'tap';
import { limitHeapGrowth } from '../../../src/cli/heap.js';

t.test('set unless node was given one on its command line', async (t) => {
  t.equal(limitHeapGrowth(['--heap-growing-percent=100']), false, 'given with hyphens');
  t.equal(limitHeapGrowth(['--enable-source-maps', '--heap_growing_percent=20']), false, 'given with underscores');
  t.equal(limitHeapGrowth(['--max-old-space-size=512']), true, 'another option: set');
  t.equal(limitHeapGrowth([]), true, 'none: set');
});
