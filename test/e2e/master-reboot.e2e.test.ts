// End to end: Redis's tests/sentinel/tests/12-master-reboot.tcl on a real `wrangler dev` stack. The
// master restarts at once WITH its data (SAVE, SIGKILL, redis-server again with --key-load-delay,
// so it answers LOADING for seconds). With master-reboot-down-after-period 0 (the default) nothing
// fails over and the same master takes writes once loaded; after `SENTINEL SET mymaster
// master-reboot-down-after-period 3000` through an agent, the same restart is failed over while
// the old master still loads ("Master reboot in very short time"), the other replica follows the
// new master, and the old master ends a replica of it, every key kept. Case A (DESIGN §1.8): the
// master, with 10 000 keys and a Sentinel client writing, is restarted EMPTY well inside down-after,
// and one replica is made to attach to it at once; it is failed over (+reboot from the agents,
// +odown and +switch-master from the voters), no replica ever drops below 10 000 keys, the empty
// node takes no write, every node ends with every key, and the client writes to the new master.
// Prints a timed transcript.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEvents } from '../../infra/local/coordinator-client.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { nodeRole, sentinelMaster, sentinelMasterAddr } from '../../infra/local/redis-query.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { waitFor } from '../../infra/local/wait.js';
import { startWriteLoad } from '../../infra/local/write-load.js';
import { GroupStatusSchema } from '../../workers/api/schemas.js';
import { agentLogRecords } from './helpers.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7991-7993, wrangler 8951, Sentinel 8952-8954, metrics 8955-8957.
const REDIS_PORT = 7991;
const SENTINEL_PORT = 8952;
const GROUP = 'mymaster';
const KEYS = 4000;
/** Case A (the empty restart) tops the keys up to Redis's 10 000. */
const KEYS_A = 10_000;
const PERIOD_MS = 3000;
/**
 * Microseconds redis-server waits per key it loads (`key-load-delay`), and how often it serves
 * clients meanwhile (answering LOADING): about 5 s for the control restart, 13 s for the one that
 * must be failed over while still loading (the period, then ODOWN, the vote, the lease wait).
 */
const SHORT_LOAD = ['--key-load-delay', '1000', '--loading-process-events-interval-bytes', '1024'];
const LONG_LOAD = ['--key-load-delay', '3000', '--loading-process-events-interval-bytes', '1024'];

