// The last build step (`npm run build`, after tsc): dist/bundle/, what
// bin/meshdir runs. tsc's output is ~130 modules of ours and the
// dependencies add ~300 more (zod 99, yaml 84, …); node's ESM loader spends
// ~0.1 s resolving, reading and linking them at every start, which a
// bundle does not: `meshdir serve` listening after 402 ms and 450 ms of CPU
// instead of 490 and 600 (medians of 12 starts), `meshdir passwd` 0.36
// instead of 0.47 s (2026-12-08). The test suite starts ~500 servers and
// commands.
//
// Not minified, so that a stack trace (MESHDIR_DEBUG=1) still reads; the
// source maps lead back to src/ (`node --enable-source-maps bin/meshdir …`).
// lmdb stays outside (a native addon, whose files writer-compression.ts
// reads by path), and so does msgpackr: lmdb-js decodes with the Packr
// subclass store/buffers.ts hands it, and one copy of msgpackr's module
// state serves both, as without a bundle. The total update's worker thread runs the module that
// starts it (`new Worker(import.meta.url)`), so that module is an entry
// point of its own: split out, its chunk is not the CLI's main module.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'dist/cli/main.js', 'replace-worker': 'dist/store/replace-worker.js' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir,
  chunkNames: 'chunk-[hash]',
  external: ['lmdb', 'msgpackr'],
  sourcemap: 'linked',
  // CommonJS dependencies (yaml, commander, pino, …) call require for node's own modules.
  banner: { js: "import { createRequire as __meshdirRequire } from 'node:module'; const require = __meshdirRequire(import.meta.url);" },
  logLevel: 'warning',
});
