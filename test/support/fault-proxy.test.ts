import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';
import { killAllRedis, type RedisServer, startRedis } from './redis-server.js';

let redis: RedisServer;
let proxy: FaultProxy;

beforeAll(async () => {
  redis = await startRedis({ port: 7393 });
  proxy = await startFaultProxy({ host: '127.0.0.1', port: redis.port });
});
afterAll(async () => {
  await proxy.close();
  await redis.stop();
  killAllRedis();
});

/** A fresh client through the proxy that fails fast instead of retrying. */
function client(commandTimeout = 300): Redis {
  const c = new Redis({
    port: proxy.port,
    lazyConnect: true,
    protocol: 2,
    connectTimeout: 500,
    commandTimeout,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // Failures are what these tests provoke; they are asserted through the command results.
  c.on('error', () => {});
  return c;
}

async function ping(c: Redis): Promise<string> {
  try {
    if (c.status === 'wait') await c.connect();
    return await c.ping();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    c.disconnect();
  }
}

describe('fault proxy in front of a real redis-server', () => {
  it('passes traffic, then refuses and resets on cut, then passes again on restore', async () => {
    expect(await ping(client())).toBe('PONG');
    const held = client();
    await held.connect();
    proxy.cut();
    expect(await ping(held)).not.toBe('PONG');
    expect(await ping(client())).not.toBe('PONG');
    proxy.restore();
    expect(await ping(client())).toBe('PONG');
  });

  it('blackholes: connections are accepted but nothing answers', async () => {
    proxy.blackhole();
    const reply = await rawExchange('PING\r\n', 300);
    expect(reply).toEqual({ connected: true, data: '' });
    proxy.restore();
    expect((await rawExchange('PING\r\n', 1000)).data).toBe('+PONG\r\n');
  });

  it('a close does not cross a blackhole: the upstream connection stays open until restore', async () => {
    const name = `held-${Date.now()}`;
    const held = client();
    await held.connect();
    await held.client('SETNAME', name);
    const direct = new Redis({ port: redis.port, protocol: 2, maxRetriesPerRequest: 0 });
    direct.on('error', () => {});
    const listed = async () => String(await direct.client('LIST')).includes(name);
    proxy.blackhole();
    held.disconnect();
    await new Promise((r) => setTimeout(r, 200));
    expect(await listed()).toBe(true);
    proxy.restore();
    await new Promise((r) => setTimeout(r, 200));
    expect(await listed()).toBe(false);
    direct.disconnect();
  });

  it('delays every chunk in both directions and keeps their order', async () => {
    proxy.delay(120);
    const started = Date.now();
    const reply = await rawExchange('SET k 1\r\nINCR k\r\nINCR k\r\nGET k\r\n', 2000, 4);
    expect(reply.data).toBe('+OK\r\n:2\r\n:3\r\n$1\r\n3\r\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * 120 - 10);
    proxy.delay(0);
  });
});

/** Connect through the proxy, send `request`, collect what comes back until `lines` replies or the time is up. */
function rawExchange(
  request: string,
  waitMs: number,
  replies = 1,
): Promise<{ connected: boolean; data: string }> {
  return new Promise((resolve) => {
    let data = '';
    let connected = false;
    const socket = connect({ host: '127.0.0.1', port: proxy.port }, () => {
      connected = true;
      socket.write(request);
    });
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ connected, data });
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if ((data.match(/^[+:$-]/gm) ?? []).length >= replies) done();
    });
    socket.on('error', done);
  });
}
