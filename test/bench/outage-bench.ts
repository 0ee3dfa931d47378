// Measurement: every agent cut from the voters for a fixed time under writes (ours, failsafe off and on), Sentinel beside it with nothing cut.
import { sleep, waitFor } from '../../infra/local/wait.js';
import { type AckedWrite, longestPause, type WriteLoadReport } from '../../infra/local/write-load.js';
import type { OutageResult, OutageScenario } from './results.js';
import type { SystemUnderTest } from './system.js';
import { sentinelWriter, waitForAcked } from './writes.js';

const HEALTHY_BOUND_MS = 60_000;
/** After the restore: agents reconnect with back-off, and a fenced master waits for its lease. */
const RESUME_BOUND_MS = 60_000;
const WARM_UP_WRITES = 200;

/** What a coordinator outage needs from ours: every agent's link to the voters blackholed, then restored. */
export interface CoordinatorLinks {
  cutCoordinator(): void;
  restoreCoordinator(): void;
}

export interface OutageEntry {
  readonly system: SystemUnderTest;
  readonly scenario: OutageScenario;
  /** null: nothing to cut (Redis Sentinel has no coordinator); its writer still runs in the same window. */
  readonly coordinator: CoordinatorLinks | null;
}

/**
 * One window for every entry, so the same machine noise falls on all of them: a Sentinel-mode
 * writer each (the endpoints of every node: the agents still answer with the master they know),
 * 200 acknowledged writes, every coordinator cut at once for `outageMs`, restored at once, then
 * the writers keep going until each system is healthy again and its writes have resumed. A
 * failover is a change of the published master or of its epoch.
 */
export async function outageWindow(
  entries: readonly OutageEntry[],
  outageMs: number,
  log: (line: string) => void,
): Promise<OutageResult[]> {
  try {
    await Promise.all(entries.map((e) => e.system.waitHealthy(HEALTHY_BOUND_MS)));
    const runs = await Promise.all(
      entries.map(async (entry) => ({ entry, before: await entry.system.published() })),
    );
    const writers = runs.map((run) => ({
      ...run,
      load: sentinelWriter(run.entry.system, `outage-${run.entry.scenario}`),
    }));
    let measured: { cutAtMs: number; restoreAtMs: number } | null = null;
    let failure: unknown = null;
    try {
      await Promise.all(writers.map((w) => waitForAcked(w.load, WARM_UP_WRITES)));
      const cutAtMs = performance.now();
      for (const e of entries) e.coordinator?.cutCoordinator();
      log(`outage: every agent cut from the voters for ${Math.round(outageMs / 1000)} s`);
      await sleep(outageMs);
      const restoreAtMs = performance.now();
      for (const e of entries) e.coordinator?.restoreCoordinator();
      await Promise.all(
        writers.map((w) =>
          waitFor(`${label(w.entry)}: a write acknowledged after the restore`, RESUME_BOUND_MS, async () =>
            w.load.firstAckSentAfter(restoreAtMs),
          ),
        ),
      );
      await Promise.all(entries.map((e) => e.system.waitHealthy(HEALTHY_BOUND_MS)));
      measured = { cutAtMs, restoreAtMs };
    } catch (error) {
      failure = error;
      for (const e of entries) e.coordinator?.restoreCoordinator();
    }
    const reports = await Promise.all(writers.map(async (w) => ({ ...w, report: await w.load.stop() })));
    if (measured === null) throw failure;
    const m = measured;
    return await Promise.all(
      reports.map(async ({ entry, before, load, report }) => {
        const after = await entry.system.published();
        const firstRefusalAtMs = load.firstErrorAfter('', m.cutAtMs);
        const resumed = load.firstAckSentAfter(m.restoreAtMs);
        const result: OutageResult = {
          system: entry.system.kind,
          scenario: entry.scenario,
          ok: true,
          error: null,
          outageMs,
          masterBefore: before.address,
          masterAfter: after.address,
          acked: report.acked.filter((w) => w.sentAtMs >= m.cutAtMs && w.sentAtMs < m.restoreAtMs).length,
          refused: failedSince(report, m.cutAtMs),
          longestPauseMs: longestPause(report.acked).ms,
          firstRefusalMs: firstRefusalAtMs === undefined ? null : firstRefusalAtMs - m.cutAtMs,
          resumedAfterRestoreMs: resumed === undefined ? null : resumed.ackAtMs - m.restoreAtMs,
          failedOver: before.address !== after.address || before.epoch !== after.epoch,
          writeErrors: report.errorSamples,
        };
        log(
          `outage ${label(entry)}: ${result.acked} writes acknowledged during the outage, ${result.refused} refused ` +
            `(first ${result.firstRefusalMs === null ? 'never' : `${Math.round(result.firstRefusalMs)} ms after the cut`}), ` +
            `longest pause ${Math.round(result.longestPauseMs ?? 0)} ms, writes resumed ` +
            `${Math.round(result.resumedAfterRestoreMs ?? 0)} ms after the restore, ` +
            (result.failedOver
              ? `failed over ${result.masterBefore} -> ${result.masterAfter}`
              : 'no failover') +
            (report.errorSamples.length > 0 ? `; client errors: ${report.errorSamples.join(' | ')}` : ''),
        );
        return result;
      }),
    );
  } catch (error) {
    log(`outage failed: ${String(error)}`);
    return entries.map((e) => ({
      system: e.system.kind,
      scenario: e.scenario,
      ok: false,
      error: String(error),
      outageMs,
      masterBefore: '?',
      masterAfter: null,
      acked: 0,
      refused: 0,
      longestPauseMs: null,
      firstRefusalMs: null,
      resumedAfterRestoreMs: null,
      failedOver: false,
      writeErrors: [],
    }));
  }
}

const label = (e: OutageEntry) => `${e.system.kind} ${e.scenario}`;

/**
 * Failed writes sent at or after `atMs`. The writer gives every attempt the next sequence number
 * (keys `<prefix>:<seq>`, one write in flight at a time), so the failures before `atMs` are the
 * gaps in the acknowledged sequence before it; a gap that spans `atMs` counts as after it.
 */
export function failedSince(report: Pick<WriteLoadReport, 'acked' | 'failed'>, atMs: number): number {
  let failedBefore = 0;
  let next = 0;
  for (const w of report.acked) {
    if (w.sentAtMs >= atMs) break;
    const seq = sequenceOf(w);
    failedBefore += seq - next;
    next = seq + 1;
  }
  return report.failed - failedBefore;
}

function sequenceOf(w: AckedWrite): number {
  const seq = Number(w.key.slice(w.key.lastIndexOf(':') + 1));
  if (!Number.isInteger(seq) || seq < 0) throw new Error(`${w.key} has no sequence number`);
  return seq;
}
