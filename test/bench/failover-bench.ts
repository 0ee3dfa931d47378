// Measurement 1: SIGKILL the master under writes; how long until clients see and use the new master.
import { sleep } from '../../infra/local/wait.js';
import type { WriteLoad } from '../../infra/local/write-load.js';
import type { FailoverRun } from './results.js';
import { nodeIndexOf, type SystemUnderTest } from './system.js';
import { lostWrites, sentinelWriter, waitForAcked } from './writes.js';

const HEALTHY_BOUND_MS = 60_000;

/** How long a failover may take before the run counts as failed: generous, it only bounds the bench. */
export const failoverBoundMs = (downAfterMs: number) => 4 * downAfterMs + 20_000;

export async function failoverRun(
  system: SystemUnderTest,
  run: number,
  log: (line: string) => void,
): Promise<FailoverRun> {
  const downAfterMs = system.downAfterMs;
  const base = { system: system.kind, downAfterMs, run };
  let oldMaster = '?';
  try {
    const waitStartMs = performance.now();
    oldMaster = await system.waitHealthy(HEALTHY_BOUND_MS);
    const healthyAfterMs = performance.now() - waitStartMs;
    const { epoch } = await system.published();
    const old = system.nodes[nodeIndexOf(system, oldMaster)];
    if (old === undefined) throw new Error('no old master');
    const load = sentinelWriter(system, `fo-${system.kind}-${downAfterMs}-${run}`);
    const outcome = await measureKill(system, load, old.index, oldMaster, epoch).then(
      (value) => ({ value, error: null }),
      (error: unknown) => ({ value: null, error }),
    );
    const report = await load.stop();
    if (outcome.value === null) throw outcome.error;
    const { killWallMs, ...measured } = outcome.value;
    const { newMaster } = measured;
    const milestonesMs: Record<string, number> = {};
    for (const [name, atMs] of Object.entries(await system.milestonesSince(killWallMs))) {
      milestonesMs[name] = atMs - killWallMs;
    }
    const target = system.nodes.find((n) => n.address === newMaster);
    const lost = target === undefined ? [] : await lostWrites(target.port, report.acked);
    if (newMaster !== null) await system.restartRedisAsReplica(old.index, newMaster);
    const result: FailoverRun = {
      ...base,
      ...measured,
      milestonesMs,
      acked: report.acked.length,
      lost: lost.length,
      writeErrors: report.errorSamples,
      flapped: false,
    };
    log(
      `failover ${system.kind} down-after ${downAfterMs} run ${run}: ${oldMaster} -> ${newMaster ?? 'none'}, ` +
        `visible ${fmt(result.visibleMs)}, all endpoints ${fmt(result.allEndpointsMs)}, first write ${fmt(result.firstWriteMs)}` +
        ` (waited ${fmt(healthyAfterMs)} for a healthy topology first)` +
        (result.error === null ? '' : ` -- ${result.error}`),
    );
    return result;
  } catch (error) {
    log(`failover ${system.kind} run ${run} failed: ${String(error)}`);
    return {
      ...base,
      ok: false,
      error: String(error),
      oldMaster,
      newMaster: null,
      visibleMs: null,
      anyEndpointMs: null,
      allEndpointsMs: null,
      firstWriteMs: null,
      milestonesMs: {},
      acked: 0,
      lost: 0,
      writeErrors: [],
      flapped: false,
    };
  }
}

type Measured = Omit<
  FailoverRun,
  'acked' | 'lost' | 'system' | 'downAfterMs' | 'run' | 'milestonesMs' | 'writeErrors' | 'flapped'
> & {
  readonly killWallMs: number;
};

async function measureKill(
  system: SystemUnderTest,
  load: WriteLoad,
  oldIndex: number,
  oldMaster: string,
  epoch: number,
): Promise<Measured> {
  await waitForAcked(load, 100);
  const boundMs = failoverBoundMs(system.downAfterMs);
  const killAtMs = performance.now();
  const killWallMs = Date.now();
  await system.killRedis(oldIndex);
  const since = () => performance.now() - killAtMs;
  const [visible, endpoints, write] = await Promise.allSettled([
    system.waitNewMaster(oldMaster, epoch, boundMs).then((address) => ({ address, ms: since() })),
    watchEndpoints(system, oldMaster, boundMs, since),
    waitFirstAck(load, killAtMs, boundMs),
  ]);
  const newMaster = visible.status === 'fulfilled' ? visible.value.address : null;
  const problems = [visible, endpoints, write].flatMap((r) =>
    r.status === 'rejected' ? [String(r.reason)] : [],
  );
  if (endpoints.status === 'fulfilled' && newMaster !== null && endpoints.value.address !== newMaster)
    problems.push(
      `the endpoints settled on ${endpoints.value.address}, the primary read path on ${newMaster}`,
    );
  return {
    ok: problems.length === 0,
    error: problems.length === 0 ? null : problems.join('; '),
    oldMaster,
    newMaster,
    visibleMs: visible.status === 'fulfilled' ? visible.value.ms : null,
    anyEndpointMs: endpoints.status === 'fulfilled' ? endpoints.value.anyMs : null,
    allEndpointsMs: endpoints.status === 'fulfilled' ? endpoints.value.allMs : null,
    firstWriteMs: write.status === 'fulfilled' ? write.value - killAtMs : null,
    killWallMs,
  };
}

/** Polls the three Sentinel-protocol endpoints every 20 ms: when the first and when all name a new master. */
async function watchEndpoints(
  system: SystemUnderTest,
  old: string,
  boundMs: number,
  since: () => number,
): Promise<{ address: string; anyMs: number; allMs: number }> {
  let anyMs: number | null = null;
  while (since() < boundMs) {
    const answers = await system.endpointMasters();
    const changed = answers.filter((a): a is string => a !== null && a !== old);
    if (changed.length > 0 && anyMs === null) anyMs = since();
    const [first] = changed;
    if (first !== undefined && changed.length === answers.length && changed.every((a) => a === first)) {
      return { address: first, anyMs: anyMs ?? since(), allMs: since() };
    }
    await sleep(20);
  }
  throw new Error(`the endpoints did not all name a new master within ${boundMs} ms`);
}

async function waitFirstAck(load: WriteLoad, killAtMs: number, boundMs: number): Promise<number> {
  while (performance.now() - killAtMs < boundMs) {
    const first = load.firstAckSentAfter(killAtMs);
    if (first !== undefined) return first.ackAtMs;
    await sleep(10);
  }
  throw new Error(`no write acknowledged within ${boundMs} ms of the kill`);
}

const fmt = (ms: number | null) => (ms === null ? '-' : `${Math.round(ms)} ms`);
