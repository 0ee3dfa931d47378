// End to end: the master and its agent isolated from everything (fault proxies), with fencing on and off.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultStackOptions } from '../../infra/local/options.js';
import { existingKeys, nodeRole } from '../../infra/local/redis-query.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { sleep, waitFor } from '../../infra/local/wait.js';
import { startWriteLoad, type WriteLoad } from '../../infra/local/write-load.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7671-7673, the master's proxy 7674, wrangler 8867 and its proxy
// 8869, Sentinel 26671.., metrics 26681...
const REDIS_PORT = 7671;
const MASTER_PROXY_PORT = 7674;
const COORDINATOR_PORT = 8867;
const COORDINATOR_PROXY_PORT = 8869;
/** The master's name everywhere: its proxy. Its own agent and the inside writer use 7671. */
const MASTER = `127.0.0.1:${MASTER_PROXY_PORT}`;
const DOWN_AFTER_MS = 1000;
/** The group's lease: leaseMs defaults to downAfterMs (workers/config/groups.ts). */
const LEASE_MS = DOWN_AFTER_MS;
/** Generous margin on the fence: agent ticks, a loaded 2-core machine. */
const FENCE_MARGIN_MS = 1500;
const FAILOVER_BOUND_MS = 30_000;
/** Writes acknowledged by the old master this long before the isolation may not have reached a replica. */
const REPLICATION_LAG_WINDOW_MS = 250;

const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

/** Commands time out fast: a timed-out write reconnects (a blackholed connection never closes by itself). */
const WRITER_TIMEOUTS = { commandTimeoutMs: 500, reconnectOnTimeout: true } as const;

