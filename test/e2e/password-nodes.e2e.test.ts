// End to end with nodes that require a password (requirepass, masterauth): the agents probe,
// promote, repoint and fence them with the password from their file, a SIGKILL failover completes,
// the other replica follows, and the old master restarted empty rejoins. Ported from the
// authenticated parts of Redis's tests/sentinel (03-runtime-reconf's auth-pass, 09-acl-support's
// nodes with credentials); real redis-servers, wrangler dev and agents on loopback.
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStackOptions } from '../../infra/local/options.js';
import { existingKeys, nodeRole } from '../../infra/local/redis-query.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { waitFor } from '../../infra/local/wait.js';
import { portOf } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7851-7853, wrangler 8883, Sentinel 26961.., metrics 26971...
const REDIS_PORT = 7851;
const PASSWORD = 'e2e-node-password-0123456789';
/** Generous: a failover takes about 1.3 s. */
const WITHIN_MS = 30_000;

describe('nodes that require a password', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: REDIS_PORT,
      sentinelPort: 26961,
      metricsPort: 26971,
      coordinatorPort: 8883,
      redisPassword: PASSWORD,
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  const follows = (address: string, master: string) =>
    waitFor(`${address} to replicate ${master} with its link up`, WITHIN_MS, async () => {
      const role = await nodeRole(portOf(address), PASSWORD).catch(() => null);
      return role?.role === 'replica' && role.masterAddr === master && role.linkUp ? true : undefined;
    });

  it('refuses clients without it, and fails over, repoints, unfences and rejoins with it', async () => {
    const [old, ...replicas] = stack.nodes;
    if (old === undefined) throw new Error('no node 0');
    // The nodes really require it: without the password a client is refused.
    await expect(nodeRole(old.port)).rejects.toThrow(/NOAUTH|Authentication required/);

    await stack.killRedis(0);
    const published = await waitFor('a new master published', WITHIN_MS, async () => {
      const now = await stack.publishedMaster().catch(() => null);
      return now !== null && now.epoch > 0 ? now : undefined;
    });
    const newMaster = `${published.host}:${published.port}`;
    expect(replicas.map((n) => n.address)).toContain(newMaster);
    await stack.waitForMaster(newMaster, WITHIN_MS);
    expect((await nodeRole(published.port, PASSWORD)).role).toBe('master');
    for (const node of replicas.filter((n) => n.address !== newMaster))
      await follows(node.address, newMaster);

    // Its agent unfences the new master with the password: a client with it can write.
    const client = new Redis({
      port: published.port,
      host: '127.0.0.1',
      password: PASSWORD,
      maxRetriesPerRequest: 0,
    });
    client.on('error', () => undefined);
    try {
      await waitFor('a write accepted by the new master', WITHIN_MS, async () =>
        (await client.set('password-nodes', 'after the failover').catch(() => null)) === 'OK'
          ? true
          : undefined,
      );
    } finally {
      client.disconnect();
    }

    await stack.restartRedisEmpty(0);
    await follows(old.address, newMaster);
    await waitFor('the rejoined node to hold the write', WITHIN_MS, async () =>
      (await existingKeys(old.port, ['password-nodes'], PASSWORD)).size === 1 ? true : undefined,
    );
  }, 120_000);
});
