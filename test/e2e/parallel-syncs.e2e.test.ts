// End to end: parallel-syncs 1 — after the master of 1 master + 3 replicas is killed, the two replicas left resync one at a time.

import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEvents } from '../../infra/local/coordinator-client.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { waitFor } from '../../infra/local/wait.js';
import { agentLogEvents, monotonicMs } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7950-7953, wrangler 8911, Sentinel 8912-8915, metrics 8916-8919.
const REDIS_PORT = 7950;
/** Generous: detection, election, promotion, then two replicas in turn (each waits for an INFO round). */
const BOUND_MS = 60_000;
const SAMPLE_EVERY_MS = 20;

interface Sample {
  readonly atMs: number;
  readonly masterPort: number | null;
  readonly linkUp: boolean;
}

/** `INFO replication` of one node, reduced to what the rule reads: its master and whether the link is up. */
async function sampleOf(client: Redis): Promise<Sample | null> {
  try {
    const text = await client.info('replication');
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1]?.trim();
    const port = field('master_port');
    return {
      atMs: monotonicMs(),
      masterPort: field('role') === 'slave' && port !== undefined ? Number(port) : null,
      linkUp: field('master_link_status') === 'up',
    };
  } catch {
    return null;
  }
}

describe('parallel-syncs 1: replicas move to a new master one at a time (4 nodes, 4 agents, 3 voters)', () => {
  let stack: LocalStack;
  const clients: Redis[] = [];

  beforeAll(async () => {
    stack = await startStack({
      ...defaultStackOptions(root),
      nodes: 4,
      redisPort: REDIS_PORT,
      coordinatorPort: 8911,
      sentinelPort: 8912,
      metricsPort: 8916,
      // Long enough that the round's timeout (every replica still waiting goes) never fires here.
      failoverTimeoutMs: 30_000,
    });
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await stack?.stop();
  }, 60_000);

  it('the new master has at most one replica syncing at any moment, and each agent reports its reconf', async () => {
    const [old, ...replicas] = stack.nodes;
    if (old === undefined || replicas.length !== 3) throw new Error('4 nodes expected');
    const primary = new Redis({
      port: old.port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    clients.push(primary);
    await primary.connect();
    const pipeline = primary.pipeline();
    for (let i = 0; i < 5000; i++) pipeline.set(`ps:${i}`, 'x'.repeat(100));
    await pipeline.exec();
    primary.disconnect();

    const samples = new Map<number, Sample[]>();
    const probes = replicas.map((n) => {
      const c = new Redis({
        port: n.port,
        host: '127.0.0.1',
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
      });
      clients.push(c);
      samples.set(n.port, []);
      return { port: n.port, client: c };
    });
    await waitFor('the replicas to answer INFO', 10_000, async () =>
      (await Promise.all(probes.map((p) => sampleOf(p.client)))).every((s) => s !== null) ? true : undefined,
    );
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const round = await Promise.all(
          probes.map(async (p) => ({ port: p.port, s: await sampleOf(p.client) })),
        );
        for (const { port, s } of round) if (s !== null) samples.get(port)?.push(s);
        await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
      }
    })();

    const killedAtMs = monotonicMs();
    const killedAtWallMs = Date.now();
    await stack.killRedis(0);
    const published = await waitFor('a new master to be published', BOUND_MS, async () => {
      const m = await stack.publishedMaster().catch(() => null);
      return m !== null && m.epoch > 0 ? m : undefined;
    });
    const newMaster = stack.nodes.find((n) => n.port === published.port);
    if (newMaster === undefined)
      throw new Error(`published ${published.host}:${published.port} is not a node`);
    const movers = replicas.filter((n) => n !== newMaster);
    await waitFor('both other replicas to replicate the new master with the link up', BOUND_MS, async () => {
      const last = movers.map((n) => samples.get(n.port)?.at(-1));
      return last.every((s) => s?.masterPort === newMaster.port && s.linkUp) ? true : undefined;
    });
    sampling = false;
    await sampler;

    // Each mover: when it was first seen replicating the new master, and when its link was first up after that.
    const moves = movers.map((n) => {
      const list = samples.get(n.port) ?? [];
      const moved = list.find((s) => s.masterPort === newMaster.port);
      const linked = list.find(
        (s) => moved !== undefined && s.atMs >= moved.atMs && s.masterPort === newMaster.port && s.linkUp,
      );
      if (moved === undefined || linked === undefined) throw new Error(`${n.address} never seen moving`);
      return { node: n, movedMs: moved.atMs - killedAtMs, linkedMs: linked.atMs - killedAtMs };
    });
    moves.sort((a, b) => a.movedMs - b.movedMs);
    for (const m of moves) {
      console.log(
        `${m.node.address}: replicates ${newMaster.address} ${m.movedMs} ms after the kill, link up at ${m.linkedMs} ms`,
      );
    }
    const [first, second] = moves;
    if (first === undefined || second === undefined) throw new Error('two movers expected');
    // One at a time: the second is moved only once the first has finished its sync.
    expect(second.movedMs).toBeGreaterThanOrEqual(first.linkedMs);
    // And no sample ever shows both moved to the new master with their links still down.
    const syncingAt = (port: number, atMs: number) => {
      const list = samples.get(port) ?? [];
      const s = list.filter((x) => x.atMs <= atMs).at(-1);
      return s !== undefined && s.masterPort === newMaster.port && !s.linkUp;
    };
    for (const m of moves) {
      for (const s of samples.get(m.node.port) ?? []) {
        const both = moves.filter((o) => syncingAt(o.node.port, s.atMs)).length;
        expect(both).toBeLessThanOrEqual(1);
      }
    }

    // Each mover's own agent reports Sentinel's sequence for it.
    for (const m of moves) {
      const index = stack.nodes.indexOf(m.node);
      await waitFor(`${m.node.address}'s agent to log +slave-reconf-done`, 10_000, async () =>
        agentLogEvents(stack, index).some((e) => e.event === '+slave-reconf-done') ? true : undefined,
      );
      const events = agentLogEvents(stack, index).filter(
        (e) => e.event.startsWith('+slave-reconf') && e.atWallMs >= killedAtWallMs - 1000,
      );
      console.log(
        events
          .map((e) => `${m.node.address} ${e.event} +${e.atWallMs - killedAtWallMs} ms: ${e.payload}`)
          .join('\n'),
      );
      expect(events.map((e) => e.event)).toEqual([
        '+slave-reconf-sent',
        '+slave-reconf-inprog',
        '+slave-reconf-done',
      ]);
    }

    // The voters record the same sequence (HTTP events, SSE, webhooks), each voter from what the agents report.
    const reconf = ['+slave-reconf-sent', '+slave-reconf-inprog', '+slave-reconf-done'];
    const voterEvents = await waitFor("the voters to record each mover's reconf", 15_000, async () => {
      const all = (
        await Promise.all(
          [0, 1, 2].map((voter) =>
            getEvents(stack.coordinatorUrl, stack.options.group, { voter, limit: 500 }),
          ),
        )
      ).flat();
      const seen = all.filter((e) => reconf.includes(e.name) && Date.parse(e.at) >= killedAtWallMs - 1000);
      const complete = moves.every((m) =>
        reconf.every((name) =>
          seen.some((e) => e.name === name && e.payload.startsWith(`slave ${m.node.address} `)),
        ),
      );
      return complete ? seen : undefined;
    });
    const firsts = new Map<string, number>();
    for (const e of voterEvents) {
      const key = `${e.payload.split(' ')[1]} ${e.name}`;
      const at = Date.parse(e.at) - killedAtWallMs;
      firsts.set(key, Math.min(firsts.get(key) ?? at, at));
    }
    console.log(
      [...firsts.entries()]
        .sort((a, b) => a[1] - b[1])
        .map(([key, at]) => `voters: ${key} +${at} ms`)
        .join('\n'),
    );
  }, 180_000);
});
