// Outage drills against the real voters: a voter taken down refuses agents, peers and readers, and comes back intact.
import { abortAllDurableObjects } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { refusalOf, rpcValue } from '../voter/rpc-value.js';
import { adminPost, call, errorOf, realEnv, tokenFor } from './harness.workers.js';

const drills = () => ({ ...realEnv(), OUTAGE_DRILLS: 'on' });
const outage = (index: number, down: boolean, testEnv: object = drills()) =>
  call(`/v1/groups/mymaster/voters/${index}/outage`, adminPost(JSON.stringify({ down })), testEnv);

async function connectAgent(index: number, testEnv: object): Promise<Response> {
  return call(
    `/v1/groups/mymaster/voters/${index}/agent?agent=agent-a`,
    { headers: { Upgrade: 'websocket', Authorization: `Bearer ${await tokenFor('agent-a', 'mymaster')}` } },
    testEnv,
  );
}

describe('outage drills', () => {
  it('do not exist unless OUTAGE_DRILLS is "on"', async () => {
    const res = await outage(1, true, realEnv());
    expect(res.status).toBe(404);
    expect((await errorOf(res)).message).toContain('OUTAGE_DRILLS');
  });

  it('validate the body and need the admin token', async () => {
    const bad = await call('/v1/groups/mymaster/voters/1/outage', adminPost('{"down":"yes"}'), drills());
    expect(bad.status).toBe(400);
    const noToken = await call(
      '/v1/groups/mymaster/voters/1/outage',
      { method: 'POST', body: '{"down":true}', headers: { 'Content-Type': 'application/json' } },
      drills(),
    );
    expect(noToken.status).toBe(401);
    expect((await outage(7, true)).status).toBe(404);
  });

  it('take a voter down: its agents are cut and refused, reads go on without it; up again, it serves', async () => {
    const connected = await connectAgent(2, drills());
    expect(connected.status).toBe(101);
    const socket = connected.webSocket;
    if (socket === null) throw new Error('no WebSocket in the 101 answer');
    const closed = new Promise<number>((resolve) => socket.addEventListener('close', (e) => resolve(e.code)));
    socket.accept();

    const down = await outage(2, true);
    expect(down.status).toBe(200);
    expect(await down.json()).toEqual({ group: 'mymaster', voter: 2, down: true });
    expect(await closed).toBe(1012);
    expect((await connectAgent(2, drills())).status).toBe(503);

    const read = await call('/v1/groups/mymaster/master', {}, drills());
    expect(read.status).toBe(200);
    expect(read.headers.get('x-edge-sentinel-voters')?.split(',').sort()).toEqual(['0', '1']);
    const status = (await (await call('/v1/groups/mymaster', {}, drills())).json()) as {
      answered: number[];
    };
    expect(status.answered.sort()).toEqual([0, 1]);

    // Still down after the runtime evicts it: the drill is stored, not held in memory.
    await abortAllDurableObjects();
    const direct = env.VOTER.get(env.VOTER.idFromName('mymaster#2'));
    // A refusal is answered as a value, not thrown (an exception would log "Uncaught" in the voter).
    const refused = await refusalOf(direct.readPublished({ group: 'mymaster', index: 2 }));
    expect(refused).toBe('unavailable: this voter is down (outage drill)');

    expect(await (await outage(2, false)).json()).toEqual({ group: 'mymaster', voter: 2, down: false });
    expect((await rpcValue(direct.readPublished({ group: 'mymaster', index: 2 }))).config.epoch).toBe(0);
    const back = await connectAgent(2, drills());
    expect(back.status).toBe(101);
    back.webSocket?.accept();
    back.webSocket?.close(1000, 'done');
  });

  it('with two of three voters down there is no majority to read from', async () => {
    expect((await outage(0, true)).status).toBe(200);
    expect((await outage(1, true)).status).toBe(200);
    const read = await call('/v1/groups/mymaster/master', {}, drills());
    expect(read.status).toBe(503);
    expect((await errorOf(read)).code).toBe('no_majority');
    for (const i of [0, 1]) expect((await outage(i, false)).status).toBe(200);
    expect((await call('/v1/groups/mymaster/master', {}, drills())).status).toBe(200);
  });
});
