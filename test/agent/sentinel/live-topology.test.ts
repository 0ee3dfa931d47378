// SENTINEL SENTINELS / CKQUORUM / REPLICAS / RESET from live knowledge: three real agents with their Sentinel servers, real redis-servers, fake voters.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentFile } from '../../../agent/config/load.js';
import { type RunningAgent, startAgent } from '../../../agent/runtime/agent.js';
import { sentinelId } from '../../../agent/runtime/peer-sentinels.js';
import { initialConfig } from '../../../workers/protocol/index.js';
import { startRedis } from '../../support/redis-server.js';
import { FakeVoters, tokenFor } from '../runtime/fake-voters.js';
import {
  cleanupStack,
  client,
  node,
  removeDir,
  tempStateDir,
  testConfig,
  waitFor,
} from '../runtime/harness.js';
import { takeRunLock } from './support/run-lock.js';

const cleanups = cleanupStack();

const GROUP = 'mymaster';
/**
 * Fixed ports of this file's ranges (redis-servers 7900-7949, clear of the benchmarks' proxies at
 * 79x0-79x3; agents' Sentinel servers 8901-8909). Other sessions may run this same file at the
 * same time, and a port an agent of one run frees would be taken by the other's, so the runs take
 * turns (a lock across processes).
 */
const REDIS = [7905, 7906, 7907] as const;
const SENTINEL = [8901, 8902, 8903] as const;

let releaseLock: (() => void) | null = null;
beforeAll(async () => {
  releaseLock = await takeRunLock('live-topology-test', 120_000);
}, 130_000);
afterAll(() => releaseLock?.());

const AGENTS = ['agent-live-a', 'agent-live-b', 'agent-live-c'] as const;
const endpoint = (port: number) => `127.0.0.1:${port}`;

/** A raw RESP2 client of an agent's Sentinel port: replies as ioredis gives them, errors as values. */
function sentinelClient(port: number): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    protocol: 2,
    maxRetriesPerRequest: 0,
    lazyConnect: false,
  });
  client.on('error', () => undefined);
  cleanups.push(() => client.disconnect());
  return client;
}

/** A subscriber of an agent's Sentinel port: the `channel payload` lines received, in order. */
function subscriber(port: number, ...channels: string[]): { messages: string[]; ready: boolean } {
  const sub = sentinelClient(port);
  const received = { messages: [] as string[], ready: false };
  sub.on('message', (channel: string, message: string) => received.messages.push(`${channel} ${message}`));
  void sub.subscribe(...channels).then(() => {
    received.ready = true;
  });
  return received;
}

async function ask(client: Redis, ...args: string[]): Promise<unknown> {
  try {
    return await client.call(args[0] ?? '', ...args.slice(1));
  } catch (error) {
    return `-${error instanceof Error ? error.message : String(error)}`;
  }
}

/** A flat field/value array as a record. */
function fields(flat: unknown): Record<string, string> {
  const list = flat as string[];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i] as string] = list[i + 1] as string;
  return out;
}

/** Agent i's file: its redis on REDIS[i], its Sentinel port SENTINEL[i], the others as peers; `agentId` AGENTS[i] unless given. */
async function agentFile(voters: FakeVoters, i: number, agentId = AGENTS[i] as string): Promise<AgentFile> {
  const local = REDIS[i] as number;
  const stateDir = tempStateDir();
  cleanups.push(() => removeDir(stateDir));
  const base = await testConfig({
    voters,
    localPort: local,
    otherPorts: REDIS.filter((p) => p !== local),
    stateDir,
  });
  const token = await tokenFor(agentId, GROUP);
  return {
    ...base,
    agentId,
    sentinel: { host: '127.0.0.1', port: SENTINEL[i] as number, enabled: true, adminWithoutPassword: true },
    metrics: { host: '127.0.0.1', port: 0, enabled: false },
    peers: SENTINEL.filter((p) => p !== SENTINEL[i]).map(endpoint),
    groups: base.groups.map((g) => ({ ...g, token })),
  };
}

async function runSentinelAgent(file: AgentFile): Promise<RunningAgent> {
  const agent = await startAgent(file, {
    logger: pino({ level: 'silent' }),
    defaultMetrics: false,
    onFatal: (error) => {
      throw error;
    },
  });
  cleanups.push(() => agent.stop());
  return agent;
}

