// SENTINEL DEBUG info-period / ping-period on real agents (Redis's 14-debug-command): the rate at which
// the agent sends INFO and PING to a real redis-server follows, on that agent only, until it restarts.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialConfig } from '../../../workers/protocol/index.js';
import { startRedis } from '../../support/redis-server.js';
import { takeRunLock } from '../sentinel/support/run-lock.js';
import { FakeVoters } from './fake-voters.js';
import { capturingLogger, cleanupStack, node, sleep } from './harness.js';
import { sentinelAgent } from './sentinel-port-agent.js';

const cleanups = cleanupStack();

/** This file's fixed ports: redis 7461-7464, the agents' Sentinel ports 8991-8992. */
const REDIS = [7461, 7462, 7463, 7464] as const;
const SENTINEL = [8991, 8992] as const;
/** How long each rate is counted over. */
const WINDOW_MS = 2000;

let releaseLock: (() => void) | null = null;
beforeAll(async () => {
  releaseLock = await takeRunLock('debug-timing-test', 120_000);
}, 130_000);
afterAll(() => releaseLock?.());

/** One agent for one group of two nodes (its own master, a replica), with its Sentinel port. */
async function agentFor(group: string, master: number, replica: number, sentinelPort: number) {
  const voters = await FakeVoters.start(group);
  cleanups.push(() => voters.close());
  voters.push(initialConfig(node(master)));
  const { logger, lines } = capturingLogger('info');
  const agent = await sentinelAgent(
    voters,
    { agentId: `agent-${group}`, localPort: master, otherPorts: [replica], sentinelPort, logger },
    cleanups,
  );
  return { agent, lines };
}

function client(port: number): Redis {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  cleanups.push(() => redis.disconnect());
  return redis;
}

/** INFO and PING commands a node ran (INFO commandstats), less the INFO asking for them. */
async function commandCounts(redis: Redis): Promise<{ info: number; ping: number }> {
  const text = await redis.info('commandstats');
  const calls = (name: string) =>
    Number(new RegExp(`^cmdstat_${name}:calls=(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { info: calls('info'), ping: calls('ping') };
}

/** INFO and PING sent to each node over WINDOW_MS (this file's own INFO commandstats not counted). */
async function ratesOver(nodes: readonly Redis[]): Promise<{ info: number; ping: number }[]> {
  const before = await Promise.all(nodes.map(commandCounts));
  await sleep(WINDOW_MS);
  const after = await Promise.all(nodes.map(commandCounts));
  return after.map((a, i) => ({
    info: a.info - (before[i]?.info ?? 0) - 1,
    ping: a.ping - (before[i]?.ping ?? 0),
  }));
}

async function debugMap(sentinel: Redis): Promise<Record<string, string>> {
  const reply = (await sentinel.call('SENTINEL', 'DEBUG')) as string[];
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
  return fields;
}

describe('SENTINEL DEBUG changes this agent timing at run time', () => {
  it('info-period and ping-period set the rate of INFO and PING on the nodes, on that agent only', async () => {
    const [m1, r1, m2, r2] = REDIS;
    for (const [port, replicaOf] of [
      [m1, undefined],
      [r1, m1],
      [m2, undefined],
      [r2, m2],
    ] as const) {
      const server = await startRedis({
        port,
        ...(replicaOf === undefined ? {} : { replicaOf: `127.0.0.1 ${replicaOf}` }),
      });
      cleanups.push(() => server.stop());
    }
    const a = await agentFor('group-a', m1, r1, SENTINEL[0]);
    await agentFor('group-b', m2, r2, SENTINEL[1]);
    const sentinelA = client(SENTINEL[0]);
    const sentinelB = client(SENTINEL[1]);
    // Counted on the replicas: each is probed by one agent only, and its own fence asks it nothing.
    const replicas = [client(r1), client(r2)];
    await sleep(1000);

    // The file's periods (the test harness): INFO every 500 ms, PING every 100 ms.
    expect(await debugMap(sentinelA)).toMatchObject({ 'INFO-PERIOD': '500', 'PING-PERIOD': '100' });
    const [fileA, fileB] = await ratesOver(replicas);
    console.log(
      `file's periods, over ${WINDOW_MS} ms: agent A sent ${JSON.stringify(fileA)}, agent B ${JSON.stringify(fileB)}`,
    );
    expect(fileA?.info).toBeGreaterThanOrEqual(3);
    expect(fileA?.info).toBeLessThanOrEqual(5);
    expect(fileA?.ping).toBeGreaterThanOrEqual(17);

    // Redis's 14-debug-command, with edge-sentinel's bounds: the listing shows the new values.
    // Pipelined with the set, the listing already shows the new values.
    const [set, listed] =
      (await sentinelA
        .pipeline()
        .call('SENTINEL', 'DEBUG', 'info-period', '100', 'ping-period', '400')
        .call('SENTINEL', 'DEBUG')
        .exec()) ?? [];
    expect(set).toEqual([null, 'OK']);
    expect(listed?.[1]).toEqual(expect.arrayContaining(['INFO-PERIOD', '100', 'PING-PERIOD', '400']));
    expect(await debugMap(sentinelA)).toMatchObject({ 'INFO-PERIOD': '100', 'PING-PERIOD': '400' });
    expect(await debugMap(sentinelB)).toMatchObject({ 'INFO-PERIOD': '500', 'PING-PERIOD': '100' });
    await sleep(200);
    const [setA, setB] = await ratesOver(replicas);
    console.log(
      `after SENTINEL DEBUG info-period 100 ping-period 400 on agent A: A sent ${JSON.stringify(setA)}, B ${JSON.stringify(setB)}`,
    );
    // INFO five times as often, PING a quarter as often; agent B as before.
    expect(setA?.info).toBeGreaterThanOrEqual(17);
    expect(setA?.info).toBeLessThanOrEqual(22);
    expect(setA?.ping).toBeGreaterThanOrEqual(4);
    expect(setA?.ping).toBeLessThanOrEqual(6);
    expect(setB?.info).toBeLessThanOrEqual(5);
    expect(setB?.ping).toBeGreaterThanOrEqual(17);
    expect(
      a.lines.some((l) => l.includes('SENTINEL DEBUG applied to every group (until the agent restarts)')),
    ).toBe(true);

    // Refused values change nothing, with Sentinel's text or why.
    await expect(sentinelA.call('SENTINEL', 'DEBUG', 'ping-period', '5')).rejects.toThrow(
      "ERR Invalid argument '5' for SENTINEL DEBUG 'ping-period': edge-sentinel accepts 10 to 10000",
    );
    await expect(sentinelA.call('SENTINEL', 'DEBUG', 'info-period', '0')).rejects.toThrow(
      "ERR Invalid argument '0' for SENTINEL DEBUG 'info-period'",
    );
    expect(await debugMap(sentinelA)).toMatchObject({ 'INFO-PERIOD': '100', 'PING-PERIOD': '400' });

    // Back to the file's values, as Redis's test does.
    expect(await sentinelA.call('SENTINEL', 'DEBUG', 'info-period', '500', 'ping-period', '100')).toBe('OK');
    await sleep(200);
    const [backA] = await ratesOver(replicas);
    console.log(`back to the file's periods: A sent ${JSON.stringify(backA)}`);
    expect(backA?.info).toBeLessThanOrEqual(5);
    expect(backA?.ping).toBeGreaterThanOrEqual(17);
  }, 60_000);
});
