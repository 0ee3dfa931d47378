// Long-polling the published master: wait on every voter until one publishes a newer epoch.
import { firstMatching } from './gather.js';
import { type MajorityRead, readMajority } from './master-read.js';
import type { VoterSet } from './voters.js';

/** Upper bound of one long-poll, well under the platform's limits and most proxies' idle timeouts. */
export const MAX_LONG_POLL_MS = 60_000;
/** Extra time a voter gets to answer `waitForEpoch` after its own timeout. */
const WAIT_SLACK_MS = 2_000;

/**
 * Answers as soon as the published epoch exceeds `afterEpoch`, or with the current master once
 * `timeoutMs` has passed. The first voter to publish a newer config ends the wait; that config is
 * then read back from a majority with repair, so the answer is never older than a later read.
 */
export async function waitForNewerMaster(
  voters: VoterSet,
  afterEpoch: number,
  timeoutMs: number,
): Promise<MajorityRead> {
  const current = await readMajority(voters);
  if (current.config.epoch > afterEpoch || timeoutMs <= 0) return current;
  const newer = await firstMatching(
    voters.callAll(
      (stub, address) => stub.waitForEpoch(address, afterEpoch, timeoutMs),
      timeoutMs + WAIT_SLACK_MS,
    ),
    (published) => published.config.epoch > afterEpoch,
  );
  return readMajority(voters, newer?.value);
}
