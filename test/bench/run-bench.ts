// The bench's phases in order: both systems side by side, runs interleaved, every process stopped at the end.
import { join } from 'node:path';
import { sleep } from '../../infra/local/wait.js';
import { costResult, costWindows } from './cost-bench.js';
import { failoverRun } from './failover-bench.js';
import { footprintPhase } from './footprint-stack.js';
import { httpLookup, redisBenchmark } from './lookup-bench.js';
import { machineInfo } from './machine.js';
import { type OursSystem, startOurs } from './ours-system.js';
import { outageWindow } from './outage-bench.js';
import { partitionRun } from './partition-bench.js';
import { type BenchPlan, type OursPorts, PORTS } from './plan.js';
import { sampleWindow } from './proc-stats.js';
import type {
  BenchResults,
  CostResult,
  FailoverRun,
  FootprintResult,
  LookupResult,
  OutageResult,
  PartitionResult,
  SwitchoverResult,
} from './results.js';
import { type SentinelSystem, startSentinelSystem } from './sentinel-system.js';
import { switchoverRun } from './switchover-bench.js';
import type { SystemUnderTest } from './system.js';

const GROUP = 'mymaster';

interface Stoppable {
  stop(): Promise<void>;
}

/** Everything started and not yet stopped, so Ctrl-C or an error stops it (newest first). */
const live = new Set<Stoppable>();

export async function stopEverything(): Promise<void> {
  for (const s of [...live].reverse()) {
    live.delete(s);
    await s.stop().catch(() => undefined);
  }
}

async function started<T extends Stoppable>(system: Promise<T>): Promise<T> {
  const s = await system;
  live.add(s);
  return s;
}

async function stopped(s: Stoppable): Promise<void> {
  live.delete(s);
  await s.stop();
}

export interface BenchContext {
  readonly root: string;
  readonly outDir: string;
  readonly command: string;
  readonly log: (line: string) => void;
  /** Run only the phases whose name contains one of these words (`--only`); every phase if absent. */
  readonly only?: readonly string[];
}

/** Starting the systems is what every phase needs. */
const ALWAYS = 'start both systems';

class Collected {
  readonly failover: FailoverRun[] = [];
  readonly partition: PartitionResult[] = [];
  readonly outage: OutageResult[] = [];
  readonly switchover: SwitchoverResult[] = [];
  readonly footprint: FootprintResult[] = [];
  readonly lookup: LookupResult[] = [];
  readonly skipped: string[] = [];
  readonly errors: string[] = [];
  cost: CostResult | null = null;
}

