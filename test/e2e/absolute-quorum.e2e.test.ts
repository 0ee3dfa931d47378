// End to end, ported from Redis's tests/sentinel/tests/00-base.tcl "Failover works if we configure
// for absolute agreement" and "New master ... role matches": a group whose quorum is every agent (3
// of 3). A master redis killed while its agent stays up is failed over, as with a majority quorum.
// The same stack then loses a whole box (the new master's redis AND its agent): only two agents are
// left to see it down, so with quorum = N there is no ODOWN and no failover, however long it lasts.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEvents } from '../../infra/local/coordinator-client.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { nodeRole } from '../../infra/local/redis-query.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { waitFor } from '../../infra/local/wait.js';
import { GroupStatusSchema } from '../../workers/api/schemas.js';
import { portOf } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7451-7453, wrangler 8981, Sentinel 8982-8984, metrics 8985-8987.
const REDIS_PORT = 7451;
const DOWN_AFTER_MS = 1000;
/** Generous: a failover takes about 1.3-2.5 s here. */
const FAILOVER_WITHIN_MS = 20_000;
/** How long the whole-box loss is watched for a failover that must not come: 3 x down-after, plus the time a failover takes. */
const WATCH_MS = 3 * DOWN_AFTER_MS + 3000;

describe('quorum equal to every agent (Redis 00-base "absolute agreement")', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: REDIS_PORT,
      sentinelPort: 8982,
      metricsPort: 8985,
      coordinatorPort: 8981,
      quorum: 3,
      downAfterMs: DOWN_AFTER_MS,
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  /** Until the node at `address` replicates `master` with its link up. */
  const follows = (address: string, master: string) =>
    waitFor(`${address} to replicate ${master} with its link up`, FAILOVER_WITHIN_MS, async () => {
      const role = await nodeRole(portOf(address)).catch(() => null);
      return role?.role === 'replica' && role.masterAddr === master && role.linkUp ? role : undefined;
    });

  /** The group's full status (settings, and which agents see each node SDOWN). */
  const groupStatus = async () => {
    const res = await fetch(`${stack.coordinatorUrl}/v1/groups/${stack.options.group}`);
    return GroupStatusSchema.parse(await res.json());
  };

  /** Voter 0's events after `afterId`, as "name payload". */
  const eventsAfter = async (afterId: number) =>
    (await getEvents(stack.coordinatorUrl, stack.options.group, { voter: 0, after: afterId })).map(
      (e) => `${e.name} ${e.payload}`,
    );
  const lastEventId = async () =>
    (await getEvents(stack.coordinatorUrl, stack.options.group, { voter: 0 })).at(-1)?.id ?? 0;

  let newMaster = '';

  it('fails over a killed master redis (its agent up): every agent agrees, and the new master is a master', async () => {
    const status = await groupStatus();
    expect(status.settings.quorum).toBe(3);
    const [old, ...replicas] = stack.nodes;
    if (old === undefined) throw new Error('no node 0');
    const before = await stack.publishedMaster();

    const killedAt = performance.now();
    await stack.killRedis(0);
    // All three agents, the old master's included, see it down: 3 of 3 reach ODOWN.
    const published = await waitFor('a new master published', FAILOVER_WITHIN_MS, async () => {
      const p = await stack.publishedMaster();
      return `${p.host}:${p.port}` === old.address ? undefined : p;
    });
    newMaster = `${published.host}:${published.port}`;
    console.log(
      `quorum 3 of 3: ${newMaster} published ${Math.round(performance.now() - killedAt)} ms after the kill`,
    );
    expect(published.epoch).toBeGreaterThan(before.epoch);
    expect(replicas.map((n) => n.address)).toContain(newMaster);
    await stack.waitForMaster(newMaster, FAILOVER_WITHIN_MS);
    expect(await stack.agentMasters()).toEqual([newMaster, newMaster, newMaster]);

    // "New master <addr> role matches": the promoted node says master; the other replica follows it.
    expect((await nodeRole(portOf(newMaster))).role).toBe('master');
    const other = replicas.find((n) => n.address !== newMaster);
    if (other === undefined) throw new Error('no other replica');
    await follows(other.address, newMaster);
  });

  it('does not fail over when the master loses its whole box (redis and agent): quorum = N cannot be reached', async () => {
    const master = stack.nodes.find((n) => n.address === newMaster);
    const old = stack.nodes[0];
    if (master === undefined || old === undefined) throw new Error('run after the failover');
    // The old master comes back empty, a replica of the new one: a healthy group of three again,
    // so the only thing missing below is the third agent.
    await stack.restartRedisEmpty(0, newMaster);
    await follows(old.address, newMaster);
    const before = await stack.publishedMaster();
    const since = await lastEventId();

    await stack.killAgent(master.index);
    await stack.killRedis(master.index);
    const survivors = stack.nodes.filter((n) => n.index !== master.index).map((n) => n.agentId);
    // Both agents left report the master down to the voters: two of the three the quorum needs.
    await waitFor('both live agents to report the master SDOWN', 10_000, async () => {
      const status = await groupStatus();
      const sdownBy = status.agents
        .filter((a) => a.views.some((v) => v.node === newMaster && v.sdown))
        .map((a) => a.agentId);
      return survivors.every((a) => sdownBy.includes(a)) ? sdownBy : undefined;
    });
    const watchStart = performance.now();
    while (performance.now() - watchStart < WATCH_MS) {
      const p = await stack.publishedMaster();
      expect(`${p.host}:${p.port}`).toBe(newMaster);
      expect(p.epoch).toBe(before.epoch);
      await new Promise((r) => setTimeout(r, 250));
    }
    const events = await eventsAfter(since);
    expect(events.filter((e) => /^(\+odown|\+try-failover|\+switch-master)/.test(e))).toEqual([]);
    for (const n of stack.nodes.filter((x) => x.index !== master.index)) {
      expect((await nodeRole(n.port)).role).toBe('replica');
    }
  });
});
