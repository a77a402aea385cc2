// Runs TypeScript (the tests, scripts/sim.ts, the nemesis and fuzz runners)
// in node: `node --import=./test/loader/register.mjs file.ts`; tap passes it
// to every test process (package.json, "tap"."node-arg").
//
// Why not tap's TypeScript plugin (ts-node): ts-node loads the whole
// TypeScript compiler, on the main thread and again on the loader thread,
// ~1 s of CPU in each of the suite's ~140 test processes, though it only
// hands the source to swc. This hands it to swc directly. Types are checked
// by `tsc` (tsconfig.json: isolatedModules, so a file compiles alone).
import { register } from 'node:module';

register('./swc-hooks.mjs', import.meta.url);
