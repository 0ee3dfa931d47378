// What one `npm run bench` measured: the shape of results.json, shared by the runners, the report and the sanity checks.

import type { VoterCounters } from '../../workers/voter/contract.js';

export type SystemKind = 'ours' | 'sentinel';

export const SYSTEM_LABEL: Readonly<Record<SystemKind, string>> = {
  ours: 'edge-sentinel',
  sentinel: 'Redis Sentinel',
};

/** The failover milestones both systems name alike (Sentinel's event names), in order. */
export const MILESTONES = ['+odown', '+elected-leader', '+selected-slave', '+switch-master'] as const;
export type Milestone = (typeof MILESTONES)[number];

/** One SIGKILL of the master. Times are from the kill; null when it did not happen within the bound. */
export interface FailoverRun {
  readonly system: SystemKind;
  readonly downAfterMs: number;
  /** Position in the interleaved sequence (0, 1, ...), per system. */
  readonly run: number;
  readonly ok: boolean;
  readonly error: string | null;
  readonly oldMaster: string;
  readonly newMaster: string | null;
  /** ours: the HTTP master endpoint (long-poll); Sentinel: the first sentinel answering the new master. */
  readonly visibleMs: number | null;
  /** The first of the three Sentinel-protocol endpoints (our agents, or the sentinels) to name the new master. */
  readonly anyEndpointMs: number | null;
  /** All three Sentinel-protocol endpoints name the new master. */
  readonly allEndpointsMs: number | null;
  /** The first write sent after the kill and acknowledged (an ioredis Sentinel-mode client). */
  readonly firstWriteMs: number | null;
  /** ms from the kill to each milestone (+odown, +elected-leader, +selected-slave, +switch-master) seen. */
  readonly milestonesMs: Readonly<Record<string, number>>;
  readonly acked: number;
  /** Acknowledged writes missing on the new master (the replication-lag window of a crash). */
  readonly lost: number;
  /** The writer's first distinct errors (what a client saw during the failover). */
  readonly writeErrors: readonly string[];
  /** The master changed again, unasked, before this system's next run (a second failover: flapping). */
  readonly flapped: boolean;
}

export type PartitionScenario = 'fencing-on' | 'fencing-off' | 'plain' | 'min-replicas-1';

/** The master (and, for ours, its agent) cut off by fault proxies for a fixed time under writes, then healed. */
export interface PartitionResult {
  readonly system: SystemKind;
  readonly scenario: PartitionScenario;
  readonly ok: boolean;
  readonly error: string | null;
  readonly holdMs: number;
  /** From the isolation until the new master was visible (as in FailoverRun.visibleMs). */
  readonly failoverMs: number | null;
  /**
   * How long after the isolation the old master still acknowledged the inside client's writes;
   * null when it did until the heal (never fenced).
   */
  readonly insideAcksForMs: number | null;
  /** From the heal until the old master replicated the new one. */
  readonly demotedAfterHealMs: number | null;
  readonly acked: number;
  /** Writes the inside client had acknowledged by the old master after the new master was visible. */
  readonly insideAckedAfterFailover: number;
  readonly lost: number;
  /** Lost writes by when they were acknowledged: before the isolation (replication lag)... */
  readonly lostBeforeIsolation: number;
  /** ...between the isolation and the new master being visible (the old master's lease or lag)... */
  readonly lostBeforeFailover: number;
  /** ...and after it: two masters acknowledging writes at once (split brain). */
  readonly lostAfterFailover: number;
}

/** ours: the failsafe off (before it existed) or on; Sentinel: it has no coordinator, so nothing is cut. */
export type OutageScenario = 'failsafe-off' | 'failsafe-on' | 'nothing-cut';

/**
 * Every agent cut from the voters (ours) for a fixed time under writes, then restored; every
 * scenario's writer runs in the same window, Sentinel's with nothing cut. Writes are counted from
 * the writer's sequence numbers (one write in flight at a time).
 */
export interface OutageResult {
  readonly system: SystemKind;
  readonly scenario: OutageScenario;
  readonly ok: boolean;
  readonly error: string | null;
  readonly outageMs: number;
  /** The published master before the cut, and after the recovery (null when not read). */
  readonly masterBefore: string;
  readonly masterAfter: string | null;
  /** Writes sent during the outage and acknowledged. */
  readonly acked: number;
  /** Writes that failed (refused or timed out) from the cut until the writer stopped, once healthy again. */
  readonly refused: number;
  /** The longest gap between two acknowledgements over the writer's whole run. */
  readonly longestPauseMs: number | null;
  /** From the cut to the first failed write; null when none failed. */
  readonly firstRefusalMs: number | null;
  /** From the restore until the first write sent after it was acknowledged. */
  readonly resumedAfterRestoreMs: number | null;
  /** The published master or its epoch changed between the cut and the recovery. */
  readonly failedOver: boolean;
  /** The writer's first distinct errors (what a client saw). */
  readonly writeErrors: readonly string[];
}

