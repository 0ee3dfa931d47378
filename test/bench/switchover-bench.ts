// Measurement 3: a planned switchover under writes (ours: POST /switchover; Sentinel: SENTINEL FAILOVER).
import { nodeRole } from '../../infra/local/redis-query.js';
import { waitFor } from '../../infra/local/wait.js';
import { longestPause } from '../../infra/local/write-load.js';
import type { SwitchoverResult } from './results.js';
import type { SystemUnderTest } from './system.js';
import { lostWrites, sentinelWriter, waitForAcked } from './writes.js';

const HEALTHY_BOUND_MS = 60_000;
const SWITCH_BOUND_MS = 30_000;

export async function switchoverRun(
  system: SystemUnderTest,
  log: (line: string) => void,
): Promise<SwitchoverResult> {
  let oldMaster = '?';
  try {
    oldMaster = await system.waitHealthy(HEALTHY_BOUND_MS);
    const { epoch } = await system.published();
    const target = system.nodes.find((n) => n.address !== oldMaster);
    const old = system.nodes.find((n) => n.address === oldMaster);
    if (target === undefined || old === undefined) throw new Error('no replica to switch to');
    const load = sentinelWriter(system, `sw-${system.kind}`);
    let measured: { newMaster: string; switchMs: number } | null = null;
    let failure: unknown = null;
    try {
      await waitForAcked(load, 300);
      const askedAtMs = performance.now();
      await system.switchover(target.address);
      const newMaster = await system.waitNewMaster(oldMaster, epoch, SWITCH_BOUND_MS);
      measured = { newMaster, switchMs: performance.now() - askedAtMs };
      // Until the old master follows the new one: before that, clients still writing to it lose writes.
      await waitFor(`${oldMaster} to replicate ${newMaster}`, HEALTHY_BOUND_MS, async () => {
        const role = await nodeRole(old.port);
        return role.role === 'replica' && role.masterAddr === newMaster && role.linkUp ? true : undefined;
      });
      await waitForAcked(load, load.ackedCount() + 100);
    } catch (error) {
      failure = error;
    }
    const report = await load.stop();
    if (measured === null || failure !== null) throw failure;
    const node = system.nodes.find((n) => n.address === measured.newMaster);
    if (node === undefined) throw new Error(`${measured.newMaster} is not a node`);
    const lost = await lostWrites(node.port, report.acked);
    const result: SwitchoverResult = {
      system: system.kind,
      ok: true,
      error: null,
      oldMaster,
      newMaster: measured.newMaster,
      switchMs: measured.switchMs,
      acked: report.acked.length,
      lost: lost.length,
      longestPauseMs: longestPause(report.acked).ms,
    };
    log(
      `switchover ${system.kind}: ${oldMaster} -> ${measured.newMaster} in ${Math.round(measured.switchMs)} ms, ` +
        `${result.acked} acknowledged, ${result.lost} lost, longest write pause ${Math.round(result.longestPauseMs ?? 0)} ms`,
    );
    return result;
  } catch (error) {
    log(`switchover ${system.kind} failed: ${String(error)}`);
    return {
      system: system.kind,
      ok: false,
      error: String(error),
      oldMaster,
      newMaster: null,
      switchMs: null,
      acked: 0,
      lost: 0,
      longestPauseMs: null,
    };
  }
}
