// End to end: only the master's agent cut from the voters (a blackholed proxy on its coordinator
// link). The other agents see the master fine, so nothing fails over, and the failsafe keeps the
// master writable on its peers' grants; restored, the agent reconnects and nothing moves.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FENCE_MIN_REPLICAS } from '../../agent/runtime/fence.js';
import { getEvents, getStatus } from '../../infra/local/coordinator-client.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { configGet, existingKeys, nodeRole } from '../../infra/local/redis-query.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { sleep, waitFor } from '../../infra/local/wait.js';
import { startWriteLoad, type WriteLoad } from '../../infra/local/write-load.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import {
  ackedBetween,
  agentLogEvents,
  agentMetric,
  failuresBetween,
  longestPauseBetween,
  waitForAgentsConnected,
} from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7761-7763, wrangler 8841 and its proxy 8843, Sentinel 26761..,
// metrics 26771...
const REDIS_PORT = 7761;
const MASTER = `127.0.0.1:${REDIS_PORT}`;
const COORDINATOR_PORT = 8841;
const COORDINATOR_PROXY_PORT = 8843;
const DOWN_AFTER_MS = 1000;
/** The group's lease: leaseMs defaults to downAfterMs (workers/config/groups.ts). */
const LEASE_MS = DOWN_AFTER_MS;
/** Writes in flight at the cut are not judged (the brief's first second). */
const SETTLE_MS = 1000;
const CUT_MS = 20_000;
/** Watched after the agent reconnects for anything that moves. */
const AFTER_RESTORE_WATCH_MS = 5_000;
const SPURIOUS = ['+odown', '+new-epoch', '+try-failover', '+elected-leader', '+switch-master'];

const masterFenced = async () =>
  Number(await configGet(REDIS_PORT, 'min-replicas-to-write')) >= FENCE_MIN_REPLICAS;

