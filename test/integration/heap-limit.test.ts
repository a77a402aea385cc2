// `meshdir serve` limits how far the V8 heap grows between full collections
// (src/cli/heap.ts) and says so in its log.
import t from 'tap';
import { cleanup, startServer } from '../helpers/server.js';
import { HEAP_GROWING_PERCENT } from '../../src/cli/heap.js';

t.test('a server started by meshdir serve logs the heap growth limit it set', async (t) => {
  const s = await startServer({});
  t.teardown(async () => {
    await s.stop();
    cleanup(s.dir);
  });
  const deadline = Date.now() + 5_000;
  let line: string | undefined;
  while ((line = s.log.find((l) => l.includes('V8 heap growth'))) === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.ok(line, 'the log line is there');
  t.equal((JSON.parse(line!) as { heapGrowingPercent: number }).heapGrowingPercent, HEAP_GROWING_PERCENT, 'with the percentage set');
});
