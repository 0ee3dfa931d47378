// `npm run sim -- [--seeds N] [--seed S] [--start S] [--voters 1|3|5] [--trace] [--help]`: run seeds, print one summary line.
import { parseArgs } from 'node:util';
import { REAL_CORES } from './real-cores.js';
import type { SeedResult } from './run.js';
import { addToSummary, DEFAULT_RUN, emptySummary, replayCommand, runSeed, summaryLine } from './run.js';
import { DEFAULT_SCENARIO } from './scenario.js';

const USAGE = `usage: npm run sim -- [--seeds N] [--start S] [--seed S [--trace]] [--voters 1|3|5] [--no-validate]

Runs the deterministic simulation (the real voter and agent code over simulated I/O) for a range
of seeds, prints one summary line and exits 1 on an invariant violation (with the seed, its replay
command and the last 80 trace lines).
  --seeds N       how many seeds to run (default 200)
  --start S       the first seed of the range (default 1)
  --seed S        run this one seed only (replay)
  --trace         with --seed: print the full detailed trace
  --voters 1|3|5  every seed uses this many voters (default: mixed, chosen by the seed)
  --no-validate   skip validating every message against the protocol schemas (faster)
  -h, --help      print this help`;

let values: {
  seeds: string;
  seed?: string;
  start: string;
  voters?: string;
  trace: boolean;
  'no-validate': boolean;
  help: boolean;
};
try {
  ({ values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '200' },
      seed: { type: 'string' },
      start: { type: 'string', default: '1' },
      voters: { type: 'string' },
      trace: { type: 'boolean', default: false },
      'no-validate': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }));
} catch (error) {
  console.error(`sim: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function int(name: string, text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got ${text}`);
    process.exit(2);
  }
  return n;
}

const voters = int('voters', values.voters);
if (voters !== null && ![1, 3, 5].includes(voters)) {
  console.error('--voters must be 1, 3 or 5');
  process.exit(2);
}
const single = int('seed', values.seed);
const scenario = { ...DEFAULT_SCENARIO, voters };
const base = { ...DEFAULT_RUN, scenario, validateMessages: !values['no-validate'] };

/** A failing seed is replayed with the detailed trace, whose last lines show what led up to it. */
async function report(r: SeedResult): Promise<void> {
  const replay = await runSeed(r.seed, REAL_CORES, { ...base, detailedTrace: true, traceLines: 80 });
  console.log(`\nVIOLATION in seed ${r.seed} (${describe(r)}): ${r.violation?.message}`);
  console.log(`replay: ${replayCommand(r)}`);
  console.log('last 80 trace lines:');
  for (const line of replay.trace.last(80)) console.log(`  ${line}`);
}

function describe(r: SeedResult): string {
  const p = r.params;
  return `${p.voters} voters, ${p.boxes} boxes, fencing ${p.fencing ? 'on' : 'off'}, downAfter ${p.downAfterMs} ms, lease ${p.leaseMs} ms`;
}

const started = Date.now();
const summary = emptySummary();
if (single !== null) {
  const sink = values.trace ? (line: string) => console.log(line) : null;
  const opts = { ...base, detailedTrace: values.trace, traceLines: 80, sink };
  const r = await runSeed(single, REAL_CORES, opts);
  addToSummary(summary, r);
  console.log(
    `seed ${single}: ${describe(r)}; faults: ${r.params.faults.map((f) => `${f.atMs}:${f.fault.kind}`).join(', ')}`,
  );
  if (r.violation !== null) {
    console.log(`\nVIOLATION in seed ${r.seed}: ${r.violation.message}`);
    if (!values.trace) for (const line of r.trace.last(80)) console.log(`  ${line}`);
  }
} else {
  const count = int('seeds', values.seeds) ?? 200;
  const first = int('start', values.start) ?? 1;
  for (let seed = first; seed < first + count; seed++) {
    const r = await runSeed(seed, REAL_CORES, base);
    addToSummary(summary, r);
    if (r.violation !== null && summary.violations.length <= 3) await report(r);
  }
  if (summary.violations.length > 0) {
    console.log(`\nfailing seeds: ${summary.violations.map((r) => r.seed).join(' ')}`);
  }
}
console.log(summaryLine(summary));
console.log(`wall time ${((Date.now() - started) / 1000).toFixed(1)} s, ${summary.events} events`);
process.exit(summary.violations.length > 0 ? 1 : 0);
