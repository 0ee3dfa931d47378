// One connection per node shared by the groups that name it, against real redis-servers: one PING for all, the same verdict, release by reference.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../agent/runtime/logger.js';
import { type NodeConnection, NodePool } from '../../../agent/runtime/node-pool.js';
import type { NodeEndpoint } from '../../../agent/runtime/redis-options.js';
import { startRedis } from '../../support/redis-server.js';
import { FakeVoters } from './fake-voters.js';
import {
  cleanupStack,
  client,
  node,
  removeDir,
  runAgent,
  tempStateDir,
  testConfig,
  waitFor,
} from './harness.js';

const cleanups = cleanupStack();

const NAME = 'edge-sentinel-agent:pool-test';

/** The connections a redis-server holds named `name` (CLIENT LIST). */
async function connectionsNamed(port: number, name: string): Promise<number> {
  const c = client(port);
  try {
    const list = String(await c.call('CLIENT', 'LIST'));
    return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
  } finally {
    c.disconnect();
  }
}

/** How many PINGs the node has answered so far (INFO commandstats). */
async function pingsServed(port: number): Promise<number> {
  const c = client(port);
  try {
    const text = String(await c.call('INFO', 'commandstats'));
    return Number(/cmdstat_ping:calls=(\d+)/.exec(text)?.[1] ?? 0);
  } finally {
    c.disconnect();
  }
}

const endpoint = (port: number): NodeEndpoint => ({ host: '127.0.0.1', port });

describe('NodePool on a real node', () => {
  it('gives two groups naming the same node one connection, one PING per turn and the same verdict', async () => {
    const redis = await startRedis({ port: 7351 });
    cleanups.push(() => redis.stop());
    const pool = new NodePool({ connectionName: NAME, logger: silentLogger() });
    const g1 = pool.acquire(node(7351), endpoint(7351), 300);
    const g2 = pool.acquire(node(7351), endpoint(7351), 300);
    cleanups.push(() => g1.close());
    cleanups.push(() => g2.close());
    g1.start();
    g2.start();
    expect(pool.size).toBe(1);
    await waitFor('the shared connection', 3000, async () => (await g1.probe()) === 'pong');
    expect(await connectionsNamed(7351, NAME)).toBe(1);

    const before = await pingsServed(7351);
    const outcomes = await Promise.all([g1.probe(), g2.probe()]);
    expect(outcomes).toEqual(['pong', 'pong']);
    expect(await pingsServed(7351)).toBe(before + 1);
    const [info1, info2] = await Promise.all([g1.info(), g2.info()]);
    expect(info1).toContain('run_id:');
    // One INFO call answers both, with the very same text (the agent parses it once).
    expect(info2).toBe(info1);

    await redis.kill();
    const down = await Promise.all([g1.probe(), g2.probe()]);
    expect(down[0]).not.toBe('pong');
    expect(down[1]).toBe(down[0]);
  });

  it('keeps a node released by one group connected for the other; the last release closes it', async () => {
    const redis = await startRedis({ port: 7352 });
    cleanups.push(() => redis.stop());
    const pool = new NodePool({ connectionName: NAME, logger: silentLogger() });
    const g1 = pool.acquire(node(7352), endpoint(7352), 300);
    const g2 = pool.acquire(node(7352), endpoint(7352), 300);
    cleanups.push(() => g2.close());
    g1.start();
    g2.start();
    await waitFor('the shared connection', 3000, async () => (await g2.probe()) === 'pong');

    await g1.close();
    await g1.close(); // twice: the second release must not take the other group's reference
    expect(pool.size).toBe(1);
    expect(await g2.probe()).toBe('pong');
    expect(await connectionsNamed(7352, NAME)).toBe(1);

    await g2.close();
    expect(pool.size).toBe(0);
    await waitFor('the connection closed', 3000, async () => (await connectionsNamed(7352, NAME)) === 0);
  });

  it('an agent whose two groups name the same nodes holds one connection per node and both see a killed node SDOWN', async () => {
    const local = await startRedis({ port: 7353 });
    cleanups.push(() => local.stop());
    const other = await startRedis({ port: 7354, replicaOf: '127.0.0.1 7353' });
    cleanups.push(() => other.stop());
    const v = await FakeVoters.start('shared1');
    cleanups.push(() => v.close());
    const stateDir = tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const config = await testConfig({
      voters: v,
      localPort: 7353,
      otherPorts: [7354],
      stateDir,
      group: { downAfterMs: 500 },
    });
    const [first] = config.groups;
    if (first === undefined) throw new Error('no group');
    // The second group's voters are not served here: it still probes its nodes, which is what is shared.
    const agent = await runAgent({ ...config, groups: [first, { ...first, name: 'shared2' }] });
    cleanups.push(() => agent.stop());
    const name = `edge-sentinel-agent:${config.agentId}`;
    await waitFor('both groups see both nodes up', 5000, () =>
      agent.runners.every((r) => r.current.reported?.[node(7354)]?.sdown === false),
    );
    expect(await connectionsNamed(7353, name)).toBe(1);
    expect(await connectionsNamed(7354, name)).toBe(1);

    await other.kill();
    await waitFor('both groups see the killed node SDOWN', 3000, () =>
      agent.runners.every((r) => r.current.reported?.[node(7354)]?.sdown === true),
    );
  });
});