describe('master reboot with its data, LOADING (Redis 12-master-reboot)', () => {
  let stack: LocalStack;
  const transcript: string[] = [];
  const say = (line: string) => {
    transcript.push(line);
    console.log(line);
  };

  beforeAll(async () => {
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: REDIS_PORT,
      sentinelPort: SENTINEL_PORT,
      metricsPort: 8955,
      coordinatorPort: 8951,
    });
    // Redis's test: DEBUG POPULATE 10000 (DEBUG is refused here by enable-debug-command): plain SETs.
    await withNode(REDIS_PORT, async (redis) => {
      const pipeline = redis.pipeline();
      for (let i = 0; i < KEYS; i++) pipeline.set(`key:${i}`, `value:${i}:${'x'.repeat(64)}`);
      await pipeline.exec();
    });
    await waitFor(`both replicas to hold the ${KEYS} keys`, 30_000, async () => {
      const sizes = await Promise.all([1, 2].map((i) => nodeRole(REDIS_PORT + i)));
      return sizes.every((s) => s.keys === KEYS) ? true : undefined;
    });
  }, 120_000);

  afterAll(async () => {
    console.log(`transcript:\n${transcript.join('\n')}`);
    await stack?.stop();
  }, 60_000);

  async function withNode<T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      commandTimeout: 10_000,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await use(redis);
    } finally {
      redis.disconnect();
    }
  }

  /** PING's answer, LOADING as its own word, or the error that stopped it. */
  async function ping(port: number): Promise<string> {
    try {
      return String(await withNode(port, (redis) => redis.ping()));
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      return text.startsWith('LOADING') ? 'LOADING' : `error: ${text}`;
    }
  }

  async function redisCli(i: number, args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-p', String(SENTINEL_PORT + i), ...args], {
      timeout: 15_000,
    });
    say(`$ redis-cli -p ${SENTINEL_PORT + i} ${args.join(' ')}\n${stdout.trimEnd()}`);
    return stdout.trim();
  }

  async function groupStatus() {
    const res = await fetch(`${stack.coordinatorUrl}/v1/groups/${GROUP}`);
    return GroupStatusSchema.parse(await res.json());
  }

  /** Every voter-0 event after `afterId`, as "name payload". */
  async function voterEventsAfter(afterId: number): Promise<{ id: number; line: string }[]> {
    const events = await getEvents(stack.coordinatorUrl, GROUP, { voter: 0, after: afterId, limit: 500 });
    return events.map((e) => ({ id: e.id, line: `${e.name} ${e.payload}` }));
  }

  async function lastEventId(): Promise<number> {
    const events = await getEvents(stack.coordinatorUrl, GROUP, { voter: 0, limit: 500 });
    return events.at(-1)?.id ?? 0;
  }

  /** SAVE on the master, SIGKILL it, start it again at once on its RDB: the time it was back. */
  async function rebootWithData(extraArgs: readonly string[]): Promise<number> {
    expect(await withNode(REDIS_PORT, (redis) => redis.save())).toBe('OK');
    await stack.killRedis(0);
    await stack.restartRedisWithData(0, extraArgs);
    return performance.now();
  }

  let failover: { readonly newMaster: string; readonly newPort: number } | null = null;

  it('with the period 0 (the default), a master back LOADING stays master and takes writes once loaded', async () => {
    const old = `127.0.0.1:${REDIS_PORT}`;
    const { epoch } = await stack.publishedMaster();
    const since = await lastEventId();
    const backMs = await rebootWithData(SHORT_LOAD);
    say(`# control: ${old} killed and restarted with its ${KEYS} keys, key-load-delay 1000 us, period 0`);
    let loadingSeen = 0;
    await waitFor(
      'the master to finish loading',
      60_000,
      async () => {
        const answer = await ping(REDIS_PORT);
        if (answer === 'LOADING') loadingSeen++;
        // Nothing moves while it loads: the published master and every agent's answer stay.
        const [published, ...agents] = await Promise.all([
          stack.publishedMaster(),
          ...[0, 1, 2].map((i) => sentinelMasterAddr(SENTINEL_PORT + i, GROUP)),
        ]);
        expect(published.epoch).toBe(epoch);
        expect(agents).toEqual([old, old, old]);
        return answer === 'PONG' ? true : undefined;
      },
      200,
    );
    const loadedMs = Math.round(performance.now() - backMs);
    say(
      `# control: LOADING for ${loadedMs} ms (${loadingSeen} polls answered LOADING), no failover meanwhile`,
    );
    expect(loadingSeen).toBeGreaterThan(5);
    const writableMs = await waitFor(
      'the master to take a write again',
      20_000,
      async () => {
        await withNode(REDIS_PORT, (redis) => redis.set('after-control-reboot', '1'));
        return Math.round(performance.now() - backMs);
      },
      100,
    );
    say(`# control: writable again ${writableMs} ms after the restart, still epoch ${epoch}`);
    expect((await nodeRole(REDIS_PORT)).keys).toBe(KEYS + 1);
    const events = (await voterEventsAfter(since)).map((e) => e.line);
    expect(events.filter((e) => e.startsWith('+switch-master') || e.startsWith('+odown'))).toEqual([]);
    // The partial keyspace seen while loading is not taken for a lost dataset.
    expect(events.filter((e) => e.startsWith('+reboot'))).toEqual([]);
    await withNode(REDIS_PORT, (redis) => redis.del('after-control-reboot'));
  }, 120_000);

  it('SENTINEL SET master-reboot-down-after-period 3000 through an agent: every agent and the status show it', async () => {
    expect(
      await redisCli(1, ['SENTINEL', 'SET', GROUP, 'master-reboot-down-after-period', String(PERIOD_MS)]),
    ).toBe('OK');
    expect(await redisCli(1, ['SENTINEL', 'SET', GROUP, 'master-reboot-down-after-period', '-1'])).toBe(
      "ERR Invalid argument '-1' for SENTINEL SET 'master-reboot-down-after-period'",
    );
    await waitFor('every agent to show the period', 5_000, async () => {
      const maps = await Promise.all([0, 1, 2].map((i) => sentinelMaster(SENTINEL_PORT + i, GROUP)));
      return maps.every((m) => m['master-reboot-down-after-period'] === String(PERIOD_MS)) ? true : undefined;
    });
    await redisCli(0, ['SENTINEL', 'MASTER', GROUP]);
    const status = await groupStatus();
    expect(status.settings.masterRebootDownAfterMs).toBe(PERIOD_MS);
    expect(status.settingsSources?.masterRebootDownAfterMs).toMatch(/^runtime override v\d+$/);
    say(
      `# GET /v1/groups/${GROUP}: masterRebootDownAfterMs ${status.settings.masterRebootDownAfterMs} (${status.settingsSources?.masterRebootDownAfterMs})`,
    );
  }, 60_000);

  it('Master reboot in very short time: failed over while still LOADING, once the period has passed', async () => {
    const old = `127.0.0.1:${REDIS_PORT}`;
    const since = await lastEventId();
    const backMs = await rebootWithData(LONG_LOAD);
    say(
      `# ${old} killed and restarted with its ${KEYS} keys, key-load-delay 3000 us, period ${PERIOD_MS} ms`,
    );
    const flagsSeen = new Set<string>();
    const moved = await waitFor(
      'every agent to name another master',
      30_000,
      async () => {
        const flags = (await sentinelMaster(SENTINEL_PORT + 1, GROUP).catch(() => null))?.flags;
        if (flags !== undefined && !flagsSeen.has(flags)) {
          flagsSeen.add(flags);
          say(`# +${Math.round(performance.now() - backMs)} ms: agent 1's SENTINEL MASTER flags ${flags}`);
        }
        const agents = await Promise.all([0, 1, 2].map((i) => sentinelMasterAddr(SENTINEL_PORT + i, GROUP)));
        const first = agents[0];
        if (first === null || first === undefined || first === old) return undefined;
        return agents.every((a) => a === first) ? first : undefined;
      },
      100,
    );
    const failoverMs = Math.round(performance.now() - backMs);
    const stillLoading = await ping(REDIS_PORT);
    say(`# +${failoverMs} ms: every agent names ${moved}; the old master answers PING with ${stillLoading}`);
    // Not before the period: a restart is given that long to answer PONG.
    expect(failoverMs).toBeGreaterThan(PERIOD_MS);
    expect(stillLoading).toBe('LOADING');
    expect([...flagsSeen].some((f) => f.includes('master_reboot'))).toBe(true);
    const published = await stack.waitForMaster(moved, 10_000);
    say(`# published over HTTP: ${published.host}:${published.port} at epoch ${published.epoch}`);
    failover = { newMaster: moved, newPort: Number(moved.slice(moved.lastIndexOf(':') + 1)) };

    const events = (await voterEventsAfter(since)).map((e) => e.line);
    say(`# voter 0's events since the restart:\n${events.map((e) => `  ${e}`).join('\n')}`);
    expect(events.some((e) => e.startsWith('+odown master mymaster 127.0.0.1 7991'))).toBe(true);
    expect(events).toContain(`+switch-master ${GROUP} 127.0.0.1 ${REDIS_PORT} 127.0.0.1 ${failover.newPort}`);
    expect(events.filter((e) => e.startsWith('+reboot'))).toEqual([]);
    const reasons = [0, 1, 2].flatMap((i) =>
      agentLogRecords(stack, i)
        .filter((r) => r.event === '+sdown' && String(r.msg).includes('master-reboot-down-after-period'))
        .map((r) => `agent ${i}: ${String(r.msg)}`),
    );
    say(`# the agents' +sdown:\n${reasons.map((r) => `  ${r}`).join('\n')}`);
    expect(reasons.length).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it('New master role matches', async () => {
    if (failover === null) throw new Error('no failover happened');
    const role = await nodeRole(failover.newPort);
    expect(role.role).toBe('master');
    expect(role.keys).toBe(KEYS);
  });

  it('All the other replicas now point to the new master', async () => {
    if (failover === null) throw new Error('no failover happened');
    const { newMaster, newPort } = failover;
    const other = [REDIS_PORT + 1, REDIS_PORT + 2].find((p) => p !== newPort) ?? 0;
    await waitFor(`${other} to replicate ${newMaster}, link up`, 30_000, async () => {
      const role = await nodeRole(other);
      return role.role === 'replica' && role.masterAddr === newMaster && role.linkUp ? true : undefined;
    });
    expect((await nodeRole(other)).keys).toBe(KEYS);
  }, 60_000);

  it('The old master eventually gets reconfigured as a replica', async () => {
    if (failover === null) throw new Error('no failover happened');
    const { newMaster } = failover;
    const startedMs = performance.now();
    const role = await waitFor(
      `the old master to replicate ${newMaster}`,
      60_000,
      async () => {
        const r = await nodeRole(REDIS_PORT);
        return r.role === 'replica' && r.masterAddr === newMaster && r.linkUp ? r : undefined;
      },
      200,
    );
    say(
      `# the old master replicates ${newMaster} with its link up (${Math.round(performance.now() - startedMs)} ms after the checks began), ${role.keys} keys`,
    );
    expect(role.keys).toBe(KEYS);
    // Back to Sentinel's default, as an operator would after the drill.
    expect(await redisCli(1, ['SENTINEL', 'SET', GROUP, 'master-reboot-down-after-period', '0'])).toBe('OK');
    // Off again: Sentinel's instance map, without the field.
    expect(await sentinelMaster(SENTINEL_PORT + 1, GROUP)).not.toHaveProperty(
      'master-reboot-down-after-period',
    );
  }, 90_000);

  /** Every message an agent's Sentinel port publishes on `channels`, as "channel payload", from now on. */
  async function subscribeAgent(i: number, channels: readonly string[]) {
    const lines: string[] = [];
    const redis = new Redis({ host: '127.0.0.1', port: SENTINEL_PORT + i, lazyConnect: true });
    redis.on('error', () => undefined);
    redis.on('message', (channel: string, payload: string) => lines.push(`${channel} ${payload}`));
    await redis.connect();
    await redis.subscribe(...channels);
    return { lines, close: () => redis.disconnect() };
  }

  /** DBSIZE of db 0, where only the loaded keys live (the write load writes db 1). */
  const dbsize = (port: number) => withNode(port, (redis) => redis.dbsize());

  /** Polls DBSIZE of `ports` every 20 ms until stopped: the smallest seen on each (a flush shows as 0). */
  function watchSmallestDbsize(ports: readonly number[]) {
    const least: Record<number, number> = {};
    const clients = ports.map((port) => {
      const redis = new Redis({ host: '127.0.0.1', port, commandTimeout: 1000, maxRetriesPerRequest: 0 });
      redis.on('error', () => undefined);
      return { port, redis };
    });
    let running = true;
    const loop = (async () => {
      while (running) {
        await Promise.all(
          clients.map(async ({ port, redis }) => {
            const size = await redis.dbsize().catch(() => null);
            if (size !== null) least[port] = Math.min(least[port] ?? size, size);
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
        for (const { redis } of clients) redis.disconnect();
        return least;
      },
    };
  }

  it('Case A: a master restarted EMPTY within down-after is failed over, its replicas keep every key', async () => {
    if (failover === null) throw new Error('no failover happened');
    const masterPort = failover.newPort;
    const master = `127.0.0.1:${masterPort}`;
    const index = masterPort - REDIS_PORT;
    const others = [REDIS_PORT, REDIS_PORT + 1, REDIS_PORT + 2].filter((p) => p !== masterPort);
    // The restarts above left 7991 loading 3 ms a key: a full sync into it would take 30 s.
    await withNode(REDIS_PORT, (redis) => redis.config('SET', 'key-load-delay', '0'));
    // Redis's test populates 10 000 keys: the 4000 already there and 6000 more.
    await withNode(masterPort, async (redis) => {
      const pipeline = redis.pipeline();
      for (let i = KEYS; i < KEYS_A; i++) pipeline.set(`key:${i}`, `value:${i}:${'x'.repeat(64)}`);
      await pipeline.exec();
    });
    await waitFor(`every node to hold the ${KEYS_A} keys`, 30_000, async () => {
      const sizes = await Promise.all([masterPort, ...others].map(dbsize));
      return sizes.every((n) => n === KEYS_A) ? true : undefined;
    });
    const subscribers = await Promise.all(
      [0, 1, 2].map((i) => subscribeAgent(i, ['+reboot', '+switch-master'])),
    );
    const load = startWriteLoad({ sentinels: stack.sentinels, group: GROUP, prefix: 'load', db: 1 });
    let smallest: ReturnType<typeof watchSmallestDbsize> | null = null;
    try {
      await waitFor('the write load to reach the master', 10_000, async () =>
        load.ackedCount() >= 20 ? true : undefined,
      );
      const since = await lastEventId();
      smallest = watchSmallestDbsize(others);
      const killedMs = performance.now();
      await stack.killRedis(index);
      // Restarted with a diskless-sync delay of 1 s (Redis's default is 5 s; the stack's nodes have
      // 0, which starts a full sync at once): a replica attached before the agent reads the restart
      // is held that long, so the agent has time to cut it.
      await stack.restartRedisEmpty(index, undefined, ['--repl-diskless-sync-delay', '1']);
      const backMs = performance.now();
      // A replica reconnects to its master once a second; here one does so at once, as one whose
      // turn falls in the ~100 ms before the agent reads the restart would (FULLRESYNC, waiting
      // for the empty dataset).
      const early = others[0] ?? 0;
      const attached = await withNode(early, (redis) =>
        redis.multi().replicaof('NO', 'ONE').replicaof('127.0.0.1', masterPort).exec(),
      );
      say(
        `# Case A: ${master} (master, ${KEYS_A} keys) SIGKILLed and restarted EMPTY ${Math.round(backMs - killedMs)} ms later (down-after ${stack.options.downAfterMs} ms); ${load.ackedCount()} writes acknowledged so far; replica ${early} made to attach to it at once (${JSON.stringify(attached?.map(([, r]) => r))})`,
      );
      const moved = await waitFor(
        'every agent to name another master',
        30_000,
        async () => {
          const agents = await Promise.all(
            [0, 1, 2].map((i) => sentinelMasterAddr(SENTINEL_PORT + i, GROUP)),
          );
          const first = agents[0];
          if (first === null || first === undefined || first === master) return undefined;
          return agents.every((a) => a === first) ? first : undefined;
        },
        100,
      );
      const movedMs = Math.round(performance.now() - backMs);
      const newPort = Number(moved.slice(moved.lastIndexOf(':') + 1));
      const published = await stack.waitForMaster(moved, 10_000);
      const publishedMs = performance.now();
      say(`# +${movedMs} ms: every agent names ${moved}; published over HTTP at epoch ${published.epoch}`);
      expect(others).toContain(newPort);

      const events = (await voterEventsAfter(since)).map((e) => e.line);
      say(`# voter 0's events since the restart:\n${events.map((e) => `  ${e}`).join('\n')}`);
      // The voters' +reboot (once, from the first agent to report it), then the ODOWN it causes.
      const rebootAt = events.indexOf(`+reboot master ${GROUP} 127.0.0.1 ${masterPort}`);
      expect(rebootAt).toBeGreaterThanOrEqual(0);
      expect(events.filter((e) => e.startsWith('+reboot'))).toHaveLength(1);
      const odownAt = events.findIndex((e) => e.startsWith(`+odown master ${GROUP} 127.0.0.1 ${masterPort}`));
      expect(odownAt).toBeGreaterThan(rebootAt);
      expect(events).toContain(`+switch-master ${GROUP} 127.0.0.1 ${masterPort} 127.0.0.1 ${newPort}`);
      // The agents' own +reboot (Sentinel's instance payload) on their Sentinel ports: a quorum saw it.
      const reboot = `+reboot master ${GROUP} 127.0.0.1 ${masterPort}`;
      await waitFor('the +switch-master on every agent', 5_000, async () =>
        subscribers.every((s) => s.lines.some((l) => l.startsWith('+switch-master'))) ? true : undefined,
      );
      for (const [i, s] of subscribers.entries()) {
        say(`# agent ${i} published:\n${s.lines.map((l) => `  ${l}`).join('\n')}`);
      }
      expect(subscribers.filter((s) => s.lines.includes(reboot)).length).toBeGreaterThanOrEqual(2);

      // Nothing synced from the empty node: the surviving replicas, then the old node, hold every key.
      const other = others.find((p) => p !== newPort) ?? 0;
      await waitFor(`${other} to replicate ${moved}, link up`, 30_000, async () => {
        const role = await nodeRole(other);
        return role.role === 'replica' && role.masterAddr === moved && role.linkUp ? true : undefined;
      });
      const old = await waitFor(
        `the old master to replicate ${moved}, link up`,
        30_000,
        async () => {
          const r = await nodeRole(masterPort);
          return r.role === 'replica' && r.masterAddr === moved && r.linkUp ? r : undefined;
        },
        200,
      );
      // No replica ever took the empty dataset: polled every 20 ms from before the kill to now.
      const least = await smallest.stop();
      say(`# the smallest DBSIZE (db 0) seen on the replicas meanwhile: ${JSON.stringify(least)}`);
      expect(least).toEqual(Object.fromEntries(others.map((p) => [p, KEYS_A])));
      const sizes = await Promise.all([newPort, other, masterPort].map(dbsize));
      say(
        `# DBSIZE (db 0) new master ${newPort}: ${sizes[0]}, replica ${other}: ${sizes[1]}, old master ${masterPort}: ${sizes[2]}`,
      );
      expect(sizes).toEqual([KEYS_A, KEYS_A, KEYS_A]);
      expect(old.masterAddr).toBe(moved);
      // ROLE on every node: the new master lists both others, each replicates it, connected.
      const [newRole, otherRole, oldRole] = await Promise.all(
        [newPort, other, masterPort].map((p) =>
          withNode(p, (redis) => redis.call('ROLE') as Promise<unknown[]>),
        ),
      );
      say(
        `# ROLE: ${newPort} ${JSON.stringify(newRole)}; ${other} ${JSON.stringify(otherRole)}; ${masterPort} ${JSON.stringify(oldRole)}`,
      );
      expect(newRole?.[0]).toBe('master');
      const listed = ((newRole?.[2] ?? []) as string[][]).map((r) => Number(r[1])).sort();
      expect(listed).toEqual([other, masterPort].sort());
      for (const role of [otherRole, oldRole]) {
        expect(role?.slice(0, 4)).toEqual(['slave', '127.0.0.1', newPort, 'connected']);
      }

      // The client's writes resumed on the new master.
      const resumed = await waitFor('a write sent after the switch to be acknowledged', 15_000, async () =>
        load.firstAckSentAfter(publishedMs),
      );
      say(
        `# the Sentinel client's first write sent after the switch was acknowledged ${Math.round(resumed.ackAtMs - backMs)} ms after the restart`,
      );
      const onNewMaster = await withNode(newPort, async (redis) => {
        await redis.select(1);
        return redis.exists(resumed.key);
      });
      expect(onNewMaster).toBe(1);
      // No write acknowledged after the restart is lost: the empty process took none (it is fenced
      // until its agent has judged it), and every one taken by the new master is there.
      const afterRestart = load.acked.filter((w) => w.sentAtMs >= backMs).map((w) => w.key);
      const kept = await withNode(newPort, async (redis) => {
        await redis.select(1);
        return afterRestart.length === 0 ? 0 : redis.exists(...afterRestart);
      });
      say(
        `# ${afterRestart.length} writes sent after the restart were acknowledged; ${kept} are on the new master`,
      );
      expect(kept).toBe(afterRestart.length);
    } finally {
      const report = await load.stop();
      say(
        `# write load: ${report.acked.length} acknowledged, ${report.failed} failed (${report.errorSamples.join('; ')})`,
      );
      for (const s of subscribers) s.close();
      await smallest?.stop();
    }
  }, 120_000);
});
