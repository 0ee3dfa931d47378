// Promote, demote, repoint and hand-off executed by the agent on real redis-servers, verified with ROLE;
// stale epochs refused, also after a restart from the state file.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunningAgent } from '../../../agent/runtime/agent.js';
import { stateFilePath } from '../../../agent/runtime/state-file.js';
import type { Config } from '../../../workers/protocol/index.js';
import { type RedisServer, startRedis } from '../../support/redis-server.js';
import { FakeVoters } from './fake-voters.js';
import {
  cleanupStack,
  client,
  node,
  removeDir,
  role,
  runAgent,
  sleep,
  tempStateDir,
  testConfig,
  waitFor,
  waitReplicaOnline,
  waitUnfenced,
} from './harness.js';

const cleanups = cleanupStack();

async function redis(port: number, replicaOf?: number, extraArgs: string[] = []): Promise<RedisServer> {
  const server = await startRedis({
    port,
    ...(replicaOf === undefined ? {} : { replicaOf: `127.0.0.1 ${replicaOf}` }),
    extraArgs,
  });
  cleanups.push(() => server.stop());
  return server;
}

async function voters(group: string): Promise<FakeVoters> {
  const v = await FakeVoters.start(group);
  cleanups.push(() => v.close());
  return v;
}

async function agentOn(
  v: FakeVoters,
  localPort: number,
  otherPorts: number[],
  stateDir: string,
): Promise<RunningAgent> {
  const agent = await runAgent(await testConfig({ voters: v, localPort, otherPorts, stateDir }));
  cleanups.push(() => agent.stop());
  return agent;
}

const config = (epoch: number, master: number, state: Config['state'], previous: number | null): Config => ({
  epoch,
  master: node(master),
  state,
  previousMaster: previous === null ? null : node(previous),
  cause: epoch === 0 ? 'initial' : state === 'handoff' ? 'switchover' : 'failover',
  leader: epoch === 0 ? -1 : 0,
});

function persistedEpoch(stateDir: string, group: string): number {
  return (JSON.parse(readFileSync(stateFilePath(stateDir, group), 'utf8')) as { highestEpoch: number })
    .highestEpoch;
}

describe('execution on real nodes', () => {
  it('promotes, demotes and repoints the local node as configs arrive, and refuses stale epochs across a restart', async () => {
    await redis(7301);
    await redis(7302, 7301);
    await redis(7303, 7301);
    const v = await voters('exec');
    const stateDir = tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    v.push(config(0, 7301, 'active', null));
    const agent = await agentOn(v, 7302, [7301, 7303], stateDir);
    await waitFor('three voter links', 3000, () => v.connected().length === 3);

    // Promote: epoch 1 names the local replica. A client of the replica (reading from it, or a
    // subscriber) is disconnected by the role change, so it reconnects and asks again.
    const reader = client(7302);
    cleanups.push(() => reader.disconnect());
    const readerClosed = new Promise<void>((resolve) => reader.once('close', () => resolve()));
    expect(await reader.ping()).toBe('PONG');
    v.push(config(1, 7302, 'promoting', 7301));
    await waitFor('7302 promoted', 3000, async () => (await role(7302)) === 'master');
    await waitFor('the replica reader disconnected', 3000, () =>
      Promise.race([readerClosed.then(() => true), sleep(50).then(() => undefined)]),
    );
    const result = await waitFor('a command result', 2000, () =>
      v.messages('command-result').find((m) => m.kind === 'command-result' && m.epoch === 1),
    );
    expect(result).toMatchObject({ action: 'promote', ok: true, node: node(7302) });
    expect(persistedEpoch(stateDir, 'exec')).toBe(1);
    v.push(config(1, 7302, 'active', 7301));

    // Demote: epoch 2 names another node while the local one is master.
    const c3 = client(7303);
    await c3.call('REPLICAOF', ['NO', 'ONE']);
    c3.disconnect();
    v.push(config(2, 7303, 'active', 7302));
    await waitFor('7302 demoted', 3000, async () => (await role(7302)) === 'slave of 127.0.0.1:7303');

    // Repoint: epoch 3 names 7301 while the local replica follows 7303.
    v.push(config(3, 7301, 'active', 7303));
    await waitFor('7302 repointed', 3000, async () => (await role(7302)) === 'slave of 127.0.0.1:7301');
    expect(persistedEpoch(stateDir, 'exec')).toBe(3);

    // A stale config (epoch 2) is ignored.
    v.push(config(2, 7303, 'active', 7302));
    await sleep(600);
    expect(await role(7302)).toBe('slave of 127.0.0.1:7301');

    // Restart the agent: the voters (wrongly) push epoch 1 naming the local node; the state file says 3.
    await agent.stop();
    cleanups.pop();
    v.config = config(1, 7302, 'promoting', 7301);
    const restarted = await agentOn(v, 7302, [7301, 7303], stateDir);
    await waitFor('voter links after restart', 3000, () => v.connected().length === 3);
    await sleep(800);
    expect(await role(7302)).toBe('slave of 127.0.0.1:7301');
    expect(restarted.runners[0]?.current.highestEpoch).toBe(3);
    expect(persistedEpoch(stateDir, 'exec')).toBe(3);
  });

  it('hands over with FAILOVER TO: the old master becomes a replica of the target, no write lost', async () => {
    await redis(7304);
    await redis(7305, 7304);
    const v = await voters('handoff');
    const stateDir = tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    v.push(config(0, 7304, 'active', null));
    const agent = await agentOn(v, 7304, [7305], stateDir);
    const writer = client(7304);
    cleanups.push(() => writer.disconnect());
    await waitUnfenced(agent, 7304);
    await waitReplicaOnline(7304, 7305);
    for (let i = 0; i < 100; i++) await writer.set(`k${i}`, String(i));
    v.push(config(1, 7305, 'handoff', 7304));
    await waitFor('hand-off done', 5000, async () => (await role(7304)) === 'slave of 127.0.0.1:7305');
    expect(await role(7305)).toBe('master');
    const target = client(7305);
    cleanups.push(() => target.disconnect());
    expect(await target.get('k99')).toBe('99');
    const result = await waitFor('the hand-off result', 2000, () =>
      v.messages('command-result').find((m) => m.kind === 'command-result' && m.action === 'handoff'),
    );
    expect(result).toMatchObject({ ok: true });
    // The writer is cut while FAILOVER pauses it (its reconnect delay runs meanwhile), not only after.
    expect(result?.kind === 'command-result' ? result.detail : '').toMatch(
      /at the pause killed [1-9]\d* normal/,
    );
  });

  it('falls back to CLIENT PAUSE WRITE + offset wait when FAILOVER is unavailable', async () => {
    await redis(7306, undefined, ['--rename-command', 'FAILOVER', '']);
    await redis(7307, 7306);
    const v = await voters('fallback');
    const stateDir = tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    v.push(config(0, 7306, 'active', null));
    const agent = await agentOn(v, 7306, [7307], stateDir);
    const writer = client(7306);
    cleanups.push(() => writer.disconnect());
    await waitUnfenced(agent, 7306);
    for (let i = 0; i < 100; i++) await writer.set(`k${i}`, String(i));
    v.push(config(1, 7307, 'handoff', 7306));
    await waitFor('paused hand-off done', 5000, async () => (await role(7306)) === 'slave of 127.0.0.1:7307');
    expect(await role(7307)).toBe('master');
    const target = client(7307);
    cleanups.push(() => target.disconnect());
    expect(await target.get('k99')).toBe('99');
  });
});
