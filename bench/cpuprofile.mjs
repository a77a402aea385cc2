// Summaries of a V8 .cpuprofile (as written by `node --cpu-prof`): self and
// inclusive time per function, and self time per area of the server
// (codec, store, LMDB, msgpack, log, sockets, …), all as µs per operation.
import { readFileSync } from 'node:fs';

/** Area of a call frame, by where its code lives. First match wins. */
const AREAS = [
  ['(gc)', (f) => f.functionName === '(garbage collector)'],
  ['(idle)', (f) => f.functionName === '(idle)'],
  ['(program): native code outside JS', (f) => f.functionName === '(program)'],
  ['log: pino / sonic-boom', (f) => /node_modules\/(pino|sonic-boom|thread-stream|fast-redact|quick-format|on-exit-leak|atomic-sleep)/.test(f.url)],
  ['lmdb-js (+ native)', (f) => /node_modules\/lmdb\//.test(f.url)],
  ['msgpackr', (f) => /node_modules\/msgpackr\//.test(f.url)],
  ['ordered-binary', (f) => /node_modules\/ordered-binary\//.test(f.url)],
  ['meshdir ber/ + ldap/pdu/ (codec)', (f) => /dist\/(ber|ldap\/pdu)\//.test(f.url)],
  ['meshdir ldap/ (connection, dispatch, ops)', (f) => /dist\/ldap\//.test(f.url)],
  ['meshdir store/', (f) => /dist\/store\//.test(f.url)],
  ['meshdir repl/', (f) => /dist\/repl\//.test(f.url)],
  ['meshdir schema/', (f) => /dist\/schema\//.test(f.url)],
  ['meshdir dit/', (f) => /dist\/dit\//.test(f.url)],
  ['meshdir other', (f) => /dist\//.test(f.url)],
  ['node: net / stream / socket writes', (f) => /node:(net|stream|internal\/(net|stream|streams)|internal\/stream_base_commons)/.test(f.url) || /^(writev|writeBuffer|writeUtf8String|writeLatin1String)$/.test(f.functionName)],
  ['node: timers / promises / ticks', (f) => /node:internal\/(timers|process\/task_queues|process\/promises)/.test(f.url) || f.functionName === '(microtask)'],
  ['node: other', (f) => /^node:/.test(f.url)],
  ['native / V8 builtins', () => true],
];

/**
 * Steps of an operation, by the frames that do them: a sample counts for a
 * step when any frame on its stack matches (steps may nest, e.g. an LMDB
 * get inside a write transaction).
 */
const STEPS = [
  ['frame + decode request (decodeMessage)', /^decodeMessage /],
  ['search: base entry lookup (byNdn)', /^byNdn dist\/store/],
  ['search: index lookup (indexCandidates)', /^indexCandidates /],
  ['search: candidate read (byId: LMDB get + msgpack decode)', /^byId dist\/store/],
  ['search: filter compile + attribute selection', /^(compileFilter|makeSelection) /],
  ['encode responses (entry, result)', /^(encodeSearchEntry|searchDone|sendOutcome|entryChunks) /],
  ['socket writes (uncork → writev)', /^(flushNow|Writable\.uncork|writev|writeGeneric) /],
  ['access log (dispatch access() + pino + sonic-boom)', /^access dist\/ldap\/dispatch|pino\/|sonic-boom\//],
  ['write: whole transaction body (localAdd/localModify)', /^(localAdd|localModify|localDelete|localModrdn) /],
  ['write: replication core apply (urp)', /^apply dist\/repl\/core\/urp/],
  ['write: materialize (Materializer.entry: rec + indexes)', /^entry dist\/store\/write/],
  ['write: schema check (checkEntry)', /^checkEntry /],
  ['write: buildRec (pre-encode entry)', /^buildRec /],
  ['write: index keys', /^indexKeys /],
  ['LMDB put/remove (queued into the write batch)', /^(put|remove|putSync|removeSync) node_modules\/lmdb/],
  ['LMDB get (all reads)', /^(get|getBinary|getBinaryFast|getValues|getRange) node_modules\/lmdb/],
  ['msgpack encode (pack)', /msgpackr\/pack\.js/],
  ['msgpack decode (unpack)', /msgpackr\/unpack\.js/],
  ['lmdb-js commit / batch machinery', /lmdb\/write\.js/],
  ['password hashing', /^(hashSsha|hashSshaSync|verifyPassword|verify) /],
  ['promise jobs (runMicrotasks)', /^runMicrotasks /],
  ['garbage collector', /^\(garbage collector\)/],
];

function areaOf(f) {
  for (const [name, test] of AREAS) if (test(f)) return name;
  return 'other';
}

function label(f) {
  const file = f.url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/').replace(/^.*\/node_modules\//, '');
  return `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`;
}

/**
 * @param file  a .cpuprofile
 * @param ops   operations done while profiling (for µs/op); 0 = raw ms
 */
export function summarize(file, ops = 0, { top = 25, window } = {}) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const incl = new Map();
  const area = new Map();
  const steps = new Map();
  let total = 0;
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    // Only the loaded window (startup and shutdown excluded) when given, in µs since profile start.
    if (window && (t - p.startTime < window[0] || t - p.startTime > window[1])) continue;
    const dt = p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0;
    const node = byId.get(p.samples[i]);
    total += dt;
    const l = label(node.callFrame);
    self.set(l, (self.get(l) ?? 0) + dt);
    const a = areaOf(node.callFrame);
    area.set(a, (area.get(a) ?? 0) + dt);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const fl = label(byId.get(id).callFrame);
      if (seen.has(fl)) continue;
      seen.add(fl);
      incl.set(fl, (incl.get(fl) ?? 0) + dt);
    }
    for (const [name, re] of STEPS) {
      for (const fl of seen) {
        if (re.test(fl)) {
          steps.set(name, (steps.get(name) ?? 0) + dt);
          break;
        }
      }
    }
  }
  const per = (us) => (ops ? us / ops : us / 1000);
  const unit = ops ? 'µs/op' : 'ms';
  const busy = total - (area.get('(idle)') ?? 0);
  const fmt = (m, n) =>
    [...m.entries()].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(root)')).sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${per(v).toFixed(2).padStart(9)} ${unit}  ${((v / busy) * 100).toFixed(1).padStart(5)}%  ${k}`);
  return {
    totalMs: total / 1000,
    busyMs: busy / 1000,
    usPerOp: ops ? busy / ops : undefined,
    text: [
      `profile ${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy${ops ? `, ${ops} ops → ${(busy / ops).toFixed(1)} µs CPU per op on the main thread` : ''}`,
      '', `self time by area (% of busy; idle ${((area.get('(idle)') ?? 0) / 1e6).toFixed(2)} s not counted):`, ...fmt(area, 30),
      '', 'time in each step (inclusive; steps can nest, % of busy):', ...fmt(steps, STEPS.length),
      '', `self time, top ${top} functions:`, ...fmt(self, top),
      '', `inclusive time, top ${top} functions:`, ...fmt(incl, top),
    ].join('\n'),
  };
}
