// Fencing on real nodes: cut voter links -> writes refused within leaseMs; links back -> unfenced.
// And reconciliation: a returning old master becomes a replica of the committed master within about a second.

import { describe, expect, it } from 'vitest';
import { FENCE_MIN_REPLICAS } from '../../../agent/runtime/fence.js';
import { initialConfig } from '../../../workers/protocol/index.js';
import { startRedis } from '../../support/redis-server.js';
import { FakeVoters } from './fake-voters.js';
import {
  cleanupStack,
  client,
  node,
  removeDir,
  role,
  runAgent,
  tempStateDir,
  testConfig,
  waitFor,
  waitUnfenced,
} from './harness.js';

const cleanups = cleanupStack();

describe('fencing', () => {
  it('fences the master within leaseMs of losing every voter, and unfences when the links return', async () => {
    const master = await startRedis({ port: 7321 });
    cleanups.push(() => master.stop());
    const leaseMs = 1000;
    const v = await FakeVoters.start('fence', { leaseMs });
    cleanups.push(() => v.close());
    v.push(initialConfig(node(7321)));
    const stateDir = tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const agent = await runAgent(await testConfig({ voters: v, localPort: 7321, stateDir }));
    cleanups.push(() => agent.stop());
    const writer = client(7321);
    cleanups.push(() => writer.disconnect());
    await waitUnfenced(agent, 7321);
    expect(await writer.set('a', '1')).toBe('OK');

    const cutAt = performance.now();
    v.cut();
    let written = 1;
    const refusedAt = await waitFor('writes refused', leaseMs * 2, async () => {
      const reply = await writer.set('a', String(written + 1)).catch((e: Error) => e.message);
      if (reply === 'OK') written++;
      return reply.startsWith('NOREPLICAS') ? performance.now() : undefined;
    });
    // The last renewal came before the cut, so the fence lands at most leaseMs after it (plus a tick).
    expect(refusedAt - cutAt).toBeLessThan(leaseMs + 150);
    const minReplicas = (await writer.call('CONFIG', ['GET', 'min-replicas-to-write'])) as string[];
    expect(Number(minReplicas[1])).toBe(FENCE_MIN_REPLICAS);
    // Reads and replication-side commands still work on a fenced master.
    expect(await writer.get('a')).toBe(String(written));

    v.heal();
    await waitFor(
      'writes accepted again',
      5000,
      async () => (await writer.set('a', '3').catch(() => null)) === 'OK',
    );
    const restored = (await writer.call('CONFIG', ['GET', 'min-replicas-to-write'])) as string[];
    expect(restored[1]).toBe('0');
  });

  it('makes a returning old master (restarted empty, standalone) a replica of the committed master within ~1 s', async () => {
    let old = await startRedis({ port: 7322 });
    const replica = await startRedis({ port: 7323, replicaOf: '127.0.0.1 7322' });
    cleanups.push(() => replica.stop());
    const v = await FakeVoters.start('returning');
    cleanups.push(() => v.close());
    v.push(initialConfig(node(7322)));
    const stateDir = tempStateDir();
    cleanups.push(() => removeDir(stateDir));
    const agent = await runAgent(
      await testConfig({ voters: v, localPort: 7322, otherPorts: [7323], stateDir }),
    );
    cleanups.push(() => agent.stop());
    await waitUnfenced(agent, 7322);

    // The box dies; the voters fail over to 7323 (promoted here by hand: its own agent is not in this test).
    await old.kill();
    const r = client(7323);
    cleanups.push(() => r.disconnect());
    await r.call('REPLICAOF', ['NO', 'ONE']);
    v.push({
      epoch: 1,
      master: node(7323),
      state: 'active',
      previousMaster: node(7322),
      cause: 'failover',
      leader: 0,
    });
    await waitFor('epoch 1 adopted', 2000, () => agent.runners[0]?.current.highestEpoch === 1);

    old = await startRedis({ port: 7322 });
    cleanups.push(() => old.stop());
    // It comes back as an empty standalone master (the agent may already be demoting it).
    const back = performance.now();
    await waitFor('old master demoted', 3000, async () => (await role(7322)) === 'slave of 127.0.0.1:7323');
    const tookMs = performance.now() - back;
    expect(tookMs).toBeLessThan(1500);
    // It stays fenced: it is not the configured master.
    const c = client(7322);
    cleanups.push(() => c.disconnect());
    await waitFor('fence re-applied after the restart', 2000, async () => {
      const v2 = (await c.call('CONFIG', ['GET', 'min-replicas-to-write'])) as string[];
      return Number(v2[1]) === FENCE_MIN_REPLICAS;
    });
  });
});