async function isolationScenario(fencing: boolean): Promise<void> {
  const label = `fencing ${fencing ? 'on' : 'off'}`;
  const startedAtMs = performance.now();
  let masterProxy: FaultProxy | undefined;
  let coordinatorProxy: FaultProxy | undefined;
  let stack: LocalStack | undefined;
  let outside: WriteLoad | undefined;
  let inside: WriteLoad | undefined;
  try {
    // Everybody but node 0's agent reaches node 0 through masterProxy (its announce address), and
    // node 0's agent reaches wrangler dev only through coordinatorProxy.
    masterProxy = await startFaultProxy({ host: '127.0.0.1', port: REDIS_PORT }, MASTER_PROXY_PORT);
    coordinatorProxy = await startFaultProxy(
      { host: '127.0.0.1', port: COORDINATOR_PORT },
      COORDINATOR_PROXY_PORT,
    );
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: REDIS_PORT,
      sentinelPort: 26671,
      metricsPort: 26681,
      coordinatorPort: COORDINATOR_PORT,
      downAfterMs: DOWN_AFTER_MS,
      fencing,
      announcePorts: { 0: MASTER_PROXY_PORT },
      agentRoutes: { 0: { [`127.0.0.1:${COORDINATOR_PORT}`]: `127.0.0.1:${COORDINATOR_PROXY_PORT}` } },
    });
    const s = stack;
    const old = s.nodes[0];
    if (old === undefined) throw new Error('no node 0');
    expect(old.address).toBe(MASTER);
    expect(await s.publishedMaster()).toMatchObject({ host: '127.0.0.1', port: MASTER_PROXY_PORT, epoch: 0 });
    // The hooks are in place: replicas replicate through masterProxy, agent a talks to the voters
    // through coordinatorProxy.
    for (const n of s.nodes.slice(1)) {
      expect(await nodeRole(n.port)).toMatchObject({ role: 'replica', masterAddr: MASTER, linkUp: true });
    }
    expect(masterProxy.connections()).toBeGreaterThanOrEqual(2);
    expect(coordinatorProxy.connections()).toBeGreaterThanOrEqual(1);

    // The outside writer asks the agents outside the partition; the inside one writes to 7671.
    const outsideWriter = startWriteLoad({
      sentinels: s.sentinels.slice(1),
      group: s.options.group,
      prefix: 'out',
      ...WRITER_TIMEOUTS,
    });
    outside = outsideWriter;
    const insideWriter = startWriteLoad({
      sentinels: [],
      group: s.options.group,
      prefix: 'in',
      target: { host: '127.0.0.1', port: REDIS_PORT },
      ...WRITER_TIMEOUTS,
    });
    inside = insideWriter;
    await waitFor('200 acknowledged writes from each writer', 20_000, async () =>
      outsideWriter.ackedCount() >= 200 && insideWriter.ackedCount() >= 200 ? true : undefined,
    );

    const isolateAtMs = performance.now();
    // A partition that drops packets: nothing is refused, everything just goes silent. (This once
    // stalled failovers: agents waited for the silent master's INFO before answering the leader's
    // observe request, longer than the leader waited for them.)
    masterProxy.blackhole();
    coordinatorProxy.blackhole();

    const newMaster = await waitFor('a new master on the HTTP endpoint', FAILOVER_BOUND_MS, async () => {
      const m = await s.publishedMaster();
      return m.port === MASTER_PROXY_PORT ? undefined : `${m.host}:${m.port}`;
    });
    const publishedAtMs = performance.now();
    await waitFor(`the agents outside the partition to name ${newMaster}`, FAILOVER_BOUND_MS, async () => {
      const answers = await s.agentMasters();
      return answers[1] === newMaster && answers[2] === newMaster ? true : undefined;
    });
    const failoverMs = publishedAtMs - isolateAtMs;
    expect(s.nodes.slice(1).map((n) => n.address)).toContain(newMaster);
    expect((await nodeRole(portOf(newMaster))).role).toBe('master');
    const resumed = await waitFor('an outside write acknowledged after the isolation', 15_000, async () =>
      outsideWriter.firstAckSentAfter(publishedAtMs),
    );
    console.log(
      `isolation (${label}): ${MASTER} -> ${newMaster} published ${Math.round(failoverMs)} ms after the isolation, ` +
        `outside writes resumed ${Math.round(resumed.ackAtMs - isolateAtMs)} ms after it`,
    );

    let fenceMs: number | null = null;
    if (fencing) {
      const fencedAtMs = await waitFor('the old master to refuse writes (NOREPLICAS)', 15_000, async () =>
        insideWriter.firstErrorAfter('NOREPLICAS', isolateAtMs),
      );
      fenceMs = fencedAtMs - isolateAtMs;
      console.log(
        `isolation (${label}): the old master refused writes ${Math.round(fenceMs)} ms after the isolation`,
      );
      expect(fenceMs).toBeLessThan(LEASE_MS + FENCE_MARGIN_MS);
      // Keep writing a while: still nothing acknowledged inside the partition after the fence.
      await sleep(2000);
      const lateAcks = insideWriter.acked.filter(
        (w) => w.sentAtMs > isolateAtMs + LEASE_MS + FENCE_MARGIN_MS,
      );
      expect(lateAcks.map((w) => w.key)).toEqual([]);
      const afterPromotion = insideWriter.acked.filter((w) => w.ackAtMs >= publishedAtMs);
      expect(afterPromotion.map((w) => w.key)).toEqual([]);
    } else {
      // Split brain: the old master still acknowledges writes after the failover.
      const split = await waitFor('an inside write acknowledged after the failover', 10_000, async () =>
        insideWriter.firstAckSentAfter(publishedAtMs),
      );
      expect(split.ackAtMs).toBeGreaterThan(publishedAtMs);
      await sleep(2000);
    }
    const insideAckedInPartition = insideWriter.acked.filter((w) => w.ackAtMs > isolateAtMs).length;
    const insideAckedAfterFailover = insideWriter.acked.filter((w) => w.ackAtMs > publishedAtMs).length;

    // Heal: the old master is demoted to a replica of the new one, and every agent agrees.
    const healAtMs = performance.now();
    masterProxy.restore();
    coordinatorProxy.restore();
    await waitFor(`the old master to replicate ${newMaster}`, 30_000, async () => {
      const role = await nodeRole(REDIS_PORT);
      return role.role === 'replica' && role.masterAddr === newMaster && role.linkUp ? true : undefined;
    });
    const demotedMs = performance.now() - healAtMs;
    await s.waitForMaster(newMaster, 30_000);
    expect(await s.agentMasters()).toEqual([newMaster, newMaster, newMaster]);
    const other = s.nodes.find((n) => n !== old && n.address !== newMaster);
    if (other === undefined) throw new Error('no other replica');
    expect(await nodeRole(other.port)).toMatchObject({ role: 'replica', masterAddr: newMaster });
    console.log(
      `isolation (${label}): after healing, the old master replicates ${newMaster} in ${Math.round(demotedMs)} ms`,
    );

    const outsideReport = await outsideWriter.stop();
    outside = undefined;
    const insideReport = await insideWriter.stop();
    inside = undefined;
    const acked = [...outsideReport.acked, ...insideReport.acked];
    const onMaster = await existingKeys(
      portOf(newMaster),
      acked.map((w) => w.key),
    );
    const lost = acked.filter((w) => !onMaster.has(w.key));
    const lagWindow = lost.filter(
      (w) => w.ackAtMs <= isolateAtMs && w.ackAtMs >= isolateAtMs - REPLICATION_LAG_WINDOW_MS,
    );
    const leaseWindow = lost.filter((w) => w.ackAtMs > isolateAtMs && w.ackAtMs < publishedAtMs);
    const afterFailover = lost.filter((w) => w.ackAtMs >= publishedAtMs);
    const unexplained = lost.filter((w) => w.ackAtMs < isolateAtMs - REPLICATION_LAG_WINDOW_MS);
    console.log(
      `isolation (${label}): ${acked.length} writes acknowledged (${insideReport.acked.length} inside, ` +
        `${insideAckedInPartition} of them during the partition, ${insideAckedAfterFailover} after the failover), ` +
        `${lost.length} lost: ${lagWindow.length} within ${REPLICATION_LAG_WINDOW_MS} ms before the isolation, ` +
        `${leaseWindow.length} between the isolation and the failover, ${afterFailover.length} after the failover; ` +
        `fence ${fenceMs === null ? 'off' : `${Math.round(fenceMs)} ms`}, failover ${Math.round(failoverMs)} ms, ` +
        `scenario ${Math.round((performance.now() - startedAtMs) / 1000)} s`,
    );
    expect(unexplained.map((w) => w.key)).toEqual([]);
    if (fencing) {
      // Nothing acknowledged after the fence (hence after the failover) is lost.
      expect(afterFailover.map((w) => w.key)).toEqual([]);
      expect(lost.filter((w) => w.ackAtMs > isolateAtMs + (fenceMs ?? 0)).map((w) => w.key)).toEqual([]);
    } else {
      // The split brain fencing prevents: writes acknowledged by the old master after the failover
      // were wiped when it was demoted.
      expect(afterFailover.length).toBeGreaterThan(0);
    }
  } finally {
    await outside?.stop().catch(() => undefined);
    await inside?.stop().catch(() => undefined);
    await stack?.stop();
    await masterProxy?.close();
    await coordinatorProxy?.close();
  }
}

describe('master and its agent isolated from everything (3 nodes, 3 agents, 3 voters)', () => {
  it('with fencing on: the old master refuses writes within the lease, the others fail over, no write acknowledged after the fence is lost', async () => {
    await isolationScenario(true);
  }, 180_000);

  it('with fencing off: the others fail over and the old master keeps acknowledging writes that are lost', async () => {
    await isolationScenario(false);
  }, 180_000);
});
