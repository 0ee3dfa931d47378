// The load balancers' checks (GET /primary, /replica, /health) of real agents over real redis-servers and fake voters.

import { describe, expect, it } from 'vitest';
import { answerHealthCheck, type HealthGroup } from '../../../agent/core/health-checks.js';
import { monotonicClock } from '../../../agent/runtime/clock.js';
import { initialConfig } from '../../../workers/protocol/index.js';
import { startRedis } from '../../support/redis-server.js';
import { FakeVoters, tokenFor } from './fake-voters.js';
import {
  cleanupStack,
  client,
  node,
  removeDir,
  runAgent,
  tempStateDir,
  testConfig,
  waitFor,
  waitUnfenced,
} from './harness.js';

const cleanups = cleanupStack();

const MASTER = 7341;
const REPLICA = 7342;

interface Answer {
  readonly status: number;
  readonly body: { ok: boolean; reason: string; [key: string]: unknown };
}

async function check(port: number | null, path: string): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) });
  expect(res.headers.get('content-type')).toBe('application/json');
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

/** Until `path` answers `status`; returns that answer (the last one in the timeout message). */
async function until(port: number | null, path: string, status: number, timeoutMs = 5000): Promise<Answer> {
  let last: Answer | null = null;
  try {
    return await waitFor(`${path} ${status}`, timeoutMs, async () => {
      last = await check(port, path);
      return last.status === status ? last : undefined;
    });
  } catch (error) {
    throw new Error(`${String(error)}; last answer ${JSON.stringify(last)}`);
  }
}

async function twoAgents(group: string, leaseMs = 1000) {
  const master = await startRedis({ port: MASTER });
  cleanups.push(() => master.stop());
  const replica = await startRedis({ port: REPLICA, replicaOf: `127.0.0.1 ${MASTER}` });
  cleanups.push(() => replica.stop());
  const v = await FakeVoters.start(group, { leaseMs });
  cleanups.push(() => v.close());
  v.push(initialConfig(node(MASTER)));
  const dirA = tempStateDir();
  const dirB = tempStateDir();
  cleanups.push(() => removeDir(dirA));
  cleanups.push(() => removeDir(dirB));
  const a = await runAgent(
    await testConfig({ voters: v, localPort: MASTER, otherPorts: [REPLICA], stateDir: dirA }),
  );
  cleanups.push(() => a.stop());
  const base = await testConfig({ voters: v, localPort: REPLICA, otherPorts: [MASTER], stateDir: dirB });
  // The second agent has its own id, and its own token for it.
  const tokenB = await tokenFor('agent-test-b', group);
  const agentB = await runAgent({
    ...base,
    agentId: 'agent-test-b',
    groups: base.groups.map((g) => ({ ...g, token: tokenB })),
  });
  cleanups.push(() => agentB.stop());
  await waitUnfenced(a, MASTER);
  return { v, a, b: agentB, master, replica };
}

