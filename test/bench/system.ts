// What the scenarios need from a system under test: edge-sentinel's local stack or three real sentinels.
import type { Endpoint } from './endpoint-probe.js';
import type { MilestoneTimes } from './event-clock.js';
import type { SystemKind } from './results.js';

export interface BenchNode {
  readonly index: number;
  /** The node's name everywhere: its fault proxy's address. */
  readonly address: string;
  /** The port redis-server listens on (the inside client and its own agent use it). */
  readonly port: number;
}

export interface SystemUnderTest {
  readonly kind: SystemKind;
  readonly group: string;
  readonly nodes: readonly BenchNode[];
  readonly downAfterMs: number;
  /** Sentinel-protocol endpoints for clients (agents or sentinels), optionally without the one next to a node. */
  endpoints(excludeNode?: number): Endpoint[];
  /** The published master ("host:port") and whatever versions it (epoch), as clients see it now. */
  published(): Promise<{ readonly address: string; readonly epoch: number }>;
  /** Resolves with the new master once the primary read path names a master other than `old`. */
  waitNewMaster(old: string, epoch: number, timeoutMs: number): Promise<string>;
  /** Every Sentinel-protocol endpoint's answer now. */
  endpointMasters(): Promise<(string | null)[]>;
  /** Until the topology is whole: one master, two linked replicas, every monitor agreeing; returns the master. */
  waitHealthy(timeoutMs: number): Promise<string>;
  killRedis(index: number): Promise<void>;
  /** Start a killed node again, empty, as a replica of `master`. */
  restartRedisAsReplica(index: number, master: string): Promise<void>;
  /** Cut the node (and, for ours, its agent's links to the voters and to the other agents) off from everything else. */
  isolate(index: number): void;
  heal(index: number): void;
  /** A planned switchover to `target` (Sentinel cannot choose: SENTINEL FAILOVER picks the replica). */
  switchover(target: string): Promise<void>;
  /** Wall-clock times of the failover milestones (+odown, +elected-leader, ...) since `sinceMs` (Date.now()). */
  milestonesSince(sinceMs: number): Promise<MilestoneTimes>;
  /** PIDs of the monitoring processes: our agents and their supervisors, or the redis-sentinel processes. */
  monitorPids(): number[];
  stop(): Promise<void>;
}

export const nodeIndexOf = (system: SystemUnderTest, address: string): number => {
  const node = system.nodes.find((n) => n.address === address);
  if (node === undefined) throw new Error(`${address} is not a node of the ${system.kind} system`);
  return node.index;
};

export const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));
