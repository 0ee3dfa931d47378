// `npm run demo -- --scenario failover`: SIGKILL the master under writes, measure, restart it empty, count lost writes.
import { existingKeys, nodeRole } from './redis-query.js';
import type { LocalStack } from './stack.js';
import type { Timeline } from './timeline.js';
import { sleep, waitFor } from './wait.js';
import { startWriteLoad } from './write-load.js';

export interface FailoverReport {
  readonly ok: boolean;
  readonly oldMaster: string;
  readonly newMaster: string | null;
  /** From the SIGKILL until the HTTP endpoint and every agent name the new master. */
  readonly failoverMs: number | null;
  /** From the SIGKILL until the first write sent after it was acknowledged. */
  readonly writesResumedMs: number | null;
  /** From the empty restart until the old master replicates the new one with its link up. */
  readonly rejoinMs: number | null;
  readonly acked: number;
  readonly lost: number;
  /** Lost writes acknowledged within `lagWindowMs` before the kill: what asynchronous replication explains. */
  readonly lostInLagWindow: number;
  /** The writer's first distinct errors (what a client saw during the failover). */
  readonly writeErrors: readonly string[];
  readonly problems: readonly string[];
}

export interface FailoverScenarioOptions {
  /** Generous bound on the failover; beyond it the scenario fails. */
  readonly failoverBoundMs?: number;
  readonly lagWindowMs?: number;
}

export async function runFailoverScenario(
  stack: LocalStack,
  timeline: Timeline,
  options: FailoverScenarioOptions = {},
): Promise<FailoverReport> {
  const boundMs = options.failoverBoundMs ?? 30_000;
  const lagWindowMs = options.lagWindowMs ?? 250;
  const problems: string[] = [];
  const published = await stack.publishedMaster();
  const oldAddress = `${published.host}:${published.port}`;
  const old = stack.nodes.find((n) => n.address === oldAddress);
  if (old === undefined) throw new Error(`the published master ${oldAddress} is not a node of this stack`);

  const load = startWriteLoad({ sentinels: stack.sentinels, group: stack.options.group, prefix: 'demo' });
  await waitFor('the first 200 acknowledged writes', 20_000, async () =>
    load.ackedCount() >= 200 ? true : undefined,
  );
  timeline.note(`writer: ${load.ackedCount()} writes acknowledged through the agents' Sentinel ports`);
  timeline.note(`SIGKILL master ${oldAddress} (redis-server pid ${old.redis?.pid ?? '?'})`);
  const killAtMs = performance.now();
  await stack.killRedis(old.index);

  let newMaster: string | null = null;
  let failoverMs: number | null = null;
  try {
    newMaster = await waitFor(`a new master published (bound ${boundMs} ms)`, boundMs, async () => {
      const m = await stack.publishedMaster();
      const address = `${m.host}:${m.port}`;
      return address === oldAddress ? undefined : address;
    });
    await stack.waitForMaster(newMaster, Math.max(1000, boundMs - (performance.now() - killAtMs)));
    failoverMs = performance.now() - killAtMs;
    timeline.note(
      `failover: ${newMaster} is the master for the HTTP endpoint and every agent, ${ms(failoverMs)} after the kill`,
    );
  } catch (error) {
    problems.push(`no failover within ${boundMs} ms: ${String(error)}`);
  }

  let writesResumedMs: number | null = null;
  const first = await waitFor('a write acknowledged after the kill', 15_000, async () =>
    load.firstAckSentAfter(killAtMs),
  ).catch(() => undefined);
  if (first === undefined) problems.push('no write was acknowledged after the kill');
  else {
    writesResumedMs = first.ackAtMs - killAtMs;
    timeline.note(`writer: writes resumed ${ms(writesResumedMs)} after the kill`);
  }

  let rejoinMs: number | null = null;
  if (newMaster !== null) {
    const target = newMaster;
    for (const n of stack.nodes.filter((x) => x !== old && x.address !== target)) {
      await waitFor(`${n.address} to replicate ${target}`, 15_000, async () => {
        const role = await nodeRole(n.port);
        return role.role === 'replica' && role.masterAddr === target && role.linkUp ? true : undefined;
      }).then(
        () => timeline.note(`${n.address} replicates the new master ${target}`),
        (error: unknown) => problems.push(String(error)),
      );
    }
    await sleep(1000);
    timeline.note(`restarting ${oldAddress} empty, without --replicaof (a rebooted master)`);
    const restartAtMs = performance.now();
    let publishedOld = false;
    const watching = { on: true };
    // Clients of the published address must never be sent to the empty node.
    const watcher = (async () => {
      while (watching.on) {
        const m = await stack.publishedMaster().catch(() => null);
        const agents = await stack.agentMasters();
        if (`${m?.host}:${m?.port}` === oldAddress || agents.includes(oldAddress)) publishedOld = true;
        await sleep(50);
      }
    })();
    await stack.restartRedisEmpty(old.index);
    try {
      await waitFor(`${oldAddress} to replicate ${target}`, 30_000, async () => {
        const role = await nodeRole(old.port);
        return role.role === 'replica' && role.masterAddr === target && role.linkUp ? true : undefined;
      });
      rejoinMs = performance.now() - restartAtMs;
      timeline.note(`${oldAddress} rejoined as a replica of ${target}, ${ms(rejoinMs)} after its restart`);
    } catch (error) {
      problems.push(String(error));
    }
    await sleep(1000);
    watching.on = false;
    await watcher;
    if (publishedOld) problems.push(`the empty ${oldAddress} was published as the master`);
  }

  const report = await load.stop();
  let lost = 0;
  let lostInLagWindow = 0;
  if (newMaster !== null) {
    const port = Number(newMaster.slice(newMaster.lastIndexOf(':') + 1));
    const present = await existingKeys(
      port,
      report.acked.map((w) => w.key),
    );
    for (const w of report.acked) {
      if (present.has(w.key)) continue;
      lost++;
      if (w.ackAtMs <= killAtMs && w.ackAtMs >= killAtMs - lagWindowMs) lostInLagWindow++;
    }
  }
  if (lost > lostInLagWindow) {
    problems.push(`${lost - lostInLagWindow} acknowledged writes lost beyond the replication-lag window`);
  }
  timeline.note(
    `writer: ${report.acked.length} writes acknowledged, ${report.failed} failed (errors while no master was known), ` +
      `${lost} acknowledged writes lost (${lostInLagWindow} acknowledged by the old master within ${lagWindowMs} ms of its kill)`,
  );
  return {
    ok: problems.length === 0,
    oldMaster: oldAddress,
    newMaster,
    failoverMs,
    writesResumedMs,
    rejoinMs,
    acked: report.acked.length,
    lost,
    lostInLagWindow,
    writeErrors: report.errorSamples,
    problems,
  };
}

const ms = (value: number) => `${Math.round(value)} ms`;
