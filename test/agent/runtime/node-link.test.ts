// The agent's connection to a node, against real redis-servers: asking a replica to acknowledge its offset now.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../agent/runtime/logger.js';
import { NodeLink } from '../../../agent/runtime/node-link.js';
import { startRedis } from '../../support/redis-server.js';
import { cleanupStack, client, node, waitFor } from './harness.js';

const cleanups = cleanupStack();

/** The master's offset and the one its first replica last acknowledged (INFO replication). */
async function offsets(masterPort: number): Promise<{ master: number; acked: number | null }> {
  const c = client(masterPort);
  try {
    const text = String(await c.call('INFO', 'replication'));
    const master = Number(/master_repl_offset:(\d+)/.exec(text)?.[1] ?? Number.NaN);
    const acked = /slave0:.*state=online,offset=(\d+)/.exec(text)?.[1];
    return { master, acked: acked === undefined ? null : Number(acked) };
  } finally {
    c.disconnect();
  }
}

describe('NodeLink on a real replica', () => {
  it('makes the replica acknowledge each write at once rather than at its once-a-second ACK', async () => {
    const master = await startRedis({ port: 7324 });
    cleanups.push(() => master.stop());
    const replica = await startRedis({ port: 7325, replicaOf: '127.0.0.1 7324' });
    cleanups.push(() => replica.stop());
    await waitFor('the replica online', 10_000, async () =>
      (await offsets(7324)).acked !== null ? true : undefined,
    );
    const link = new NodeLink(
      node(7325),
      { host: '127.0.0.1', port: 7325 },
      500,
      'test',
      silentLogger(),
      () => {},
    );
    cleanups.push(() => link.close());
    link.start();
    await waitFor('the link ready', 3000, () => link.ready);
    const writer = client(7324);
    cleanups.push(() => writer.disconnect());

    const stop = link.requestAcks(10);
    cleanups.push(stop);
    const waits: number[] = [];
    // Back to back: without the requests each round after the first waits for the replica's next
    // periodic ACK, about a second.
    for (let round = 0; round < 4; round++) {
      await writer.set(`k${round}`, 'v');
      const { master: target } = await offsets(7324);
      const startedMs = performance.now();
      await waitFor(`the replica to acknowledge offset ${target}`, 5000, async () =>
        ((await offsets(7324)).acked ?? -1) >= target ? true : undefined,
      );
      waits.push(performance.now() - startedMs);
    }
    expect(Math.max(...waits), `waits ${waits.map(Math.round).join(', ')} ms`).toBeLessThan(400);
  });
});