export async function runBench(plan: BenchPlan, ctx: BenchContext): Promise<BenchResults> {
  const startedAt = new Date().toISOString();
  const startMs = performance.now();
  const out = new Collected();
  const log = ctx.log;
  const [downAfterMs = 1000, ...slower] = plan.downAfterMs;
  const phase = async (name: string, body: () => Promise<void>) => {
    if (ctx.only !== undefined && name !== ALWAYS && !ctx.only.some((word) => name.includes(word))) {
      out.skipped.push(`${name} (--only ${ctx.only.join(',')})`);
      return;
    }
    log(`== ${name}`);
    try {
      await body();
    } catch (error) {
      out.errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      log(`${name} failed: ${String(error)}`);
    }
  };
  const ours = (ports: OursPorts, name: string, d: number, fencing: boolean, failsafe = true) =>
    started(
      startOurs(
        {
          root: ctx.root,
          runDir: join(ctx.outDir, 'stacks', name),
          ports,
          downAfterMs: d,
          failoverTimeoutMs: plan.failoverTimeoutMs,
          fencing,
          failsafe,
        },
        log,
      ),
    );
  try {
    let sentinel: SentinelSystem | null = null;
    let main: OursSystem | null = null;
    await phase(ALWAYS, async () => {
      sentinel = await started(
        startSentinelSystem(
          {
            root: ctx.root,
            runDir: join(ctx.outDir, 'stacks', 'sentinel'),
            ports: PORTS.sentinel,
            group: GROUP,
            downAfterMs,
            failoverTimeoutMs: plan.failoverTimeoutMs,
          },
          log,
        ),
      );
      main = await ours(PORTS.ours, 'ours', downAfterMs, true);
    });
    const s = sentinel as SentinelSystem | null;
    const m = main as OursSystem | null;
    if (s !== null && m !== null) {
      await phase(`failover, down-after ${downAfterMs} ms`, () =>
        interleavedFailovers([m, s], plan.failoverRuns, out, log),
      );
      // Ordered so that Sentinel's slow settling (it demotes a returning master after ~8 s and
      // refreshes a replica's INFO every 10 s) overlaps with work on ours.
      await phase('lookup throughput', () => lookupPhase(m, s, plan, join(ctx.outDir, 'stacks'), out));
      await phase('planned switchover', async () => {
        out.switchover.push(await switchoverRun(m, log), await switchoverRun(s, log));
      });
      await phase('partition (ours)', async () => {
        out.partition.push(await partitionRun(m, 'fencing-on', plan.partitionHoldMs, log));
      });
      await phase('idle footprint and voter counters', () => idlePhase(m, s, plan, out, log));
      await phase('partition (Sentinel)', async () => {
        out.partition.push(await partitionRun(s, 'plain', plan.partitionHoldMs, log));
        if (plan.partitionMinReplicas) {
          await s.setMinReplicasToWrite(1);
          out.partition.push(await partitionRun(s, 'min-replicas-1', plan.partitionHoldMs, log));
          await s.setMinReplicasToWrite(0);
        } else out.skipped.push('partition against Sentinel with min-replicas-to-write 1 (--quick)');
      });
      await phase(`voters cut from every agent for ${Math.round(plan.outageMs / 1000)} s under writes`, () =>
        outagePhase(m, s, plan, (p, name) => ours(p, name, downAfterMs, true, false), out, log),
      );
      await stopped(m);
      if (plan.partitionNoFencing) {
        await phase('partition without fencing', async () => {
          const noFence = await ours(PORTS.oursNoFence, 'ours-no-fencing', downAfterMs, false);
          out.partition.push(await partitionRun(noFence, 'fencing-off', plan.partitionHoldMs, log));
          await stopped(noFence);
        });
      } else out.skipped.push('partition with fencing off (--quick)');
      for (const d of slower) {
        await phase(`failover, down-after ${d} ms`, async () => {
          const slow = await ours(PORTS.oursSlow, `ours-${d}`, d, true);
          await s.setDownAfter(d);
          await interleavedFailovers([slow, s], plan.failoverRuns, out, log);
          await stopped(slow);
        });
      }
      if (slower.length === 0) out.skipped.push('failover at down-after 5000 ms (--quick)');
      await stopped(s);
    }
    if (plan.footprintGroups !== null) {
      const groups = plan.footprintGroups;
      await phase(`footprint with ${groups.join(', ')} groups`, async () => {
        out.footprint.push(
          ...(await footprintPhase(
            { root: ctx.root, outDir: ctx.outDir, groups, windowMs: plan.footprintWindowMs, log },
            { started, stopped },
          )),
        );
      });
    } else
      out.skipped.push('footprint with 10, 100 and 1,000 groups and the agent run from source (--quick)');
  } finally {
    await stopEverything();
  }
  return {
    startedAt,
    wallMs: performance.now() - startMs,
    quick: plan.quick,
    command: ctx.command,
    machine: machineInfo(),
    downAfterMs: plan.downAfterMs,
    failover: out.failover,
    partition: out.partition,
    outage: out.outage,
    switchover: out.switchover,
    footprint: out.footprint,
    lookup: out.lookup,
    cost: out.cost,
    skipped: out.skipped,
    errors: out.errors,
  };
}

/** ours, Sentinel, ours, Sentinel, ...: the same machine noise falls on both. */
async function interleavedFailovers(
  systems: readonly SystemUnderTest[],
  runs: number,
  out: Collected,
  log: (line: string) => void,
): Promise<void> {
  const last = new Map<SystemUnderTest, number>();
  // A run flapped if the master moved again, unasked, before the system's next run started.
  const checkFlap = (system: SystemUnderTest, masterNow: string | null) => {
    const index = last.get(system);
    const previous = index === undefined ? undefined : out.failover[index];
    if (index === undefined || previous === undefined || previous.newMaster === null || masterNow === null)
      return;
    if (masterNow !== previous.newMaster) {
      out.failover[index] = { ...previous, flapped: true };
      log(`failover ${system.kind} run ${previous.run} flapped: the master moved on to ${masterNow}`);
    }
  };
  for (let run = 0; run < runs; run++) {
    for (const system of systems) {
      const result = await failoverRun(system, run, log);
      checkFlap(system, result.oldMaster);
      out.failover.push(result);
      last.set(system, out.failover.length - 1);
    }
  }
  for (const system of systems) {
    const masterNow = await system.waitHealthy(60_000).catch(() => null);
    checkFlap(system, masterNow);
  }
}

