// Running one seed (fault phase, heal, bounded convergence) and many seeds into one summary.
import type { SimCores } from './cores.js';
import { type FailsafeFigures, FailsafeLiveness } from './failsafe-liveness.js';
import { FaultInjector } from './faults.js';
import { convergenceProblem } from './liveness.js';
import { Rng } from './rng.js';
import type { ScenarioOptions, SimParams } from './scenario.js';
import { DEFAULT_SCENARIO, generateParams } from './scenario.js';
import { Trace } from './trace.js';
import { Violation } from './violation.js';
import { World } from './world.js';

export interface RunOptions {
  readonly scenario: ScenarioOptions;
  readonly detailedTrace: boolean;
  readonly traceLines: number;
  readonly validateMessages: boolean;
  /** Check vote and accept replies against the voter's disk when they are sent: a reply is a promise, so it must already be durable. */
  readonly repliesAgainstDisk: boolean;
  /** Every trace line as it happens (for --trace). */
  readonly sink: ((line: string) => void) | null;
}

export const DEFAULT_RUN: RunOptions = {
  scenario: DEFAULT_SCENARIO,
  detailedTrace: false,
  traceLines: 80,
  validateMessages: true,
  repliesAgainstDisk: true,
  sink: null,
};

export interface SeedResult {
  readonly seed: number;
  readonly params: SimParams;
  readonly violation: Violation | null;
  readonly failovers: number;
  readonly failoverDurationsMs: readonly number[];
  readonly ackedWrites: number;
  readonly lostWrites: number;
  /** Lost writes that never reached a second node: the asynchronous-replication window. */
  readonly lostUnreplicated: number;
  /** Invariant 8's windows: voters unreachable, every agent up and connected. */
  readonly failsafe: FailsafeFigures;
  /** The most replicas seen syncing at once from one new master (the parallel-syncs check). */
  readonly maxSyncing: number;
  readonly events: number;
  readonly endMs: number;
  readonly trace: Trace;
}

const LIVENESS_STABLE_MS = 1000;

export async function runSeed(
  seed: number,
  cores: SimCores,
  options: RunOptions = DEFAULT_RUN,
): Promise<SeedResult> {
  const params = generateParams(seed, options.scenario);
  const trace = new Trace(options.detailedTrace, options.traceLines, options.sink);
  const world = new World(
    params,
    cores,
    new Rng(seed),
    trace,
    options.validateMessages,
    options.repliesAgainstDisk,
  );
  const faults = new FaultInjector(world);
  const failsafe = new FailsafeLiveness(world);
  world.onEvent = () => failsafe.observe();
  let violation: Violation | null = null;
  try {
    for (const planned of params.faults) world.at(planned.atMs, 'fault', () => faults.inject(planned.fault));
    world.start();
    await world.runUntil(params.faultPhaseMs);
    faults.healAll();
    await converge(world, params);
  } catch (error) {
    if (!(error instanceof Violation)) throw error;
    violation = error;
    trace.add(world.now, `VIOLATION ${error.message}`);
  }
  const master = world.intendedMaster();
  const finalLog = new Set(master?.log ?? []);
  let acked = 0;
  let lost = 0;
  let lostUnreplicated = 0;
  for (const client of world.clients) {
    for (const write of client.acked) {
      acked++;
      if (finalLog.has(write.id)) continue;
      lost++;
      if (!world.replicatedWrites.has(write.id)) lostUnreplicated++;
    }
  }
  return {
    seed,
    params,
    violation,
    failovers: world.stats.failovers,
    failoverDurationsMs: world.stats.failoverDurationsMs,
    ackedWrites: acked,
    lostWrites: violation === null ? lost : 0,
    lostUnreplicated: violation === null ? lostUnreplicated : 0,
    failsafe: failsafe.figures,
    maxSyncing: world.parallelSyncs.maxSyncing,
    events: world.stats.events,
    endMs: world.now,
    trace,
  };
}

