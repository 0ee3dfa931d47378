// `npx tsx test/bench/agent-scale.ts`: one agent's CPU and RSS at 1, 10, 100 ... groups, builds side by side, redis-sentinel alongside; optionally CPU profiles.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AGENT_NODE_FLAGS } from '../../infra/agent/node-flags.mjs';
import { onTerminationSignals } from '../../infra/local/process-group.js';
import { sleep } from '../../infra/local/wait.js';
import { buildAgent, SUPERVISOR_BUNDLE_NAME } from '../../infra/scripts/build-agent.js';
import { clockTicksPerSecond, sampleWindow, snapshot } from './proc-stats.js';
import type { ProcessFootprint } from './results.js';
import { type AgentLaunch, type ProcessHooks, ScaleStack, type Stoppable } from './scale-stack.js';
import { percentile } from './stats.js';

const USAGE = `usage: npx tsx test/bench/agent-scale.ts [--groups 1,10,100] [--runs 3] [--window-ms 10000]
       [--build name=dir ...] [--profile dir] [--no-sentinel] [--out dir]

Starts one wrangler dev serving the largest group count (3 voters per group) and three
redis-servers, then for each group count a redis-sentinel monitoring that many masters and, in
turn (build A, build B, A, B, ...: the same machine noise falls on each), one agent serving that
many groups as shipped (supervisor and agent bundles, shipped V8 flags). Prints the median CPU
(% of one core) and RSS of each over the runs.
  --build name=dir  a directory holding edge-sentinel-agent.mjs and ${SUPERVISOR_BUNDLE_NAME}
                    (default: this tree, built into --out)
  --profile dir     run the agent bundle alone with --cpu-prof (profiles in dir/<build>-<groups>-<run>)
  --no-sentinel     no redis-sentinel alongside
  --lease-ms n      the groups' lease (default: down-after, 1000 ms)
  --agent-node n    the node the agent runs beside: 0 (default), every group's master; 1 or 2, a
                    replica in every group
  --stand-in-voters voters in this process (FakeVoters: the voter protocol over real WebSockets)
                    instead of wrangler dev, which cannot serve the live links of 1,000 groups here
  --flags 'name=--flag ...'  also run each build with these node flags instead of the shipped
                    ones (the supervisor passes its own flags to the agent it forks)`;

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const PORTS = { redis: 7690, coordinator: 8770, sentinel: 26690, agentSentinel: 26691, metrics: 26692 };
const SETTLE_MS = 3000;

interface Build {
  readonly name: string;
  readonly dir: string;
  /** Node flags instead of the shipped ones; null: the shipped ones. */
  readonly nodeFlags: readonly string[] | null;
}

