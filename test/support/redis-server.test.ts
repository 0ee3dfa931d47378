import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { killAllRedis, startRedis } from './redis-server.js';

afterAll(killAllRedis);

describe('test redis-servers', () => {
  it('start on the given port, replicate, and stop by process group', async () => {
    const master = await startRedis({ port: 7391 });
    const replica = await startRedis({ port: 7392, replicaOf: `127.0.0.1 ${master.port}` });
    const client = new Redis({ port: replica.port, lazyConnect: true, protocol: 2 });
    await client.connect();
    expect(await client.call('ROLE')).toEqual(expect.arrayContaining(['slave']));
    client.disconnect();
    await replica.stop();
    await master.kill();
    expect(() => process.kill(master.pid, 0)).toThrow();
  });

  it('refuses port 6379', async () => {
    await expect(startRedis({ port: 6379 })).rejects.toThrow('6379');
  });
});
