// The whole app: configuration refusal, health, unknown routes, the OpenAPI document, the entry module.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { FakeNamespace } from './fake-voters.workers.js';
import { call, errorOf, fakeEnv } from './harness.workers.js';

describe('configuration', () => {
  it('answers every route with 500 bad_config naming the bad field', async () => {
    const testEnv = fakeEnv(new FakeNamespace(), {
      groups: { mymaster: { master: '127.0.0.1:7001', quorum: 0 } },
    });
    for (const path of ['/healthz', '/v1/groups', '/v1/groups/mymaster/master', '/nowhere']) {
      const res = await call(path, {}, testEnv);
      expect(res.status).toBe(500);
      const error = await errorOf(res);
      expect(error.code).toBe('bad_config');
      expect(error.message).toContain('GROUPS.mymaster.quorum');
    }
  });

  it('accepts GROUPS as a JSON string (.dev.vars)', async () => {
    const testEnv = fakeEnv(new FakeNamespace(), {
      groups: JSON.stringify({ g1: { master: 'h:1', quorum: 1, voters: 1 } }),
    });
    const res = await call('/healthz', {}, testEnv);
    expect(await res.json()).toEqual({ ok: true, groups: 1 });
  });
});

describe('routing', () => {
  it('answers unknown routes with 404 JSON', async () => {
    const res = await call('/v2/whatever', {}, fakeEnv());
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('not_found');
  });

  it('serves the OpenAPI document', async () => {
    const res = await call('/v1/openapi.json', {}, fakeEnv());
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/v1/groups/{group}/master');
  });
});

describe('the deployed entry (SELF, wrangler.toml, real voters)', () => {
  it('serves /healthz and the default group master', async () => {
    const health = await SELF.fetch('https://edge.test/healthz');
    expect(await health.json()).toEqual({ ok: true, groups: 1 });
    const master = await SELF.fetch('https://edge.test/v1/groups/mymaster/master');
    expect(master.status).toBe(200);
    expect(await master.json()).toMatchObject({ group: 'mymaster', host: '127.0.0.1', port: 7001, epoch: 0 });
  });
});
