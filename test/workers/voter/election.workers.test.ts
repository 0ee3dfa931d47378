// Three voter objects elect over real RPC, driven by fake agents through the Worker's agent route.
import { runInDurableObject, SELF } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigPush } from '../../../workers/protocol/index.js';
import { FakeAgent, NODES, waitUntil } from './fake-agent.workers.js';
import { rpcValue } from './rpc-value.js';

const GROUP = 'vt-elect';
const [N1, N2, N3] = NODES as [string, string, string];
const voter = (index: number) => env.VOTER.get(env.VOTER.idFromName(`${GROUP}#${index}`));
const address = (index: number) => ({ group: GROUP, index });

describe('three voters and three agents', () => {
  const agents = [
    new FakeAgent(GROUP, 'a1', N1),
    new FakeAgent(GROUP, 'a2', N2),
    new FakeAgent(GROUP, 'a3', N3),
  ];
  afterAll(async () => {
    for (const agent of agents) agent.close();
    for (const i of [0, 1, 2]) await runInDurableObject(voter(i), (_, state) => state.storage.deleteAlarm());
  });

  it('detect ODOWN, elect, commit epoch 1, promote the best replica and publish it', async () => {
    const started = Date.now();
    for (const agent of agents) {
      for (const i of [0, 1, 2]) await agent.connect(i);
      // N2 has the highest offset: the deterministic ranking must choose it.
      agent.setView(N2, { offsetBytes: 2000 });
      agent.observe();
    }
    for (const i of [0, 1, 2]) {
      await waitUntil(`voter ${i} to see 3 agents`, async () => {
        const status = await rpcValue(voter(i).status(address(i)));
        return status.agents.filter((a) => a.connected && a.views.length === 3).length === 3 || undefined;
      });
      // Every agent got the group's settings, then the committed config, first on connect.
      for (const agent of agents) {
        expect(agent.messages(i)[0]).toMatchObject({
          kind: 'settings',
          voter: i,
          settings: { voters: 3, quorum: 2 },
        });
        expect(agent.messages(i)[1]).toMatchObject({ kind: 'config', voter: i });
      }
    }
    // An idle, healthy voter sets no alarm (workers/core/README.md: an idle voter costs nothing).
    for (const i of [0, 1, 2]) {
      expect(await runInDurableObject(voter(i), (_, state) => state.storage.getAlarm())).toBeNull();
    }

    // The master dies: every agent reports it down.
    for (const agent of agents) {
      agent.setView(N1, { sdown: true });
      agent.observe();
    }

    const committed = await waitUntil('a committed promotion pushed to a2', () =>
      [0, 1, 2]
        .flatMap((i) => agents[1]?.messages(i) ?? [])
        .find((m): m is ConfigPush => m.kind === 'config' && m.config.epoch === 1),
    );
    expect(committed.config).toMatchObject({ epoch: 1, master: N2, previousMaster: N1, cause: 'failover' });

    // a2 promotes N2 and reports it; the leader activates epoch 1 and a majority publishes it.
    const published = await waitUntil('a majority to publish epoch 1', async () => {
      const reads = await Promise.all([0, 1, 2].map((i) => rpcValue(voter(i).readPublished(address(i)))));
      const active = reads.filter((r) => r.config.epoch === 1 && r.config.master === N2);
      return active.length >= 2 ? active : undefined;
    });
    expect(published[0]?.config).toMatchObject({ epoch: 1, master: N2, state: 'active' });
    // The leader stamped epoch 1 when it made it active: during this test, the same on every voter.
    const stamp = published[0]?.since ?? '';
    expect(Date.parse(stamp)).toBeGreaterThanOrEqual(started);
    expect(Date.parse(stamp)).toBeLessThanOrEqual(Date.now());
    for (const read of published) expect(read.since).toBe(stamp);

    // The Worker's master endpoint (majority read) switches too, with the leader's time.
    const response = await SELF.fetch(`http://edge.test/v1/groups/${GROUP}/master`);
    expect(response.status).toBe(200);
    const master = (await response.json()) as { since: string };
    expect(master).toMatchObject({ group: GROUP, host: '10.0.0.2', port: 6379, epoch: 1 });
    expect(master.since).toBe(stamp);

    // Every voter's ODOWN and the election left their marks in the event log.
    const names = new Set<string>();
    let votersWithOdown = 0;
    for (const i of [0, 1, 2]) {
      const page = await rpcValue(voter(i).events(address(i), 0, 1000));
      for (const event of page.events) names.add(event.name);
      if (page.events.some((e) => e.name === '+odown')) votersWithOdown++;
      expect(page.events.map((e) => e.id)).toEqual(page.events.map((_, k) => k + 1));
    }
    // The leader and every voter that granted it saw ODOWN themselves (the third may have
    // learned the commit first).
    expect(votersWithOdown).toBeGreaterThanOrEqual(2);
    for (const name of ['+odown', '+try-failover', '+vote-for-leader', '+elected-leader', '+selected-slave'])
      expect(names).toContain(name);
    expect(names).toContain('+switch-master');
    const status = await rpcValue(voter(0).status(address(0)));
    expect(status.counters.rowsWritten).toBeGreaterThan(0);
    expect(status.counters.wsMessagesIn).toBeGreaterThan(0);
    console.log(
      `failover took ${Date.now() - started} ms; voter 0 counters ${JSON.stringify(status.counters)}`,
    );
  });
});

describe('one voter of three unreachable by agents', () => {
  const group = 'vt-elect-two';
  const voterOf = (index: number) => env.VOTER.get(env.VOTER.idFromName(`${group}#${index}`));
  const agents = [
    new FakeAgent(group, 'a1', N1),
    new FakeAgent(group, 'a2', N2),
    new FakeAgent(group, 'a3', N3),
  ];
  afterAll(async () => {
    for (const agent of agents) agent.close();
    for (const i of [0, 1, 2])
      await runInDurableObject(voterOf(i), (_, state) => state.storage.deleteAlarm());
  });

  it('the other two still elect and commit; the third refuses its vote and learns the result', async () => {
    for (const agent of agents) {
      for (const i of [0, 1]) await agent.connect(i);
      agent.observe();
    }
    for (const agent of agents) {
      agent.setView(N1, { sdown: true });
      agent.setView(N3, { offsetBytes: 5000 });
      agent.observe();
    }
    const committed = await waitUntil('voters 0 and 1 to commit epoch 1 or higher', async () => {
      const configs = await Promise.all([0, 1].map((i) => rpcValue(voterOf(i).status({ group, index: i }))));
      const done = configs.every((s) => s.durable.committed.epoch >= 1 && s.durable.committed.master === N3);
      return done ? configs[0]?.durable.committed : undefined;
    });
    expect(committed).toMatchObject({ master: N3, cause: 'failover' });
    // Voter 2 sees no agent, so it never saw ODOWN: it cannot have granted an automatic failover.
    const third = await rpcValue(voterOf(2).status({ group, index: 2 }));
    expect(third.odown).toBe(false);
    const events = await rpcValue(voterOf(2).events({ group, index: 2 }, 0, 1000));
    expect(events.events.map((e) => e.name)).not.toContain('+vote-for-leader');
    // It still learns the decision from the leader's commit.
    await waitUntil('voter 2 to learn the committed config', async () => {
      const status = await rpcValue(voterOf(2).status({ group, index: 2 }));
      return status.durable.committed.master === N3 || undefined;
    });
  });
});
