// End to end: every voter unreachable (`wrangler dev` stopped). With the failsafe the master stays
// writable on its peers' grants and nothing fails over; without it the master is fenced; a master
// that dies in the outage is not replaced until the voters return.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FENCE_MIN_REPLICAS } from '../../agent/runtime/fence.js';
import { getEvents, getStatus } from '../../infra/local/coordinator-client.js';
import { defaultStackOptions, type StackOptions } from '../../infra/local/options.js';
import { configGet, existingKeys, nodeRole } from '../../infra/local/redis-query.js';
import { type LocalStack, startStack } from '../../infra/local/stack.js';
import { sleep, waitFor } from '../../infra/local/wait.js';
import { startWriteLoad, type WriteLoad } from '../../infra/local/write-load.js';
import {
  ackedBetween,
  agentLogEvents,
  agentMetric,
  failuresBetween,
  lastVoterLine,
  longestPauseBetween,
  portOf,
  waitForAgentsConnected,
} from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// This file's own ports (one stack at a time): redis 7741-7743, wrangler 8831, Sentinel 26741..,
// metrics 26751.. (the failsafe's UDP ports are the Sentinel ports' numbers).
const REDIS_PORT = 7741;
const MASTER = `127.0.0.1:${REDIS_PORT}`;
const DOWN_AFTER_MS = 1000;
/** The group's lease: leaseMs defaults to downAfterMs (workers/config/groups.ts). */
const LEASE_MS = DOWN_AFTER_MS;
/** Generous margin on a fence: agent ticks, a loaded 2-core machine. */
const FENCE_MARGIN_MS = 1500;
/** Writes in flight when wrangler stops are not judged: the failsafe takes over within the lease. */
const SETTLE_MS = 1000;
const LONG_OUTAGE_MS = 60_000;
const SHORT_OUTAGE_MS = 15_000;
/** Watched after the voters return for a failover that must not come. */
const AFTER_RETURN_WATCH_MS = 10_000;
/** How long a dead master with no voters is watched for a promotion that must not come. */
const DEAD_MASTER_WATCH_MS = 8_000;
/** A short outage: the voters see the master down soon after it died. */
const SHORT_DEAD_MASTER_WATCH_MS = 1_000;
const FAILOVER_BOUND_MS = 45_000;
const SPURIOUS = ['+odown', '+new-epoch', '+try-failover', '+elected-leader', '+switch-master'];

const stackOptions = (overrides: Partial<StackOptions> = {}): StackOptions => ({
  ...defaultStackOptions(root),
  redisPort: REDIS_PORT,
  sentinelPort: 26741,
  metricsPort: 26751,
  coordinatorPort: 8831,
  downAfterMs: DOWN_AFTER_MS,
  ...overrides,
});

/** Runs `body` on a fresh stack, then stops the load and the stack whatever happened. */
async function withStack(
  options: StackOptions,
  body: (stack: LocalStack, track: (load: WriteLoad) => WriteLoad) => Promise<void>,
): Promise<void> {
  let stack: LocalStack | undefined;
  const loads: WriteLoad[] = [];
  try {
    stack = await startStack(options);
    await body(stack, (load) => {
      loads.push(load);
      return load;
    });
  } finally {
    await Promise.all(loads.map((l) => l.stop().catch(() => undefined)));
    await stack?.stop();
  }
}

const masterFenced = async () =>
  Number(await configGet(REDIS_PORT, 'min-replicas-to-write')) >= FENCE_MIN_REPLICAS;

/**
 * Stops wrangler, SIGKILLs the master's redis-server, watches `watchMs` for a promotion that must
 * not come (no voters, no decision), then restarts wrangler: a failover must complete and the old
 * master, restarted empty, must rejoin as a replica.
 */
