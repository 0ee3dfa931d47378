// GET /v1/groups/:group/voters/:i/agent: agent authentication and forwarding to the voter.
import { describe, expect, it } from 'vitest';
import { FakeNamespace } from './fake-voters.workers.js';
import { ADMIN_TOKEN, call, errorOf, fakeEnv, tokenFor } from './harness.workers.js';

async function upgrade(
  agent: string,
  group: string,
  extra: Record<string, string> = {},
): Promise<RequestInit> {
  return {
    headers: {
      Upgrade: 'websocket',
      Authorization: `Bearer ${await tokenFor(agent, group)}`,
      'x-edge-sentinel-agent': agent,
      ...extra,
    },
  };
}

describe('GET /v1/groups/:group/voters/:i/agent', () => {
  it('forwards an authenticated upgrade with trusted headers only', async () => {
    const voters = new FakeNamespace();
    const init = await upgrade('agent-a', 'mymaster', {
      'x-edge-sentinel-group': 'other',
      'x-edge-sentinel-voter': '0',
      'X-Edge-Sentinel-Debug': 'yes',
    });
    const res = await call('/v1/groups/mymaster/voters/1/agent', init, fakeEnv(voters));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { forwardedTo: number; headers: Record<string, string> };
    expect(body.forwardedTo).toBe(1);
    expect(body.headers).toMatchObject({
      'x-edge-sentinel-group': 'mymaster',
      'x-edge-sentinel-voter': '1',
      'x-edge-sentinel-agent': 'agent-a',
      upgrade: 'websocket',
    });
    expect(body.headers['x-edge-sentinel-debug']).toBeUndefined();
    expect(body.headers.authorization).toBeUndefined();
    expect(voters.hints.get('mymaster#1')).toBe('eeur');
  });

  it('takes the agent id from ?agent=', async () => {
    const voters = new FakeNamespace();
    const init = await upgrade('agent-b', 'mymaster');
    const headers = new Headers(init.headers);
    headers.delete('x-edge-sentinel-agent');
    const res = await call('/v1/groups/mymaster/voters/0/agent?agent=agent-b', { headers }, fakeEnv(voters));
    expect(res.status).toBe(200);
  });

  it('answers 401 without a token, 403 for another agent, group or the admin token', async () => {
    const testEnv = fakeEnv();
    const path = '/v1/groups/mymaster/voters/0/agent';
    const none = await call(
      path,
      { headers: { Upgrade: 'websocket', 'x-edge-sentinel-agent': 'a' } },
      testEnv,
    );
    expect(none.status).toBe(401);
    const otherAgent = await upgrade('agent-b', 'mymaster', { 'x-edge-sentinel-agent': 'agent-a' });
    expect((await call(path, otherAgent, testEnv)).status).toBe(403);
    const otherGroup = await upgrade('agent-a', 'solo');
    expect((await call(path, otherGroup, testEnv)).status).toBe(403);
    const admin = {
      headers: {
        Upgrade: 'websocket',
        'x-edge-sentinel-agent': 'agent-a',
        Authorization: `Bearer ${ADMIN_TOKEN}`,
      },
    };
    expect((await call(path, admin, testEnv)).status).toBe(403);
  });

  it('answers 400 for a missing or bad agent id', async () => {
    const missing = await call(
      '/v1/groups/mymaster/voters/0/agent',
      { headers: { Upgrade: 'websocket' } },
      fakeEnv(),
    );
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).message).toContain('x-edge-sentinel-agent');
    const bad = await call(
      '/v1/groups/mymaster/voters/0/agent?agent=bad%20id',
      { headers: { Upgrade: 'websocket' } },
      fakeEnv(),
    );
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toContain('agent');
  });

  it('answers 404 for an unknown group or voter, 426 without an upgrade', async () => {
    expect(
      (await call('/v1/groups/ghost/voters/0/agent', await upgrade('a', 'ghost'), fakeEnv())).status,
    ).toBe(404);
    expect(
      (await call('/v1/groups/mymaster/voters/3/agent', await upgrade('a', 'mymaster'), fakeEnv())).status,
    ).toBe(404);
    const init = await upgrade('a', 'mymaster');
    const headers = new Headers(init.headers);
    headers.delete('Upgrade');
    expect((await call('/v1/groups/mymaster/voters/0/agent', { headers }, fakeEnv())).status).toBe(426);
  });

  it('answers 500 bad_config when AGENT_SECRET is not set', async () => {
    const res = await call(
      '/v1/groups/mymaster/voters/0/agent',
      await upgrade('a', 'mymaster'),
      fakeEnv(new FakeNamespace(), { agentSecret: false }),
    );
    expect(res.status).toBe(500);
    expect((await errorOf(res)).message).toContain('AGENT_SECRET');
  });
});
