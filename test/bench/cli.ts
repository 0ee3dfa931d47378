// `npm run bench [-- --quick]`: edge-sentinel against real Redis Sentinel on this machine; a table, then bench-results/<timestamp>/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { onTerminationSignals } from '../../infra/local/process-group.js';
import { benchPlan } from './plan.js';
import { writePlots } from './plots.js';
import { renderConsole, renderReport } from './report.js';
import { runBench, stopEverything } from './run-bench.js';
import { sanityProblems } from './sanity.js';

const USAGE = `usage: npm run bench [-- --quick] [--out <dir>] [--only <phases>]

Runs edge-sentinel (wrangler dev voters, agents) and real Redis Sentinel (three redis-sentinel,
quorum 2) side by side on loopback, each over three redis-servers behind fault proxies, and
measures: unplanned failover, a partitioned master under writes, every agent cut from the voters
under writes (the failsafe off and on; Sentinel alongside), planned switchover, footprint (ours:
the agent and its dead-man supervisor), lookup throughput and the Cloudflare cost model. Prints a table and writes results.json,
report.md and SVG plots to bench-results/<timestamp>/. Exits 1 if a sanity check fails.
  --quick      2 runs per system at down-after 1000 ms only, shorter windows (about 100-120 s
               on 2 cores: 100 s measured, about 116 s in CI)
  --out <dir>  where to write (default bench-results/<timestamp>)
  --only <phases>  comma-separated words; only the phases whose name contains one run (e.g.
               switchover,lookup; also failover, partition, footprint, voters, cost)
  -h, --help   print this help`;

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export async function main(argv: readonly string[]): Promise<number> {
  let values: { quick?: boolean; out?: string; only?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        quick: { type: 'boolean' },
        out: { type: 'string' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  const quick = values.quick === true;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = resolve(values.out ?? join(root, 'bench-results', stamp));
  mkdirSync(outDir, { recursive: true });
  onTerminationSignals(stopEverything);
  const startMs = performance.now();
  const log = (line: string) =>
    process.stdout.write(
      `${`+${((performance.now() - startMs) / 1000).toFixed(1)}s`.padStart(8)}  ${line}\n`,
    );
  const results = await runBench(benchPlan(quick), {
    root,
    outDir,
    command: `npm run bench${quick ? ' -- --quick' : ''}`,
    log,
    ...(values.only === undefined
      ? {}
      : {
          only: values.only
            .split(',')
            .map((w) => w.trim())
            .filter((w) => w !== ''),
        }),
  });
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  let plots: string[] = [];
  try {
    plots = await writePlots(results, outDir);
  } catch (error) {
    console.error(`bench: plots failed: ${String(error)}`);
  }
  writeFileSync(join(outDir, 'report.md'), renderReport(results, plots));
  console.log(`\n${renderConsole(results)}\n`);
  console.log(
    `wall time ${Math.round(results.wallMs / 1000)} s; report: ${relative(process.cwd(), join(outDir, 'report.md'))}`,
  );
  const problems = sanityProblems(results);
  if (values.only !== undefined) {
    // A partial run leaves measurements out on purpose: the checks that need them cannot pass.
    console.log(`sanity checks not enforced (--only ${values.only}): ${problems.length} would fail`);
    return 0;
  }
  if (problems.length > 0) {
    console.error(`\nsanity checks failed:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    return 1;
  }
  console.log('sanity checks passed: both systems failed over in every run, every number is finite');
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
  // Writers' sockets, probes and timers must not keep the process up once everything is stopped.
  process.exit();
}
