// GET /v1/groups/:group/master: majority reads, read repair, ETag/304, long-poll, auth and errors.
import { describe, expect, it } from 'vitest';
import { activeConfig, FakeNamespace } from './fake-voters.workers.js';
import { bearer, call, errorOf, fakeEnv, READ_TOKEN } from './harness.workers.js';

describe('GET /v1/groups/:group/master', () => {
  it('answers the published master from a majority, with the epoch as ETag', async () => {
    const voters = new FakeNamespace();
    const res = await call('/v1/groups/mymaster/master', {}, fakeEnv(voters));
    expect(res.status).toBe(200);
    expect(res.headers.get('ETag')).toBe('"0"');
    expect(await res.json()).toEqual({
      group: 'mymaster',
      host: '127.0.0.1',
      port: 7001,
      epoch: 0,
      since: null,
    });
    expect(voters.hints.get('mymaster#1')).toBe('eeur');
  });

  it('still answers with one voter unreachable', async () => {
    const voters = new FakeNamespace();
    voters.voter('mymaster', 0).unreachable = true;
    const res = await call('/v1/groups/mymaster/master', {}, fakeEnv(voters));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-edge-sentinel-voters')?.split(',').sort()).toEqual(['1', '2']);
  });

  it('answers 503 when no majority answers', async () => {
    const voters = new FakeNamespace();
    voters.voter('mymaster', 0).unreachable = true;
    voters.voter('mymaster', 2).unreachable = true;
    const res = await call('/v1/groups/mymaster/master', {}, fakeEnv(voters));
    expect(res.status).toBe(503);
    const error = await errorOf(res);
    expect(error.code).toBe('no_majority');
    expect(error.message).toContain('only 1 of 3 voters');
  });

  it('takes the highest epoch and writes it back to voters that were behind', async () => {
    const voters = new FakeNamespace();
    voters.voter('mymaster', 1).publish(activeConfig(4, '127.0.0.1:7002'));
    const res = await call('/v1/groups/mymaster/master', {}, fakeEnv(voters));
    expect(await res.json()).toMatchObject({ port: 7002, epoch: 4 });
    const repaired = [0, 2].filter((i) => voters.voter('mymaster', i).learned.length > 0);
    expect(repaired.length).toBeGreaterThanOrEqual(1);
    const holding = [0, 1, 2].filter((i) => voters.voter('mymaster', i).published.epoch === 4);
    expect(holding.length).toBeGreaterThanOrEqual(2);
  });

  it('answers the since the leader put in the config, also after read repair', async () => {
    const voters = new FakeNamespace();
    const publishedAtMs = Date.parse('2026-05-01T12:00:00.000Z');
    voters.voter('mymaster', 1).publish(activeConfig(4, '127.0.0.1:7002', publishedAtMs));
    const res = await call('/v1/groups/mymaster/master', {}, fakeEnv(voters));
    expect(await res.json()).toMatchObject({ epoch: 4, since: '2026-05-01T12:00:00.000Z' });
    const again = await call('/v1/groups/mymaster/master', {}, fakeEnv(voters));
    expect(await again.json()).toMatchObject({ epoch: 4, since: '2026-05-01T12:00:00.000Z' });
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const voters = new FakeNamespace();
    const res = await call(
      '/v1/groups/mymaster/master',
      { headers: { 'If-None-Match': '"0"' } },
      fakeEnv(voters),
    );
    expect(res.status).toBe(304);
    expect(res.headers.get('ETag')).toBe('"0"');
    const changed = await call(
      '/v1/groups/mymaster/master',
      { headers: { 'If-None-Match': 'W/"7", "8"' } },
      fakeEnv(voters),
    );
    expect(changed.status).toBe(200);
  });

  it('long-polls until the epoch exceeds waitEpoch', async () => {
    const voters = new FakeNamespace();
    const started = Date.now();
    const pending = call('/v1/groups/mymaster/master?waitEpoch=0&timeoutMs=10000', {}, fakeEnv(voters));
    const since = '2026-05-01T12:00:00.000Z';
    setTimeout(() => {
      const config = activeConfig(1, '127.0.0.1:7003', Date.parse(since));
      for (const i of [0, 1]) voters.voter('mymaster', i).publish(config);
    }, 150);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get('ETag')).toBe('"1"');
    expect(await res.json()).toMatchObject({ port: 7003, epoch: 1, since });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('long-poll answers at once when the epoch is already past waitEpoch', async () => {
    const voters = new FakeNamespace();
    for (const i of [0, 1, 2]) voters.voter('mymaster', i).publish(activeConfig(3, '127.0.0.1:7003'));
    const res = await call('/v1/groups/mymaster/master?waitEpoch=1', {}, fakeEnv(voters));
    expect(await res.json()).toMatchObject({ epoch: 3 });
  });

  it('long-poll times out with the current master, or 304 with a matching tag', async () => {
    const voters = new FakeNamespace();
    const res = await call('/v1/groups/mymaster/master?waitEpoch=0&timeoutMs=200', {}, fakeEnv(voters));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ epoch: 0 });
    const tagged = await call(
      '/v1/groups/mymaster/master?waitEpoch=0&timeoutMs=200',
      { headers: { 'If-None-Match': '"0"' } },
      fakeEnv(voters),
    );
    expect(tagged.status).toBe(304);
  });

  it.each([
    ['waitEpoch=x', 'query.waitEpoch'],
    ['waitEpoch=1&timeoutMs=600000', 'query.timeoutMs'],
    ['waitEpoch=1&waitEpoch=2', 'query.waitEpoch'],
  ])('refuses %s with 400 naming the field', async (qs, field) => {
    const res = await call(`/v1/groups/mymaster/master?${qs}`, {}, fakeEnv());
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('bad_request');
    expect(error.message).toContain(field);
  });

  it('answers 404 for an unknown group', async () => {
    const res = await call('/v1/groups/nope/master', {}, fakeEnv());
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('unknown_group');
  });

  it('needs the read token (or admin) when READ_TOKEN is set', async () => {
    const testEnv = fakeEnv(new FakeNamespace(), { readToken: true });
    const missing = await call('/v1/groups/mymaster/master', {}, testEnv);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('WWW-Authenticate')).toContain('Bearer');
    const malformed = await call(
      '/v1/groups/mymaster/master',
      { headers: { Authorization: 'Basic abc' } },
      testEnv,
    );
    expect(malformed.status).toBe(401);
    const wrong = await call('/v1/groups/mymaster/master', bearer('not-the-read-token'), testEnv);
    expect(wrong.status).toBe(403);
    expect((await errorOf(wrong)).code).toBe('forbidden');
    const ok = await call('/v1/groups/mymaster/master', bearer(READ_TOKEN), testEnv);
    expect(ok.status).toBe(200);
  });
});
