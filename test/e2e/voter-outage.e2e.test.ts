// End to end: voters taken down by outage drills. One of three down: a killed master still fails
// over. Two of three down: no failover, nothing is promoted; healed, the failover completes.

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMaster, postAdmin } from '../../infra/local/coordinator-client.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { existingKeys, nodeRole } from '../../infra/local/redis-query.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { sleep, waitFor } from '../../infra/local/wait.js';
import { startWriteLoad, type WriteLoad } from '../../infra/local/write-load.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7701-7703, wrangler 8811, Sentinel 26701.., metrics 26711...
const REDIS_PORT = 7701;
const DOWN_AFTER_MS = 1000;
/** Generous on purpose: the tight goal lives in the benchmark. */
const FAILOVER_BOUND_MS = 30_000;
/** How long two voters down are watched for a failover that must not come. */
const WATCH_MS = 8 * DOWN_AFTER_MS;

const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

describe('voter outages (3 nodes, 3 agents, 3 voters)', () => {
  let stack: LocalStack;
  let load: WriteLoad | null = null;
  let master = `127.0.0.1:${REDIS_PORT}`;

  beforeAll(async () => {
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: REDIS_PORT,
      sentinelPort: 26701,
      metricsPort: 26711,
      coordinatorPort: 8811,
      downAfterMs: DOWN_AFTER_MS,
      outageDrills: true,
    });
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    await stack?.stop();
  }, 60_000);

  const setDown = async (voter: number, down: boolean) => {
    const answer = await postAdmin(
      stack.coordinatorUrl,
      stack.options.group,
      `voters/${voter}/outage`,
      stack.adminToken,
      { down },
    );
    expect(answer).toEqual({ status: 200, body: { group: stack.options.group, voter, down } });
  };

  const nodeAt = (address: string) => {
    const node = stack.nodes.find((n) => n.address === address);
    if (node === undefined) throw new Error(`no node ${address}`);
    return node;
  };

  it('one voter down: a killed master fails over, writes resume, and the healed voter serves the new master', async () => {
    const writer = startWriteLoad({ sentinels: stack.sentinels, group: stack.options.group, prefix: 'vo' });
    load = writer;
    await waitFor('200 acknowledged writes', 20_000, async () =>
      writer.ackedCount() >= 200 ? true : undefined,
    );
    await setDown(0, true);

    const killAtMs = performance.now();
    await stack.killRedis(nodeAt(master).index);
    const next = await waitFor('a new master on the HTTP endpoint', FAILOVER_BOUND_MS, async () => {
      const m = await stack.publishedMaster().catch(() => null);
      return m === null || m.port === portOf(master) ? undefined : `${m.host}:${m.port}`;
    });
    await stack.waitForMaster(next, FAILOVER_BOUND_MS);
    console.log(
      `voter outage: ${master} -> ${next} published everywhere ${Math.round(performance.now() - killAtMs)} ms after the kill, voter 0 down`,
    );
    expect((await nodeRole(portOf(next))).role).toBe('master');
    const resumed = await waitFor('a write acknowledged after the kill', 15_000, async () =>
      writer.firstAckSentAfter(killAtMs),
    );
    expect(await existingKeys(portOf(next), [resumed.key])).toContain(resumed.key);
    const report = await writer.stop();
    load = null;
    console.log(`voter outage: writes ${report.acked.length} acknowledged, ${report.failed} failed`);

    // Healed, voter 0 is part of every majority again: read with voter 1 down instead.
    await setDown(0, false);
    await setDown(1, true);
    expect(await getMaster(stack.coordinatorUrl, stack.options.group)).toMatchObject({
      host: '127.0.0.1',
      port: portOf(next),
    });
    await setDown(1, false);
    const old = master;
    master = next;

    // The old master comes back (empty) and rejoins as a replica, ready for the next test.
    await stack.restartRedisEmpty(nodeAt(old).index);
    await waitFor(`${old} to replicate ${master}`, 20_000, async () => {
      const role = await nodeRole(nodeAt(old).port);
      return role.role === 'replica' && role.masterAddr === master && role.linkUp ? true : undefined;
    });
  }, 120_000);

  it('two voters down: no failover and nothing promoted (safety over liveness); healed, it fails over', async () => {
    const before = await stack.publishedMaster();
    expect(`${before.host}:${before.port}`).toBe(master);
    await setDown(0, true);
    await setDown(1, true);
    const killed = nodeAt(master);
    await stack.killRedis(killed.index);
    const replicas = stack.nodes.filter((n) => n !== killed);

    const watchUntil = performance.now() + WATCH_MS;
    let polls = 0;
    while (performance.now() < watchUntil) {
      // Without a majority there is nothing to read over HTTP, and every agent keeps the old master.
      await expect(getMaster(stack.coordinatorUrl, stack.options.group)).rejects.toThrow(/503/);
      expect(await stack.agentMasters()).toEqual([master, master, master]);
      for (const n of replicas) expect((await nodeRole(n.port)).role).toBe('replica');
      polls += 1;
      await sleep(250);
    }
    console.log(`voter outage: two voters down, no failover in ${WATCH_MS} ms (${polls} polls)`);

    const healAtMs = performance.now();
    await setDown(0, false);
    await setDown(1, false);
    const next = await waitFor('a failover once the voters are back', FAILOVER_BOUND_MS, async () => {
      const m = await stack.publishedMaster().catch(() => null);
      return m === null || m.port === portOf(master) ? undefined : `${m.host}:${m.port}`;
    });
    const published = await stack.waitForMaster(next, FAILOVER_BOUND_MS);
    console.log(
      `voter outage: healed, ${master} -> ${next} published ${Math.round(performance.now() - healAtMs)} ms after the voters came back`,
    );
    expect(published.epoch).toBeGreaterThan(before.epoch);
    expect(replicas.map((n) => n.address)).toContain(next);
    expect((await nodeRole(portOf(next))).role).toBe('master');
  }, 120_000);
});
