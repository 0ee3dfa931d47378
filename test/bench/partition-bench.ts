// Measurement 2: the master isolated by its fault proxies for a fixed time under writes, then healed; acknowledged writes lost.
import { nodeRole } from '../../infra/local/redis-query.js';
import { sleep, waitFor } from '../../infra/local/wait.js';
import type { AckedWrite } from '../../infra/local/write-load.js';
import type { PartitionResult, PartitionScenario } from './results.js';
import { nodeIndexOf, type SystemUnderTest } from './system.js';
import { directWriter, lostWrites, sentinelWriter, waitForAcked } from './writes.js';

const HEALTHY_BOUND_MS = 60_000;
/** Sentinel demotes a returning old master only after it has reported role:master for a while (~8–18 s). */
const DEMOTE_BOUND_MS = 60_000;

/**
 * Two writers: outside, a Sentinel-mode client (for ours, of the agents outside the partition);
 * inside, a client of the old master's real port (an application in the master's data centre).
 * The partition holds `holdMs` (at least until a new master is visible); after the heal both keep
 * writing until the old master replicates the new one, then every acknowledged write is looked up
 * on the new master.
 */
export async function partitionRun(
  system: SystemUnderTest,
  scenario: PartitionScenario,
  holdMs: number,
  log: (line: string) => void,
): Promise<PartitionResult> {
  const base = { system: system.kind, scenario, holdMs };
  try {
    const master = await system.waitHealthy(HEALTHY_BOUND_MS);
    const { epoch } = await system.published();
    const old = system.nodes[nodeIndexOf(system, master)];
    if (old === undefined) throw new Error('no old master');
    const outside = sentinelWriter(
      system,
      `pt-${scenario}-out`,
      system.kind === 'ours' ? old.index : undefined,
    );
    const inside = directWriter(old.port, `pt-${scenario}-in`);
    let measured: Awaited<ReturnType<typeof isolateAndHeal>> | null = null;
    let failure: unknown = null;
    try {
      await Promise.all([waitForAcked(outside, 200), waitForAcked(inside, 200)]);
      measured = await isolateAndHeal(system, old.index, old.port, master, epoch, holdMs);
    } catch (error) {
      failure = error;
      system.heal(old.index);
    }
    const outsideReport = await outside.stop();
    const insideReport = await inside.stop();
    if (measured === null) throw failure;
    const acked = [...outsideReport.acked, ...insideReport.acked];
    const target = system.nodes.find((n) => n.address === measured.newMaster);
    if (target === undefined) throw new Error(`${measured.newMaster} is not a node`);
    const lost = await lostWrites(target.port, acked);
    const lastInsideAck = lastAckBefore(insideReport.acked, measured.healAtMs);
    const result: PartitionResult = {
      ...base,
      ok: true,
      error: null,
      failoverMs: measured.visibleAtMs - measured.isolateAtMs,
      insideAcksForMs:
        lastInsideAck === null || lastInsideAck.ackAtMs < measured.isolateAtMs
          ? 0
          : // Still acknowledging when the partition healed: never fenced.
            measured.healAtMs - lastInsideAck.ackAtMs < 1000
            ? null
            : lastInsideAck.ackAtMs - measured.isolateAtMs,
      demotedAfterHealMs: measured.demotedAtMs - measured.healAtMs,
      acked: acked.length,
      insideAckedAfterFailover: insideReport.acked.filter((w) => w.ackAtMs >= measured.visibleAtMs).length,
      lost: lost.length,
      lostBeforeIsolation: lost.filter((w) => w.ackAtMs < measured.isolateAtMs).length,
      lostBeforeFailover: lost.filter(
        (w) => w.ackAtMs >= measured.isolateAtMs && w.ackAtMs < measured.visibleAtMs,
      ).length,
      lostAfterFailover: lost.filter((w) => w.ackAtMs >= measured.visibleAtMs).length,
    };
    log(
      `partition ${system.kind} ${scenario}: ${master} -> ${measured.newMaster} after ${Math.round(result.failoverMs ?? 0)} ms, ` +
        `old master acknowledged writes ${result.insideAcksForMs === null ? 'until the heal' : `for ${Math.round(result.insideAcksForMs)} ms`}, ` +
        `demoted ${Math.round(result.demotedAfterHealMs ?? 0)} ms after the heal; ${result.acked} acknowledged, ${result.lost} lost ` +
        `(${result.lostBeforeIsolation} acknowledged before the isolation, ${result.lostBeforeFailover} before the failover, ${result.lostAfterFailover} after it)`,
    );
    return result;
  } catch (error) {
    log(`partition ${system.kind} ${scenario} failed: ${String(error)}`);
    return {
      ...base,
      ok: false,
      error: String(error),
      failoverMs: null,
      insideAcksForMs: null,
      demotedAfterHealMs: null,
      acked: 0,
      insideAckedAfterFailover: 0,
      lost: 0,
      lostBeforeIsolation: 0,
      lostBeforeFailover: 0,
      lostAfterFailover: 0,
    };
  }
}

async function isolateAndHeal(
  system: SystemUnderTest,
  oldIndex: number,
  oldPort: number,
  oldMaster: string,
  epoch: number,
  holdMs: number,
) {
  const isolateAtMs = performance.now();
  system.isolate(oldIndex);
  const newMaster = await system.waitNewMaster(oldMaster, epoch, holdMs + 30_000);
  const visibleAtMs = performance.now();
  await sleep(Math.max(0, isolateAtMs + holdMs - performance.now()));
  const healAtMs = performance.now();
  system.heal(oldIndex);
  await waitFor(`the old master to replicate ${newMaster} after the heal`, DEMOTE_BOUND_MS, async () => {
    const role = await nodeRole(oldPort);
    return role.role === 'replica' && role.masterAddr === newMaster && role.linkUp ? true : undefined;
  });
  const demotedAtMs = performance.now();
  // A few more writes on the healed topology before the writers stop.
  await sleep(300);
  return { newMaster, isolateAtMs, visibleAtMs, healAtMs, demotedAtMs };
}

function lastAckBefore(acked: readonly AckedWrite[], atMs: number): AckedWrite | null {
  let last: AckedWrite | null = null;
  for (const w of acked) if (w.ackAtMs <= atMs) last = w;
  return last;
}
