// Real Sentinel clients (ioredis, redis-cli, redis-py) against the server, with real redis-servers behind it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SentinelServer, startSentinelServer } from '../../../agent/sentinel/server.js';
import { switchMasterPayload } from '../../../workers/protocol/index.js';
import { killAllRedis, type RedisServer, startRedis } from '../../support/redis-server.js';
import { FakeSource, liveSnapshot, MY_ID, peer } from './support/fake-source.js';

const run = promisify(execFile);
const MASTER = 7401;
const REPLICA_A = 7402;
const REPLICA_B = 7403;
const SENTINEL_ID = 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0';

let redis: RedisServer[] = [];
let source: FakeSource;
let server: SentinelServer;
const clients: Redis[] = [];

function direct(port: number): Redis {
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 2 });
  clients.push(client);
  return client;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function linkUp(port: number): Promise<void> {
  const client = direct(port);
  await until(`replica ${port} in sync`, async () =>
    (await client.info('replication')).includes('master_link_status:up') ? true : undefined,
  );
}

/** The snapshot an agent would serve: the real servers' state, plus one other agent. */
async function refreshSnapshot(master: number, replicas: number[]): Promise<void> {
  const snapshot = await liveSnapshot(master, replicas);
  source.current = {
    ...snapshot,
    groups: snapshot.groups.map((g) => ({
      ...g,
      sentinels: [peer('127.0.0.1', server.port, SENTINEL_ID)],
    })),
  };
}

async function redisCli(...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(server.port), ...args], { timeout: 5000 });
  return stdout;
}

beforeAll(async () => {
  redis = [
    await startRedis({ port: MASTER }),
    await startRedis({ port: REPLICA_A, replicaOf: `127.0.0.1 ${MASTER}` }),
    await startRedis({ port: REPLICA_B, replicaOf: `127.0.0.1 ${MASTER}` }),
  ];
  await Promise.all([linkUp(REPLICA_A), linkUp(REPLICA_B)]);
  source = new FakeSource({ myId: MY_ID, groups: [] });
  server = await startSentinelServer({ host: '127.0.0.1', port: 0, source });
  await refreshSnapshot(MASTER, [REPLICA_A, REPLICA_B]);
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await server?.close();
  await Promise.all(redis.map((r) => r.stop()));
  killAllRedis();
});

describe('redis-cli', () => {
  it('resolves the master with SENTINEL get-master-addr-by-name', async () => {
    expect(await redisCli('SENTINEL', 'get-master-addr-by-name', 'mymaster')).toBe(`127.0.0.1\n${MASTER}\n`);
    expect(await redisCli('SENTINEL', 'get-master-addr-by-name', 'nope')).toBe('\n');
  });

  it('shows masters, replicas, sentinels, myid, ckquorum, role and INFO', async () => {
    const master = (await redisCli('SENTINEL', 'master', 'mymaster')).split('\n');
    expect(master.slice(0, 6)).toEqual(['name', 'mymaster', 'ip', '127.0.0.1', 'port', String(MASTER)]);
    expect(master.slice(8, 10)).toEqual(['flags', 'master']);
    const replicas = await redisCli('SENTINEL', 'replicas', 'mymaster');
    expect(replicas).toContain(`127.0.0.1:${REPLICA_A}`);
    expect(replicas).toContain(`127.0.0.1:${REPLICA_B}`);
    expect(await redisCli('SENTINEL', 'slaves', 'mymaster')).toBe(replicas);
    expect(await redisCli('SENTINEL', 'sentinels', 'mymaster')).toContain(SENTINEL_ID);
    expect(await redisCli('SENTINEL', 'myid')).toBe(`${MY_ID}\n`);
    expect(await redisCli('SENTINEL', 'ckquorum', 'mymaster')).toBe(
      'OK 2 usable Sentinels. Quorum and failover authorization can be reached\n',
    );
    expect(await redisCli('ROLE')).toBe('sentinel\nmymaster\n');
    expect(await redisCli('INFO', 'sentinel')).toContain(
      `master0:name=mymaster,status=ok,address=127.0.0.1:${MASTER},slaves=2,sentinels=2`,
    );
    // redis-cli prints an error reply followed by an empty line, with real Sentinel too.
    expect(await redisCli('SENTINEL', 'master', 'nope')).toBe('ERR No such master with that name\n\n');
  });

  it('works in RESP3 (-3) and in interactive mode, which asks COMMAND DOCS first', async () => {
    const resp3 = await redisCli('-3', 'SENTINEL', 'master', 'mymaster');
    expect(resp3).toMatch(/^name mymaster\nip 127.0.0.1\nport 7401\n/);
    const { stdout } = await run(
      'bash',
      ['-c', `printf 'PING\\nSENTINEL get-master-addr-by-name mymaster\\n' | redis-cli -p ${server.port}`],
      { timeout: 5000 },
    );
    expect(stdout).toBe(`PONG\n127.0.0.1\n${MASTER}\n`);
  });
});

