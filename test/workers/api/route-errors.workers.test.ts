// Every route's refusals, table-driven: missing/wrong token (401/403), unknown group (404),
// oversized body (413), bad body (400), each with a JSON error naming the problem.
import { describe, expect, it } from 'vitest';
import { FakeNamespace } from './fake-voters.workers.js';
import { ADMIN_TOKEN, adminPost, bearer, call, errorOf, fakeEnv, READ_TOKEN } from './harness.workers.js';

const ADMIN_ROUTES = ['failover', 'switchover', 'pause', 'resume', 'reset'] as const;
const READ_ROUTES = ['', '/master', '/events'] as const;

describe('admin routes refuse what they must', () => {
  const withReadToken = () => fakeEnv(new FakeNamespace(), { readToken: true });

  it.each(ADMIN_ROUTES)('/%s: 401 without a token, 403 with the read token or a wrong one', async (route) => {
    const path = `/v1/groups/mymaster/${route}`;
    const none = await call(path, { method: 'POST', body: '{}' }, withReadToken());
    expect(none.status).toBe(401);
    expect((await errorOf(none)).code).toBe('unauthorized');
    for (const token of [READ_TOKEN, 'not-a-token']) {
      const res = await call(path, { method: 'POST', body: '{}', ...bearer(token) }, withReadToken());
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe('forbidden');
    }
  });

  it.each(ADMIN_ROUTES)('/%s: 404 naming an unknown group', async (route) => {
    const res = await call(`/v1/groups/ghost/${route}`, adminPost('{}'), fakeEnv());
    expect(res.status).toBe(404);
    expect((await errorOf(res)).message).toContain('ghost');
  });

  it.each(ADMIN_ROUTES)('/%s: 413 for an oversized body', async (route) => {
    const body = JSON.stringify({ target: `${'a'.repeat(5000)}:1` });
    const res = await call(`/v1/groups/mymaster/${route}`, adminPost(body), fakeEnv());
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('payload_too_large');
  });

  it.each(ADMIN_ROUTES)('/%s: 400 naming an unknown field', async (route) => {
    const res = await call(`/v1/groups/mymaster/${route}`, adminPost('{"bogus":1}'), fakeEnv());
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('bad_request');
    expect(error.message).toContain('body');
  });
});

describe('read routes refuse what they must', () => {
  it.each(READ_ROUTES)(
    '/v1/groups/mymaster%s: 401 without a token, 403 with a wrong one, when a read token is set',
    async (route) => {
      const testEnv = fakeEnv(new FakeNamespace(), { readToken: true });
      const path = `/v1/groups/mymaster${route}`;
      expect((await call(path, {}, testEnv)).status).toBe(401);
      expect((await call(path, bearer('not-a-token'), testEnv)).status).toBe(403);
      for (const token of [READ_TOKEN, ADMIN_TOKEN]) {
        expect((await call(path, bearer(token), testEnv)).status).not.toBeGreaterThanOrEqual(400);
      }
    },
  );

  it.each(READ_ROUTES)('/v1/groups/ghost%s: 404 naming the unknown group', async (route) => {
    const res = await call(`/v1/groups/ghost${route}`, {}, fakeEnv());
    expect(res.status).toBe(404);
    expect((await errorOf(res)).message).toContain('ghost');
  });

  it.each([
    ['/master?waitEpoch=-1', 'query.waitEpoch'],
    ['/master?timeoutMs=soon', 'query.timeoutMs'],
    ['/events?limit=0', 'query.limit'],
    ['/events?voter=9', 'voter'],
  ])('/v1/groups/mymaster%s: 400 naming %s', async (route, field) => {
    const res = await call(`/v1/groups/mymaster${route}`, {}, fakeEnv());
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain(field);
  });
});
