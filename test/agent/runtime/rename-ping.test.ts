// Redis's 07-down-conditions "SDOWN is triggered if we rename PING to PONG", on a real agent: SENTINEL SET rename-command changes what this agent sends, a node that does not know the name is SDOWN, and renaming back clears it.
import { describe, expect, it } from 'vitest';
import { initialConfig } from '../../../workers/protocol/index.js';
import { startRedis } from '../../support/redis-server.js';
import { FakeVoters } from './fake-voters.js';
import { capturingLogger, cleanupStack, node, waitFor } from './harness.js';
import { ask, masterFlags, sentinelAgent, sentinelClient } from './sentinel-port-agent.js';

const cleanups = cleanupStack();

/** This file's ports (issue 12's range). */
const REDIS = 7433;
const SENTINEL = 8961;
const GROUP = 'renamed-ping';

describe('SENTINEL SET rename-command PING', () => {
  it('a name the node does not know makes it SDOWN (and the log says which name); renaming back clears it', async () => {
    // The node itself renames PING, as hardened Redis does; the agent file says so.
    const redis = await startRedis({ port: REDIS, extraArgs: ['--rename-command', 'PING', 'ping-xyz'] });
    cleanups.push(() => redis.stop());
    const v = await FakeVoters.start(GROUP);
    cleanups.push(() => v.close());
    v.push(initialConfig(node(REDIS)));
    const { logger, lines } = capturingLogger('info');
    const agent = await sentinelAgent(
      v,
      {
        agentId: 'agent-rename-ping',
        localPort: REDIS,
        otherPorts: [],
        sentinelPort: SENTINEL,
        group: { renameCommands: { PING: 'ping-xyz' } },
        logger,
      },
      cleanups,
    );
    const sentinel = sentinelClient(SENTINEL, cleanups);
    const subscriber = sentinelClient(SENTINEL, cleanups);
    const published: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => published.push(message));
    await subscriber.subscribe('+set');
    await waitFor(
      'the master listed, up',
      5000,
      async () => (await masterFlags(sentinel, GROUP)) === 'master',
    );

    // Sentinel's test: the agent now sends PONG, which the node does not know.
    expect(await ask(sentinel, 'SENTINEL', 'SET', GROUP, 'rename-command', 'PING', 'PONG')).toBe('OK');
    await waitFor('s_down', 5000, async () => (await masterFlags(sentinel, GROUP)) === 's_down,master');
    expect(lines.some((line) => line.includes('node refuses PING as sent') && line.includes("'PONG'"))).toBe(
      true,
    );
    // The voters are told, as for any SDOWN.
    await waitFor('SDOWN reported', 2000, () =>
      v
        .messages('observation')
        .some(
          (m) => m.kind === 'observation' && m.views.some((view) => view.node === node(REDIS) && view.sdown),
        ),
    );
    expect(published).toContain(`master ${GROUP} 127.0.0.1 ${REDIS} rename-command PING PONG`);

    expect(await ask(sentinel, 'SENTINEL', 'SET', GROUP, 'rename-command', 'PING', 'ping-xyz')).toBe('OK');
    await waitFor('up again', 5000, async () => (await masterFlags(sentinel, GROUP)) === 'master');

    // Renaming a command to its own name removes the renaming (Sentinel's rule): plain PING, unknown to this node.
    expect(await ask(sentinel, 'SENTINEL', 'SET', GROUP, 'rename-command', 'ping', 'PING')).toBe('OK');
    expect(agent.nodeAccess.of(GROUP).current.renameCommands).toEqual({});
    await waitFor('s_down without the renaming', 5000, async () =>
      (await masterFlags(sentinel, GROUP)).startsWith('s_down'),
    );
    expect(await ask(sentinel, 'SENTINEL', 'SET', GROUP, 'rename-command', 'PING', 'ping-xyz')).toBe('OK');
    await waitFor('up at the end', 5000, async () => (await masterFlags(sentinel, GROUP)) === 'master');
    // Nothing of this went to the voters, and the master never changed.
    expect(v.config?.epoch).toBe(0);
    expect(v.messages('command-result')).toEqual([]);
  });

  it('refuses a command the agent never sends, or a name Redis cannot read, and changes nothing', async () => {
    const redis = await startRedis({ port: REDIS });
    cleanups.push(() => redis.stop());
    const v = await FakeVoters.start(GROUP);
    cleanups.push(() => v.close());
    v.push(initialConfig(node(REDIS)));
    const agent = await sentinelAgent(
      v,
      { agentId: 'agent-rename-refused', localPort: REDIS, otherPorts: [], sentinelPort: SENTINEL },
      cleanups,
    );
    const sentinel = sentinelClient(SENTINEL, cleanups);
    await waitFor('the master listed', 5000, async () => (await masterFlags(sentinel, GROUP)) === 'master');
    expect(await ask(sentinel, 'SENTINEL', 'SET', GROUP, 'rename-command', 'SUBSCRIBE', 'sub-x')).toMatch(
      /^-ERR Invalid argument 'SUBSCRIBE' for SENTINEL SET 'rename-command': the agent sends only PING, INFO/,
    );
    expect(await ask(sentinel, 'SENTINEL', 'SET', GROUP, 'rename-command', 'CONFIG', 'cfg xyz')).toMatch(
      /^-ERR Invalid argument 'cfg xyz' for SENTINEL SET 'rename-command': a command name has no spaces/,
    );
    // All or nothing: the valid first pair is not applied either.
    expect(
      await ask(
        sentinel,
        'SENTINEL',
        'SET',
        GROUP,
        'rename-command',
        'INFO',
        'i',
        'rename-command',
        'SLAVEOF',
        's',
      ),
    ).toMatch(/rename REPLICAOF/);
    expect(agent.nodeAccess.of(GROUP).current.renameCommands).toEqual({});
  });
});