async function masterKilledInOutage(watchMs: number): Promise<void> {
  const label = `coordinator outage ${watchMs / 1000} s, master killed`;
  await withStack(stackOptions(), async (s, track) => {
    await waitForAgentsConnected(s);
    const before = await s.publishedMaster();
    const replicas = s.nodes.slice(1);
    await s.stopCoordinator();
    const killAtMs = performance.now();
    await s.killRedis(0);

    // No voters, no decision: every other node stays a fenced replica, every agent names the old master.
    const watchUntil = performance.now() + watchMs;
    let polls = 0;
    while (performance.now() < watchUntil) {
      for (const n of replicas) {
        expect((await nodeRole(n.port)).role).toBe('replica');
        expect(Number(await configGet(n.port, 'min-replicas-to-write'))).toBeGreaterThanOrEqual(
          FENCE_MIN_REPLICAS,
        );
      }
      expect(await s.agentMasters()).toEqual([MASTER, MASTER, MASTER]);
      polls++;
      await sleep(250);
    }
    console.log(`${label}: nothing promoted in ${watchMs} ms without voters (${polls} polls)`);

    await s.restartCoordinator();
    const restartedAtMs = performance.now();
    const next = await waitFor('a new master on the HTTP endpoint', FAILOVER_BOUND_MS, async () => {
      const m = await s.publishedMaster().catch(() => null);
      if (m !== null && m.port !== REDIS_PORT) return `${m.host}:${m.port}`;
      // A timeout then says why the voters did not fail over.
      throw new Error(`the voters last said: ${lastVoterLine(s, / aborted: /) ?? 'no abort'}`);
    });
    const published = await s.waitForMaster(next, FAILOVER_BOUND_MS);
    const failoverMs = performance.now() - restartedAtMs;
    expect(replicas.map((n) => n.address)).toContain(next);
    expect(published.epoch).toBeGreaterThan(before.epoch);
    expect((await nodeRole(portOf(next))).role).toBe('master');
    const writer = track(startWriteLoad({ sentinels: s.sentinels, group: s.options.group, prefix: 'ck' }));
    const firstAck = await waitFor(
      'a write acknowledged by the new master',
      20_000,
      async () => writer.acked[0],
    );
    expect(await existingKeys(portOf(next), [firstAck.key])).toContain(firstAck.key);

    await s.restartRedisEmpty(0);
    const rejoinAtMs = performance.now();
    await waitFor(`the old master to replicate ${next}`, 30_000, async () => {
      const role = await nodeRole(REDIS_PORT);
      return role.role === 'replica' && role.masterAddr === next && role.linkUp ? true : undefined;
    });
    const rejoinMs = performance.now() - rejoinAtMs;
    const other = replicas.find((n) => n.address !== next);
    if (other === undefined) throw new Error('no other replica');
    await waitFor(`${other.address} to replicate ${next}`, 20_000, async () => {
      const role = await nodeRole(other.port);
      return role.role === 'replica' && role.masterAddr === next && role.linkUp ? true : undefined;
    });
    await s.waitForMaster(next, 20_000);
    console.log(
      `${label}: voters back, ${MASTER} -> ${next} (epoch ${published.epoch}) published everywhere ` +
        `${Math.round(failoverMs)} ms after the restart (${Math.round(performance.now() - killAtMs)} ms after the kill); ` +
        `first write on it ${Math.round(firstAck.ackAtMs - restartedAtMs)} ms after the restart; ` +
        `the old master, restarted empty, replicates it after ${Math.round(rejoinMs)} ms`,
    );
  });
}

