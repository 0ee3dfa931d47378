// End to end: voters taken down by outage drills. One of three down: a killed master still fails
// over. Two of three down: no failover, nothing is promoted; healed, the failover completes.
// Refused and hostile requests are answered without an exception: wrangler logs no "Uncaught".

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  type CoordinatorEvent,
  type EventFollower,
  followEvents,
  getMaster,
  postAdmin,
} from '../../infra/local/coordinator-client.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { existingKeys, nodeRole } from '../../infra/local/redis-query.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { sleep, waitFor } from '../../infra/local/wait.js';
import { startWriteLoad, type WriteLoad } from '../../infra/local/write-load.js';
import { agentToken } from '../../workers/auth/hmac.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7701-7703, wrangler 8811, Sentinel 26701.., metrics 26711...
const REDIS_PORT = 7701;
const DOWN_AFTER_MS = 1000;
/** Generous on purpose: the tight goal lives in the benchmark. */
const FAILOVER_BOUND_MS = 30_000;
/** How long two voters down are watched for a failover that must not come. */
const WATCH_MS = 8 * DOWN_AFTER_MS;

const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

/** The status and error code of a request to the coordinator (the API's `{"error":{"code"}}`). */
async function answerOf(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  const body = (await response.json()) as { error?: { code?: string } };
  return { status: response.status, code: body.error?.code ?? null };
}

describe('voter outages (3 nodes, 3 agents, 3 voters)', () => {
  let stack: LocalStack;
  let load: WriteLoad | null = null;
  let master = `127.0.0.1:${REDIS_PORT}`;
  let follower: EventFollower | null = null;

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
    // The event stream is left open while the stack stops, and closed after. Closed just before,
    // the agents' disconnections during the stop are written to a stream whose client is gone,
    // and workerd logs "Uncaught Error: Network connection lost." for each such write (its own
    // report of the broken response, which no code of the Worker can catch; locally the Worker
    // hears of the disconnect only from that failed write). Nothing is asserted on the log after
    // the stop; the last test below checks it while the stack runs.
    await stack?.stop();
    await follower?.stop();
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

  it('answers malformed, refused and forged requests as errors, not exceptions', async () => {
    const group = stack.options.group;
    const base = `${stack.coordinatorUrl}/v1/groups/${group}`;
    const sse = { Accept: 'text/event-stream' };
    const seen: CoordinatorEvent[] = [];
    follower = followEvents(stack.coordinatorUrl, group, (event) => seen.push(event), { voter: 1 });
    await waitFor('the event stream to replay voter 1 events', 10_000, async () =>
      seen.length > 0 ? true : undefined,
    );

    // A Last-Event-ID that is not an event id, or is above 2^53 (which a voter would refuse), is a 400.
    for (const id of ['abc', '-1', '9007199254740993', '99999999999999999']) {
      expect(await answerOf(`${base}/events`, { ...sse, 'Last-Event-ID': id })).toEqual({
        status: 400,
        code: 'bad_request',
      });
    }

    // A voter held down refuses the call: 503 for the client, a value (not an exception) in the voter.
    await setDown(0, true);
    expect(await answerOf(`${base}/events?voter=0`, sse)).toEqual({ status: 503, code: 'voter_unreachable' });
    expect(await answerOf(`${base}/events?voter=0&after=1`)).toEqual({
      status: 503,
      code: 'voter_unreachable',
    });
    await setDown(0, false);

    // Forged credentials, each a 403: another agent's id with this token, a made-up token, a made-up admin token.
    const env = readFileSync(join(stack.runDir, 'coordinator.env'), 'utf8');
    const secret = /^AGENT_SECRET=(.+)$/m.exec(env)?.[1];
    if (secret === undefined) throw new Error('no AGENT_SECRET in the generated coordinator.env');
    const token = await agentToken(secret, 'agent-forged', group);
    const agentUrl = `${base}/voters/0/agent`;
    expect(
      await answerOf(agentUrl, { Authorization: `Bearer ${token}`, 'x-edge-sentinel-agent': 'agent-a' }),
    ).toMatchObject({ status: 403 });
    expect(await answerOf(`${agentUrl}?agent=agent-forged`, { Authorization: 'Bearer 00' })).toMatchObject({
      status: 403,
    });
    const forgedAdmin = await postAdmin(stack.coordinatorUrl, group, 'voters/0/outage', 'not-the-token', {
      down: true,
    });
    expect(forgedAdmin.status).toBe(403);

    // An authenticated agent sending forged and malformed messages: each is refused with an error
    // notice on the open socket (a +promote-done at epoch 1e15, another group's, not JSON at all).
    const socket = new WebSocket(`${agentUrl.replace(/^http/, 'ws')}?agent=agent-forged`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const notices: string[] = [];
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { kind: string; error?: string };
      if (message.kind === 'error') notices.push(message.error ?? '');
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const result = {
      v: 1,
      kind: 'command-result',
      agentId: 'agent-forged',
      group,
      epoch: 1e15,
      node: master,
      action: 'promote',
      ok: true,
      detail: '',
    };
    socket.send(JSON.stringify(result));
    socket.send(JSON.stringify({ ...result, epoch: 1, group: 'not-this-group' }));
    socket.send('{"kind": not json');
    const refused = await waitFor('three error notices', 10_000, async () =>
      notices.length >= 3 ? [...notices] : undefined,
    );
    expect(refused[0]).toMatch(/epoch 1000000000000000 is above any/);
    expect(refused[1]).toMatch(/names group not-this-group/);
    expect(refused[2]).toMatch(/JSON/);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.close(1000, 'done');
    await closed;
  }, 60_000);

  it('leaves no "Uncaught" in the wrangler log: every refusal above was a value, not an exception', () => {
    const log = stack.coordinatorLog();
    // The stack logged this run's drills, so an empty log would mean the capture is broken.
    expect(log.some((line) => line.includes('outage drill: down'))).toBe(true);
    expect(log.filter((line) => /Uncaught/.test(line))).toEqual([]);
  });
});
