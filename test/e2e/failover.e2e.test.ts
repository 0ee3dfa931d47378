// End to end: SIGKILL the master under writes, then restart it empty; real redis-servers, wrangler dev, agents, ioredis.
// The steps are the demo's (infra/local/failover-scenario.ts); this file asserts on their report.

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILOVER_LIMITS } from '../../infra/local/failover-limits.js';
import { type FailoverReport, failoverReportLines } from '../../infra/local/failover-report.js';
import { runFailoverScenario } from '../../infra/local/failover-scenario.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { Timeline } from '../../infra/local/timeline.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BOUND_MS = FAILOVER_LIMITS.failoverBoundMs;

describe('failover of a killed master (3 nodes, 3 agents, 3 voters)', () => {
  let stack: LocalStack;
  let report: FailoverReport;

  beforeAll(async () => {
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: 7501,
      sentinelPort: 26501,
      metricsPort: 26511,
      coordinatorPort: 8791,
    });
    report = await runFailoverScenario(stack, new Timeline((line) => console.log(line)));
    console.log(failoverReportLines(report).join('\n'));
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('promotes a replica, repoints the other, publishes it everywhere and the client writes resume on it', () => {
    const [old, ...replicas] = stack.nodes;
    if (old === undefined) throw new Error('no node 0');
    expect(report.oldMaster).toBe(old.address);
    expect(report.oldEpoch).toBe(0);

    const { newMaster } = report;
    expect(report.timings.failoverMs).not.toBeNull();
    expect(report.timings.failoverMs).toBeLessThan(BOUND_MS);
    expect(report.newEpoch).toBeGreaterThan(0);
    expect(stack.nodes.map((n) => n.address)).toContain(newMaster);
    expect(report.agentMasters).toEqual([newMaster, newMaster, newMaster]);

    expect(report.newMasterRole).toBe('master');
    expect(report.replicasFollowing).toEqual(
      replicas.filter((n) => n.address !== newMaster).map((n) => n.address),
    );

    expect(report.timings.writesResumedMs).not.toBeNull();
    expect(report.timings.writesResumedMs).toBeLessThan(BOUND_MS);
    // Read straight from the new master: the resumed write landed there.
    expect(report.resumedWrite?.onNewMaster).toBe(true);
  });

  it('restarts the old master empty: it rejoins as a replica, is never published, and wipes nothing', () => {
    expect(report.newMaster).not.toBeNull();
    expect(report.rejoin.asReplica).toBe(true);
    expect(report.rejoin.writesContinued).toBe(true);
    // Every read path a client uses, polled while the empty node is up and before it is demoted.
    expect(report.rejoin.mastersSeen).toEqual([report.newMaster]);
    // Lost writes beyond the window before the kill are not explained by asynchronous replication.
    expect(report.writes.lostBeyondLagWindow).toEqual([]);
    // The new master's data was not wiped by the empty node, and the rejoined node now holds it too.
    expect(report.rejoin.holdsNewMastersData).toBe(true);
  });
});
