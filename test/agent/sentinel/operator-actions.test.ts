// SENTINEL FAILOVER and RESET change the group: a Sentinel port without a password refuses them
// (an anonymous client could otherwise fail a master over through an agent holding the admin
// token), unless the agent file allows it; with a password, clients AUTH first and may run them.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import { FakeSource, group, MY_ID, sentinelNode, view } from './support/fake-source.js';

const SNAPSHOT = {
  myId: MY_ID,
  groups: [group(sentinelNode(view('10.0.0.1:6379', { role: 'master' })), [])],
};

const servers: SentinelServer[] = [];
const clients: Redis[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of servers.splice(0)) await s.close();
});

async function serve(options: { password?: string; adminWithoutPassword?: boolean }) {
  const source = new FakeSource(SNAPSHOT);
  const server = await startSentinelServer({ host: '127.0.0.1', port: 0, source, ...options });
  servers.push(server);
  const client = new Redis({
    host: '127.0.0.1',
    port: server.port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    // RESP2 as redis-cli: no HELLO on connect, so a client can connect before it authenticates.
    protocol: 2,
    enableReadyCheck: false,
  });
  clients.push(client);
  await client.connect();
  return { source, client };
}

describe('operator actions on the Sentinel port', () => {
  it('without a password: FAILOVER and RESET get NOPERM and reach nothing; lookups still answer', async () => {
    const { source, client } = await serve({});
    await expect(client.call('SENTINEL', 'FAILOVER', 'mymaster')).rejects.toThrow(
      /^NOPERM SENTINEL FAILOVER changes the group and user 'default' has no password: set sentinel\.password/,
    );
    await expect(client.call('SENTINEL', 'RESET', '*')).rejects.toThrow(/^NOPERM SENTINEL RESET/);
    expect(source.failoverCalls).toEqual([]);
    expect(source.resetCalls).toEqual([]);
    expect(await client.call('SENTINEL', 'get-master-addr-by-name', 'mymaster')).toEqual([
      '10.0.0.1',
      '6379',
    ]);
  });

  it('without a password but allowed by the agent file (a trusted network): they run', async () => {
    const { source, client } = await serve({ adminWithoutPassword: true });
    expect(await client.call('SENTINEL', 'FAILOVER', 'mymaster')).toBe('OK');
    expect(source.failoverCalls).toEqual(['mymaster']);
  });

  it("Valkey 9's SENTINEL FAILOVER <name> COORDINATED asks for the zero-loss switchover", async () => {
    const { source, client } = await serve({ adminWithoutPassword: true });
    expect(await client.call('SENTINEL', 'FAILOVER', 'mymaster', 'coordinated')).toBe('OK');
    expect(source.failoverCalls).toEqual(['mymaster (switchover)']);
    await expect(client.call('SENTINEL', 'FAILOVER', 'mymaster', 'FORCE')).rejects.toThrow(
      /^ERR syntax error/,
    );
    await expect(client.call('SENTINEL', 'FAILOVER')).rejects.toThrow(/wrong number of arguments/);
    expect(source.failoverCalls).toEqual(['mymaster (switchover)']);
  });

  it('with a password: a client that authenticated runs them', async () => {
    const { source, client } = await serve({ password: 'sentinel-port-password' });
    await expect(client.call('SENTINEL', 'FAILOVER', 'mymaster')).rejects.toThrow(/^NOAUTH/);
    expect(await client.call('AUTH', 'sentinel-port-password')).toBe('OK');
    expect(await client.call('SENTINEL', 'FAILOVER', 'mymaster')).toBe('OK');
    expect(await client.call('SENTINEL', 'RESET', '*')).toBe(1);
    expect(source.failoverCalls).toEqual(['mymaster']);
    expect(source.resetCalls).toEqual(['*']);
  });
});