describe('NodePool keys', () => {
  /** A connection that answers PONG at once and counts itself. */
  function counting(): { opened: NodeEndpoint[]; open: () => NodeConnection } {
    const opened: NodeEndpoint[] = [];
    return {
      opened,
      open: () => ({
        start: () => {},
        probe: () => Promise.resolve('pong'),
        info: () => Promise.resolve(''),
        command: () => Promise.resolve('OK'),
        transaction: () => Promise.resolve([]),
        requestAcks: () => () => {},
        close: () => Promise.resolve(),
      }),
    };
  }

  it.each([
    ['another port', { host: '127.0.0.1', port: 7002 }, 300],
    ['another host name for it', { host: 'localhost', port: 7001 }, 300],
    ['other credentials', { host: '127.0.0.1', port: 7001, username: 'u', password: 'p' }, 300],
    ['TLS', { host: '127.0.0.1', port: 7001, tls: { rejectUnauthorized: true } }, 300],
    ['renamed commands', { host: '127.0.0.1', port: 7001, renameCommands: { PING: 'p1' } }, 300],
    ['another probe timeout', { host: '127.0.0.1', port: 7001 }, 500],
  ] as const)('does not share a connection with a group reaching the node by %s', (_, other, timeoutMs) => {
    const { open } = counting();
    const pool = new NodePool({ connectionName: NAME, logger: silentLogger(), open });
    pool.acquire('127.0.0.1:7001', { host: '127.0.0.1', port: 7001 }, 300);
    pool.acquire('127.0.0.1:7001', { host: '127.0.0.1', port: 7001 }, 300);
    expect(pool.size).toBe(1);
    pool.acquire('127.0.0.1:7001', other, timeoutMs);
    expect(pool.size).toBe(2);
  });

  it('moves a retargeted handle to the connection of its new endpoint, and closes the old one after its last user', async () => {
    const started: string[] = [];
    const closed: string[] = [];
    const open = (_node: string, endpoint: NodeEndpoint): NodeConnection => {
      const label = endpoint.password ?? 'none';
      return {
        start: () => started.push(label),
        probe: () => Promise.resolve('pong'),
        info: () => Promise.resolve(''),
        command: () => Promise.resolve(label),
        transaction: () => Promise.resolve([]),
        requestAcks: () => () => {},
        close: () => {
          closed.push(label);
          return Promise.resolve();
        },
      };
    };
    const pool = new NodePool({ connectionName: NAME, logger: silentLogger(), open });
    const at = { host: '127.0.0.1', port: 7001 };
    const a = pool.acquire('127.0.0.1:7001', { ...at, password: 'old' }, 300);
    const b = pool.acquire('127.0.0.1:7001', { ...at, password: 'old' }, 300);
    a.start();
    // The same endpoint again: nothing moves.
    a.retarget({ ...at, password: 'old' });
    expect(pool.size).toBe(1);
    a.retarget({ ...at, password: 'new' });
    expect(pool.size).toBe(2);
    // A started handle starts its new connection; the old one stays for the other group.
    expect(started).toEqual(['old', 'new']);
    expect(await a.command('PING')).toBe('new');
    expect(await b.command('PING')).toBe('old');
    expect(closed).toEqual([]);
    b.retarget({ ...at, password: 'new' });
    await Promise.resolve();
    expect(closed).toEqual(['old']);
    expect(pool.size).toBe(1);
    await a.close();
    expect(closed).toEqual(['old']);
    await b.close();
    expect(closed).toEqual(['old', 'new']);
    expect(pool.size).toBe(0);
  });
});
