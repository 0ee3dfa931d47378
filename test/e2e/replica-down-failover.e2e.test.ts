// End to end, ported from Redis's tests/sentinel/tests/02-slaves-reconf.tcl ("Crash the master and
// force a failover" with a replica down, then "Check that slaves replicate from current master"
// after it returns): real redis-servers, wrangler dev and agents on loopback.
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStackOptions } from '../../infra/local/options.js';
import { existingKeys, nodeRole } from '../../infra/local/redis-query.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { waitFor } from '../../infra/local/wait.js';
import { portOf } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7871-7873, wrangler 8885, Sentinel 26921.., metrics 26931...
const REDIS_PORT = 7871;
/** Generous bounds: a failover takes about 1.3 s, a replica's repoint about one INFO interval. */
const FAILOVER_WITHIN_MS = 30_000;
const FOLLOW_WITHIN_MS = 30_000;

describe('a failover with a replica down, and the replica coming back (Redis 02-slaves-reconf)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: REDIS_PORT,
      sentinelPort: 26921,
      metricsPort: 26931,
      coordinatorPort: 8885,
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  /** Until the node at `address` replicates `master` with its link up. */
  const follows = (address: string, master: string) =>
    waitFor(`${address} to replicate ${master} with its link up`, FOLLOW_WITHIN_MS, async () => {
      const role = await nodeRole(portOf(address)).catch(() => null);
      return role?.role === 'replica' && role.masterAddr === master && role.linkUp ? role : undefined;
    });

  it('promotes the only live replica, then the returning replica and the old master both follow it, data included', async () => {
    const [oldMaster, survivor, returning] = stack.nodes;
    if (oldMaster === undefined || survivor === undefined || returning === undefined)
      throw new Error('3 nodes');
    const before = await stack.publishedMaster();

    await stack.killRedis(2);
    await stack.killRedis(0);
    const published = await stack.waitForMaster(survivor.address, FAILOVER_WITHIN_MS);
    expect(published.epoch).toBeGreaterThan(before.epoch);

    // The replica comes back still configured for the old master, as after a crash: its agent
    // repoints it at the committed master.
    await stack.restartRedisEmpty(2, oldMaster.address);
    await follows(returning.address, survivor.address);
    // The old master comes back empty, without --replicaof: demoted, never published again.
    await stack.restartRedisEmpty(0);
    await follows(oldMaster.address, survivor.address);
    expect((await nodeRole(portOf(survivor.address))).role).toBe('master');
    expect(`${(await stack.publishedMaster()).host}:${(await stack.publishedMaster()).port}`).toBe(
      survivor.address,
    );
    expect(await stack.agentMasters()).toEqual([survivor.address, survivor.address, survivor.address]);

    // A write on the new master (once its agent has unfenced it) reaches both replicas.
    const client = new Redis({
      port: portOf(survivor.address),
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    try {
      await client.connect();
      await waitFor('a write accepted by the new master', FAILOVER_WITHIN_MS, async () =>
        (await client.set('replica-down-failover', 'written after the failover').catch(() => null)) === 'OK'
          ? true
          : undefined,
      );
    } finally {
      client.disconnect();
    }
    for (const node of [oldMaster, returning]) {
      await waitFor(`${node.address} to hold the write`, FOLLOW_WITHIN_MS, async () =>
        (await existingKeys(portOf(node.address), ['replica-down-failover'])).size === 1 ? true : undefined,
      );
    }
  }, 120_000);
});
