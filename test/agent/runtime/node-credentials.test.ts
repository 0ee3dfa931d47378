// Redis's 03-runtime-reconf auth-pass and ACL tests on real agents: nodes that change their password or ACL are s_down for the agent until SENTINEL SET auth-pass / auth-user, then recover without a failover, fence included.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { FENCE_MIN_REPLICAS } from '../../../agent/runtime/fence.js';
import { initialConfig } from '../../../workers/protocol/index.js';
import { startRedis } from '../../support/redis-server.js';
import { FakeVoters } from './fake-voters.js';
import { capturingLogger, cleanupStack, node, waitFor } from './harness.js';
import { ask, masterFlags, replicaFlags, sentinelAgent, sentinelClient } from './sentinel-port-agent.js';

const cleanups = cleanupStack();

/** This file's ports (issue 12's range). */
const MASTER = 7434;
const REPLICA = 7435;
const SENTINEL = [8962, 8963] as const;
const GROUP = 'credentials';
const OLD = 'old-node-password';
const NEW = 'new-node-password';

/** A client of a node, authenticated as asked (before its ready check, which `default off` refuses). */
async function nodeClient(port: number, auth: { username?: string; password?: string }): Promise<Redis> {
  const c = new Redis({
    host: '127.0.0.1',
    port,
    protocol: 2,
    maxRetriesPerRequest: 0,
    lazyConnect: true,
    ...auth,
  });
  c.on('error', () => undefined);
  cleanups.push(() => c.disconnect());
  await c.connect();
  return c;
}

async function nodes(args: readonly string[] = []): Promise<void> {
  const master = await startRedis({ port: MASTER, extraArgs: args });
  cleanups.push(() => master.stop());
  const replica = await startRedis({ port: REPLICA, replicaOf: `127.0.0.1 ${MASTER}`, extraArgs: args });
  cleanups.push(() => replica.stop());
}

async function voters(): Promise<FakeVoters> {
  const v = await FakeVoters.start(GROUP, { leaseMs: 1000 });
  cleanups.push(() => v.close());
  v.push(initialConfig(node(MASTER)));
  return v;
}

/** Master `master`, its replica `slave`: both connected and up, as this agent sees them. */
async function connected(sentinel: Redis, what: string): Promise<void> {
  await waitFor(what, 8000, async () => {
    const replicas = await replicaFlags(sentinel, GROUP);
    return (await masterFlags(sentinel, GROUP)) === 'master' && replicas[node(REPLICA)] === 'slave';
  });
}

/** Nothing was failed over: the voters' config is the first, no command ran, the master is still master. */
async function noFailover(v: FakeVoters, c: Redis): Promise<void> {
  expect(v.config?.epoch).toBe(0);
  expect(v.messages('command-result')).toEqual([]);
  expect(((await c.call('ROLE')) as unknown[])[0]).toBe('master');
}

async function minReplicasToWrite(c: Redis): Promise<number> {
  return Number(((await c.call('CONFIG', 'GET', 'min-replicas-to-write')) as string[])[1]);
}

/**
 * The fence's own connection uses the new credentials: with the voters cut the master's lease
 * runs out and the fence lands; with them back it is lifted.
 */
async function fenceWorks(v: FakeVoters, c: Redis): Promise<void> {
  await waitFor('unfenced', 5000, async () => (await minReplicasToWrite(c)) === 0);
  v.cut();
  await waitFor(
    'fenced by the agent',
    5000,
    async () => (await minReplicasToWrite(c)) === FENCE_MIN_REPLICAS,
  );
  v.heal();
  await waitFor('unfenced by the agent', 5000, async () => (await minReplicasToWrite(c)) === 0);
}

