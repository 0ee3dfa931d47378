// Nodes that rename CONFIG and REPLICAOF (redis-server --rename-command): real agents fence, unfence, promote and demote them through groups[].renameCommands, and a wrong mapping is named in the logs and results.
import { describe, expect, it } from 'vitest';
import type { AgentFile } from '../../../agent/config/load.js';
import type { RenameCommands } from '../../../agent/config/rename-commands.js';
import type { RunningAgent } from '../../../agent/runtime/agent.js';
import { FENCE_MIN_REPLICAS } from '../../../agent/runtime/fence.js';
import type { Logger } from '../../../agent/runtime/logger.js';
import type { Config } from '../../../workers/protocol/index.js';
import { startRedis } from '../../support/redis-server.js';
import { FakeVoters, tokenFor } from './fake-voters.js';
import {
  capturingLogger,
  cleanupStack,
  client,
  node,
  removeDir,
  role,
  runAgent,
  tempStateDir,
  testConfig,
  waitFor,
} from './harness.js';

const cleanups = cleanupStack();

/** This file's ports (issue 12's range): two nodes, each with its agent. */
const MASTER = 7431;
const REPLICA = 7432;
const RENAMED: RenameCommands = { CONFIG: 'cfg-xyz', REPLICAOF: 'ro-xyz' };
const RENAME_ARGS = ['--rename-command', 'CONFIG', 'cfg-xyz', '--rename-command', 'REPLICAOF', 'ro-xyz'];

const config = (epoch: number, master: number, state: Config['state'], previous: number | null): Config => ({
  epoch,
  master: node(master),
  state,
  previousMaster: previous === null ? null : node(previous),
  cause: epoch === 0 ? 'initial' : 'failover',
  leader: epoch === 0 ? -1 : 0,
});

async function nodes(): Promise<void> {
  const master = await startRedis({ port: MASTER, extraArgs: RENAME_ARGS });
  cleanups.push(() => master.stop());
  const replica = await startRedis({
    port: REPLICA,
    replicaOf: `127.0.0.1 ${MASTER}`,
    extraArgs: RENAME_ARGS,
  });
  cleanups.push(() => replica.stop());
}

/** An agent for `localPort` (the other node its peer), with its own id and state directory. */
async function agentOn(
  v: FakeVoters,
  localPort: number,
  renameCommands: RenameCommands | undefined,
  logger?: Logger,
): Promise<RunningAgent> {
  const stateDir = tempStateDir();
  cleanups.push(() => removeDir(stateDir));
  const agentId = `agent-renamed-${localPort}`;
  const base = await testConfig({
    voters: v,
    localPort,
    otherPorts: [localPort === MASTER ? REPLICA : MASTER],
    stateDir,
    token: await tokenFor(agentId, v.group),
    ...(renameCommands === undefined ? {} : { group: { renameCommands } }),
  });
  const file: AgentFile = { ...base, agentId, metrics: { ...base.metrics, enabled: false } };
  const agent = await runAgent(file, logger);
  cleanups.push(() => agent.stop());
  return agent;
}

/** min-replicas-to-write on the node, read through the renamed CONFIG as an operator would. */
async function minReplicas(port: number): Promise<number> {
  const c = client(port);
  try {
    const reply = (await c.call('cfg-xyz', 'GET', 'min-replicas-to-write')) as string[];
    return Number(reply[1]);
  } finally {
    c.disconnect();
  }
}

async function refusal(port: number, ...command: string[]): Promise<string> {
  const c = client(port);
  try {
    return String(await c.call(command[0] ?? '', ...command.slice(1)));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    c.disconnect();
  }
}

