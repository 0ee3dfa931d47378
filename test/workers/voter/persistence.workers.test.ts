// What a voter keeps across eviction (its vote and configs) and what it restores after hibernation.
import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config, PeerMessage, VoteRequest } from '../../../workers/protocol/index.js';
import { Voter } from '../../../workers/voter/voter.js';
import { FakeAgent, NODES, waitUntil } from './fake-agent.workers.js';
import { refusalOf, rpcValue } from './rpc-value.js';

const [N1, N2, N3] = NODES as [string, string, string];
const stubOf = (group: string, index: number) => env.VOTER.get(env.VOTER.idFromName(`${group}#${index}`));

function voteRequest(group: string, epoch: number, candidate: number): VoteRequest {
  return {
    v: 1,
    kind: 'vote-request',
    group,
    epoch,
    candidate,
    purpose: 'manual',
    subject: N1,
    target: null,
  };
}

/** The message of an RPC's rejection (awaited in try/catch: `expect().rejects` leaves one unhandled). */
async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return 'no error';
}

async function clearAlarm(group: string, index: number) {
  await runInDurableObject(stubOf(group, index), (_, state) => state.storage.deleteAlarm());
}

describe('eviction', () => {
  afterEach(async () => {
    for (const i of [0, 1, 2]) await clearAlarm('vt-persist', i);
  });

  it('a voter evicted and reloaded keeps its vote and config: no second vote in the same epoch', async () => {
    const group = 'vt-persist';
    const me = { group, index: 0 };
    await rpcValue(stubOf(group, 0).peer(me, 1, voteRequest(group, 5, 1)));
    const accepted: Config = {
      epoch: 5,
      master: N2,
      state: 'promoting',
      previousMaster: N1,
      cause: 'manual',
      leader: 1,
    };
    const accept: PeerMessage = { v: 1, kind: 'accept', group, epoch: 5, leader: 1, config: accepted };
    await rpcValue(stubOf(group, 0).peer(me, 1, accept));
    const before = await rpcValue(stubOf(group, 0).status(me));
    expect(before.durable).toMatchObject({ promisedEpoch: 5, vote: { epoch: 5, candidate: 1 }, accepted });

    // Every object is dropped from memory; storage stays. A new stub reaches a fresh instance.
    await abortAllDurableObjects();
    const after = await rpcValue(stubOf(group, 0).status(me));
    expect(after.durable).toEqual(before.durable);

    // Another candidate for the same epoch is refused. (The reloaded voter then closes the open
    // epoch itself with a higher one: that is the core's job, and it is not a second vote in 5.)
    await rpcValue(stubOf(group, 0).peer(me, 2, voteRequest(group, 5, 2)));
    const again = await rpcValue(stubOf(group, 0).status(me));
    expect(again.durable.vote?.candidate === 2 && again.durable.vote.epoch === 5).toBe(false);
    const events = await rpcValue(stubOf(group, 0).events(me, 0, 100));
    expect(events.events.filter((e) => e.name === '+vote-for-leader').map((e) => e.payload)).toEqual(['1 5']);
  });

  it('refuses a call addressed to another voter and reads the same identity after a restart', async () => {
    await rpcValue(stubOf('vt-persist', 1).readPublished({ group: 'vt-persist', index: 1 }));
    expect(await refusalOf(stubOf('vt-persist', 1).readPublished({ group: 'vt-persist', index: 2 }))).toMatch(
      /wrong_voter/,
    );
    await abortAllDurableObjects();
    expect(await refusalOf(stubOf('vt-persist', 1).status({ group: 'vt-elect', index: 1 }))).toMatch(
      /wrong_voter/,
    );
    expect(await refusalOf(stubOf('vt-nope', 0).readPublished({ group: 'vt-nope', index: 0 }))).toMatch(
      /unknown_voter: group vt-nope/,
    );
  });
});

describe('publication time (since) and waiting for events', () => {
  const group = 'vt-persist';
  const me = { group, index: 2 };
  const epoch3: Config = {
    epoch: 3,
    master: N3,
    state: 'active',
    previousMaster: N1,
    cause: 'failover',
    leader: 0,
    publishedAtMs: Date.parse('2026-05-01T12:00:00.000Z'),
  };

  afterEach(async () => {
    for (const i of [0, 1, 2]) await clearAlarm(group, i);
  });

  it('keeps a learned config and its publication time across a restart', async () => {
    // (This voter may have started earlier in this file: peers of voter 0 are woken by its election.)
    const initial = await rpcValue(stubOf(group, 2).readPublished(me));
    expect(initial).toMatchObject({ config: { epoch: 0 }, since: null });
    const learned = await rpcValue(stubOf(group, 2).learn(me, epoch3));
    expect(learned).toEqual({ config: epoch3, since: '2026-05-01T12:00:00.000Z' });
    expect(await rpcValue(stubOf(group, 2).waitForEpoch(me, 2, 1_000))).toEqual(learned);

    await abortAllDurableObjects();
    expect(await rpcValue(stubOf(group, 2).readPublished(me))).toEqual(learned);
  });

  it('waitForEvents answers when a newer event is stored, at once if one is, else at the timeout', async () => {
    const stub = stubOf(group, 2);
    const last = (await rpcValue(stub.status(me))).lastEventId;
    const timedOutAt = Date.now();
    expect(await rpcValue(stub.waitForEvents(me, last, 100))).toBe(last);
    expect(Date.now() - timedOutAt).toBeGreaterThanOrEqual(90);

    const parked = rpcValue(stub.waitForEvents(me, last, 10_000));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const storedAt = Date.now();
    await rpcValue(stub.admin(me, { kind: 'pause' }));
    const newest = await parked;
    expect(newest).toBeGreaterThan(last);
    expect(Date.now() - storedAt).toBeLessThan(500);
    const page = await rpcValue(stub.events(me, last, 100));
    expect(page.events.map((e) => e.name)).toContain('+paused');
    expect(page.cursor).toBe(newest);
    expect(await rpcValue(stub.waitForEvents(me, 0, 10_000))).toBe(newest);
    expect(await refusalOf(stub.waitForEvents(me, -1, 10))).toMatch(/^bad_request: /);
    await rpcValue(stub.admin(me, { kind: 'resume' }));
  });
});