describe('node credentials changed at run time', () => {
  it('SENTINEL SET auth-pass: s_down (on a fresh agent too) after the nodes change requirepass, recovered without a failover', async () => {
    await nodes(['--requirepass', OLD, '--masterauth', OLD]);
    const v = await voters();
    const { logger, lines } = capturingLogger('info');
    const agent = await sentinelAgent(
      v,
      {
        agentId: 'agent-credentials-a',
        localPort: MASTER,
        otherPorts: [REPLICA],
        sentinelPort: SENTINEL[0],
        group: { local: { host: '127.0.0.1', port: MASTER, announce: node(MASTER), password: OLD } },
        logger,
      },
      cleanups,
    );
    const sentinel = sentinelClient(SENTINEL[0], cleanups);
    await connected(sentinel, 'connected with the old password');
    await waitFor('unfenced', 5000, () => agent.runners[0]?.fenceApplied(node(MASTER)) === 'unfenced');

    // Redis's server_set_password, then every client dropped: the agent's links reconnect with the old one.
    const admin: Redis[] = [];
    for (const port of [MASTER, REPLICA]) {
      const c = await nodeClient(port, { password: OLD });
      admin.push(c);
      expect(await c.call('CONFIG', 'SET', 'requirepass', NEW)).toBe('OK');
      expect(await c.call('CONFIG', 'SET', 'masterauth', NEW)).toBe('OK');
      await c.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    }
    await waitFor('both s_down', 8000, async () => {
      const replicas = await replicaFlags(sentinel, GROUP);
      return (
        (await masterFlags(sentinel, GROUP)) === 's_down,master' && replicas[node(REPLICA)] === 's_down,slave'
      );
    });

    // Sentinel's "(re)started" Sentinel: an agent that starts with the old password never gets a
    // valid reply, so the nodes are s_down there too (`disconnected` is only "never probed" here).
    const late = await sentinelAgent(
      v,
      {
        agentId: 'agent-credentials-b',
        localPort: REPLICA,
        otherPorts: [MASTER],
        sentinelPort: SENTINEL[1],
        group: { local: { host: '127.0.0.1', port: REPLICA, announce: node(REPLICA), password: OLD } },
      },
      cleanups,
    );
    const lateSentinel = sentinelClient(SENTINEL[1], cleanups);
    await waitFor('s_down on the fresh agent', 5000, async () =>
      (await masterFlags(lateSentinel, GROUP)).startsWith('s_down'),
    );

    expect(await ask(sentinel, 'SENTINEL', 'SET', GROUP, 'auth-pass', NEW)).toBe('OK');
    expect(await ask(lateSentinel, 'SENTINEL', 'SET', GROUP, 'auth-pass', NEW)).toBe('OK');
    await connected(sentinel, 'connected again with the new password');
    await connected(lateSentinel, 'the fresh agent connected');
    await noFailover(v, admin[0] as Redis);
    await fenceWorks(v, admin[0] as Redis);
    expect(late.nodeAccess.of(GROUP).current.password).toBe(NEW);

    // The password is never printed: not in the logs, not in SENTINEL MASTER or CONFIG GET.
    expect(lines.some((line) => line.includes('SENTINEL SET auth-pass ******'))).toBe(true);
    expect(lines.filter((line) => line.includes(NEW) || line.includes(OLD))).toEqual([]);
    expect(JSON.stringify(await ask(sentinel, 'SENTINEL', 'MASTER', GROUP))).not.toContain(NEW);
    expect(JSON.stringify(await ask(sentinel, 'SENTINEL', 'CONFIG', 'GET', '*'))).not.toContain(NEW);

    // Redis's server_reset_password: no password at all; auth-pass "" removes the agent's (Sentinel's rule).
    for (const c of admin) {
      await c.call('CONFIG', 'SET', 'requirepass', '');
      await c.call('CONFIG', 'SET', 'masterauth', '');
    }
    expect(await ask(sentinel, 'SENTINEL', 'SET', GROUP, 'auth-pass', '')).toBe('OK');
    expect(agent.nodeAccess.of(GROUP).current.password).toBeUndefined();
    await connected(sentinel, 'connected without a password');
    await noFailover(v, admin[0] as Redis);
  });

  it('SENTINEL SET auth-user + auth-pass: the nodes switch to an ACL user with `default off`, recovered without a failover', async () => {
    await nodes();
    const v = await voters();
    const agent = await sentinelAgent(
      v,
      { agentId: 'agent-acl-a', localPort: MASTER, otherPorts: [REPLICA], sentinelPort: SENTINEL[0] },
      cleanups,
    );
    const sentinel = sentinelClient(SENTINEL[0], cleanups);
    await connected(sentinel, 'connected as default');
    await waitFor('unfenced', 5000, () => agent.runners[0]?.fenceApplied(node(MASTER)) === 'unfenced');

    // Redis's server_set_acl on every node: a new user, `default off`, default's clients killed.
    const admin: Redis[] = [];
    for (const port of [MASTER, REPLICA]) {
      const c = await nodeClient(port, {});
      expect(await c.call('ACL', 'SETUSER', 'testuser', 'on', '>secret', 'allchannels', '+@all')).toBe('OK');
      expect(await c.call('ACL', 'SETUSER', 'default', 'off')).toBe('OK');
      // SKIPME no: this very client goes too, before its reply.
      await c.call('CLIENT', 'KILL', 'USER', 'default', 'SKIPME', 'no').catch(() => undefined);
      const as = await nodeClient(port, { username: 'testuser', password: 'secret' });
      admin.push(as);
      expect(await as.call('CONFIG', 'SET', 'masteruser', 'testuser')).toBe('OK');
      expect(await as.call('CONFIG', 'SET', 'masterauth', 'secret')).toBe('OK');
    }
    await waitFor('both s_down', 8000, async () => {
      const replicas = await replicaFlags(sentinel, GROUP);
      return (
        (await masterFlags(sentinel, GROUP)) === 's_down,master' && replicas[node(REPLICA)] === 's_down,slave'
      );
    });

    expect(
      await ask(sentinel, 'SENTINEL', 'SET', GROUP, 'auth-user', 'testuser', 'auth-pass', 'secret'),
    ).toBe('OK');
    await connected(sentinel, 'connected as testuser');
    await noFailover(v, admin[0] as Redis);
    await fenceWorks(v, admin[0] as Redis);
    // Both of the agent's connections to the master are testuser's (CLIENT LIST names them).
    const clients = String(await (admin[0] as Redis).call('CLIENT', 'LIST'));
    expect(clients).toMatch(/name=edge-sentinel-fence:agent-acl-a .*user=testuser/);
    expect(clients).toMatch(/name=edge-sentinel-agent:agent-acl-a .*user=testuser/);
  });
});
