// Subscriptions are bounded in bytes, per client and for the whole agent (every published event is
// matched against every pattern), and a client that leaves or RESETs gives its share back.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import { FakeSource, group, MY_ID, sentinelNode, view } from './support/fake-source.js';
import { encodeCommand, RawClient } from './support/raw-client.js';

let server: SentinelServer;
const clients: Redis[] = [];
const raws: RawClient[] = [];

beforeAll(async () => {
  const source = new FakeSource({
    myId: MY_ID,
    groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])],
  });
  server = await startSentinelServer({
    host: '127.0.0.1',
    port: 0,
    source,
    maxSubscriptionBytesPerClient: 1000,
    maxSubscriptionBytes: 2500,
  });
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  for (const r of raws) r.close();
  await server.close();
});

async function client(): Promise<Redis> {
  const c = new Redis({ host: '127.0.0.1', port: server.port, protocol: 2, maxRetriesPerRequest: 0 });
  clients.push(c);
  await c.ping();
  return c;
}

/** 897 bytes: two fit in the agent's 2500, three do not. */
const pattern = (tag: string) => `*${tag}${'b'.repeat(895)}`;

describe('subscription budget', () => {
  it('refuses a client past its bytes and the agent past its total; leaving or RESET gives the share back', async () => {
    const a = await client();
    await expect(a.psubscribe(`*${'x'.repeat(1000)}`)).rejects.toThrow(
      'ERR subscriptions of one client would exceed 1000 bytes of channel and pattern names',
    );
    await a.psubscribe(pattern('a'));
    // b subscribes over a raw connection, so it can RESET while subscribed (as Redis allows).
    const b = await RawClient.connect(server.port);
    raws.push(b);
    b.sendRaw(encodeCommand(['PSUBSCRIBE', pattern('b')]));
    // Waits for the confirmation itself: a fixed quiet window fails on a loaded machine.
    expect(await b.readUntil(':1\r\n')).toContain('psubscribe');
    const c = await client();
    await expect(c.psubscribe(pattern('c'))).rejects.toThrow(
      "ERR this agent's subscriptions would exceed 2500 bytes of channel and pattern names",
    );

    // A client that leaves gives its share back (once the server has seen it close).
    a.disconnect();
    for (let tries = 0; ; tries++) {
      const subscribed = await c.psubscribe(pattern('c')).then(
        () => true,
        (error: Error) => {
          if (tries >= 100 || !/would exceed/.test(error.message)) throw error;
          return false;
        },
      );
      if (subscribed) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const d = await client();
    await expect(d.subscribe(`+${'s'.repeat(900)}`)).rejects.toThrow(
      /this agent's subscriptions would exceed/,
    );
    // RESET drops b's subscriptions, and their bytes with them.
    b.sendRaw(encodeCommand(['RESET']));
    expect(await b.readUntil('+RESET\r\n')).toBe('+RESET\r\n');
    expect(await d.subscribe(`+${'s'.repeat(900)}`)).toBe(1);
  });
});
