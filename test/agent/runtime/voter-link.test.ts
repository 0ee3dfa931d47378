// Voter links: a refused token is logged clearly and retried; bad frames are counted, never fatal; /metrics and /healthz.

import { describe, expect, it } from 'vitest';
import { voterUrl } from '../../../agent/runtime/group-settings.js';
import { initialConfig } from '../../../workers/protocol/index.js';
import { startRedis } from '../../support/redis-server.js';
import { FakeVoters } from './fake-voters.js';
import {
  capturingLogger,
  cleanupStack,
  node,
  removeDir,
  runAgent,
  sleep,
  tempStateDir,
  testConfig,
  waitFor,
} from './harness.js';

const cleanups = cleanupStack();

describe('voter links', () => {
  it('builds the agent route of each voter', () => {
    expect(voterUrl('https://es.example.com', 'my.group', 2)).toBe(
      'wss://es.example.com/v1/groups/my.group/voters/2/agent',
    );
    expect(voterUrl('http://127.0.0.1:8787', 'g', 0)).toBe('ws://127.0.0.1:8787/v1/groups/g/voters/0/agent');
  });

  it('logs a refused token clearly, counts it, and keeps retrying with back-off', async () => {
    const redis = await startRedis({ port: 7331 });
    cleanups.push(() => redis.stop());
    const v = await FakeVoters.start('authgroup');
    cleanups.push(() => v.close());
    const stateDir = tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const { logger, lines } = capturingLogger('info');
    const agent = await runAgent(
      await testConfig({ voters: v, localPort: 7331, stateDir, token: 'not-the-token' }),
      logger,
    );
    cleanups.push(() => agent.stop());
    await waitFor('three refusals', 3000, () => v.refusedTokens >= 3);
    expect(v.connected()).toEqual([]);
    const line = lines.find((l) => l.includes("refused this agent's token (HTTP 401)"));
    expect(line).toBeDefined();
    const metrics = await (await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/edge_sentinel_voter_auth_failures_total\{group="authgroup",voter="0"\} 1/);
    // Back-off: no hammering (auth failures retry after seconds).
    const before = v.refusedTokens;
    await sleep(1000);
    expect(v.refusedTokens - before).toBeLessThanOrEqual(3);
    // Without a lease the local master stays fenced.
    expect(agent.runners[0]?.fenceApplied(node(7331))).toBe('fenced');
  });

  it('counts and ignores undecodable frames; serves /metrics and /healthz', async () => {
    const redis = await startRedis({ port: 7332 });
    cleanups.push(() => redis.stop());
    const v = await FakeVoters.start('frames');
    cleanups.push(() => v.close());
    v.push(initialConfig(node(7332)));
    const stateDir = tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const agent = await runAgent(await testConfig({ voters: v, localPort: 7332, stateDir }));
    cleanups.push(() => agent.stop());
    await waitFor('links', 3000, () => v.connected().length === 3);
    v.sendRaw('not json');
    v.sendRaw('{"v":1,"kind":"config","group":"frames","voter":0}');
    v.sendRaw('x'.repeat(70_000));
    await sleep(200);
    expect(v.connected().length).toBe(3);
    const base = `http://127.0.0.1:${agent.metricsPort}`;
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const bad = [...metrics.matchAll(/edge_sentinel_voter_bad_frames_total\{[^}]*\} (\d+)/g)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
    expect(bad).toBe(9);
    expect(metrics).toContain('edge_sentinel_probe_latency_seconds_bucket');
    expect(metrics).toMatch(/edge_sentinel_voter_link_up\{group="frames",voter="2"\} 1/);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      ok: true,
      groups: [{ name: 'frames', voters: ['open', 'open', 'open'] }],
    });
  });
});