describe("the master's agent alone cut from the voters (3 nodes, 3 agents, 3 voters)", () => {
  it('20 s cut: no fence, no failover; restored, the agent reconnects and the master, epoch and roles stay', async () => {
    let proxy: FaultProxy | undefined;
    let stack: LocalStack | undefined;
    let writer: WriteLoad | undefined;
    try {
      proxy = await startFaultProxy({ host: '127.0.0.1', port: COORDINATOR_PORT }, COORDINATOR_PROXY_PORT);
      const cut = proxy;
      stack = await startStack({
        ...defaultStackOptions(root),
        redisPort: REDIS_PORT,
        sentinelPort: 26761,
        metricsPort: 26771,
        coordinatorPort: COORDINATOR_PORT,
        downAfterMs: DOWN_AFTER_MS,
        agentRoutes: { 0: { [`127.0.0.1:${COORDINATOR_PORT}`]: `127.0.0.1:${COORDINATOR_PROXY_PORT}` } },
      });
      const s = stack;
      const metricsA = s.nodes[0]?.metricsPort ?? 0;
      // The hook is in place: agent a holds its voter links through the proxy.
      await waitForAgentsConnected(s);
      expect(cut.connections()).toBeGreaterThanOrEqual(s.options.voters);
      const before = await s.publishedMaster();
      expect(before).toMatchObject({ host: '127.0.0.1', port: REDIS_PORT, epoch: 0 });
      const eventsBefore = await getEvents(s.coordinatorUrl, s.options.group);
      const load = startWriteLoad({ sentinels: s.sentinels, group: s.options.group, prefix: 'vc' });
      writer = load;
      await waitFor('200 acknowledged writes', 20_000, async () =>
        load.ackedCount() >= 200 ? true : undefined,
      );

      const cutAtMs = performance.now();
      const cutAtWallMs = Date.now();
      cut.blackhole();
      // Through the cut: the same master everywhere, not fenced, kept writable by the failsafe.
      await sleep(2 * LEASE_MS);
      let samples = 0;
      let failsafeSamples = 0;
      const cutEndMs = cutAtMs + CUT_MS;
      while (performance.now() < cutEndMs) {
        expect(await s.publishedMaster()).toEqual(before);
        expect(await s.agentMasters()).toEqual([MASTER, MASTER, MASTER]);
        expect(await masterFenced()).toBe(false);
        if ((await agentMetric(metricsA, 'edge_sentinel_failsafe_active')) === 1) failsafeSamples++;
        samples++;
        await sleep(Math.min(500, Math.max(0, cutEndMs - performance.now())));
      }
      const refused = failuresBetween(load, cutAtMs + SETTLE_MS, cutEndMs, 'NOREPLICAS');
      const failed = failuresBetween(load, cutAtMs, cutEndMs);
      const fenced = agentLogEvents(s, 0).filter((e) => e.event === '+fenced' && e.atWallMs >= cutAtWallMs);
      const status = await getStatus(s.coordinatorUrl, s.options.group);
      console.log(
        `agent-voter cut: ${CUT_MS / 1000} s: ${ackedBetween(load.acked, cutAtMs, cutEndMs).length} writes acknowledged, ` +
          `${refused.length} refused with NOREPLICAS after the first ${SETTLE_MS} ms, ${failed.length} failed in all; ` +
          `longest pause ${Math.round(longestPauseBetween(load.acked, cutAtMs, cutEndMs))} ms; ` +
          `failsafe active in ${failsafeSamples}/${samples} samples; +fenced logged ${fenced.length} times; ` +
          `voters see agent-a linked to [${status.agents.find((a) => a.agentId === 'agent-a')?.connectedTo.join(',') ?? ''}]`,
      );
      expect(refused).toEqual([]);
      expect(fenced).toEqual([]);
      // The cut took: no majority of voters renewed the lease, the peers' grants carried the master.
      expect(failsafeSamples).toBe(samples);

      const restoredAtMs = performance.now();
      cut.restore();
      // Reconnected means renewed: the failsafe goes idle once a majority of voters answers again.
      await waitFor('agent a back on the voters lease', 30_000, async () =>
        (await agentMetric(metricsA, 'edge_sentinel_failsafe_active')) === 0 ? true : undefined,
      );
      await waitForAgentsConnected(s);
      const reconnectMs = performance.now() - restoredAtMs;
      const watchUntil = performance.now() + AFTER_RESTORE_WATCH_MS;
      while (performance.now() < watchUntil) {
        expect(await s.publishedMaster()).toEqual(before);
        expect(await s.agentMasters()).toEqual([MASTER, MASTER, MASTER]);
        expect(await masterFenced()).toBe(false);
        await sleep(250);
      }
      expect((await getStatus(s.coordinatorUrl, s.options.group)).failover.state).toBe('idle');
      expect((await nodeRole(REDIS_PORT)).role).toBe('master');
      for (const n of s.nodes.slice(1)) {
        expect(await nodeRole(n.port)).toMatchObject({ role: 'replica', masterAddr: MASTER, linkUp: true });
      }
      const eventsAfter = await getEvents(s.coordinatorUrl, s.options.group);
      const ids = new Set(eventsAfter.map((e) => e.id));
      expect(eventsBefore.filter((e) => !ids.has(e.id))).toEqual([]);
      expect(eventsAfter.filter((e) => SPURIOUS.includes(e.name)).map((e) => e.name)).toEqual([]);

      const endMs = performance.now();
      const refusedAfter = failuresBetween(load, cutEndMs, endMs);
      const report = await load.stop();
      writer = undefined;
      const onMaster = await existingKeys(
        REDIS_PORT,
        report.acked.map((w) => w.key),
      );
      const lost = report.acked.filter((w) => !onMaster.has(w.key));
      console.log(
        `agent-voter cut: restored, agent a back on the voters lease in ${Math.round(reconnectMs)} ms; ` +
          `master ${MASTER} epoch ${before.epoch} unchanged; ${refusedAfter.length} writes failed after the cut; ` +
          `in all ${report.acked.length} acknowledged, ${report.failed} failed, ${lost.length} lost` +
          (report.errorSamples.length > 0 ? `; client errors: ${report.errorSamples.join(' | ')}` : ''),
      );
      expect(refusedAfter).toEqual([]);
      expect(lost.map((w) => w.key)).toEqual([]);
    } finally {
      await writer?.stop().catch(() => undefined);
      await stack?.stop();
      await proxy?.close();
    }
  }, 150_000);
});
