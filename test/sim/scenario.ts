// One seed's world: sizes, settings, clocks, and the fault schedule, all drawn from the seed.
import type { NetConditions } from './network.js';
import { calmConditions } from './network.js';
import type { Restart } from './redis-node.js';
import { Rng } from './rng.js';

export type Target = 'master' | 'replica';

export type Fault =
  | {
      readonly kind: 'kill-node';
      readonly target: Target;
      readonly downMs: number;
      readonly restart: Restart;
    }
  | {
      readonly kind: 'isolate-box';
      readonly target: Target;
      readonly clients: number;
      readonly durMs: number;
    }
  | { readonly kind: 'cut-agent-node'; readonly agent: Target; readonly node: Target; readonly durMs: number }
  | {
      readonly kind: 'partition-voters';
      readonly size: 'minority' | 'majority';
      /** The master's box (agent, node) and this many clients stay on the voters' side. */
      readonly withMasterBox: boolean;
      readonly clients: number;
      readonly durMs: number;
    }
  | { readonly kind: 'crash-voter'; readonly voter: number; readonly downMs: number }
  /** The runtime evicts a voter's object but keeps its agent sockets; the next input wakes it. */
  | { readonly kind: 'hibernate-voter'; readonly voter: number }
  | { readonly kind: 'crash-agent'; readonly target: Target; readonly downMs: number }
  | { readonly kind: 'stall-agent'; readonly target: Target; readonly durMs: number }
  | { readonly kind: 'net-spike'; readonly conditions: NetConditions; readonly durMs: number }
  /** Every voter unreachable from everything else (a Cloudflare outage, the box's uplink). */
  | { readonly kind: 'coordinator-outage'; readonly durMs: number }
  /** One agent cut from every voter (only its own link to the coordinator fails). */
  | { readonly kind: 'cut-agent-voters'; readonly target: Target; readonly durMs: number }
  /** One agent cut from every other agent (its failsafe links). */
  | { readonly kind: 'cut-peers'; readonly target: Target; readonly durMs: number }
  /** Failsafe datagrams lost, duplicated and late for a while. */
  | {
      readonly kind: 'peer-loss';
      readonly dropRatio: number;
      readonly delayMs: number;
      readonly durMs: number;
    }
  /**
   * The failsafe's hardest case: the master's agent is cut from the voters (so it writes on grants),
   * a replica's agent crashes and restarts, and an operator fails over to that replica.
   */
  | { readonly kind: 'failsafe-drill'; readonly downMs: number; readonly durMs: number }
  | { readonly kind: 'drop-sockets'; readonly ratio: number }
  | {
      readonly kind: 'admin';
      readonly action: 'failover' | 'switchover' | 'pause' | 'resume';
      readonly toReplica: boolean;
    };

export interface PlannedFault {
  readonly atMs: number;
  readonly fault: Fault;
}

export interface AgentClock {
  /** Agent ms per sim ms, within ±0.5%. */
  readonly rate: number;
  readonly offsetMs: number;
}

export interface SimParams {
  readonly seed: number;
  readonly voters: number;
  readonly boxes: number;
  readonly quorum: number;
  readonly fencing: boolean;
  /** The agents keep the master writable on each other's grants (with fencing on). */
  readonly failsafe: boolean;
  readonly probeIntervalMs: number;
  readonly probeTimeoutMs: number;
  readonly infoIntervalMs: number;
  readonly downAfterMs: number;
  readonly leaseMs: number;
  readonly failoverTimeoutMs: number;
  /** Sentinel's parallel-syncs (1-3), drawn last so every other choice of a seed stays the same. */
  readonly parallelSyncs: number;
  /**
   * Sentinel's master-reboot-down-after-period: 0 (off) or 50-200 ms, below the 50-300 ms a node
   * restarted with its data stays loading; drawn after parallelSyncs, so earlier choices stay.
   */
  readonly masterRebootDownAfterMs: number;
  readonly clients: number;
  readonly clocks: readonly AgentClock[];
  readonly priorities: readonly number[];
  readonly conditions: NetConditions;
  readonly faultPhaseMs: number;
  readonly convergeMs: number;
  readonly faults: readonly PlannedFault[];
}

export interface ScenarioOptions {
  readonly voters: number | null;
  readonly faultPhaseMs: number;
  readonly convergeMs: number;
}

export const DEFAULT_SCENARIO: ScenarioOptions = { voters: null, faultPhaseMs: 14_000, convergeMs: 30_000 };

