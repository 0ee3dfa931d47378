// The API against the real voter Durable Objects of wrangler.toml's `mymaster` (storage is per file).
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../workers/protocol/index.js';
import { rpcValue } from '../voter/rpc-value.js';
import { call, realEnv, tokenFor } from './harness.workers.js';

function voter(index: number) {
  return env.VOTER.get(env.VOTER.idFromName(`mymaster#${index}`));
}

const next: Config = {
  epoch: 1,
  master: '127.0.0.1:7002',
  state: 'active',
  previousMaster: '127.0.0.1:7001',
  cause: 'manual',
  leader: 0,
  publishedAtMs: Date.parse('2026-05-01T12:00:00.000Z'),
};

describe('real voters', () => {
  it('reads the initial master from a majority; since is null (configured, never elected)', async () => {
    const res = await call('/v1/groups/mymaster/master', {}, realEnv());
    expect(res.status).toBe(200);
    expect(res.headers.get('ETag')).toBe('"0"');
    expect(await res.json()).toEqual({
      group: 'mymaster',
      host: '127.0.0.1',
      port: 7001,
      epoch: 0,
      since: null,
    });
  });

  it('long-poll returns when a committed config is published, and read repair spreads it', async () => {
    const pending = call('/v1/groups/mymaster/master?waitEpoch=0&timeoutMs=10000', {}, realEnv());
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Only voter 0 learns the new config; the majority read must still return it and repair the others.
    const learned = await rpcValue(voter(0).learn({ group: 'mymaster', index: 0 }, next));
    expect(learned.config.epoch).toBe(1);
    const res = await pending;
    expect(res.status).toBe(200);
    // The answer carries the leader's time from the config, as every repaired voter does.
    expect(await res.json()).toMatchObject({ port: 7002, epoch: 1, since: '2026-05-01T12:00:00.000Z' });
    const published = await Promise.all(
      [0, 1, 2].map((i) => rpcValue(voter(i).readPublished({ group: 'mymaster', index: i }))),
    );
    const holders = published.filter((p) => p.config.epoch === 1);
    expect(holders.length).toBeGreaterThanOrEqual(2);
    for (const holder of holders) expect(holder.since).toBe('2026-05-01T12:00:00.000Z');
    const again = await call(
      '/v1/groups/mymaster/master',
      { headers: { 'If-None-Match': '"1"' } },
      realEnv(),
    );
    expect(again.status).toBe(304);
  });

  it('reports the group status from all three voters', async () => {
    const res = await call('/v1/groups/mymaster', {}, realEnv());
    const status = (await res.json()) as { answered: number[]; epoch: number; master: { port: number } };
    expect(status.answered).toEqual([0, 1, 2]);
    expect(status.master.port).toBe(7002);
  });

  it('hands an authenticated agent WebSocket to the voter', async () => {
    const res = await call(
      '/v1/groups/mymaster/voters/2/agent?agent=agent-a',
      { headers: { Upgrade: 'websocket', Authorization: `Bearer ${await tokenFor('agent-a', 'mymaster')}` } },
      realEnv(),
    );
    expect(res.status).toBe(101);
    const socket = res.webSocket;
    if (socket === null) throw new Error('no WebSocket in the 101 answer');
    const first = new Promise<string>((resolve) => {
      socket.addEventListener('message', (event) => resolve(String(event.data)));
    });
    socket.accept();
    // The voter pushes the group's settings, then its committed config, to every agent that connects.
    expect(JSON.parse(await first)).toMatchObject({ kind: 'settings', group: 'mymaster', voter: 2 });
    socket.close(1000, 'done');
  });

  it('pauses and resumes on all voters', async () => {
    const init = { method: 'POST', headers: { Authorization: `Bearer ${realEnv().ADMIN_TOKEN}` } };
    const paused = await call('/v1/groups/mymaster/pause', init, realEnv());
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({ acknowledged: 3, majority: 2 });
    const status = (await (await call('/v1/groups/mymaster', {}, realEnv())).json()) as { paused: boolean };
    expect(status.paused).toBe(true);
    expect((await call('/v1/groups/mymaster/resume', init, realEnv())).status).toBe(200);
  });
});
