// GET /v1/groups/:group/master from the isolate's copy: reads within MASTER_CACHE_MS cost no voter
// call, and a client that says what it has seen (minEpoch, If-None-Match) never gets an older epoch.
import { beforeEach, describe, expect, it } from 'vitest';
import { masterCache } from '../../../workers/api/master-cache.js';
import { activeConfig, FakeNamespace } from './fake-voters.workers.js';
import { call, fakeEnv } from './harness.workers.js';

const reads = (voters: FakeNamespace) =>
  [0, 1, 2].reduce((sum, i) => sum + (voters.voter('mymaster', i).calls.get('readPublished') ?? 0), 0);

const master = (query = '', init: RequestInit = {}, testEnv: object) =>
  call(`/v1/groups/mymaster/master${query}`, init, testEnv);

beforeEach(() => masterCache.clear());

describe('GET /v1/groups/:group/master with the isolate copy', () => {
  it('answers from the copy within MASTER_CACHE_MS, without asking the voters again', async () => {
    const voters = new FakeNamespace();
    const testEnv = fakeEnv(voters, { masterCacheMs: 60_000 });
    const first = await master('', {}, testEnv);
    expect(first.headers.get('x-edge-sentinel-read')).toBe('majority');
    const callsAfterFirst = reads(voters);
    expect(callsAfterFirst).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < 5; i++) {
      const res = await master('', {}, testEnv);
      expect(res.headers.get('x-edge-sentinel-read')).toBe('cached');
      expect(await res.json()).toMatchObject({ epoch: 0, port: 7001 });
    }
    expect(reads(voters)).toBe(callsAfterFirst);
  });

  it('never answers below the epoch the client has seen: minEpoch or its If-None-Match tag read a majority', async () => {
    const voters = new FakeNamespace();
    const testEnv = fakeEnv(voters, { masterCacheMs: 60_000 });
    await master('', {}, testEnv);
    for (const i of [0, 1, 2]) voters.voter('mymaster', i).publish(activeConfig(3, '127.0.0.1:7002'));
    // Within the copy's lifetime a reader that says nothing may still get epoch 0 ...
    expect(await (await master('', {}, testEnv)).json()).toMatchObject({ epoch: 0 });
    // ... but not one that has seen epoch 3, however it says so.
    const byQuery = await master('?minEpoch=3', {}, testEnv);
    expect(byQuery.headers.get('x-edge-sentinel-read')).toBe('majority');
    expect(await byQuery.json()).toMatchObject({ epoch: 3, port: 7002 });
    masterCache.clear();
    await master('', {}, fakeEnv(new FakeNamespace(), { masterCacheMs: 60_000 }));
    const byTag = await master('', { headers: { 'If-None-Match': '"3"' } }, testEnv);
    // Epoch 3 is what the client has: 304, and never the copy's epoch 0.
    expect(byTag.status).toBe(304);
    expect(byTag.headers.get('ETag')).toBe('"3"');
  });

  it('consistency=majority always reads the voters; the copy never goes back to an older epoch', async () => {
    const voters = new FakeNamespace();
    const testEnv = fakeEnv(voters, { masterCacheMs: 60_000 });
    for (const i of [0, 1, 2]) voters.voter('mymaster', i).publish(activeConfig(5, '127.0.0.1:7003'));
    expect(await (await master('?consistency=majority', {}, testEnv)).json()).toMatchObject({ epoch: 5 });
    // A majority read from elsewhere (here: other voters) answering an older epoch does not lower the copy.
    const behind = new FakeNamespace();
    await master('?consistency=majority', {}, fakeEnv(behind, { masterCacheMs: 60_000 }));
    const res = await master('', {}, fakeEnv(behind, { masterCacheMs: 60_000 }));
    expect(res.headers.get('x-edge-sentinel-read')).toBe('cached');
    expect(await res.json()).toMatchObject({ epoch: 5 });
  });

  it('MASTER_CACHE_MS=0 reads a majority every time', async () => {
    const voters = new FakeNamespace();
    const testEnv = fakeEnv(voters, { masterCacheMs: 0 });
    await master('', {}, testEnv);
    const res = await master('', {}, testEnv);
    expect(res.headers.get('x-edge-sentinel-read')).toBe('majority');
  });
});
