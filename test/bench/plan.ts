// The bench's plan: every port it listens on (fixed ranges, never 6379 or 7201) and what --quick cuts down.

export interface OursPorts {
  /** Node i listens on redis + i, is named by its proxy on nodeProxy + i. */
  readonly redis: number;
  readonly nodeProxy: number;
  /** Agent i reaches wrangler dev through coordinatorProxy + i. */
  readonly coordinatorProxy: number;
  /** Agent i's Sentinel port and metrics port; its failsafe endpoint is UDP on the Sentinel port's number. */
  readonly sentinel: number;
  readonly metrics: number;
  readonly coordinator: number;
  /**
   * Agent i sends node j's agent its failsafe datagrams through a UDP fault proxy on
   * failsafeProxy + 3·i + j (i ≠ j: six one-way links of nine slots).
   */
  readonly failsafeProxy: number;
}

export interface SentinelPorts {
  readonly redis: number;
  readonly nodeProxy: number;
  /** redis-sentinel i listens on sentinel + i. */
  readonly sentinel: number;
}

/**
 * redis 7800–7899, proxies 7900–7999 (TCP below 7950; the agents' UDP failsafe proxies at 7950–7958,
 * 7960–7968, 7980–7988 and 7990–7998), agents 26800–26899, sentinels 26900–26999, wrangler 8890–8899.
 */
export const PORTS = {
  /** Down-after 1000 ms, fencing on: failover, partition, switchover, footprint, lookup, cost. */
  ours: {
    redis: 7800,
    nodeProxy: 7900,
    coordinatorProxy: 7903,
    sentinel: 26800,
    metrics: 26810,
    coordinator: 8890,
    failsafeProxy: 7950,
  },
  /** Fencing off: the partition without fencing. */
  oursNoFence: {
    redis: 7820,
    nodeProxy: 7920,
    coordinatorProxy: 7923,
    sentinel: 26820,
    metrics: 26830,
    coordinator: 8891,
    failsafeProxy: 7960,
  },
  /** Down-after 5000 ms. */
  oursSlow: {
    redis: 7840,
    nodeProxy: 7940,
    coordinatorProxy: 7943,
    sentinel: 26840,
    metrics: 26850,
    coordinator: 8892,
    failsafeProxy: 7980,
  },
  /** Fencing on, failsafe off (as before it existed): the coordinator outage's "before" row, beside `ours`. */
  oursNoFailsafe: {
    redis: 7830,
    nodeProxy: 7930,
    coordinatorProxy: 7933,
    sentinel: 26805,
    metrics: 26815,
    coordinator: 8894,
    failsafeProxy: 7990,
  },
  sentinel: { redis: 7810, nodeProxy: 7910, sentinel: 26900 },
  /** The footprint stack: agents and sentinels side by side on the same three nodes. */
  footprint: { redis: 7860, agentSentinel: 26860, metrics: 26870, coordinator: 8893, sentinel: 26910 },
} as const satisfies {
  ours: OursPorts;
  oursNoFence: OursPorts;
  oursSlow: OursPorts;
  oursNoFailsafe: OursPorts;
  sentinel: SentinelPorts;
  footprint: Record<string, number>;
};

export interface BenchPlan {
  readonly quick: boolean;
  /** Down-after values of the failover runs; the first is also every other scenario's. */
  readonly downAfterMs: readonly number[];
  /** Failover runs per system and down-after (interleaved ours, Sentinel, ours, ...). */
  readonly failoverRuns: number;
  readonly failoverTimeoutMs: number;
  /** How long the master stays isolated (Sentinel's min-replicas-max-lag is 10 s by default). */
  readonly partitionHoldMs: number;
  /** Which partition scenarios run. */
  readonly partitionMinReplicas: boolean;
  readonly partitionNoFencing: boolean;
  /** How long every agent is cut from the voters under writes (the failsafe off and on, side by side). */
  readonly outageMs: number;
  readonly idleWindowMs: number;
  /** The footprint stack's group counts, a row each (and one agent run from source through tsx, for comparison). */
  readonly footprintGroups: readonly number[] | null;
  readonly footprintWindowMs: number;
  readonly lookupRequests: number;
  readonly lookupConcurrency: number;
  readonly httpLookupMs: number;
}

export function benchPlan(quick: boolean): BenchPlan {
  return quick
    ? {
        quick,
        downAfterMs: [1000],
        failoverRuns: 2,
        failoverTimeoutMs: 6000,
        partitionHoldMs: 5000,
        partitionMinReplicas: false,
        partitionNoFencing: false,
        outageMs: 10_000,
        idleWindowMs: 5000,
        footprintGroups: null,
        footprintWindowMs: 0,
        lookupRequests: 20_000,
        lookupConcurrency: 50,
        httpLookupMs: 2000,
      }
    : {
        quick,
        downAfterMs: [1000, 5000],
        failoverRuns: 10,
        failoverTimeoutMs: 6000,
        partitionHoldMs: 12_000,
        partitionMinReplicas: true,
        partitionNoFencing: true,
        outageMs: 60_000,
        idleWindowMs: 20_000,
        footprintGroups: [10, 100, 1000],
        footprintWindowMs: 10_000,
        lookupRequests: 100_000,
        lookupConcurrency: 50,
        httpLookupMs: 5000,
      };
}
