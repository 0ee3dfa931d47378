// The fence's own Redis client against real redis-servers: plain, password, ACL user, TLS, a restart, a wrong password.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FenceClient } from '../../../agent/runtime/fence-client.js';
import type { FenceTarget } from '../../../agent/runtime/fence-owner.js';
import { silentLogger } from '../../../agent/runtime/logger.js';
import { killAllRedis, type RedisServer, startRedis } from '../../support/redis-server.js';
import { waitFor } from './harness.js';

const clients: FenceClient[] = [];
const servers: RedisServer[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.stop();
});
afterAll(() => killAllRedis());

async function redis(port: number, extraArgs: readonly string[] = []): Promise<RedisServer> {
  const server = await startRedis({ port, extraArgs });
  servers.push(server);
  return server;
}

/** Starts a client and resolves once it is ready (counting how often it became ready). */
async function ready(target: FenceTarget): Promise<{ client: FenceClient; readyCount: () => number }> {
  let count = 0;
  const client = new FenceClient(target, 'edge-sentinel-fence:test', silentLogger());
  clients.push(client);
  client.start(() => count++);
  await waitFor('the fence client to be ready', 3000, () => client.ready);
  return { client, readyCount: () => count };
}

const target = (port: number, over: Partial<FenceTarget> = {}): FenceTarget => ({
  node: `127.0.0.1:${port}`,
  host: '127.0.0.1',
  port,
  ...over,
});

describe('the fence client', () => {
  it('sets and reads min-replicas-to-write, names itself, and reconnects after a restart', async () => {
    const server = await redis(7381);
    const { client, readyCount } = await ready(target(7381));
    expect(await client.command('CONFIG', ['SET', 'min-replicas-to-write', 2147483647])).toBe('OK');
    expect(await client.command('CONFIG', ['GET', 'min-replicas-to-write'])).toEqual([
      'min-replicas-to-write',
      '2147483647',
    ]);
    const list = String(await client.command('CLIENT', ['LIST']));
    expect(list).toContain('name=edge-sentinel-fence:test');
    await expect(client.command('CONFIG', ['GET'])).rejects.toThrow(/wrong number of arguments/i);
    // A restart: the client notices, reconnects with back-off, and says so (the fence re-applies).
    await server.kill();
    await waitFor('the client to notice', 3000, () => !client.ready);
    await expect(client.command('PING', [])).rejects.toThrow(/closed/);
    servers.splice(servers.indexOf(server), 1);
    await redis(7381);
    await waitFor('the client to reconnect', 5000, () => client.ready && readyCount() === 2);
  });

  it('authenticates with a password, and with an ACL user', async () => {
    await redis(7382, ['--requirepass', 'fence-pass-0123']);
    const withPassword = await ready(target(7382, { password: 'fence-pass-0123' }));
    expect(await withPassword.client.command('CONFIG', ['GET', 'min-replicas-to-write'])).toEqual([
      'min-replicas-to-write',
      '0',
    ]);
    // Every token of an ACL rule is its own argument on redis-server's command line.
    const rule = [
      'fencer',
      'on',
      '>fencer-pass-0123',
      '+@connection',
      '+config|get',
      '+config|set',
      '+client|setname',
    ];
    await redis(7383, ['--user', ...rule, '--user', 'default', 'off']);
    const user = await ready(target(7383, { username: 'fencer', password: 'fencer-pass-0123' }));
    expect(await user.client.command('CONFIG', ['SET', 'min-replicas-to-write', 0])).toBe('OK');
  });

  it('never becomes ready with a wrong password, and fails its commands', async () => {
    await redis(7384, ['--requirepass', 'right-pass-0123']);
    const client = new FenceClient(target(7384, { password: 'wrong-pass' }), 'fence', silentLogger());
    clients.push(client);
    client.start(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    expect(client.ready).toBe(false);
    await expect(client.command('CONFIG', ['GET', 'min-replicas-to-write'])).rejects.toThrow();
  });

  it('speaks TLS with a CA, as the agent file configures it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fence-tls-'));
    try {
      const pem = (name: string) => join(dir, name);
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=DNS:localhost,IP:127.0.0.1',
          '-keyout',
          pem('key.pem'),
          '-out',
          pem('cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      await redis(7385, [
        '--tls-port',
        '7386',
        '--tls-cert-file',
        pem('cert.pem'),
        '--tls-key-file',
        pem('key.pem'),
        '--tls-ca-cert-file',
        pem('cert.pem'),
        '--tls-auth-clients',
        'no',
      ]);
      const tls = {
        ca: readFileSync(pem('cert.pem'), 'utf8'),
        servername: 'localhost',
        rejectUnauthorized: true,
      };
      const { client } = await ready(target(7386, { tls }));
      expect(await client.command('CONFIG', ['SET', 'min-replicas-to-write', 3])).toBe('OK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