describe('nodes with renamed commands', () => {
  it('fences and unfences through the renamed CONFIG, promotes and demotes through the renamed REPLICAOF', async () => {
    await nodes();
    // The nodes know CONFIG and REPLICAOF by their new names only.
    expect(await refusal(MASTER, 'CONFIG', 'GET', 'maxmemory')).toMatch(/unknown command 'CONFIG'/);
    expect(await refusal(REPLICA, 'REPLICAOF', 'NO', 'ONE')).toMatch(/unknown command 'REPLICAOF'/);
    const v = await FakeVoters.start('renamed', { leaseMs: 1000 });
    cleanups.push(() => v.close());
    v.push(config(0, MASTER, 'active', null));
    const a = await agentOn(v, MASTER, RENAMED);
    const b = await agentOn(v, REPLICA, RENAMED);

    // Unfenced once the lease is held: the fence learned 0 with cfg-xyz GET and restored it with cfg-xyz SET.
    await waitFor('master unfenced', 5000, () => a.runners[0]?.fenceApplied(node(MASTER)) === 'unfenced');
    expect(await minReplicas(MASTER)).toBe(0);
    // The replica is not the configured master: fenced.
    await waitFor('replica fenced', 5000, async () => (await minReplicas(REPLICA)) === FENCE_MIN_REPLICAS);

    // The voters unreachable: the master's lease runs out and the fence lands through cfg-xyz SET.
    v.cut();
    await waitFor('master fenced', 3000, async () => (await minReplicas(MASTER)) === FENCE_MIN_REPLICAS);
    const writer = client(MASTER);
    cleanups.push(() => writer.disconnect());
    await expect(writer.set('k', 'v')).rejects.toThrow(/NOREPLICAS/);
    v.heal();
    await waitFor('master unfenced again', 5000, async () => (await minReplicas(MASTER)) === 0);
    expect(await writer.set('k', 'v')).toBe('OK');

    // A failover to the replica: its agent promotes it (MULTI; ro-xyz NO ONE; CLIENT KILL ...; EXEC),
    // then the old master's agent demotes it (ro-xyz host port) once the change is active.
    v.push(config(1, REPLICA, 'promoting', MASTER));
    await waitFor('replica promoted', 5000, async () => (await role(REPLICA)) === 'master');
    v.push(config(1, REPLICA, 'active', MASTER));
    await waitFor(
      'old master demoted',
      5000,
      async () => (await role(MASTER)) === `slave of 127.0.0.1:${REPLICA}`,
    );
    await waitFor('new master unfenced', 5000, async () => (await minReplicas(REPLICA)) === 0);
    await waitFor('old master fenced', 5000, async () => (await minReplicas(MASTER)) === FENCE_MIN_REPLICAS);
    const results = v.messages('command-result');
    expect(results).toContainEqual(
      expect.objectContaining({ action: 'promote', ok: true, node: node(REPLICA) }),
    );
    expect(results).toContainEqual(
      expect.objectContaining({ action: 'demote', ok: true, node: node(MASTER) }),
    );

    // And back.
    v.push(config(2, MASTER, 'promoting', REPLICA));
    await waitFor('first node promoted again', 5000, async () => (await role(MASTER)) === 'master');
    v.push(config(2, MASTER, 'active', REPLICA));
    await waitFor(
      'second node demoted',
      5000,
      async () => (await role(REPLICA)) === `slave of 127.0.0.1:${MASTER}`,
    );
    expect(b.runners[0]?.current.highestEpoch).toBe(2);
  });

  it('names the renamed command when a node refuses it: a fence failure and a promotion failure', async () => {
    await nodes();
    const v = await FakeVoters.start('misnamed', { leaseMs: 1000 });
    cleanups.push(() => v.close());
    v.push(config(0, MASTER, 'active', null));
    // The master's agent does not know CONFIG is renamed: its fence cannot apply, and says why.
    const unmapped = capturingLogger('info');
    await agentOn(v, MASTER, undefined, unmapped.logger);
    await waitFor('a fence failure naming CONFIG', 5000, () =>
      unmapped.lines.find(
        (line) =>
          line.includes('applying the write fence failed') &&
          line.includes("unknown command 'CONFIG'") &&
          line.includes('CONFIG is not renamed for this group'),
      ),
    );
    // The replica's agent has a wrong name for REPLICAOF: the promotion fails, and its result says what was sent.
    const wrong = capturingLogger('info');
    await agentOn(v, REPLICA, { CONFIG: 'cfg-xyz', REPLICAOF: 'ro-wrong' }, wrong.logger);
    v.push(config(1, REPLICA, 'promoting', MASTER));
    const failed = await waitFor('a failed promotion', 5000, () =>
      v
        .messages('command-result')
        .find((m) => m.kind === 'command-result' && m.action === 'promote' && !m.ok),
    );
    expect(failed.kind === 'command-result' && failed.detail).toMatch(
      /REPLICAOF: ERR unknown command 'ro-wrong'.*REPLICAOF is sent as 'ro-wrong'/,
    );
    expect(wrong.lines.some((line) => line.includes('promote failed') && line.includes("'ro-wrong'"))).toBe(
      true,
    );
    // Nothing ran: EXEC discarded the whole transaction.
    expect(await role(REPLICA)).toBe(`slave of 127.0.0.1:${MASTER}`);
  });
});
