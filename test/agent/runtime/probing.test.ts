// Probing and SDOWN timing against real nodes: killed, paused (CLIENT PAUSE), restarted empty (+reboot).

import { describe, expect, it } from 'vitest';
import type { RunningAgent } from '../../../agent/runtime/agent.js';
import { initialConfig } from '../../../workers/protocol/index.js';
import { type RedisServer, startRedis } from '../../support/redis-server.js';
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
  waitUnfenced,
} from './harness.js';

const cleanups = cleanupStack();

const DOWN_AFTER_MS = 500;
/** SDOWN counts from the last valid reply, which came up to one probe interval before the failure. */
const EARLIEST_MS = DOWN_AFTER_MS - 100 - 20;

async function setup(
  localPort: number,
  otherPort: number,
): Promise<{ agent: RunningAgent; v: FakeVoters; other: RedisServer }> {
  const local = await startRedis({ port: localPort });
  cleanups.push(() => local.stop());
  const other = await startRedis({ port: otherPort, replicaOf: `127.0.0.1 ${localPort}` });
  cleanups.push(() => other.stop());
  const v = await FakeVoters.start(`probe${localPort}`);
  cleanups.push(() => v.close());
  v.push(initialConfig(node(localPort)));
  const stateDir = tempStateDir();
  cleanups.push(() => removeDir(stateDir));
  const config = await testConfig({
    voters: v,
    localPort,
    otherPorts: [otherPort],
    stateDir,
    group: { downAfterMs: DOWN_AFTER_MS },
  });
  const agent = await runAgent(config);
  cleanups.push(() => agent.stop());
  await waitUnfenced(agent, localPort);
  return { agent, v, other };
}

const sdown = (agent: RunningAgent, port: number) => agent.runners[0]?.current.reported?.[node(port)]?.sdown;

/** The voters hear about it: an observation whose view of the node says sdown. */
function reported(v: FakeVoters, port: number, value: boolean): boolean {
  return v
    .messages('observation')
    .some(
      (m) =>
        m.kind === 'observation' && m.views.some((view) => view.node === node(port) && view.sdown === value),
    );
}

describe('probing', () => {
  it('marks a killed node SDOWN after downAfterMs, and up again when it returns', async () => {
    const { agent, v, other } = await setup(7311, 7312);
    const killedAt = performance.now();
    await other.kill();
    const downAt = await waitFor('SDOWN', 3000, () =>
      sdown(agent, 7312) === true ? performance.now() : undefined,
    );
    const tookMs = downAt - killedAt;
    expect(tookMs).toBeGreaterThanOrEqual(EARLIEST_MS);
    expect(tookMs).toBeLessThan(DOWN_AFTER_MS + 400);
    await waitFor('+sdown reported to voters', 1000, () => reported(v, 7312, true));
    const back = await startRedis({ port: 7312 });
    cleanups.push(() => back.stop());
    await waitFor('-sdown', 3000, () => sdown(agent, 7312) === false);
  });

  it('marks a paused node SDOWN (CLIENT PAUSE ALL) and clears it when the pause ends', async () => {
    const { agent } = await setup(7313, 7314);
    const c = client(7314);
    cleanups.push(() => c.disconnect());
    const pausedAt = performance.now();
    await c.call('CLIENT', ['PAUSE', 1500, 'ALL']);
    const downAt = await waitFor('SDOWN of the paused node', 3000, () =>
      sdown(agent, 7314) === true ? performance.now() : undefined,
    );
    expect(downAt - pausedAt).toBeGreaterThanOrEqual(EARLIEST_MS);
    expect(downAt - pausedAt).toBeLessThan(DOWN_AFTER_MS + 400);
    await waitFor('-sdown after the pause', 3000, () => sdown(agent, 7314) === false);
  });

  it('flags a master that restarted empty (+reboot) and keeps it fenced', async () => {
    const local = 7315;
    const other = 7316;
    let master = await startRedis({ port: local });
    const first = master;
    cleanups.push(() => first.stop());
    const replica = await startRedis({ port: other, replicaOf: `127.0.0.1 ${local}` });
    cleanups.push(() => replica.stop());
    const v = await FakeVoters.start('reboot');
    cleanups.push(() => v.close());
    v.push(initialConfig(node(local)));
    const stateDir = tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const agent = await runAgent(
      await testConfig({ voters: v, localPort: local, otherPorts: [other], stateDir }),
    );
    cleanups.push(() => agent.stop());
    await waitUnfenced(agent, local);
    const w = client(local);
    for (let i = 0; i < 200; i++) await w.set(`k${i}`, 'x');
    w.disconnect();
    await waitFor(
      'INFO sees the keys',
      3000,
      () => (agent.runners[0]?.current.nodes[node(local)]?.info?.keys ?? 0) >= 200,
    );
    const events: string[] = [];
    agent.source.onEvent((e) => events.push(`${e.name} ${e.payload}`));
    await master.kill();
    master = await startRedis({ port: local });
    cleanups.push(() => master.stop());
    const rebootEvent = `+reboot master reboot 127.0.0.1 ${local}`;
    await waitFor(rebootEvent, 3000, () => events.includes(rebootEvent));
    await waitFor('rebooted reported to voters', 1000, () =>
      v
        .messages('observation')
        .some((m) => m.kind === 'observation' && m.views.some((x) => x.node === node(local) && x.rebooted)),
    );
    const c = client(local);
    cleanups.push(() => c.disconnect());
    await waitFor(
      'the empty master refuses writes',
      2000,
      async () =>
        (await c.set('x', '1').catch((e: Error) => e.message)).startsWith('NOREPLICAS') ||
        (await c.set('x', '1').catch((e: Error) => e.message)).startsWith('READONLY'),
    );
  });
});