export function generateParams(seed: number, options: ScenarioOptions): SimParams {
  const rng = new Rng(seed ^ 0x5eed);
  // Always drawn, so forcing the voter count leaves every other choice of the seed unchanged.
  const drawnVoters = rng.weighted([
    [15, 1],
    [60, 3],
    [25, 5],
  ] as const);
  const voters = options.voters ?? drawnVoters;
  const boxes = rng.weighted([
    [80, 3],
    [20, 5],
  ] as const);
  const downAfterMs = rng.chance(0.6) ? 1000 : rng.int(5, 30) * 100;
  const clocks: AgentClock[] = [];
  for (let i = 0; i < boxes; i++)
    clocks.push({ rate: 1 + rng.int(-50, 50) / 10_000, offsetMs: rng.int(0, 10_000_000) });
  const priorities: number[] = [];
  for (let i = 0; i < boxes; i++)
    priorities.push(rng.chance(0.1) && i > 0 ? 0 : rng.pick([100, 100, 100, 50]));
  const leaseMs = Math.round((downAfterMs * rng.int(75, 200)) / 100);
  // Since b91c443 the failover timeout runs from the end of the lease wait (FINDINGS.md #2), so
  // any combination is deployable, including a lease longer than the timeout.
  const failoverTimeoutMs = rng.int(30, 60) * 100;
  const fencing = rng.chance(0.8);
  const failsafe = fencing && rng.chance(0.85);
  const failsafeFaults = failsafe && rng.chance(0.4);
  const faults = failsafeFaults
    ? generateFailsafeFaults(rng, voters, options.faultPhaseMs, leaseMs)
    : generateFaults(rng, voters, options.faultPhaseMs);
  const lastHealMs = Math.max(0, ...faults.map((f) => f.atMs + faultDurationMs(f.fault)));
  const clients = rng.int(2, 3);
  const parallelSyncs = rng.int(1, 3);
  const masterRebootDownAfterMs = rng.chance(0.5) ? 0 : rng.int(1, 4) * 25;
  return {
    seed,
    voters,
    boxes,
    quorum: boxes === 3 ? 2 : 3,
    fencing,
    failsafe,
    probeIntervalMs: 100,
    probeTimeoutMs: Math.min(500, downAfterMs / 2),
    infoIntervalMs: rng.pick([500, 1000]),
    downAfterMs,
    leaseMs,
    failoverTimeoutMs,
    parallelSyncs,
    masterRebootDownAfterMs,
    clients,
    clocks,
    priorities,
    conditions: calmConditions(),
    // A long coordinator outage runs to its end before everything heals.
    faultPhaseMs: Math.max(options.faultPhaseMs, lastHealMs + 2000),
    convergeMs: options.convergeMs,
    faults,
  };
}

/** How long a fault lasts before it heals by itself (0: instantaneous or healed only at the end). */
function faultDurationMs(fault: Fault): number {
  return 'durMs' in fault ? fault.durMs : 0;
}

/**
 * Seeds about the failsafe: a coordinator outage (seconds to minutes) or the master's agent cut
 * from the voters first, then what may happen meanwhile: the master crashing or isolated, agents
 * dying or stalling, failsafe links cut or lossy, operators acting.
 */
function generateFailsafeFaults(rng: Rng, voters: number, phaseMs: number, leaseMs: number): PlannedFault[] {
  const start = rng.int(2500, 4000);
  const first = rng.weighted<() => Fault>([
    [35, () => ({ kind: 'coordinator-outage', durMs: rng.int(1000, 9000) })],
    [10, () => ({ kind: 'coordinator-outage', durMs: rng.int(30_000, 300_000) })],
    [30, () => ({ kind: 'cut-agent-voters', target: 'master', durMs: rng.int(1000, 9000) })],
    [25, () => ({ kind: 'failsafe-drill', downMs: rng.int(100, 800), durMs: rng.int(3000, 8000) })],
  ])();
  const faults: PlannedFault[] = [{ atMs: start, fault: first }];
  const endMs = start + Math.max(faultDurationMs(first), 2000);
  const count = rng.weighted([
    [30, 0],
    [40, 1],
    [20, 2],
    [10, 3],
  ] as const);
  for (let i = 0; i < count; i++) {
    // During the first fault, mostly after the voters' lease has run out (the failsafe holds).
    const atMs = rng.int(start + 100, Math.min(endMs, start + Math.max(leaseMs * 3, 3000)));
    faults.push({ atMs, fault: duringFailsafe(rng, voters) });
  }
  return faults.sort((a, b) => a.atMs - b.atMs).filter((f) => f.atMs < Math.max(phaseMs, endMs));
}

