// Reboot detection: a node that restarted and came back empty (or much smaller) must not be trusted.
import type { NodeDetector } from './sdown.js';
import type { NodeInfo } from './types.js';

/**
 * A new run id alone is an ordinary restart with its data reloaded. A new run id with no keys
 * where there were some, or with fewer than half of them, means the dataset was lost (no
 * persistence, a wiped disk): if such a node is the master its replicas would resync from it
 * and lose everything, so the voters must hear about it before that happens.
 */
export function detectReboot(
  before: NodeInfo | null,
  after: NodeInfo,
): { readonly rebooted: boolean; readonly reason: string } {
  if (before === null || before.runId === '' || before.runId === after.runId) {
    return { rebooted: false, reason: 'same run id (or nothing to compare with)' };
  }
  if (after.keys === 0 && before.keys > 0) {
    return { rebooted: true, reason: `run id changed and the dataset went from ${before.keys} keys to none` };
  }
  if (after.keys < before.keys / 2) {
    return {
      rebooted: true,
      reason: `run id changed and the dataset shrank from ${before.keys} to ${after.keys} keys`,
    };
  }
  return { rebooted: false, reason: `run id changed with ${after.keys} keys kept: an ordinary restart` };
}

/**
 * Whether INFO read now shows a node's whole dataset. A node loading its RDB or AOF answers PING
 * with LOADING while INFO's keyspace counts only the keys loaded so far, which would read as a
 * dataset lost; so would INFO read while probes fail (a restart under way: the answer may come
 * from a process still loading). Before any probe result there is nothing to say otherwise. A
 * restart complete between two probes and read by INFO before the next one is not seen here: the
 * last outcome is then the old process's PONG.
 */
export function datasetComplete(det: NodeDetector): boolean {
  switch (det.lastOutcome) {
    case null:
    case 'pong':
    case 'masterdown':
      return true;
    case 'loading':
    case 'error':
    case 'timeout':
      return false;
  }
}

export interface RunIdCheck {
  /** This INFO shows another run id than the one before it: Sentinel's `+reboot` moment. */
  readonly runIdChanged: boolean;
  /** The dataset was lost (`detectReboot`), judged on a complete INFO. */
  readonly lost: boolean;
  /** The INFO to judge the next one against while this one could not be judged; null once judged. */
  readonly baseline: NodeInfo | null;
  /** Why, when the run id changed (or a deferred judgement was made); null otherwise. */
  readonly reason: string | null;
}

/**
 * One INFO against the previous one (`previous`) and the INFO from before a restart still being
 * judged (`baseline`): whether the run id changed, and whether the dataset was lost, judged only
 * on an INFO that shows the whole dataset (`complete`). Until then the pre-restart INFO is kept
 * as the baseline, so a slow load is judged once it is over, against what the node held before.
 */
export function checkRunId(
  previous: NodeInfo | null,
  baseline: NodeInfo | null,
  after: NodeInfo,
  complete: boolean,
): RunIdCheck {
  const runIdChanged = previous !== null && previous.runId !== '' && previous.runId !== after.runId;
  const before = baseline ?? previous;
  if (before === null || before.runId === '' || before.runId === after.runId) {
    return { runIdChanged, lost: false, baseline: null, reason: null };
  }
  if (!complete) {
    const reason = `run id changed while the node is loading or not answering: its dataset is judged once it answers PONG (${after.keys} of ${before.keys} keys so far)`;
    return { runIdChanged, lost: false, baseline: before, reason };
  }
  const verdict = detectReboot(before, after);
  return { runIdChanged, lost: verdict.rebooted, baseline: null, reason: verdict.reason };
}
