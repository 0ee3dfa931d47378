// Operator routes: failover/switchover to one voter, pause/resume/reset to a majority, auth and limits.
import { describe, expect, it } from 'vitest';
import { FakeNamespace } from './fake-voters.workers.js';
import { ADMIN_TOKEN, adminPost, bearer, call, errorOf, fakeEnv, READ_TOKEN } from './harness.workers.js';

describe('POST /v1/groups/:group/failover and /switchover', () => {
  it('asks the first reachable voter and answers 202', async () => {
    const voters = new FakeNamespace();
    voters.voter('mymaster', 0).unreachable = true;
    const res = await call(
      '/v1/groups/mymaster/failover',
      adminPost('{"target":"127.0.0.1:7002"}'),
      fakeEnv(voters),
    );
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ group: 'mymaster', action: 'failover', voter: 1 });
    expect(voters.voter('mymaster', 1).actions).toEqual([{ kind: 'failover', target: '127.0.0.1:7002' }]);
    expect(voters.voter('mymaster', 2).actions).toEqual([]);
  });

  it('accepts an empty body, and a JSON body sent without a JSON content type', async () => {
    const voters = new FakeNamespace();
    expect((await call('/v1/groups/mymaster/switchover', adminPost(), fakeEnv(voters))).status).toBe(202);
    const form = adminPost('{"target":"127.0.0.1:7003","timeoutMs":2500}', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect((await call('/v1/groups/mymaster/switchover', form, fakeEnv(voters))).status).toBe(202);
    expect(voters.voter('mymaster', 0).actions).toEqual([
      { kind: 'switchover', target: null, timeoutMs: null },
      { kind: 'switchover', target: '127.0.0.1:7003', timeoutMs: 2500 },
    ]);
  });

  it.each([
    ['/failover', '{"target":"nohostport"}', 'body.target'],
    ['/failover', '{"tagret":"127.0.0.1:7002"}', 'body'],
    ['/failover', '{not json', 'body'],
    ['/switchover', '{"timeoutMs":"soon"}', 'body.timeoutMs'],
    ['/switchover', '{"timeoutMs":60000}', 'body.timeoutMs'],
  ])('refuses %s %s with 400 naming %s', async (path, body, field) => {
    const res = await call(`/v1/groups/mymaster${path}`, adminPost(body), fakeEnv());
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('bad_request');
    expect(error.message).toContain(field);
  });

  it.each([
    ['INPROG', 'failover_in_progress'],
    ['NOGOODSLAVE', 'no_good_replica'],
    ['REFUSED', 'refused'],
  ] as const)('maps %s to 409 %s', async (code, apiCode) => {
    const voters = new FakeNamespace();
    voters.voter('mymaster', 0).adminResult = { ok: false, code, reason: 'because the test says so' };
    const res = await call('/v1/groups/mymaster/failover', adminPost(), fakeEnv(voters));
    expect(res.status).toBe(409);
    const error = await errorOf(res);
    expect(error.code).toBe(apiCode);
    expect(error.message).toContain('because the test says so');
  });

  it('answers 503 when no voter answers', async () => {
    const voters = new FakeNamespace();
    for (const i of [0, 1, 2]) voters.voter('mymaster', i).unreachable = true;
    const res = await call('/v1/groups/mymaster/failover', adminPost(), fakeEnv(voters));
    expect(res.status).toBe(503);
  });
});

describe('POST /v1/groups/:group/pause, /resume, /reset', () => {
  it('succeeds once a majority acknowledged, reporting each voter', async () => {
    const voters = new FakeNamespace();
    voters.voter('mymaster', 2).unreachable = true;
    const res = await call('/v1/groups/mymaster/pause', adminPost(), fakeEnv(voters));
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      acknowledged: number;
      majority: number;
      voters: Array<{ voter: number; ok: boolean; code: string | null }>;
    };
    expect(body).toMatchObject({ acknowledged: 2, majority: 2 });
    expect(body.voters[2]).toMatchObject({ voter: 2, ok: false, code: 'UNREACHABLE' });
    expect(voters.voter('mymaster', 0).paused).toBe(true);
    const resumed = await call('/v1/groups/mymaster/resume', adminPost(), fakeEnv(voters));
    expect(resumed.status).toBe(200);
    expect(voters.voter('mymaster', 1).paused).toBe(false);
    expect((await call('/v1/groups/mymaster/reset', adminPost(), fakeEnv(voters))).status).toBe(200);
  });

  it('answers 503 without a majority, and 409 when voters refuse', async () => {
    const voters = new FakeNamespace();
    voters.voter('mymaster', 0).unreachable = true;
    voters.voter('mymaster', 1).unreachable = true;
    const outage = await call('/v1/groups/mymaster/pause', adminPost(), fakeEnv(voters));
    expect(outage.status).toBe(503);
    expect((await errorOf(outage)).message).toContain('acknowledged by 1 of 3');
    const refusing = new FakeNamespace();
    for (const i of [0, 1])
      refusing.voter('mymaster', i).adminResult = { ok: false, code: 'REFUSED', reason: 'no' };
    expect((await call('/v1/groups/mymaster/pause', adminPost(), fakeEnv(refusing))).status).toBe(409);
  });

  it('refuses a body with fields', async () => {
    const res = await call('/v1/groups/mymaster/pause', adminPost('{"forever":true}'), fakeEnv());
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain('body.forever');
  });
});

describe('admin auth, limits and errors', () => {
  it('answers 401 without a token and 403 for the read token or a wrong token', async () => {
    const testEnv = fakeEnv(new FakeNamespace(), { readToken: true });
    const none = await call('/v1/groups/mymaster/failover', { method: 'POST' }, testEnv);
    expect(none.status).toBe(401);
    expect(none.headers.get('WWW-Authenticate')).toMatch(/^Bearer /);
    for (const token of [READ_TOKEN, 'an-agent-or-other-token']) {
      const res = await call('/v1/groups/mymaster/failover', { method: 'POST', ...bearer(token) }, testEnv);
      expect(res.status).toBe(403);
    }
  });

  it('answers 404 for an unknown group', async () => {
    const res = await call('/v1/groups/ghost/pause', adminPost(), fakeEnv());
    expect(res.status).toBe(404);
  });

  it('answers 413 for an oversized body', async () => {
    const body = JSON.stringify({ target: `${'a'.repeat(5000)}:1` });
    const res = await call('/v1/groups/mymaster/failover', adminPost(body), fakeEnv());
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('payload_too_large');
  });

  it('answers 500 bad_config when ADMIN_TOKEN is not set', async () => {
    const res = await call(
      '/v1/groups/mymaster/failover',
      adminPost(),
      fakeEnv(new FakeNamespace(), { adminToken: false }),
    );
    expect(res.status).toBe(500);
    const error = await errorOf(res);
    expect(error.code).toBe('bad_config');
    expect(error.message).toContain('ADMIN_TOKEN');
  });

  it('uses the admin token as a read token too', async () => {
    const testEnv = fakeEnv(new FakeNamespace(), { readToken: true });
    expect((await call('/v1/groups/mymaster/master', bearer(ADMIN_TOKEN), testEnv)).status).toBe(200);
  });
});