export interface SwitchoverResult {
  readonly system: SystemKind;
  readonly ok: boolean;
  readonly error: string | null;
  readonly oldMaster: string;
  readonly newMaster: string | null;
  /** From the request until the new master was visible. */
  readonly switchMs: number | null;
  readonly acked: number;
  readonly lost: number;
  readonly longestPauseMs: number | null;
}

/** `bundle`: as shipped (dist's esbuild bundle with AGENT_NODE_FLAGS); `tsx`: from source, development only. */
export type AgentRunner = 'tsx' | 'bundle';

export interface ProcessFootprint {
  readonly pid: number;
  readonly rssMb: number;
  /** Peak RSS over the process's life (VmHWM). */
  readonly peakRssMb: number;
  /** CPU time over the window / window length, in percent of one core. */
  readonly cpuPercent: number;
}

export interface FootprintResult {
  readonly system: SystemKind;
  /** Groups (ours) or monitored masters (Sentinel) per process. */
  readonly groups: number;
  /** How our agent ran; null for redis-sentinel. */
  readonly runner: AgentRunner | null;
  readonly windowMs: number;
  /** The monitoring processes: our agents (one per box, forked by the supervisor as shipped), or redis-sentinel. */
  readonly processes: readonly ProcessFootprint[];
  /**
   * Ours as shipped: the dead-man supervisor of each agent in `processes`, same order (both run on
   * every box). Empty for redis-sentinel and for an agent run without one (tsx, development).
   */
  readonly supervisors: readonly ProcessFootprint[];
  /** The agent's voters were stand-ins in the bench process, not wrangler dev (1,000 groups). */
  readonly standInVoters?: boolean;
  /**
   * The agent ran beside a replica of every group (no lease to renew); otherwise, above 1 group,
   * beside every group's master.
   */
  readonly besideReplica?: boolean;
  readonly ok: boolean;
  readonly error: string | null;
}

/**
 * `http`: the master endpoint through wrangler dev's front door; `http-worker`: the same read at
 * the Worker's own workerd socket, without wrangler's dev proxy; `http-majority`: there too, with
 * `?consistency=majority` (every read asks the voters).
 */
export type LookupTarget = 'agent' | 'sentinel' | 'http' | 'http-worker' | 'http-majority';

export interface LookupResult {
  readonly target: LookupTarget;
  readonly requests: number;
  readonly concurrency: number;
  /** redis-benchmark's -P (requests in flight per connection); 1 when absent. */
  readonly pipeline?: number;
  readonly requestsPerSecond: number | null;
  readonly p50Ms: number | null;
  readonly ok: boolean;
  readonly error: string | null;
}

/** The voter counters the bill is made of (the others count webhooks and the sink). */
export const BILLED_COUNTERS = [
  'requests',
  'rpcCalls',
  'wsMessagesIn',
  'wsMessagesOut',
  'rowsWritten',
  'alarms',
] as const;
export type BilledCounters = Pick<VoterCounters, (typeof BILLED_COUNTERS)[number]>;

/** Counter deltas summed over a group's voters, with our own reads taken out. */
export interface VoterUsage extends BilledCounters {
  readonly windowMs: number;
  readonly voters: number;
}

export interface CostLine {
  readonly item: string;
  readonly units: number;
  readonly unit: string;
  readonly dollars: number;
}

export interface CostResult {
  readonly ok: boolean;
  readonly error: string | null;
  readonly idle: VoterUsage | null;
  readonly failover: VoterUsage | null;
  /** DO requests one HTTP master read costs (majority read), measured. */
  readonly doRequestsPerMasterRead: number | null;
  readonly assumedFailoversPerMonth: number;
  readonly monthly: readonly CostLine[];
  readonly monthlyDollars: number | null;
  readonly failoverDollars: number | null;
  readonly dollarsPerMillionMasterReads: number | null;
  /** Groups whose idle usage fits in the plan's included allowances. */
  readonly groupsInIncluded: number | null;
}

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  readonly redis: string;
}

export interface BenchResults {
  readonly startedAt: string;
  readonly wallMs: number;
  readonly quick: boolean;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly downAfterMs: readonly number[];
  readonly failover: readonly FailoverRun[];
  readonly partition: readonly PartitionResult[];
  readonly outage: readonly OutageResult[];
  readonly switchover: readonly SwitchoverResult[];
  readonly footprint: readonly FootprintResult[];
  readonly lookup: readonly LookupResult[];
  readonly cost: CostResult | null;
  /** Measurements left out (by --quick or a failure to start), one sentence each. */
  readonly skipped: readonly string[];
  /** Phases that threw, one sentence each. */
  readonly errors: readonly string[];
}