async function idlePhase(
  ours: OursSystem,
  sentinel: SentinelSystem,
  plan: BenchPlan,
  out: Collected,
  log: (line: string) => void,
): Promise<void> {
  await Promise.all([ours.waitHealthy(60_000), sentinel.waitHealthy(60_000)]);
  // Let the last failover's stragglers (replica resync, late observations) pass first.
  await sleep(2000);
  const windows = await costWindows(ours);
  // Both processes of each agent as shipped (the supervisor and the agent it forked) run on every box.
  const boxes = ours.agentProcesses();
  const ourPids = [...boxes.map((b) => b.agent), ...boxes.map((b) => b.supervisor)];
  const theirPids = sentinel.monitorPids();
  let samples: Awaited<ReturnType<typeof sampleWindow>> = [];
  const idle = await windows.measureIdle(async () => {
    samples = await sampleWindow([...ourPids, ...theirPids], plan.idleWindowMs);
  });
  const windowMs = plan.idleWindowMs;
  out.footprint.push(
    {
      system: 'ours',
      groups: 1,
      // The stack runs agents as shipped: the supervisor bundle forking the agent bundle, with the shipped V8 flags.
      runner: 'bundle',
      windowMs,
      processes: samples.slice(0, boxes.length),
      supervisors: samples.slice(boxes.length, ourPids.length),
      ok: true,
      error: null,
    },
    {
      system: 'sentinel',
      groups: 1,
      runner: null,
      windowMs,
      processes: samples.slice(ourPids.length),
      supervisors: [],
      ok: true,
      error: null,
    },
  );
  log(`idle: ${JSON.stringify(idle)}`);
  const failover = await windows.measureFailover(plan.quick ? 2000 : 3000);
  log(`one failover: ${JSON.stringify(failover)}`);
  const perRead = await windows.measureMasterRead(20);
  out.cost = costResult(idle, failover, perRead);
}

/**
 * A stack with the failsafe off (as before it existed) is started beside `ours` for this phase
 * only, and all three systems share one outage window: the same machine noise falls on each, and
 * the phase costs one window instead of three.
 */
async function outagePhase(
  ours: OursSystem,
  sentinel: SentinelSystem,
  plan: BenchPlan,
  start: (ports: OursPorts, name: string) => Promise<OursSystem>,
  out: Collected,
  log: (line: string) => void,
): Promise<void> {
  const before = await start(PORTS.oursNoFailsafe, 'ours-no-failsafe');
  try {
    out.outage.push(
      ...(await outageWindow(
        [
          { system: before, scenario: 'failsafe-off', coordinator: before },
          { system: ours, scenario: 'failsafe-on', coordinator: ours },
          { system: sentinel, scenario: 'nothing-cut', coordinator: null },
        ],
        plan.outageMs,
        log,
      )),
    );
  } finally {
    await stopped(before);
  }
}

/** redis-benchmark's -P for the pipelined lookup rows. */
const LOOKUP_PIPELINE = 16;

async function lookupPhase(
  ours: OursSystem,
  sentinel: SentinelSystem,
  plan: BenchPlan,
  outDir: string,
  out: Collected,
): Promise<void> {
  const [agent] = ours.endpoints();
  const [theirs] = sentinel.endpoints();
  if (agent === undefined || theirs === undefined) throw new Error('no endpoint');
  const n = plan.lookupRequests;
  const c = plan.lookupConcurrency;
  // One request in flight per client (how Sentinel clients ask), then 16 (a pipeline).
  for (const pipeline of [1, LOOKUP_PIPELINE]) {
    out.lookup.push(await redisBenchmark('agent', agent.port, GROUP, n, c, outDir, pipeline));
    out.lookup.push(await redisBenchmark('sentinel', theirs.port, GROUP, n, c, outDir, pipeline));
  }
  // The master read as a client of wrangler dev makes it, then at the Worker's own socket (wrangler's
  // dev proxy, a second workerd forwarding every request, is not on Cloudflare's path), then with
  // every read asking the voters.
  const path = `/v1/groups/${GROUP}/master`;
  out.lookup.push(await httpLookup(`${ours.coordinatorUrl}${path}`, plan.httpLookupMs, c, 'http'));
  const worker = await ours.workerSocketUrl();
  out.lookup.push(await httpLookup(`${worker}${path}`, plan.httpLookupMs, c, 'http-worker'));
  out.lookup.push(
    await httpLookup(`${worker}${path}?consistency=majority`, plan.httpLookupMs, c, 'http-majority'),
  );
}
