// End to end with every node and agent named by a DNS name ("localhost") instead of an address,
// ported from Redis's tests/sentinel/tests/08-hostname-conf.tcl (announce-hostnames yes): what
// clients are told (HTTP master, SENTINEL get-master-addr-by-name / REPLICAS, +switch-master)
// keeps the names through a SIGKILL failover, and a Sentinel client follows it by name.
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStackOptions } from '../../infra/local/options.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { waitFor } from '../../infra/local/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7891-7893, wrangler 8887, Sentinel 26941.., metrics 26951...
const REDIS_PORT = 7891;
const HOST = 'localhost';
/** Generous: a failover takes about 1.3 s. */
const FAILOVER_WITHIN_MS = 30_000;

describe('nodes and agents named by host name (Redis 08-hostname-conf)', () => {
  let stack: LocalStack;
  const clients: Redis[] = [];

  beforeAll(async () => {
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: REDIS_PORT,
      sentinelPort: 26941,
      metricsPort: 26951,
      coordinatorPort: 8887,
      nodeHost: HOST,
    });
  }, 120_000);

  afterAll(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await stack?.stop();
  }, 60_000);

  /** A plain connection to an agent's Sentinel port, by name. */
  function sentinel(index: number): Redis {
    const port = stack.sentinels[index]?.port ?? 0;
    const c = new Redis({ host: HOST, port, protocol: 2, maxRetriesPerRequest: 0 });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  }

  it('answers every lookup with the names, before and after a failover, and a Sentinel client follows by name', async () => {
    const group = stack.options.group;
    const oldMaster = `${HOST}:${REDIS_PORT}`;
    expect(stack.nodes.map((n) => n.address)).toEqual([
      oldMaster,
      `${HOST}:${REDIS_PORT + 1}`,
      `${HOST}:${REDIS_PORT + 2}`,
    ]);
    expect(await stack.publishedMaster()).toMatchObject({ host: HOST, port: REDIS_PORT });
    const lookup = sentinel(0);
    expect(await lookup.call('SENTINEL', 'get-master-addr-by-name', group)).toEqual([
      HOST,
      String(REDIS_PORT),
    ]);
    const field = (entry: string[], name: string) => entry[entry.indexOf(name) + 1];
    // The agent fills a replica's master-host from that replica's INFO, read once a second.
    const replicas = await waitFor("REPLICAS with each replica's master read", 15_000, async () => {
      const reply = (await lookup.call('SENTINEL', 'REPLICAS', group)) as string[][];
      return reply.length === 2 && reply.every((r) => field(r, 'master-host') !== '?') ? reply : undefined;
    });
    expect(replicas.map((r) => field(r, 'name')).sort()).toEqual([
      `${HOST}:${REDIS_PORT + 1}`,
      `${HOST}:${REDIS_PORT + 2}`,
    ]);
    expect(replicas.map((r) => field(r, 'ip'))).toEqual([HOST, HOST]);
    expect(replicas.map((r) => field(r, 'master-host'))).toEqual([HOST, HOST]);

    const subscriber = sentinel(1);
    const switches: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => switches.push(message));
    await subscriber.subscribe('+switch-master');

    // A Sentinel client given only names, as an application would be configured.
    const app = new Redis({
      sentinels: stack.sentinels.map((s) => ({ host: HOST, port: s.port })),
      name: group,
      maxRetriesPerRequest: 1,
      sentinelRetryStrategy: () => 100,
      retryStrategy: () => 100,
    });
    app.on('error', () => undefined);
    clients.push(app);
    await waitFor('a write through the Sentinel client', 20_000, async () =>
      (await app.set('hostnames-before', '1').catch(() => null)) === 'OK' ? true : undefined,
    );
    // Replication is asynchronous: the write survives the SIGKILL only once both replicas have it.
    expect(await app.call('WAIT', '2', '10000')).toBe(2);

    await stack.killRedis(0);
    const published = await waitFor('a new master published', FAILOVER_WITHIN_MS, async () => {
      const now = await stack.publishedMaster().catch(() => null);
      return now !== null && now.epoch > 0 ? now : undefined;
    });
    expect(published.host).toBe(HOST);
    const newMaster = `${published.host}:${published.port}`;
    await stack.waitForMaster(newMaster, FAILOVER_WITHIN_MS);
    expect(await lookup.call('SENTINEL', 'get-master-addr-by-name', group)).toEqual([
      HOST,
      String(published.port),
    ]);
    await waitFor('+switch-master with the names', 10_000, async () =>
      switches.includes(`${group} ${HOST} ${REDIS_PORT} ${HOST} ${published.port}`) ? true : undefined,
    );
    await waitFor('a write through the Sentinel client after the failover', FAILOVER_WITHIN_MS, async () =>
      (await app.set('hostnames-after', '1').catch(() => null)) === 'OK' ? true : undefined,
    );
    expect(await app.get('hostnames-before')).toBe('1');
  }, 120_000);
});
