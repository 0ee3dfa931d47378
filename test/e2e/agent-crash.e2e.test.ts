// End to end: the agent of the replica chosen for promotion is SIGKILLed mid-failover and restarted:
// the group converges on one master everywhere, and no agent ever executes a command of an older epoch.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followEvents } from '../../infra/local/coordinator-client.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { configSet, nodeRole } from '../../infra/local/redis-query.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { sleep, waitFor } from '../../infra/local/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7721-7723, wrangler 8821, Sentinel 26721.., metrics 26731...
const REDIS_PORT = 7721;
const MASTER = `127.0.0.1:${REDIS_PORT}`;
/** How long the chosen replica's agent stays dead. */
const CRASH_MS = 2_000;
const CONVERGE_BOUND_MS = 45_000;
/** Once converged, roles and answers must hold still this long. */
const STABLE_MS = 3_000;
/** The first events of an election, on the voter that runs it. */
const ELECTION_STARTED = ['+odown', '+try-failover', '+elected-leader'];

interface Executed {
  readonly epoch: number;
  readonly action: string;
  readonly node: string;
  readonly time: string;
}

/** Commands an agent started, in log order (its log file is appended to across restarts). */
function executedCommands(logFile: string): Executed[] {
  const executed: Executed[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as Partial<Executed> & { msg?: string };
    if (!entry.msg?.startsWith('executing ') || entry.epoch === undefined) continue;
    executed.push({
      epoch: entry.epoch,
      action: entry.action ?? '',
      node: entry.node ?? '',
      time: entry.time ?? '',
    });
  }
  return executed;
}

describe('agent crash in the middle of a failover (3 nodes, 3 agents, 3 voters)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: REDIS_PORT,
      sentinelPort: 26721,
      metricsPort: 26731,
      coordinatorPort: 8821,
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('converges on one master everywhere; the restarted agent executes nothing stale', async () => {
    const old = stack.nodes.find((n) => n.address === MASTER);
    const victim = stack.nodes[1];
    const bystander = stack.nodes[2];
    if (old === undefined || victim === undefined || bystander === undefined) throw new Error('3 nodes');
    // Only the victim's node can be promoted, so its agent's crash always lands in the failover path.
    await configSet(bystander.port, 'replica-priority', '0');

    // Crash the victim's agent as soon as any voter starts the election: during the lease wait,
    // before a replica is chosen and promoted.
    let electionAtMs = 0;
    const followers = [0, 1, 2].map((voter) =>
      followEvents(
        stack.coordinatorUrl,
        stack.options.group,
        (e) => {
          if (electionAtMs === 0 && ELECTION_STARTED.includes(e.name)) electionAtMs = performance.now();
        },
        { voter },
      ),
    );
    try {
      await sleep(500);
      const killAtMs = performance.now();
      await stack.killRedis(old.index);
      await waitFor('an election to start', 20_000, async () => (electionAtMs > 0 ? true : undefined), 5);
      await stack.killAgent(victim.index);
      console.log(
        `agent crash: ${victim.agentId} (of ${victim.address}) SIGKILLed ${Math.round(performance.now() - killAtMs)} ms after the master's kill, ${Math.round(performance.now() - electionAtMs)} ms into the election`,
      );
    } finally {
      await Promise.all(followers.map((f) => f.stop()));
    }
    await sleep(CRASH_MS);
    await stack.restartAgent(victim.index);
    const restartAtMs = performance.now();

    const next = await waitFor('a new master on the HTTP endpoint', CONVERGE_BOUND_MS, async () => {
      const m = await stack.publishedMaster().catch(() => null);
      return m === null || m.port === REDIS_PORT ? undefined : `${m.host}:${m.port}`;
    });
    expect(next).toBe(victim.address);
    const published = await stack.waitForMaster(next, CONVERGE_BOUND_MS);
    console.log(
      `agent crash: ${MASTER} -> ${next} (epoch ${published.epoch}) published everywhere ${Math.round(performance.now() - restartAtMs)} ms after the agent's restart`,
    );
    const replicas = stack.nodes.filter((n) => n !== old && n.address !== next);
    await waitFor('the other replica to follow the new master', 20_000, async () => {
      const roles = await Promise.all(replicas.map((n) => nodeRole(n.port)));
      return roles.every((r) => r.role === 'replica' && r.masterAddr === next && r.linkUp) ? true : undefined;
    });

    // Converged and stable: one master, named the same by every read path.
    const stableUntil = performance.now() + STABLE_MS;
    while (performance.now() < stableUntil) {
      expect(await stack.publishedMaster()).toMatchObject({ port: Number(next.split(':')[1]) });
      expect(await stack.agentMasters()).toEqual([next, next, next]);
      expect((await nodeRole(Number(next.split(':')[1]))).role).toBe('master');
      for (const n of replicas) expect((await nodeRole(n.port)).role).toBe('replica');
      await sleep(200);
    }

    // Invariant 4, as the agents' own logs tell it: per agent, executed epochs never go back,
    // across the crash and restart included.
    for (const node of stack.nodes) {
      const executed = executedCommands(join(stack.runDir, 'logs', `agent-${node.agentId}.log`));
      const epochs = executed.map((c) => c.epoch);
      expect(epochs, `${node.agentId}: ${JSON.stringify(executed)}`).toEqual(
        [...epochs].sort((a, b) => a - b),
      );
      for (const c of executed) expect(c.epoch).toBeLessThanOrEqual(published.epoch);
    }
    const victimLog = executedCommands(join(stack.runDir, 'logs', `agent-${victim.agentId}.log`));
    console.log(
      `agent crash: ${victim.agentId} executed ${JSON.stringify(victimLog.map((c) => `${c.action}@${c.epoch}`))}`,
    );
  }, 150_000);
});