/** Redis on REDIS (the first the master), each with its agent; `unannounced` runs with `replica-announced no`. */
async function threeAgents(unannounced: number | null = null) {
  const master = await startRedis({ port: REDIS[0] });
  cleanups.push(() => master.stop());
  for (const port of REDIS.slice(1)) {
    const extraArgs = port === unannounced ? ['--replica-announced', 'no'] : [];
    const replica = await startRedis({ port, replicaOf: `127.0.0.1 ${REDIS[0]}`, extraArgs });
    cleanups.push(() => replica.stop());
  }
  const voters = await FakeVoters.start(GROUP);
  cleanups.push(() => voters.close());
  voters.push(initialConfig(node(REDIS[0])));
  const agents: RunningAgent[] = [];
  for (let i = 0; i < 3; i++) agents.push(await runSentinelAgent(await agentFile(voters, i)));
  return { voters, agents };
}

const OK3 = 'OK 3 usable Sentinels. Quorum and failover authorization can be reached';
const NOQUORUM1 =
  '-NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master';

describe('live Sentinel peers (three real agents)', () => {
  it('CKQUORUM and SENTINELS follow the other agents going down and coming back', async () => {
    const { voters, agents } = await threeAgents();
    const a = sentinelClient(SENTINEL[0]);
    await waitFor(
      'three usable Sentinels',
      10_000,
      async () => (await ask(a, 'SENTINEL', 'CKQUORUM', GROUP)) === OK3,
    );

    // The peers are listed under their own ids (their SENTINEL MYID), alive.
    const live = ((await ask(a, 'SENTINEL', 'SENTINELS', GROUP)) as unknown[]).map(fields);
    expect(live.map((s) => [s.ip, s.port, s.name, s.flags])).toEqual([
      ['127.0.0.1', String(SENTINEL[1]), sentinelId(AGENTS[1]), 'sentinel'],
      ['127.0.0.1', String(SENTINEL[2]), sentinelId(AGENTS[2]), 'sentinel'],
    ]);
    for (const s of live) {
      expect(Number(s['last-ok-ping-reply'])).toBeLessThan(2000);
      expect(Number(s['last-hello-message'])).toBeLessThan(5000);
      expect(s).not.toHaveProperty('s-down-time');
    }
    expect(fields(await ask(a, 'SENTINEL', 'MASTER', GROUP))['num-other-sentinels']).toBe('2');

    const events = subscriber(SENTINEL[0], '+sdown', '-sdown');
    await waitFor('subscribed', 3000, () => events.ready);

    // Two of the three agents stop: within a few seconds only this one is usable.
    const stoppedAt = performance.now();
    await agents[1]?.stop();
    await agents[2]?.stop();
    await waitFor('NOQUORUM with one usable Sentinel', 10_000, async () => {
      const reply = await ask(a, 'SENTINEL', 'CKQUORUM', GROUP);
      return reply === NOQUORUM1 ? reply : undefined;
    });
    const elapsedMs = Math.round(performance.now() - stoppedAt);
    console.log(`CKQUORUM answered NOQUORUM ${elapsedMs} ms after two agents stopped`);

    const dead = ((await ask(a, 'SENTINEL', 'SENTINELS', GROUP)) as unknown[]).map(fields);
    expect(dead.map((s) => s.flags)).toEqual([
      's_down,sentinel,disconnected',
      's_down,sentinel,disconnected',
    ]);
    for (const s of dead) {
      // Down-after is the voters' 1000 ms: the last PONG is at least that old, and SDOWN says since when.
      expect(Number(s['last-ok-ping-reply'])).toBeGreaterThan(1000);
      // A closed link counts as a PING pending since it closed, as Sentinel's reconnect PING does.
      expect(Number(s['last-ping-sent'])).toBeGreaterThan(1000);
      expect(s).toHaveProperty('s-down-time');
    }
    // Sentinel's events about its peers, in its instance format, within a check (100 ms) of SDOWN.
    const payload = (i: number) =>
      `sentinel ${sentinelId(AGENTS[i] ?? '')} 127.0.0.1 ${SENTINEL[i]} @ ${GROUP} 127.0.0.1 ${REDIS[0]}`;
    await waitFor('+sdown of agents b and c', 3000, () => events.messages.length >= 2);
    expect([...events.messages].sort()).toEqual([`+sdown ${payload(1)}`, `+sdown ${payload(2)}`].sort());
    const info = String(await ask(a, 'INFO', 'sentinel'));
    expect(info).toContain(
      `master0:name=${GROUP},status=ok,address=127.0.0.1:${REDIS[0]},slaves=2,sentinels=3`,
    );

    // One agent comes back: two usable again, and it is no longer down.
    await runSentinelAgent(await agentFile(voters, 1));
    const OK2 = 'OK 2 usable Sentinels. Quorum and failover authorization can be reached';
    await waitFor(
      'two usable Sentinels',
      10_000,
      async () => (await ask(a, 'SENTINEL', 'CKQUORUM', GROUP)) === OK2,
    );
    const back = ((await ask(a, 'SENTINEL', 'SENTINELS', GROUP)) as unknown[]).map(fields);
    expect(back.map((s) => s.flags)).toEqual(['sentinel', 's_down,sentinel,disconnected']);

    await waitFor('-sdown of agent b', 3000, () => events.messages.length >= 3);
    expect(events.messages.slice(2)).toEqual([`-sdown ${payload(1)}`]);
  }, 60_000);

  it('RESET forgets the replicas and Sentinels and relearns the live ones, here only', async () => {
    const { agents } = await threeAgents();
    const a = sentinelClient(SENTINEL[0]);
    await waitFor(
      'three usable Sentinels',
      10_000,
      async () => (await ask(a, 'SENTINEL', 'CKQUORUM', GROUP)) === OK3,
    );
    await agents[2]?.stop();
    await waitFor('agent C down', 10_000, async () =>
      ((await ask(a, 'SENTINEL', 'SENTINELS', GROUP)) as unknown[])
        .map(fields)
        .some((s) => s.port === String(SENTINEL[2]) && (s.flags ?? '').startsWith('s_down')),
    );
    const subscribed = subscriber(SENTINEL[0], '+reset-master', '+sentinel');
    await waitFor('subscribed', 3000, () => subscribed.ready);
    const events = subscribed.messages;

    // RESET and the lists in one pipeline: answered before any probe reply can come in between.
    const [reset, replicas, sentinels] = (
      (await a
        .pipeline()
        .call('SENTINEL', 'RESET', 'my*')
        .call('SENTINEL', 'REPLICAS', GROUP)
        .call('SENTINEL', 'SENTINELS', GROUP)
        .exec()) ?? []
    ).map(([, value]) => value);
    expect([reset, replicas, sentinels]).toEqual([1, [], []]);
    expect(await ask(a, 'SENTINEL', 'RESET', 'nothing-matches')).toBe(0);
    await waitFor('+reset-master', 3000, () => events.length > 0);
    expect(events[0]).toBe(`+reset-master master ${GROUP} 127.0.0.1 ${REDIS[0]}`);

    // The live replicas and the live peer come back from the next probes and hellos; the dead peer does not.
    await waitFor(
      'replicas relearned',
      5000,
      async () => ((await ask(a, 'SENTINEL', 'REPLICAS', GROUP)) as unknown[]).length === 2,
    );
    await waitFor('live peer relearned', 5000, async () => {
      const listed = ((await ask(a, 'SENTINEL', 'SENTINELS', GROUP)) as unknown[]).map(fields);
      return (
        listed.length === 1 && listed[0]?.port === String(SENTINEL[1]) && listed[0]?.flags === 'sentinel'
      );
    });
    await new Promise((r) => setTimeout(r, 2500));
    const after = ((await ask(a, 'SENTINEL', 'SENTINELS', GROUP)) as unknown[]).map(fields);
    expect(after.map((s) => s.port)).toEqual([String(SENTINEL[1])]);
    // The relearned peer is announced as Sentinel announces a new one; the dead one is not.
    expect(events).toEqual([
      `+reset-master master ${GROUP} 127.0.0.1 ${REDIS[0]}`,
      `+sentinel sentinel ${sentinelId(AGENTS[1])} 127.0.0.1 ${SENTINEL[1]} @ ${GROUP} 127.0.0.1 ${REDIS[0]}`,
    ]);
    // The usable count is now out of two known Sentinels, as Sentinel counts after a reset.
    expect(await ask(a, 'SENTINEL', 'CKQUORUM', GROUP)).toBe(
      'OK 2 usable Sentinels. Quorum and failover authorization can be reached',
    );
    // The core was not reset: the agent still knows and publishes the committed master.
    expect(await ask(a, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', GROUP)).toEqual([
      '127.0.0.1',
      String(REDIS[0]),
    ]);
  }, 60_000);

  it('REPLICAS hides a replica with replica-announced no, which still counts in num-slaves', async () => {
    await threeAgents(REDIS[2]);
    const a = sentinelClient(SENTINEL[0]);
    await waitFor('the unannounced replica read', 10_000, async () => {
      const listed = ((await ask(a, 'SENTINEL', 'REPLICAS', GROUP)) as unknown[]).map(fields);
      return listed.length === 1 && listed[0]?.['master-link-status'] === 'ok' ? listed : undefined;
    });
    const listed = ((await ask(a, 'SENTINEL', 'SLAVES', GROUP)) as unknown[]).map(fields);
    expect(listed.map((r) => [r.name, r['replica-announced']])).toEqual([[endpoint(REDIS[1]), '1']]);
    expect(fields(await ask(a, 'SENTINEL', 'MASTER', GROUP))['num-slaves']).toBe('2');
  }, 60_000);
  it('a peer restarted on the same endpoint with another agentId is counted once, under its new id (Redis 11-port-0)', async () => {
    const { voters, agents } = await threeAgents();
    const a = sentinelClient(SENTINEL[0]);
    await waitFor(
      'three usable Sentinels',
      10_000,
      async () => (await ask(a, 'SENTINEL', 'CKQUORUM', GROUP)) === OK3,
    );
    const renamed = 'agent-live-b-renamed';
    await agents[1]?.stop();
    await runSentinelAgent(await agentFile(voters, 1, renamed));
    // Its next hello (within 2 s) names it by its new SENTINEL MYID, in the entry of its endpoint.
    const listed = await waitFor('the new id listed', 10_000, async () => {
      const now = ((await ask(a, 'SENTINEL', 'SENTINELS', GROUP)) as unknown[]).map(fields);
      return now.some((s) => s.name === sentinelId(renamed) && s.flags === 'sentinel') ? now : undefined;
    });
    expect(listed.map((s) => [s.port, s.name])).toEqual([
      [String(SENTINEL[1]), sentinelId(renamed)],
      [String(SENTINEL[2]), sentinelId(AGENTS[2])],
    ]);
    expect(fields(await ask(a, 'SENTINEL', 'MASTER', GROUP))['num-other-sentinels']).toBe('2');
    expect(await ask(a, 'SENTINEL', 'CKQUORUM', GROUP)).toBe(OK3);
    expect(String(await ask(a, 'INFO', 'sentinel'))).toContain(',slaves=2,sentinels=3');
  }, 60_000);

  it('REPLICAS follows replica-announced flipped at runtime (Redis 10-replica-priority)', async () => {
    await threeAgents();
    const a = sentinelClient(SENTINEL[0]);
    const listed = async () =>
      ((await ask(a, 'SENTINEL', 'REPLICAS', GROUP)) as unknown[]).map(fields).map((r) => r.name);
    const both = [endpoint(REDIS[1]), endpoint(REDIS[2])];
    await waitFor('both replicas listed', 10_000, async () =>
      JSON.stringify(await listed()) === JSON.stringify(both) ? true : undefined,
    );
    const replica = client(REDIS[2]);
    cleanups.push(() => replica.disconnect());

    // Hidden from the next INFO the agent reads (every infoIntervalMs, 500 ms here); still a replica it counts.
    await replica.call('CONFIG', 'SET', 'replica-announced', 'no');
    await waitFor('the unannounced replica hidden', 5000, async () =>
      JSON.stringify(await listed()) === JSON.stringify([endpoint(REDIS[1])]) ? true : undefined,
    );
    expect(fields(await ask(a, 'SENTINEL', 'MASTER', GROUP))['num-slaves']).toBe('2');

    // Announced again: listed again, in its place, as announced.
    await replica.call('CONFIG', 'SET', 'replica-announced', 'yes');
    await waitFor('the replica listed again', 5000, async () =>
      JSON.stringify(await listed()) === JSON.stringify(both) ? true : undefined,
    );
    const back = ((await ask(a, 'SENTINEL', 'SLAVES', GROUP)) as unknown[]).map(fields);
    expect(back.map((r) => [r.name, r['replica-announced'], r['master-link-status']])).toEqual([
      [endpoint(REDIS[1]), '1', 'ok'],
      [endpoint(REDIS[2]), '1', 'ok'],
    ]);
  }, 60_000);
});
