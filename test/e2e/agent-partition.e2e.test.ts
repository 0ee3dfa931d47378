// End to end: one agent cut from the master (its probes blackholed by a fault proxy): SDOWN in its view only, no failover.

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEvents, getStatus } from '../../infra/local/coordinator-client.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { nodeRole, sentinelMaster } from '../../infra/local/redis-query.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { sleep, waitFor } from '../../infra/local/wait.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7611-7613, the proxy 7614, wrangler 8861, Sentinel 26611.., metrics 26621...
const REDIS_PORT = 7611;
const PROXY_PORT = 7614;
const MASTER = `127.0.0.1:${REDIS_PORT}`;
const DOWN_AFTER_MS = 1000;
/** How long the partition is watched for a failover that must not come: well over down-after. */
const WATCH_MS = 5 * DOWN_AFTER_MS;

describe('one agent partitioned from the master (3 nodes, quorum 2, 3 voters)', () => {
  let stack: LocalStack;
  let proxy: FaultProxy;

  beforeAll(async () => {
    // Agent b (node 1) reaches the master only through the proxy; everyone else, replication
    // included, reaches it directly. The master's name stays 127.0.0.1:7611 for all.
    proxy = await startFaultProxy({ host: '127.0.0.1', port: REDIS_PORT }, PROXY_PORT);
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: REDIS_PORT,
      sentinelPort: 26611,
      metricsPort: 26621,
      coordinatorPort: 8861,
      downAfterMs: DOWN_AFTER_MS,
      quorum: 2,
      agentRoutes: { 1: { [MASTER]: `127.0.0.1:${PROXY_PORT}` } },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await proxy?.close();
  }, 60_000);

  /** Which agents see the master SDOWN, by their own SENTINEL master flags. */
  const sdownBySentinel = async () => {
    const flags = await Promise.all(
      stack.nodes.map(async (n) => (await sentinelMaster(n.sentinelPort, stack.options.group)).flags ?? ''),
    );
    return stack.nodes.filter((_, i) => flags[i]?.split(',').includes('s_down')).map((n) => n.agentId);
  };

  /** Which agents the voters' status shows seeing the master SDOWN. */
  const sdownByVoters = async () => {
    const status = await getStatus(stack.coordinatorUrl, stack.options.group);
    return status.agents
      .filter((a) => a.views.some((v) => v.node === MASTER && v.sdown))
      .map((a) => a.agentId)
      .sort();
  };

  it('shows SDOWN in that agent only, and keeps the master and the epoch', async () => {
    const cut = stack.nodes[1];
    if (cut === undefined) throw new Error('no node 1');
    const before = await stack.publishedMaster();
    expect(before).toMatchObject({ host: '127.0.0.1', port: REDIS_PORT, epoch: 0 });
    // The hook is in place: agent b's connection to the master goes through the proxy.
    expect(proxy.connections()).toBeGreaterThanOrEqual(1);
    expect(await sdownBySentinel()).toEqual([]);

    const cutAtMs = performance.now();
    proxy.blackhole();
    await waitFor(`${cut.agentId} to flag the master s_down`, 10 * DOWN_AFTER_MS, async () =>
      (await sdownBySentinel()).includes(cut.agentId) ? true : undefined,
    );
    console.log(
      `partition: ${cut.agentId} sees ${MASTER} s_down ${Math.round(performance.now() - cutAtMs)} ms after the cut`,
    );
    await waitFor('the voters to show the SDOWN', 10_000, async () =>
      (await sdownByVoters()).length > 0 ? true : undefined,
    );

    // Watch every read path while the partition lasts: nothing moves, and only agent b sees SDOWN.
    const watchUntil = performance.now() + WATCH_MS;
    let polls = 0;
    while (performance.now() < watchUntil) {
      const published = await stack.publishedMaster();
      expect(published).toMatchObject({ host: '127.0.0.1', port: REDIS_PORT, epoch: 0 });
      expect(await stack.agentMasters()).toEqual([MASTER, MASTER, MASTER]);
      expect(await sdownBySentinel()).toEqual([cut.agentId]);
      expect(await sdownByVoters()).toEqual([cut.agentId]);
      polls++;
      await sleep(100);
    }
    console.log(
      `partition: held ${Math.round(performance.now() - cutAtMs)} ms (${polls} polls): master ${MASTER}, epoch 0`,
    );
    const status = await getStatus(stack.coordinatorUrl, stack.options.group);
    expect(status.failover.state).toBe('idle');
    // Every node kept its role: the master is still master, the replicas still follow it.
    expect((await nodeRole(REDIS_PORT)).role).toBe('master');
    for (const n of stack.nodes.slice(1)) {
      expect(await nodeRole(n.port)).toMatchObject({ role: 'replica', masterAddr: MASTER, linkUp: true });
    }
    const names = new Set<string>(
      (await getEvents(stack.coordinatorUrl, stack.options.group)).map((e) => e.name),
    );
    for (const name of ['+odown', '+new-epoch', '+try-failover', '+switch-master']) {
      expect(names.has(name), `event ${name}`).toBe(false);
    }
  }, 90_000);

  it('clears the SDOWN once the link is restored, still without a failover', async () => {
    proxy.restore();
    await waitFor('no agent to flag the master s_down', 10_000, async () =>
      (await sdownBySentinel()).length === 0 ? true : undefined,
    );
    await waitFor('the voters to show no SDOWN', 10_000, async () =>
      (await sdownByVoters()).length === 0 ? true : undefined,
    );
    expect(await stack.waitForMaster(MASTER, 5000)).toMatchObject({ epoch: 0 });
  }, 60_000);
});