describe('coordinator outage: every voter unreachable (3 nodes, 3 agents, 3 voters)', () => {
  it('60 s without voters: the master stays writable on the failsafe, nothing fails over; the voters return to the same master and epoch', async () => {
    await withStack(stackOptions(), async (s, track) => {
      const before = await s.publishedMaster();
      expect(before).toMatchObject({ host: '127.0.0.1', port: REDIS_PORT, epoch: 0 });
      await waitForAgentsConnected(s);
      const eventsBefore = await getEvents(s.coordinatorUrl, s.options.group);
      const writer = track(startWriteLoad({ sentinels: s.sentinels, group: s.options.group, prefix: 'co' }));
      await waitFor('200 acknowledged writes', 20_000, async () =>
        writer.ackedCount() >= 200 ? true : undefined,
      );

      const stoppedAtMs = performance.now();
      const stoppedAtWallMs = Date.now();
      await s.stopCoordinator();
      const judgedFromMs = stoppedAtMs + SETTLE_MS;
      const outageEndMs = stoppedAtMs + LONG_OUTAGE_MS;
      // Sampled through the outage: the agents keep answering with the master, the master is not
      // fenced, and the failsafe is what keeps it so (its agent writes on grants, the others hold).
      let samples = 0;
      let failsafeActiveSamples = 0;
      let holdingSamples = 0;
      await sleep(2 * LEASE_MS);
      while (performance.now() < outageEndMs) {
        expect(await s.agentMasters()).toEqual([MASTER, MASTER, MASTER]);
        expect(await masterFenced()).toBe(false);
        for (const n of s.nodes.slice(1)) expect((await nodeRole(n.port)).role).toBe('replica');
        if ((await agentMetric(s.nodes[0]?.metricsPort ?? 0, 'edge_sentinel_failsafe_active')) === 1) {
          failsafeActiveSamples++;
        }
        const holds = await Promise.all(
          s.nodes.slice(1).map((n) => agentMetric(n.metricsPort, 'edge_sentinel_failsafe_hold_seconds')),
        );
        if (holds.every((h) => h !== null && h > 0)) holdingSamples++;
        samples++;
        await sleep(Math.min(1000, Math.max(0, outageEndMs - performance.now())));
      }
      const refused = failuresBetween(writer, judgedFromMs, outageEndMs);
      const refusedEarly = failuresBetween(writer, stoppedAtMs, judgedFromMs);
      const acked = ackedBetween(writer.acked, judgedFromMs, outageEndMs);
      const pauseMs = longestPauseBetween(writer.acked, stoppedAtMs, outageEndMs);
      const fencedInOutage = agentLogEvents(s, 0).filter(
        (e) => e.event === '+fenced' && e.atWallMs >= stoppedAtWallMs,
      );
      console.log(
        `coordinator outage (failsafe on): ${LONG_OUTAGE_MS / 1000} s without voters: ${acked.length} writes acknowledged ` +
          `and ${refused.length} refused from ${SETTLE_MS} ms after the stop (${refusedEarly.length} refused before); ` +
          `longest pause ${Math.round(pauseMs)} ms; failsafe active in ${failsafeActiveSamples}/${samples} samples, ` +
          `both peers holding in ${holdingSamples}/${samples}; master's agent logged +fenced ${fencedInOutage.length} times`,
      );
      expect(refused).toEqual([]);
      expect(acked.length).toBeGreaterThan(0);
      expect(fencedInOutage).toEqual([]);
      // The failsafe carried the master (not a lease that somehow outlived the voters).
      expect(failsafeActiveSamples).toBe(samples);
      expect(holdingSamples).toBe(samples);

      await s.restartCoordinator();
      const restartedAtMs = performance.now();
      const reconnected = await waitForAgentsConnected(s);
      const reconnectMs = performance.now() - restartedAtMs;
      expect(reconnected.master).toMatchObject({ host: '127.0.0.1', port: REDIS_PORT, epoch: 0 });
      expect(await s.publishedMaster()).toEqual(before);
      const watchUntil = performance.now() + AFTER_RETURN_WATCH_MS;
      while (performance.now() < watchUntil) {
        expect(await s.publishedMaster()).toEqual(before);
        expect(await s.agentMasters()).toEqual([MASTER, MASTER, MASTER]);
        await sleep(250);
      }
      const status = await getStatus(s.coordinatorUrl, s.options.group);
      expect(status.failover.state).toBe('idle');
      expect(status.epoch).toBe(0);
      expect((await nodeRole(REDIS_PORT)).role).toBe('master');
      for (const n of s.nodes.slice(1)) {
        expect(await nodeRole(n.port)).toMatchObject({ role: 'replica', masterAddr: MASTER, linkUp: true });
      }
      // Back on the voters' lease: the failsafe is idle again.
      await waitFor('the failsafe to go idle on the voters lease', 10_000, async () =>
        (await agentMetric(s.nodes[0]?.metricsPort ?? 0, 'edge_sentinel_failsafe_active')) === 0
          ? true
          : undefined,
      );
      const eventsAfter = await getEvents(s.coordinatorUrl, s.options.group);
      const ids = new Set(eventsAfter.map((e) => e.id));
      expect(eventsBefore.filter((e) => !ids.has(e.id))).toEqual([]);
      expect(eventsAfter.filter((e) => SPURIOUS.includes(e.name)).map((e) => e.name)).toEqual([]);

      const endMs = performance.now();
      const refusedAfterReturn = failuresBetween(writer, outageEndMs, endMs);
      const report = await writer.stop();
      const onMaster = await existingKeys(
        REDIS_PORT,
        report.acked.map((w) => w.key),
      );
      const lost = report.acked.filter((w) => !onMaster.has(w.key));
      console.log(
        `coordinator outage (failsafe on): voters back, every agent reconnected in ${Math.round(reconnectMs)} ms; ` +
          `master ${MASTER} epoch ${before.epoch} unchanged over ${AFTER_RETURN_WATCH_MS / 1000} s; ` +
          `${refusedAfterReturn.length} writes refused after the return; in all ${report.acked.length} acknowledged, ` +
          `${report.failed} failed, ${lost.length} lost` +
          (report.errorSamples.length > 0 ? `; client errors: ${report.errorSamples.join(' | ')}` : ''),
      );
      expect(refusedAfterReturn).toEqual([]);
      expect(lost.map((w) => w.key)).toEqual([]);
    });
  }, 180_000);

  it(`the same ${SHORT_OUTAGE_MS / 1000} s outage with the failsafe off: the master is fenced within the lease (the test has teeth)`, async () => {
    await withStack(stackOptions({ failsafe: false }), async (s, track) => {
      const writer = track(startWriteLoad({ sentinels: s.sentinels, group: s.options.group, prefix: 'cf' }));
      await waitFor('200 acknowledged writes', 20_000, async () =>
        writer.ackedCount() >= 200 ? true : undefined,
      );
      const stoppedAtMs = performance.now();
      await s.stopCoordinator();
      const fencedAtMs = await waitFor(
        'the master to refuse writes (NOREPLICAS)',
        SHORT_OUTAGE_MS,
        async () => writer.firstErrorAfter('NOREPLICAS', stoppedAtMs),
      );
      const fenceMs = fencedAtMs - stoppedAtMs;
      const outageEndMs = stoppedAtMs + SHORT_OUTAGE_MS;
      await sleep(Math.max(0, outageEndMs - performance.now()));
      expect(await masterFenced()).toBe(true);
      const refused = failuresBetween(writer, stoppedAtMs, outageEndMs);
      const ackedAfterFence = writer.acked.filter((w) => w.sentAtMs > fencedAtMs && w.ackAtMs <= outageEndMs);
      const pauseMs = longestPauseBetween(writer.acked, stoppedAtMs, outageEndMs);
      console.log(
        `coordinator outage (failsafe off): the master refused writes ${Math.round(fenceMs)} ms after the stop; ` +
          `${SHORT_OUTAGE_MS / 1000} s outage: ${ackedBetween(writer.acked, stoppedAtMs, outageEndMs).length} acknowledged, ` +
          `${refused.length} refused, ${ackedAfterFence.length} acknowledged after the fence; longest pause ${Math.round(pauseMs)} ms`,
      );
      expect(fenceMs).toBeLessThan(LEASE_MS + FENCE_MARGIN_MS);
      expect(ackedAfterFence.map((w) => w.key)).toEqual([]);

      await s.restartCoordinator();
      const restartedAtMs = performance.now();
      const resumed = await waitFor('a write acknowledged after the restart', 30_000, async () =>
        writer.firstAckSentAfter(restartedAtMs),
      );
      expect(await s.publishedMaster()).toMatchObject({ host: '127.0.0.1', port: REDIS_PORT, epoch: 0 });
      console.log(
        `coordinator outage (failsafe off): writes resumed on ${MASTER} ${Math.round(resumed.ackAtMs - restartedAtMs)} ms after the restart`,
      );
    });
  }, 150_000);

  it(`the master killed while the voters are away for ${DEAD_MASTER_WATCH_MS / 1000} s: nothing is promoted; the voters back, it fails over and the old master rejoins as a replica`, async () => {
    await masterKilledInOutage(DEAD_MASTER_WATCH_MS);
  }, 150_000);

  it(`the same with the voters away only ${SHORT_DEAD_MASTER_WATCH_MS / 1000} s`, async () => {
    await masterKilledInOutage(SHORT_DEAD_MASTER_WATCH_MS);
  }, 150_000);
});