describe('redis-py (Debian python3-redis)', () => {
  it('discovers the master and the replicas, and writes through master_for', async () => {
    const script = `
import json
from redis.sentinel import Sentinel
s = Sentinel([('127.0.0.1', ${server.port})], socket_timeout=2)
m = s.master_for('mymaster', socket_timeout=2)
m.set('from-python', 'yes')
print(json.dumps({'master': s.discover_master('mymaster'), 'replicas': s.discover_slaves('mymaster')}))
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script], { timeout: 10_000 });
    expect(JSON.parse(stdout)).toEqual({
      master: ['127.0.0.1', MASTER],
      replicas: [
        ['127.0.0.1', REPLICA_A],
        ['127.0.0.1', REPLICA_B],
      ],
    });
    expect(await direct(MASTER).get('from-python')).toBe('yes');
  });
});

describe('ioredis in Sentinel mode', () => {
  it('reads from a replica resolved through SENTINEL slaves', async () => {
    await direct(MASTER).set('for-replicas', 'r');
    const replica = new Redis({
      sentinels: [{ host: '127.0.0.1', port: server.port }],
      name: 'mymaster',
      role: 'slave',
    });
    replica.on('error', () => {});
    clients.push(replica);
    expect(await until('replicated key', async () => (await replica.get('for-replicas')) ?? undefined)).toBe(
      'r',
    );
    expect((await replica.info('replication')).includes('role:slave')).toBe(true);
  });

  it('connects to the master, writes, and follows a promotion (+switch-master and killed connections)', async () => {
    const sentinels = [{ host: '127.0.0.1', port: server.port }];
    const common = { sentinels, name: 'mymaster', retryStrategy: () => 50, sentinelRetryStrategy: () => 50 };
    // RESP3 (ioredis 6's default), following by reconnecting when the old master drops it.
    const plain = new Redis(common);
    // RESP2, following the pushed +switch-master alone.
    const detector = new Redis({ ...common, protocol: 2, failoverDetector: true });
    // ioredis reports "All sentinels are unreachable. Retrying from scratch" as an error event on
    // a reconnect that starts at the end of its sentinel list; it then retries, as with real Sentinel.
    for (const c of [plain, detector]) c.on('error', () => {});
    clients.push(plain, detector);
    await plain.set('before', 'plain');
    await detector.set('before-detector', 'detector');
    expect(await direct(MASTER).get('before')).toBe('plain');
    expect(await direct(MASTER).get('before-detector')).toBe('detector');
    // The detector subscribes to +switch-master on the Sentinel server after connecting.
    await until('detector subscribed', async () =>
      (await redisCli('INFO', 'clients')).includes('pubsub_clients:1') ? true : undefined,
    );

    // Promote a replica for real and repoint the other; the old master stays a writable master,
    // so a write that lands there shows a client that did not follow.
    await direct(REPLICA_A).replicaof('NO', 'ONE');
    await direct(REPLICA_B).replicaof('127.0.0.1', REPLICA_A);
    await linkUp(REPLICA_B);
    await refreshSnapshot(REPLICA_A, [REPLICA_B, MASTER]);
    source.publish({
      name: '+switch-master',
      payload: switchMasterPayload('mymaster', `127.0.0.1:${MASTER}`, `127.0.0.1:${REPLICA_A}`),
    });

    let n = 0;
    await until('detector client on the new master', async () => {
      n++;
      await detector.set('after-detector', String(n));
      return (await direct(REPLICA_A).get('after-detector')) === String(n) ? true : undefined;
    });

    await direct(MASTER).call('CLIENT', 'KILL', 'TYPE', 'normal');
    await until('plain client on the new master', async () => {
      n++;
      await plain.set('after', String(n));
      return (await direct(REPLICA_A).get('after')) === String(n) ? true : undefined;
    });
    expect(await redisCli('SENTINEL', 'get-master-addr-by-name', 'mymaster')).toBe(
      `127.0.0.1\n${REPLICA_A}\n`,
    );
  });
});