describe('hibernation wake-up vs real restart', () => {
  const group = 'vt-wake';
  const me = { group, index: 0 };
  const agents = [
    new FakeAgent(group, 'w1', N1),
    new FakeAgent(group, 'w2', N2),
    new FakeAgent(group, 'w3', N3),
  ];

  afterEach(async () => {
    for (const agent of agents) agent.close();
    await abortAllDurableObjects();
    for (const i of [0, 1, 2]) await clearAlarm(group, i);
  });

  it('a wake-up restores the agents and this life start, so no restart grace delays ODOWN', async () => {
    const stub = stubOf(group, 0);
    await rpcValue(stub.admin(me, { kind: 'pause' }));
    for (const agent of agents) {
      await agent.connect(0);
      agent.setView(N1, { sdown: true });
      agent.observe();
    }
    await waitUntil('three agents with views', async () => {
      const status = await rpcValue(stub.status(me));
      return status.agents.filter((a) => a.views.length === 3).length === 3 || undefined;
    });
    // Within the 60 s restart grace nothing is judged down.
    expect((await rpcValue(stub.status(me))).odown).toBe(false);

    const woken = await runInDurableObject(stub, async (_, state) => {
      // Pretend this life started long ago (grace over), then construct the object again with the
      // sockets still open: exactly what the runtime does when a hibernated voter gets an event.
      const volatile = state.storage.sql
        .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'volatile'")
        .one();
      const old = { ...JSON.parse(volatile.value), startedAtMs: Date.now() - 120_000 };
      state.storage.sql.exec("UPDATE meta SET value = ? WHERE key = 'volatile'", JSON.stringify(old));
      expect(state.getWebSockets()).toHaveLength(3);
      const instance = new Voter(state, env);
      await state.blockConcurrencyWhile(async () => {});
      await instance.alarm();
      return rpcValue(instance.status(me));
    });
    expect(woken.agents.map((a) => [a.agentId, a.connected, a.views.length])).toEqual([
      ['w1', true, 3],
      ['w2', true, 3],
      ['w3', true, 3],
    ]);
    expect(woken.odown).toBe(true);
  });

  it('a real restart (no open sockets) starts from the durable state with the restart grace', async () => {
    const stub = stubOf(group, 0);
    for (const agent of agents) {
      await agent.connect(0);
      agent.setView(N1, { sdown: true });
      agent.observe();
    }
    await waitUntil('three agents', async () =>
      (await rpcValue(stub.status(me))).agents.length === 3 ? true : undefined,
    );
    for (const agent of agents) agent.close();
    await abortAllDurableObjects();
    const fresh = stubOf(group, 0);
    const restarted = await rpcValue(fresh.status(me));
    expect(restarted.agents).toEqual([]);
    expect(restarted.durable.paused).toBe(true);
    const rows = await runInDurableObject(fresh, (_, state) =>
      state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM agents').one(),
    );
    expect(rows.n).toBe(0);
    // Agents come back and report the master down: the grace holds ODOWN back.
    for (const agent of agents) {
      await agent.connect(0);
      agent.observe();
    }
    await waitUntil('three agents back', async () =>
      (await rpcValue(fresh.status(me))).agents.length === 3 ? true : undefined,
    );
    expect((await rpcValue(fresh.status(me))).odown).toBe(false);
  });
});

describe('damaged storage', () => {
  it('a voter whose stored state fails validation refuses every call rather than forget its vote', async () => {
    const group = 'vt-corrupt';
    const me = { group, index: 0 };
    await rpcValue(stubOf(group, 0).peer(me, 0, voteRequest(group, 7, 0)));
    expect((await rpcValue(stubOf(group, 0).status(me))).durable.promisedEpoch).toBeGreaterThanOrEqual(7);
    await runInDurableObject(stubOf(group, 0), async (_, state) => {
      await state.storage.deleteAlarm();
      state.storage.sql.exec(`UPDATE durable SET state = '{"promisedEpoch":"seven"}' WHERE id = 1`);
    });
    await abortAllDurableObjects();
    // Starting empty would let it vote again in epochs it already voted in: it stays down instead.
    expect(await failure(stubOf(group, 0).status(me))).toMatch(/stored durable state is invalid/);
    expect(await failure(stubOf(group, 0).peer(me, 0, voteRequest(group, 8, 0)))).toMatch(
      /stored durable state is invalid/,
    );
  });
});
