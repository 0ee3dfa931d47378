// SENTINEL IS-MASTER-DOWN-BY-ADDR / IS-PRIMARY-DOWN-BY-ADDR from this agent's own view, in
// Sentinel's reply shape; an agent never votes (the voters elect), so the leader is always "*".
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import { FakeSource, group, MY_ID, sentinelNode, view } from './support/fake-source.js';

const up = { myId: MY_ID, groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])] };
const down = {
  myId: MY_ID,
  groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master', sdown: true })), [])],
};

let source: FakeSource;
let server: SentinelServer;
let client: Redis;

beforeAll(async () => {
  source = new FakeSource(up);
  server = await startSentinelServer({ host: '127.0.0.1', port: 0, source });
  client = new Redis({ host: '127.0.0.1', port: server.port, protocol: 2, maxRetriesPerRequest: 0 });
});

afterAll(async () => {
  client.disconnect();
  await server.close();
});

describe('SENTINEL IS-MASTER-DOWN-BY-ADDR', () => {
  it.each(['IS-MASTER-DOWN-BY-ADDR', 'IS-PRIMARY-DOWN-BY-ADDR'])(
    '%s answers [down, "*", 0]: 0 while the master answers, 1 once this agent sees it SDOWN',
    async (sub) => {
      source.current = up;
      expect(await client.call('SENTINEL', sub, '10.0.0.1', '6379', '0', '*')).toEqual([0, '*', 0]);
      source.current = down;
      expect(await client.call('SENTINEL', sub, '10.0.0.1', '6379', '0', '*')).toEqual([1, '*', 0]);
      // A vote request (a run id, not "*"): no vote is ever given here.
      expect(await client.call('SENTINEL', sub, '10.0.0.1', '6379', '7', MY_ID)).toEqual([1, '*', 0]);
      // An address that is no group's master is not down.
      expect(await client.call('SENTINEL', sub, '10.0.0.2', '6379', '0', '*')).toEqual([0, '*', 0]);
    },
  );

  it("answers Sentinel's errors for a bad number and a wrong arity", async () => {
    await expect(
      client.call('SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '10.0.0.1', 'x', '0', '*'),
    ).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(client.call('SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '10.0.0.1', '6379')).rejects.toThrow(
      /wrong number of arguments/,
    );
  });
});