interface Row {
  readonly groups: number;
  readonly who: string;
  readonly cpu: number[];
  readonly rssMb: number[];
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      groups: { type: 'string', default: '1,10,100' },
      runs: { type: 'string', default: '3' },
      'window-ms': { type: 'string', default: '10000' },
      build: { type: 'string', multiple: true },
      profile: { type: 'string' },
      'no-sentinel': { type: 'boolean' },
      'lease-ms': { type: 'string' },
      'agent-node': { type: 'string' },
      'stand-in-voters': { type: 'boolean' },
      flags: { type: 'string', multiple: true },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  const counts = values.groups.split(',').map(Number);
  const runs = Number(values.runs);
  const windowMs = Number(values['window-ms']);
  const outDir = resolve(values.out ?? join('/tmp', `agent-scale-${Date.now()}`));
  mkdirSync(outDir, { recursive: true });
  const built: Build[] = (values.build ?? []).map((b) => {
    const [name = '', dir = ''] = b.split('=');
    return { name, dir: resolve(dir), nodeFlags: null };
  });
  if (built.length === 0) {
    await buildAgent(root, join(outDir, 'build', 'edge-sentinel-agent.mjs'));
    built.push({ name: 'this tree', dir: join(outDir, 'build'), nodeFlags: null });
  }
  const variants = (values.flags ?? []).map((f) => {
    const at = f.indexOf('=');
    return {
      name: f.slice(0, at),
      flags: f
        .slice(at + 1)
        .split(/\s+/)
        .filter((x) => x !== ''),
    };
  });
  const builds: Build[] = built.flatMap((b) => [
    b,
    ...variants.map((v) => ({ name: `${b.name} ${v.name}`, dir: b.dir, nodeFlags: v.flags })),
  ]);
  // Everything started and not yet stopped, newest last: an error or Ctrl-C stops it all.
  const live: Stoppable[] = [];
  const stopAll = async () => {
    for (const s of live.splice(0).reverse()) await s.stop();
  };
  const hooks: ProcessHooks = {
    started: async (s) => {
      const process = await s;
      live.push(process);
      return process;
    },
    stopped: async (s) => {
      const at = live.indexOf(s);
      if (at >= 0) live.splice(at, 1);
      await s.stop();
    },
  };
  onTerminationSignals(stopAll);
  const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
  const standIn = values['stand-in-voters'] === true;
  const voterLabel = standIn
    ? 'stand-in voters (this process, not sampled)'
    : 'wrangler dev (all processes, CPU only)';
  log(
    `${standIn ? 'stand-in voters' : 'wrangler dev'} with ${Math.max(...counts)} groups, three redis-servers; run dir ${outDir}`,
  );
  const stack = await ScaleStack.start(
    {
      root,
      runDir: join(outDir, 'stack'),
      groups: Math.max(...counts),
      ports: PORTS,
      readyTimeoutMs: 300_000,
      ...(values['lease-ms'] === undefined ? {} : { leaseMs: Number(values['lease-ms']) }),
      ...(values['agent-node'] === undefined ? {} : { agentNode: Number(values['agent-node']) }),
      standInVoters: standIn,
    },
    hooks,
  );
  const stackProcesses = live.length;
  const rows: Row[] = [];
  const row = (groups: number, who: string): Row => {
    let found = rows.find((r) => r.groups === groups && r.who === who);
    if (found === undefined) {
      found = { groups, who, cpu: [], rssMb: [] };
      rows.push(found);
    }
    return found;
  };
  const add = (groups: number, who: string, s: ProcessFootprint | undefined) => {
    if (s === undefined) return;
    row(groups, who).cpu.push(s.cpuPercent);
    row(groups, who).rssMb.push(s.rssMb);
  };
  try {
    for (const groups of counts) {
      const sentinel = values['no-sentinel'] === true ? null : await stack.startSentinel(groups);
      for (let run = 0; run < runs; run++) {
        for (const build of builds) {
          const profileDir =
            values.profile === undefined
              ? null
              : join(resolve(values.profile), `${build.name}-${groups}-${run}`.replace(/\W+/g, '_'));
          const nodeFlags = build.nodeFlags ?? AGENT_NODE_FLAGS;
          const launch: AgentLaunch =
            profileDir === null
              ? { script: join(build.dir, SUPERVISOR_BUNDLE_NAME), supervised: true, nodeFlags }
              : {
                  script: join(build.dir, 'edge-sentinel-agent.mjs'),
                  supervised: false,
                  nodeFlags: [...nodeFlags, '--cpu-prof', '--cpu-prof-dir', profileDir],
                };
          const startMs = performance.now();
          const agent = await stack.startAgent(groups, launch);
          log(`${build.name}, ${groups} groups: serving after ${Math.round(performance.now() - startMs)} ms`);
          await sleep(SETTLE_MS);
          const pids = [agent.agentPid, agent.supervisorPid ?? -1, sentinel?.pid ?? -1].filter((p) => p > 0);
          const coordinatorBefore = coordinatorTicks(stack);
          const samples = await sampleWindow(pids, windowMs);
          const coordinatorCpu = cpuPercentOf(coordinatorTicks(stack) - coordinatorBefore, windowMs);
          row(groups, voterLabel).cpu.push(coordinatorCpu);
          row(groups, voterLabel).rssMb.push(0);
          await saveMetrics(
            join(outDir, `metrics-${build.name}-${groups}-${run}.txt`.replace(/[^\w./-]+/g, '_')),
          );
          add(groups, build.name, samples[0]);
          if (agent.supervisorPid !== null) add(groups, `${build.name} (supervisor)`, samples[1]);
          if (sentinel !== null) add(groups, 'redis-sentinel', samples.at(-1));
          log(
            `${build.name}, ${groups} groups, run ${run}: ` +
              samples
                .map((s) => `pid ${s.pid} ${s.cpuPercent.toFixed(1)} % ${s.rssMb.toFixed(1)} MB`)
                .join(', ') +
              `; wrangler dev ${coordinatorCpu.toFixed(1)} %`,
          );
          await agent.stop();
        }
      }
      if (sentinel !== null) await hooks.stopped(sentinel);
    }
  } finally {
    // What a failed run left (an agent, a sentinel) first, then the stack's own processes.
    for (const s of live.splice(stackProcesses).reverse()) await s.stop();
    await stack.stop();
  }
  console.log(`\nmedians over ${runs} runs of ${windowMs / 1000} s (CPU: % of one core)`);
  console.log('groups | process | CPU % | RSS MB | CPU runs');
  for (const r of rows) {
    console.log(
      `${r.groups} | ${r.who} | ${percentile(r.cpu, 0.5).toFixed(1)} | ${percentile(r.rssMb, 0.5).toFixed(1)} | ${r.cpu.map((c) => c.toFixed(1)).join(' ')}`,
    );
  }
  return 0;
}

/**
 * CPU ticks of wrangler dev and its workerd processes, those alive now (workerd restarts some, so
 * a process may be gone by the end of a window: the coordinator's figure is approximate).
 */
function coordinatorTicks(stack: ScaleStack): number {
  let ticks = 0;
  for (const pid of stack.coordinatorPids()) {
    try {
      ticks += snapshot(pid).cpuTicks;
    } catch {
      // Gone meanwhile.
    }
  }
  return ticks;
}

function cpuPercentOf(ticks: number, windowMs: number): number {
  return (ticks / clockTicksPerSecond() / (windowMs / 1000)) * 100;
}

/** The agent's /metrics after the window, for counts (probes, datagrams) beside the figures. */
async function saveMetrics(file: string): Promise<void> {
  const texts: string[] = [];
  for (const path of ['/metrics', '/healthz']) {
    try {
      const url = `http://127.0.0.1:${PORTS.metrics}${path}`;
      texts.push(await (await fetch(url, { signal: AbortSignal.timeout(5000) })).text());
    } catch (error) {
      texts.push(`${path} unavailable: ${String(error)}`);
    }
  }
  writeFileSync(file, `${texts.join('\n')}\n`);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`agent-scale: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  process.exitCode = 1;
}