describe('load-balancer health checks', () => {
  it('answers /primary, /replica and /health from each agent, 503 when the lease ends or the node dies', async () => {
    const { v, a, b, replica } = await twoAgents('hc');
    const pa = a.metricsPort;
    const pb = b.metricsPort;

    // The master's agent: the committed master, lease held, unfenced.
    const primary = await until(pa, '/primary', 200);
    expect(primary.body).toMatchObject({ ok: true, group: 'hc', node: node(MASTER), epoch: 0 });
    const notReplica = await check(pa, '/replica');
    expect(notReplica.status).toBe(503);
    expect(notReplica.body.reason).toMatch(/committed master/);
    expect((await until(pa, '/health', 200)).body).toMatchObject({ ok: true, role: 'master' });

    // The replica's agent.
    const notPrimary = await check(pb, '/primary');
    expect(notPrimary.status).toBe(503);
    expect(notPrimary.body.reason).toMatch(/not the committed master/);
    const following = await until(pb, '/replica', 200);
    expect(following.body).toMatchObject({ ok: true, node: node(REPLICA), master: node(MASTER) });
    expect((await until(pb, '/replica?lag=100000000', 200)).body.lagBytes).toEqual(expect.any(Number));
    for (const bad of ['abc', '-1', '1.5', '', '1e3']) {
      const answer = await check(pb, `/replica?lag=${bad}`);
      expect(answer.status, bad).toBe(400);
      expect(answer.body.reason).toMatch(/lag must be a whole number/);
    }
    expect((await check(pb, '/health')).status).toBe(200);
    // One group here: naming it is fine, naming another is a 404.
    expect((await check(pb, '/replica?group=hc')).status).toBe(200);
    expect((await check(pb, '/replica?group=nope')).status).toBe(404);

    // The voters are cut: the lease ends within leaseMs and /primary turns 503; the node still answers.
    v.cut();
    const lost = await until(pa, '/primary', 503, 3000);
    expect(lost.body.reason).toMatch(/lease|fenced/);
    expect((await check(pa, '/health')).status).toBe(200);
    v.heal();
    await until(pa, '/primary', 200, 8000);

    // The replica dies: its agent sees it SDOWN after down-after, /health and /replica turn 503.
    await replica.kill();
    const down = await until(pb, '/health', 503, 5000);
    expect(down.body.reason).toMatch(/SDOWN/);
    expect((await check(pb, '/replica')).status).toBe(503);
    // The master keeps its lease and stays the primary.
    expect((await check(pa, '/primary')).status).toBe(200);
  }, 40_000);

  it('bounds the lag by the offsets the agent read, and needs ?group= with several groups', async () => {
    const { a, b } = await twoAgents('hc2');
    const runner = b.runners[0];
    if (runner === undefined) throw new Error('no runner');
    await waitFor('INFO of both nodes', 5000, () =>
      Object.values(runner.current.nodes).every((n) => n.info !== null),
    );
    // The replica healthy first (it replicates the committed master, link up): only the lag is judged below.
    await until(b.metricsPort, '/replica', 200, 10_000);
    // The master's offset as this agent last read it, 5000 bytes ahead of its replica's.
    const behind: HealthGroup = {
      name: runner.name,
      fenceApplied: (n) => runner.fenceApplied(n),
      get current() {
        const state = runner.current;
        const masterState = state.nodes[node(MASTER)];
        const replicaInfo = state.nodes[node(REPLICA)]?.info;
        if (masterState?.info == null || replicaInfo == null) throw new Error('no INFO yet');
        return {
          ...state,
          nodes: {
            ...state.nodes,
            [node(MASTER)]: {
              ...masterState,
              info: { ...masterState.info, offsetBytes: replicaInfo.offsetBytes + 5000 },
            },
          },
        };
      },
    };
    const now = monotonicClock.nowMs();
    const params = (query: string) => new URLSearchParams(query);
    let answer = answerHealthCheck('/replica', params('lag=4999'), [behind], now);
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ ok: false, lagBytes: 5000 });
    answer = answerHealthCheck('/replica', params('lag=5000'), [behind], now);
    expect(answer).toMatchObject({ status: 200, body: { lagBytes: 5000 } });
    expect(answerHealthCheck('/replica', params(''), [behind], now).status).toBe(200);

    // Written on the master, replicated at once: the real offsets agree within a small lag.
    const w = client(MASTER);
    cleanups.push(() => w.disconnect());
    await w.set('big', 'x'.repeat(100_000));
    await until(b.metricsPort, '/replica?lag=1000', 200, 5000);

    // Two groups in one agent: ?group= is required, and picks one.
    const groupA = a.runners[0];
    if (groupA === undefined) throw new Error('no runner');
    const other: HealthGroup = { name: 'other', current: groupA.current, fenceApplied: () => 'fenced' };
    const both = [groupA, other];
    answer = answerHealthCheck('/primary', params(''), both, monotonicClock.nowMs());
    expect(answer.status).toBe(400);
    expect(answer.body.reason).toMatch(/name one with \?group= \(hc2, other\)/);
    expect(answerHealthCheck('/primary', params('group=hc2'), both, monotonicClock.nowMs()).status).toBe(200);
    expect(answerHealthCheck('/primary', params('group=other'), both, monotonicClock.nowMs()).status).toBe(
      503,
    );
    expect(answerHealthCheck('/primary', params('group=x'), both, monotonicClock.nowMs()).status).toBe(404);
  }, 40_000);
});