/** Invariant 7: after the heal, the world must settle within `convergeMs` and stay settled a while. */
async function converge(world: World, params: SimParams): Promise<void> {
  const deadline = world.now + params.convergeMs;
  let settledSince: number | null = null;
  let problem: string | null = 'not checked';
  while (world.now < deadline) {
    await world.runUntil(world.now + 100);
    problem = convergenceProblem(world);
    if (problem !== null) {
      settledSince = null;
      continue;
    }
    settledSince ??= world.now;
    if (world.now - settledSince >= LIVENESS_STABLE_MS) {
      for (const c of world.clients) c.writesEnabled = false;
      await world.runUntil(world.now + 200);
      return;
    }
  }
  throw new Violation('7', `not converged ${params.convergeMs} ms after healing: ${problem}`);
}

export interface Summary {
  seeds: number;
  violations: SeedResult[];
  failovers: number;
  durationsMs: number[];
  lostWithFencing: number;
  lostWithFencingUnreplicated: number;
  lostWithoutFencing: number;
  ackedWithFencing: number;
  ackedWithoutFencing: number;
  failsafe: FailsafeFigures;
  /** Per parallel-syncs value (index 1-3), the most replicas seen syncing at once from one master. */
  maxSyncingBy: number[];
  events: number;
}

export function emptySummary(): Summary {
  return {
    seeds: 0,
    violations: [],
    failovers: 0,
    durationsMs: [],
    lostWithFencing: 0,
    lostWithFencingUnreplicated: 0,
    lostWithoutFencing: 0,
    ackedWithFencing: 0,
    ackedWithoutFencing: 0,
    failsafe: { windowMs: 0, writableMs: 0, windows: 0 },
    maxSyncingBy: [0, 0, 0, 0],
    events: 0,
  };
}

export function addToSummary(s: Summary, r: SeedResult): void {
  s.seeds++;
  if (r.violation !== null) s.violations.push(r);
  s.failovers += r.failovers;
  s.durationsMs.push(...r.failoverDurationsMs);
  s.events += r.events;
  s.failsafe.windowMs += r.failsafe.windowMs;
  s.failsafe.writableMs += r.failsafe.writableMs;
  s.failsafe.windows += r.failsafe.windows;
  const n = r.params.parallelSyncs;
  s.maxSyncingBy[n] = Math.max(s.maxSyncingBy[n] ?? 0, r.maxSyncing);
  if (r.params.fencing) {
    s.lostWithFencing += r.lostWrites;
    s.lostWithFencingUnreplicated += r.lostUnreplicated;
    s.ackedWithFencing += r.ackedWrites;
  } else {
    s.lostWithoutFencing += r.lostWrites;
    s.ackedWithoutFencing += r.ackedWrites;
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function summaryLine(s: Summary): string {
  const d = [...s.durationsMs].sort((a, b) => a - b);
  return (
    `sim: ${s.seeds} seeds, ${s.violations.length} violations, ${s.failovers} failovers, ` +
    `failover p50 ${percentile(d, 50)} ms p99 ${percentile(d, 99)} ms (simulated), ` +
    `acked writes lost: ${s.lostWithFencing} with fencing (${s.lostWithFencingUnreplicated} never replicated, ` +
    `${s.lostWithFencing - s.lostWithFencingUnreplicated} discarded after replicating; of ${s.ackedWithFencing} acked), ` +
    `${s.lostWithoutFencing} without fencing (of ${s.ackedWithoutFencing} acked); ` +
    `failsafe: master writable ${failsafePercent(s.failsafe)} of ${(s.failsafe.windowMs / 1000).toFixed(1)} s ` +
    `with the voters unreachable and every agent up and connected (${s.failsafe.windows} windows); ` +
    `parallel-syncs 1/2/3: at most ${s.maxSyncingBy.slice(1).join('/')} replicas syncing at once`
  );
}

function failsafePercent(f: FailsafeFigures): string {
  return f.windowMs === 0 ? '-' : `${((100 * f.writableMs) / f.windowMs).toFixed(2)} %`;
}

export function replayCommand(r: SeedResult): string {
  return `npm run sim -- --seed ${r.seed} --voters ${r.params.voters} --trace`;
}
