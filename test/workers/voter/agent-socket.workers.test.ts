// The agent WebSocket at one voter: refusals keep the connection and the state, replacement, pongs, alarms.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';
import { LEASE_PING, LEASE_PONG } from '../../../workers/protocol/index.js';
import { FakeAgent, NODES, waitUntil } from './fake-agent.workers.js';
import { rpcValue } from './rpc-value.js';

const GROUP = 'vt-solo';
const me = { group: GROUP, index: 0 };
const [N1, N2] = NODES as [string, string];
const stub = () => env.VOTER.get(env.VOTER.idFromName(`${GROUP}#0`));

describe('agent sockets', () => {
  const agent = new FakeAgent(GROUP, 's1', N1);
  afterAll(async () => {
    agent.close();
    await runInDurableObject(stub(), (_, state) => state.storage.deleteAlarm());
  });

  const errors = () => agent.messages(0).filter((m) => m.kind === 'error');

  it('refuses malformed and stale-epoch messages with an error notice, keeping socket and state', async () => {
    await agent.connect(0);
    agent.observe();
    await waitUntil('the first observation', async () =>
      (await rpcValue(stub().status(me))).agents[0]?.views.length ? true : undefined,
    );
    const before = await rpcValue(stub().status(me));

    agent.sendRaw(0, 'not json');
    agent.sendRaw(
      0,
      JSON.stringify({
        v: 1,
        kind: 'observation',
        agentId: 's1',
        group: GROUP,
        seq: 99,
        highestEpoch: 0,
        inReplyTo: null,
        views: [{ node: 'nope' }],
      }),
    );
    agent.sendRaw(0, JSON.stringify({ v: 2, kind: 'hello' }));
    agent.sendTo(0, {
      v: 1,
      kind: 'hello',
      agentId: 'someone-else',
      group: GROUP,
      localNodes: [],
      highestEpoch: 0,
      sentinel: null,
    });
    agent.sendRaw(0, 'x'.repeat(70 * 1024));
    await waitUntil('five error notices', () => (errors().length >= 5 ? true : undefined));
    const texts = errors().map((m) => (m.kind === 'error' ? m.error : ''));
    // One notice per refused message (their relative order is not what is tested here).
    for (const pattern of [
      /^message is not valid JSON$/,
      /views\.0\.node/,
      /(^|; )v: /,
      /names agent someone-else/,
      /too large/,
    ])
      expect(texts.filter((t) => pattern.test(t))).toHaveLength(1);
    expect(errors()[0]).toMatchObject({ v: 1, kind: 'error', group: GROUP, voter: 0 });

    // A committed epoch 2 arrives by read repair; a command result for epoch 1 is now stale.
    await rpcValue(
      stub().learn(me, {
        epoch: 2,
        master: N2,
        state: 'active',
        previousMaster: N1,
        cause: 'manual',
        leader: 0,
      }),
    );
    agent.sendTo(0, {
      v: 1,
      kind: 'command-result',
      agentId: 's1',
      group: GROUP,
      epoch: 1,
      node: N1,
      action: 'demote',
      ok: true,
      detail: 'late',
    });
    await waitUntil('the stale-epoch notice', () => (errors().length >= 6 ? true : undefined));
    expect(errors()[5]).toMatchObject({ kind: 'error', error: 'stale epoch 1: the committed epoch is 2' });

    const after = await rpcValue(stub().status(me));
    expect(after.agents).toEqual(before.agents);
    expect((await rpcValue(stub().events(me, 0, 1000))).events.some((e) => e.name === '+demote-done')).toBe(
      false,
    );

    // The same connection still works.
    agent.setView(N2, { offsetBytes: 4242 });
    agent.observe();
    await waitUntil('the next observation', async () => {
      const views = (await rpcValue(stub().status(me))).agents[0]?.views ?? [];
      return views.some((v) => v.node === N2 && v.offsetBytes === 4242) || undefined;
    });
  });

  it('answers lease pings without waking the object, and sets no alarm while idle', async () => {
    const inBefore = (await rpcValue(stub().status(me))).counters.wsMessagesIn;
    const ws = agent.sockets.get(0);
    const pong = new Promise<string>((resolve) =>
      ws?.addEventListener('message', (e) => {
        if (e.data === LEASE_PONG) resolve(String(e.data));
      }),
    );
    ws?.send(LEASE_PING);
    expect(await pong).toBe(LEASE_PONG);
    expect((await rpcValue(stub().status(me))).counters.wsMessagesIn).toBe(inBefore);
    expect(await runInDurableObject(stub(), (_, state) => state.storage.getAlarm())).toBeNull();
  });

  it('a second connection of the same agent replaces the first', async () => {
    const old = agent.sockets.get(0);
    const closed = new Promise<number>((resolve) => old?.addEventListener('close', (e) => resolve(e.code)));
    await agent.connect(0);
    expect(await closed).toBe(4000);
    agent.observe();
    await new Promise((r) => setTimeout(r, 100));
    const status = await rpcValue(stub().status(me));
    expect(status.agents.map((a) => [a.agentId, a.connected])).toEqual([['s1', true]]);
    // Once the agent is gone for good, the voter keeps one alarm: forgetting it after the TTL.
    agent.close();
    await waitUntil('the disconnect', async () =>
      (await rpcValue(stub().status(me))).agents[0]?.connected === false ? true : undefined,
    );
    const alarm = await runInDurableObject(stub(), (_, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + 3_000_000);
  });
});
