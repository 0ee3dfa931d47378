// End to end: SIGKILL the master under writes, then restart it empty; real redis-servers, wrangler dev, agents, ioredis.

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStackOptions } from '../../infra/local/options.js';
import { existingKeys, nodeRole } from '../../infra/local/redis-query.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { sleep, waitFor } from '../../infra/local/wait.js';
import { startWriteLoad, type WriteLoad } from '../../infra/local/write-load.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Generous on purpose: the tight goal lives in the benchmark. Measured here: about 1.3 s. */
const FAILOVER_BOUND_MS = 30_000;
/** Writes acknowledged by the old master this long before its kill may not have reached a replica. */
const REPLICATION_LAG_WINDOW_MS = 250;

const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

describe('failover of a killed master (3 nodes, 3 agents, 3 voters)', () => {
  let stack: LocalStack;
  let load: WriteLoad | null = null;
  let killAtMs = 0;
  let newMaster = '';

  beforeAll(async () => {
    stack = await startStack({
      ...defaultStackOptions(root),
      redisPort: 7501,
      sentinelPort: 26501,
      metricsPort: 26511,
      coordinatorPort: 8791,
    });
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    await stack?.stop();
  }, 60_000);

  it('promotes a replica, repoints the other, publishes it everywhere and the client writes resume on it', async () => {
    const old = stack.nodes[0];
    if (old === undefined) throw new Error('no node 0');
    expect(await stack.publishedMaster()).toMatchObject({ host: '127.0.0.1', port: old.port, epoch: 0 });
    const writer = startWriteLoad({ sentinels: stack.sentinels, group: stack.options.group, prefix: 'e2e' });
    load = writer;
    await waitFor('200 acknowledged writes', 20_000, async () =>
      writer.ackedCount() >= 200 ? true : undefined,
    );

    killAtMs = performance.now();
    await stack.killRedis(old.index);
    newMaster = await waitFor('a new master on the HTTP endpoint', FAILOVER_BOUND_MS, async () => {
      const m = await stack.publishedMaster();
      return m.port === old.port ? undefined : `${m.host}:${m.port}`;
    });
    const published = await stack.waitForMaster(newMaster, FAILOVER_BOUND_MS);
    const failoverMs = performance.now() - killAtMs;
    console.log(
      `failover: ${old.address} -> ${newMaster} published everywhere after ${Math.round(failoverMs)} ms`,
    );
    expect(failoverMs).toBeLessThan(FAILOVER_BOUND_MS);
    expect(published.epoch).toBeGreaterThan(0);
    expect(stack.nodes.map((n) => n.address)).toContain(newMaster);
    expect(await stack.agentMasters()).toEqual([newMaster, newMaster, newMaster]);

    expect((await nodeRole(portOf(newMaster))).role).toBe('master');
    const other = stack.nodes.find((n) => n !== old && n.address !== newMaster);
    if (other === undefined) throw new Error('no other replica');
    await waitFor(`${other.address} to replicate ${newMaster}`, 15_000, async () => {
      const role = await nodeRole(other.port);
      return role.role === 'replica' && role.masterAddr === newMaster && role.linkUp ? true : undefined;
    });

    const resumed = await waitFor('a write acknowledged after the kill', 15_000, async () =>
      writer.firstAckSentAfter(killAtMs),
    );
    console.log(`failover: writes resumed ${Math.round(resumed.ackAtMs - killAtMs)} ms after the kill`);
    expect(resumed.ackAtMs - killAtMs).toBeLessThan(FAILOVER_BOUND_MS);
    // Read straight from the new master: the resumed write landed there.
    expect(await existingKeys(portOf(newMaster), [resumed.key])).toContain(resumed.key);
  }, 90_000);

  it('restarts the old master empty: it rejoins as a replica, is never published, and wipes nothing', async () => {
    const old = stack.nodes[0];
    const writer = load;
    if (old === undefined || writer === null || newMaster === '')
      throw new Error('the failover step did not run');
    const seen = new Set<string>();
    let watching = true;
    // Every read path a client uses, polled while the empty node is up and before it is demoted.
    const watcher = (async () => {
      while (watching) {
        const m = await stack.publishedMaster().catch(() => null);
        if (m !== null) seen.add(`${m.host}:${m.port}`);
        for (const answer of await stack.agentMasters()) if (answer !== null) seen.add(answer);
        await sleep(25);
      }
    })();
    const restartAtMs = performance.now();
    await stack.restartRedisEmpty(old.index);
    await waitFor(`${old.address} to replicate ${newMaster}`, 30_000, async () => {
      const role = await nodeRole(old.port);
      return role.role === 'replica' && role.masterAddr === newMaster && role.linkUp ? true : undefined;
    });
    console.log(
      `rejoin: ${old.address} replicates ${newMaster} ${Math.round(performance.now() - restartAtMs)} ms after its restart`,
    );
    const ackedBefore = writer.ackedCount();
    await waitFor('more writes after the rejoin', 10_000, async () =>
      writer.ackedCount() >= ackedBefore + 100 ? true : undefined,
    );
    watching = false;
    await watcher;
    expect([...seen]).toEqual([newMaster]);

    const report = await writer.stop();
    load = null;
    const keys = report.acked.map((w) => w.key);
    const onMaster = await existingKeys(portOf(newMaster), keys);
    const lost = report.acked.filter((w) => !onMaster.has(w.key));
    const unexplained = lost.filter(
      (w) => w.ackAtMs > killAtMs || w.ackAtMs < killAtMs - REPLICATION_LAG_WINDOW_MS,
    );
    console.log(
      `writes: ${report.acked.length} acknowledged, ${report.failed} failed during the failover, ${lost.length} lost ` +
        `(${lost.length - unexplained.length} within ${REPLICATION_LAG_WINDOW_MS} ms before the kill)`,
    );
    expect(unexplained.map((w) => w.key)).toEqual([]);
    // The new master's data was not wiped by the empty node, and the rejoined node now holds it too.
    await waitFor(`${old.address} to hold the acknowledged writes`, 10_000, async () => {
      const onOld = await existingKeys(old.port, keys);
      return onOld.size === onMaster.size ? true : undefined;
    });
  }, 90_000);
});