function duringFailsafe(rng: Rng, voters: number): Fault {
  const target = (): Target => (rng.chance(0.5) ? 'master' : 'replica');
  return rng.weighted<() => Fault>([
    [14, () => killNode(rng, 'master')],
    [10, () => ({ kind: 'crash-agent', target: target(), downMs: rng.int(200, 6000) })],
    [10, () => ({ kind: 'stall-agent', target: target(), durMs: rng.int(200, 3000) })],
    [8, () => isolateBox(rng, 'master')],
    [10, () => ({ kind: 'cut-peers', target: target(), durMs: rng.int(300, 6000) })],
    [
      6,
      () => ({
        kind: 'peer-loss',
        dropRatio: rng.int(10, 60) / 100,
        delayMs: rng.int(5, 400),
        durMs: rng.int(500, 5000),
      }),
    ],
    [6, () => ({ kind: 'cut-agent-node', agent: 'master', node: target(), durMs: rng.int(500, 4000) })],
    [6, () => ({ kind: 'crash-voter', voter: rng.int(0, voters - 1), downMs: rng.int(100, 6000) })],
    [8, () => ({ kind: 'hibernate-voter', voter: rng.int(0, voters - 1) })],
    [6, () => ({ kind: 'admin', action: 'failover', toReplica: rng.chance(0.5) })],
    [4, () => ({ kind: 'admin', action: 'switchover', toReplica: rng.chance(0.5) })],
    [4, () => ({ kind: 'net-spike', conditions: spike(rng), durMs: rng.int(500, 5000) })],
  ])();
}

function generateFaults(rng: Rng, voters: number, phaseMs: number): PlannedFault[] {
  const count = rng.weighted([
    [35, 1],
    [35, 2],
    [20, 3],
    [10, 4],
  ] as const);
  const faults: PlannedFault[] = [];
  // The first fault usually hits the master, so most seeds exercise a failover.
  let atMs = rng.int(2500, 4000);
  for (let i = 0; i < count && atMs < phaseMs - 500; i++) {
    faults.push({ atMs, fault: i === 0 && rng.chance(0.7) ? masterFault(rng) : anyFault(rng, voters) });
    atMs += rng.int(300, Math.max(600, Math.floor((phaseMs - atMs) / 2)));
  }
  return faults;
}

function masterFault(rng: Rng): Fault {
  return rng.weighted<() => Fault>([
    [50, () => killNode(rng, 'master')],
    [35, () => isolateBox(rng, 'master')],
    [15, () => ({ kind: 'crash-agent', target: 'master', downMs: rng.int(500, 8000) })],
  ])();
}

function killNode(rng: Rng, target: Target): Fault {
  return {
    kind: 'kill-node',
    target,
    downMs: rng.int(300, 9000),
    restart: rng.chance(0.4) ? 'empty' : 'data',
  };
}

function isolateBox(rng: Rng, target: Target): Fault {
  return { kind: 'isolate-box', target, clients: rng.int(0, 2), durMs: rng.int(500, 9000) };
}

function anyFault(rng: Rng, voters: number): Fault {
  const target = (): Target => (rng.chance(0.5) ? 'master' : 'replica');
  return rng.weighted<() => Fault>([
    [18, () => killNode(rng, target())],
    [14, () => isolateBox(rng, target())],
    [6, () => ({ kind: 'cut-agent-node', agent: target(), node: target(), durMs: rng.int(500, 6000) })],
    [
      10,
      () => ({
        kind: 'partition-voters',
        size: rng.chance(0.6) ? 'minority' : 'majority',
        withMasterBox: rng.chance(0.5),
        clients: rng.int(0, 2),
        durMs: rng.int(500, 8000),
      }),
    ],
    [8, () => ({ kind: 'crash-voter', voter: rng.int(0, voters - 1), downMs: rng.int(100, 6000) })],
    [8, () => ({ kind: 'hibernate-voter', voter: rng.int(0, voters - 1) })],
    [6, () => ({ kind: 'crash-agent', target: target(), downMs: rng.int(200, 6000) })],
    [4, () => ({ kind: 'stall-agent', target: target(), durMs: rng.int(200, 3000) })],
    [6, () => ({ kind: 'net-spike', conditions: spike(rng), durMs: rng.int(500, 5000) })],
    [4, () => ({ kind: 'drop-sockets', ratio: rng.int(2, 10) / 10 })],
    [6, () => ({ kind: 'admin', action: 'switchover', toReplica: rng.chance(0.5) })],
    [4, () => ({ kind: 'admin', action: 'failover', toReplica: rng.chance(0.5) })],
    [3, () => ({ kind: 'admin', action: 'pause', toReplica: false })],
    [1, () => ({ kind: 'admin', action: 'resume', toReplica: false })],
  ])();
}

function spike(rng: Rng): NetConditions {
  return {
    peerDropRatio: rng.int(5, 40) / 100,
    peerDupRatio: rng.int(5, 30) / 100,
    peerDelayMs: [2, rng.int(50, 1500)],
    socketDelayMs: [2, rng.int(30, 400)],
    spikeDelayMs: rng.int(0, 300),
    socketDropPerSecond: rng.int(0, 20) / 10,
    failsafeDropRatio: rng.int(5, 40) / 100,
    failsafeDupRatio: rng.int(5, 30) / 100,
    failsafeDelayMs: [1, rng.int(20, 500)],
    replayPerSecond: rng.int(0, 50) / 10,
  };
}
