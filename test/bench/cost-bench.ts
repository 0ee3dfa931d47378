// Measurement 6: the voters' counters over an idle window and over one failover, for the cost model.
import { z } from 'zod';
import { nodeRole } from '../../infra/local/redis-query.js';
import { sleep, waitFor } from '../../infra/local/wait.js';
import {
  billedUsage,
  billLines,
  dollarsPerMillionMasterReads,
  groupsInIncluded,
  monthlyUsage,
  perKey,
  totalDollars,
} from './cost-model.js';
import type { OursSystem } from './ours-system.js';
import { BILLED_COUNTERS, type BilledCounters, type CostResult, type VoterUsage } from './results.js';
import { nodeIndexOf } from './system.js';

export const ASSUMED_FAILOVERS_PER_MONTH = 1;

/** One value per billed counter. */
const perCounter = (value: (field: keyof BilledCounters) => number): BilledCounters =>
  perKey(BILLED_COUNTERS, value);

const StatusCountersSchema = z.object({
  voters: z.array(
    z.object({
      index: z.number().int(),
      answered: z.boolean(),
      counters: z.record(z.string(), z.number()).nullable(),
    }),
  ),
});

/** Every voter's counters, summed (GET /v1/groups/:group); every voter must answer. */
export async function readCounters(
  coordinatorUrl: string,
  group: string,
): Promise<BilledCounters & { voters: number }> {
  const response = await fetch(`${coordinatorUrl}/v1/groups/${group}`, { signal: AbortSignal.timeout(5000) });
  if (response.status !== 200) throw new Error(`status answered ${response.status}`);
  const { voters } = StatusCountersSchema.parse(await response.json());
  const answers = voters.map((v) => {
    if (!v.answered || v.counters === null) throw new Error(`voter ${v.index} did not answer`);
    return v.counters;
  });
  const sum = perCounter((f) => answers.reduce((total, counters) => total + (counters[f] ?? 0), 0));
  return { ...sum, voters: voters.length };
}

function delta(
  before: BilledCounters,
  after: BilledCounters,
  overhead: BilledCounters,
  voters: number,
  windowMs: number,
): VoterUsage {
  // One status read (the one that closes the window) is ours, not the group's.
  const usage = perCounter((f) => Math.max(0, after[f] - before[f] - overhead[f]));
  return { windowMs, voters, ...usage };
}

const minus = (a: BilledCounters, b: BilledCounters): BilledCounters => perCounter((f) => a[f] - b[f]);

export interface CostWindows {
  /** Runs `during` as the idle window (the footprint samples it); the counters bracket it. */
  measureIdle(during: () => Promise<void>): Promise<VoterUsage>;
  /** SIGKILL the master, wait for the failover through the agents only, restart it as a replica, settle. */
  measureFailover(settleMs: number): Promise<VoterUsage>;
  /** DO requests of one HTTP master read. */
  measureMasterRead(reads: number): Promise<number>;
}

export async function costWindows(ours: OursSystem): Promise<CostWindows> {
  const url = ours.coordinatorUrl;
  const group = ours.group;
  // Two reads back to back: the second minus the first is what one status read costs the voters.
  const first = await readCounters(url, group);
  const second = await readCounters(url, group);
  const overhead = minus(second, first);
  return {
    async measureIdle(during) {
      const before = await readCounters(url, group);
      const startMs = performance.now();
      await during();
      const after = await readCounters(url, group);
      return delta(before, after, overhead, after.voters, performance.now() - startMs);
    },
    async measureFailover(settleMs) {
      const master = await ours.waitHealthy(60_000);
      // Settle after the health check's own reads, so the window holds the failover only.
      await sleep(1000);
      const before = await readCounters(url, group);
      const startMs = performance.now();
      const old = nodeIndexOf(ours, master);
      await ours.killRedis(old);
      // Watch through the agents (the Sentinel protocol), never the HTTP API: no reads of ours in the window.
      const newMaster = await waitFor(
        'every agent to name a new master',
        60_000,
        async () => {
          const answers = await ours.endpointMasters();
          const [a] = answers;
          return a !== null && a !== undefined && a !== master && answers.every((x) => x === a)
            ? a
            : undefined;
        },
        50,
      );
      await ours.restartRedisAsReplica(old, newMaster);
      const oldPort = ours.nodes[old]?.port ?? 0;
      await waitFor('the old master to rejoin as a replica', 30_000, async () => {
        const role = await nodeRole(oldPort);
        return role.role === 'replica' && role.masterAddr === newMaster && role.linkUp ? true : undefined;
      });
      await sleep(settleMs);
      const after = await readCounters(url, group);
      return delta(before, after, overhead, after.voters, performance.now() - startMs);
    },
    async measureMasterRead(reads) {
      const before = await readCounters(url, group);
      for (let i = 0; i < reads; i++) await ours.published();
      const after = await readCounters(url, group);
      const d = minus(minus(after, before), overhead);
      return (d.requests + d.rpcCalls + d.alarms) / reads;
    },
  };
}

export function costResult(
  idle: VoterUsage,
  failover: VoterUsage,
  doRequestsPerMasterRead: number,
): CostResult {
  const month = monthlyUsage(idle, failover, ASSUMED_FAILOVERS_PER_MONTH);
  const monthly = billLines(month);
  return {
    ok: true,
    error: null,
    idle,
    failover,
    doRequestsPerMasterRead,
    assumedFailoversPerMonth: ASSUMED_FAILOVERS_PER_MONTH,
    monthly,
    monthlyDollars: totalDollars(monthly),
    failoverDollars: totalDollars(billLines(billedUsage(failover))),
    dollarsPerMillionMasterReads: dollarsPerMillionMasterReads(doRequestsPerMasterRead),
    groupsInIncluded: groupsInIncluded(month),
  };
}
