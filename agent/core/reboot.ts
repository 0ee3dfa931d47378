// Reboot detection: a node that restarted and came back empty (or much smaller) must not be trusted.
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
