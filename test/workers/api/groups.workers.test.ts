// GET /v1/groups and GET /v1/groups/:group: the list with masters and the aggregated status.
import { describe, expect, it } from 'vitest';
import type { GroupStatus } from '../../../workers/api/schemas.js';
import { activeConfig, FakeNamespace } from './fake-voters.workers.js';
import { bearer, call, errorOf, fakeEnv } from './harness.workers.js';

describe('GET /v1/groups', () => {
  it('lists every group with its majority-read master', async () => {
    const voters = new FakeNamespace();
    for (const i of [0, 1, 2, 3, 4]) voters.voter('five', i).unreachable = i < 3;
    const res = await call('/v1/groups', {}, fakeEnv(voters));
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      groups: Array<{ group: string; master: unknown; error: string | null }>;
      next: null;
    };
    expect(body.groups.map((g) => g.group)).toEqual(['five', 'mymaster', 'solo']);
    expect(body.groups[0]?.master).toBeNull();
    expect(body.groups[0]?.error).toContain('of 5 voters');
    expect(body.groups[1]?.master).toMatchObject({ host: '127.0.0.1', port: 7001, epoch: 0 });
    expect(body.next).toBeNull();
  });

  it('pages with limit and after', async () => {
    const first = await call('/v1/groups?limit=2', {}, fakeEnv());
    const page = (await first.json()) as { groups: Array<{ group: string }>; next: string };
    expect(page.groups.map((g) => g.group)).toEqual(['five', 'mymaster']);
    expect(page.next).toBe('mymaster');
    const second = await call(`/v1/groups?limit=2&after=${page.next}`, {}, fakeEnv());
    expect(
      ((await second.json()) as { groups: Array<{ group: string }> }).groups.map((g) => g.group),
    ).toEqual(['solo']);
  });

  it('refuses limit=0 with 400 naming the field', async () => {
    const res = await call('/v1/groups?limit=0', {}, fakeEnv());
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain('query.limit');
  });

  it('needs a token when READ_TOKEN is set', async () => {
    const testEnv = fakeEnv(new FakeNamespace(), { readToken: true });
    expect((await call('/v1/groups', {}, testEnv)).status).toBe(401);
    expect((await call('/v1/groups', bearer('some-other-token'), testEnv)).status).toBe(403);
  });
});

describe('GET /v1/groups/:group', () => {
  it('aggregates the voters and says which answered', async () => {
    const voters = new FakeNamespace();
    voters.voter('mymaster', 2).unreachable = true;
    voters.voter('mymaster', 1).publish(activeConfig(2, '127.0.0.1:7002'));
    voters.voter('mymaster', 0).paused = true;
    const res = await call('/v1/groups/mymaster', {}, fakeEnv(voters));
    expect(res.status).toBe(200);
    const status = (await res.json()) as GroupStatus;
    expect(status.answered).toEqual([0, 1]);
    expect(status.master).toMatchObject({ port: 7002, epoch: 2 });
    expect(status.epoch).toBe(2);
    expect(status.paused).toBe(true);
    expect(status.failover.state).toBe('idle');
    expect(status.settings).toMatchObject({ voters: 3, quorum: 2, leaseMs: 1000, fencing: true });
    expect(status.voters[2]).toMatchObject({ index: 2, answered: false });
    expect(status.voters[2]?.error).toContain('unreachable');
  });

  it('shows master null when no majority answers', async () => {
    const voters = new FakeNamespace();
    voters.voter('mymaster', 0).unreachable = true;
    voters.voter('mymaster', 1).unreachable = true;
    const status = (await (await call('/v1/groups/mymaster', {}, fakeEnv(voters))).json()) as GroupStatus;
    expect(status.master).toBeNull();
    expect(status.answered).toEqual([2]);
  });

  it('answers 404 for an unknown group', async () => {
    const res = await call('/v1/groups/unknown', {}, fakeEnv());
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('unknown_group');
  });
});
