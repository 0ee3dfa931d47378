// Redis's 07-down-conditions "SDOWN is triggered by misconfigured instance replying with errors": a real master whose BGSAVE failed answers PING with MISCONF; the agent flags it s_down, reports it, and clears it once a BGSAVE succeeds.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initialConfig } from '../../../workers/protocol/index.js';
import { startRedis } from '../../support/redis-server.js';
import { FakeVoters } from './fake-voters.js';
import { cleanupStack, client, node, waitFor, waitUnfenced } from './harness.js';
import { masterFlags, sentinelAgent, sentinelClient } from './sentinel-port-agent.js';

const cleanups = cleanupStack();

// This file's ports: redis-servers 7444-7445, the agent's Sentinel port 8972.
const MASTER = 7444;
const REPLICA = 7445;
const SENTINEL_PORT = 8972;
const DOWN_AFTER_MS = 500;

/** The bgsave child of a redis-server (its only child process while a BGSAVE runs). */
function bgsaveChild(pid: number): number | undefined {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return children === '' ? undefined : Number(children.split(' ')[0]);
}

describe('a master answering MISCONF', () => {
  it('is flagged s_down and reported to the voters, and clears once a BGSAVE succeeds', async () => {
    const master = await startRedis({ port: MASTER });
    cleanups.push(() => master.stop());
    const replica = await startRedis({ port: REPLICA, replicaOf: `127.0.0.1 ${MASTER}` });
    cleanups.push(() => replica.stop());
    const voters = await FakeVoters.start('misconf');
    cleanups.push(() => voters.close());
    voters.push(initialConfig(node(MASTER)));
    const agent = await sentinelAgent(
      voters,
      {
        agentId: 'agent-misconf',
        localPort: MASTER,
        otherPorts: [REPLICA],
        sentinelPort: SENTINEL_PORT,
        group: { downAfterMs: DOWN_AFTER_MS },
      },
      cleanups,
    );
    const sentinel = sentinelClient(SENTINEL_PORT, cleanups);
    // Writable first (the fake voters' lease), so the key below is written.
    await waitUnfenced(agent, MASTER);
    await waitFor(
      'the master seen up',
      5000,
      async () => (await masterFlags(sentinel, 'misconf')) === 'master',
    );

    /** What the voters last heard of the master: the `sdown` of its view in the latest observation. */
    const lastReported = () =>
      voters
        .messages('observation')
        .flatMap((m) => (m.kind === 'observation' ? m.views.filter((v) => v.node === node(MASTER)) : []))
        .at(-1)?.sdown;

    // Redis's test points `dir` at `/` (refused here: `dir` is a protected config, and root may
    // write there). The same failed BGSAVE, made another way: a snapshot slowed down per key,
    // its child killed. With a save point set, stop-writes-on-bgsave-error (on by default) makes
    // the master answer MISCONF to writes and to PING.
    const admin = client(MASTER);
    cleanups.push(() => admin.disconnect());
    await admin.call('CONFIG', 'SET', 'save', '1000000 1000000');
    await admin.call('CONFIG', 'SET', 'rdb-key-save-delay', '100000000');
    await admin.set('key', 'value');
    await admin.bgsave();
    const child = await waitFor('the bgsave child', 2000, () => bgsaveChild(master.pid));
    process.kill(child, 'SIGKILL');
    await waitFor('MISCONF', 2000, async () => {
      const reply = await admin.ping().catch((error: Error) => error.message);
      return reply.startsWith('MISCONF') ? reply : undefined;
    });
    const brokenAt = performance.now();

    await waitFor('s_down on SENTINEL MASTER', 3000, async () =>
      (await masterFlags(sentinel, 'misconf')) === 's_down,master' ? true : undefined,
    );
    const tookMs = performance.now() - brokenAt;
    console.log(`MISCONF master flagged s_down ${Math.round(tookMs)} ms after PING began to answer MISCONF`);
    // Not at the first error: an error reply counts like no reply, for down-after.
    expect(tookMs).toBeGreaterThanOrEqual(DOWN_AFTER_MS - 200);
    await waitFor('SDOWN reported to the voters', 2000, () => lastReported() === true);

    // Fixed: a BGSAVE that succeeds clears the error, and with it the SDOWN.
    await admin.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await admin.bgsave();
    await waitFor('PONG again', 5000, async () =>
      (await admin.ping().catch(() => '')) === 'PONG' ? true : undefined,
    );
    await waitFor('flags back to master', 3000, async () =>
      (await masterFlags(sentinel, 'misconf')) === 'master' ? true : undefined,
    );
    await waitFor('the master reported up again', 2000, () => lastReported() === false);
  }, 30_000);
});
