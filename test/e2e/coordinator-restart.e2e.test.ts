// End to end: `wrangler dev` stopped and restarted on the same persisted state: agents reconnect, nothing fails over.

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEvents, getStatus } from '../../infra/local/coordinator-client.js';
import { defaultStackOptions } from '../../infra/local/options.js';
import { existingKeys, nodeRole } from '../../infra/local/redis-query.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { sleep, waitFor } from '../../infra/local/wait.js';
import { longestPause, startWriteLoad, type WriteLoad } from '../../infra/local/write-load.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports: redis 7651-7653, wrangler 8865, Sentinel 26651.., metrics 26661...
const REDIS_PORT = 7651;
const MASTER = `127.0.0.1:${REDIS_PORT}`;
const DOWN_AFTER_MS = 1000;
/** Longer than down-after and the lease (= down-after): the agents notice, the master is fenced. */
const OUTAGE_MS = 3000;
/** Watched after the restart for a failover that must not come. */
const WATCH_MS = 5 * DOWN_AFTER_MS;
const SPURIOUS = ['+odown', '+new-epoch', '+try-failover', '+elected-leader', '+switch-master'];

describe('coordinator restart (wrangler dev stopped and started on its persisted state)', () => {
  let stack: LocalStack;
  let load: WriteLoad | null = null;

  beforeAll(async () => {
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: REDIS_PORT,
      sentinelPort: 26651,
      metricsPort: 26661,
      coordinatorPort: 8865,
      downAfterMs: DOWN_AFTER_MS,
    });
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    await stack?.stop();
  }, 60_000);

  /** Until every agent holds a WebSocket to every voter again. */
  const waitForAgentsConnected = () =>
    waitFor('every agent connected to every voter', 30_000, async () => {
      const status = await getStatus(stack.coordinatorUrl, stack.options.group);
      const links = status.agents.map((a) => `${a.agentId}:[${a.connectedTo.join(',')}]`).join(' ');
      const full = stack.nodes.every((n) =>
        status.agents.some((a) => a.agentId === n.agentId && a.connectedTo.length === stack.options.voters),
      );
      if (!full) throw new Error(`links: ${links}`);
      return status;
    });

  it('keeps the master, the epoch and the event log; agents reconnect; writes resume on the same master', async () => {
    const before = await stack.publishedMaster();
    expect(before).toMatchObject({ host: '127.0.0.1', port: REDIS_PORT, epoch: 0 });
    await waitForAgentsConnected();
    const eventsBefore = await getEvents(stack.coordinatorUrl, stack.options.group);
    const writer = startWriteLoad({ sentinels: stack.sentinels, group: stack.options.group, prefix: 'cr' });
    load = writer;
    await waitFor('200 acknowledged writes', 20_000, async () =>
      writer.ackedCount() >= 200 ? true : undefined,
    );

    const stoppedAtMs = performance.now();
    await stack.stopCoordinator();
    await sleep(OUTAGE_MS);
    // Without the coordinator, the agents still answer Sentinel clients with the master they know.
    expect(await stack.agentMasters()).toEqual([MASTER, MASTER, MASTER]);
    await stack.restartCoordinator();
    const restartedAtMs = performance.now();
    console.log(`restart: wrangler dev down ${Math.round(restartedAtMs - stoppedAtMs)} ms`);

    const reconnected = await waitForAgentsConnected();
    console.log(
      `restart: every agent reconnected to every voter ${Math.round(performance.now() - restartedAtMs)} ms after the restart`,
    );
    expect(reconnected.master).toMatchObject({ host: '127.0.0.1', port: REDIS_PORT, epoch: 0 });

    // Nothing moves for well over down-after, on any read path.
    const watchUntil = performance.now() + WATCH_MS;
    while (performance.now() < watchUntil) {
      const published = await stack.publishedMaster();
      expect(published).toEqual(before);
      expect(await stack.agentMasters()).toEqual([MASTER, MASTER, MASTER]);
      await sleep(100);
    }
    const status = await getStatus(stack.coordinatorUrl, stack.options.group);
    expect(status.failover.state).toBe('idle');
    expect(status.epoch).toBe(0);
    expect((await nodeRole(REDIS_PORT)).role).toBe('master');
    for (const n of stack.nodes.slice(1)) {
      expect(await nodeRole(n.port)).toMatchObject({ role: 'replica', masterAddr: MASTER, linkUp: true });
    }

    // The voters' event log survived the restart and records no election.
    const eventsAfter = await getEvents(stack.coordinatorUrl, stack.options.group);
    const ids = new Set(eventsAfter.map((e) => e.id));
    expect(eventsBefore.filter((e) => !ids.has(e.id))).toEqual([]);
    expect(eventsAfter.filter((e) => SPURIOUS.includes(e.name)).map((e) => e.name)).toEqual([]);

    // Writes go on against the same master (fenced while the lease could not be renewed, then not).
    const resumed = await waitFor('a write acknowledged after the restart', 20_000, async () =>
      writer.firstAckSentAfter(restartedAtMs),
    );
    const report = await writer.stop();
    load = null;
    const onMaster = await existingKeys(
      REDIS_PORT,
      report.acked.map((w) => w.key),
    );
    const lost = report.acked.filter((w) => !onMaster.has(w.key));
    const pause = longestPause(report.acked);
    console.log(
      `restart: first write acknowledged ${Math.round(resumed.ackAtMs - restartedAtMs)} ms after the restart; ` +
        `longest write pause ${Math.round(pause.ms)} ms (ended ${Math.round(pause.endedAtMs - stoppedAtMs)} ms after the stop); ` +
        `${report.acked.length} acknowledged, ${report.failed} failed, ${lost.length} lost` +
        (report.errorSamples.length > 0 ? `; client errors: ${report.errorSamples.join(' | ')}` : ''),
    );
    expect(lost.map((w) => w.key)).toEqual([]);
  }, 100_000);
});
