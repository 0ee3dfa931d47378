// Writers for the scenarios (infra/local's write load) and the count of acknowledged writes a node no longer has.
import { existingKeys } from '../../infra/local/redis-query.js';
import { waitFor } from '../../infra/local/wait.js';
import { type AckedWrite, startWriteLoad, type WriteLoad } from '../../infra/local/write-load.js';
import type { SystemUnderTest } from './system.js';

/** A Sentinel-mode client of the system's endpoints; a timed-out command reconnects (and re-resolves). */
export function sentinelWriter(system: SystemUnderTest, prefix: string, excludeNode?: number): WriteLoad {
  return startWriteLoad({
    sentinels: system.endpoints(excludeNode),
    group: system.group,
    prefix,
    reconnectOnTimeout: true,
    commandTimeoutMs: 500,
  });
}

/** A client that writes straight to a node's real port: an application inside the node's partition. */
export function directWriter(port: number, prefix: string): WriteLoad {
  return startWriteLoad({
    sentinels: [],
    group: '',
    prefix,
    target: { host: '127.0.0.1', port },
    reconnectOnTimeout: true,
    commandTimeoutMs: 500,
  });
}

export function waitForAcked(load: WriteLoad, count: number, timeoutMs = 20_000): Promise<true> {
  return waitFor(`${count} acknowledged writes`, timeoutMs, async () =>
    load.ackedCount() >= count ? true : undefined,
  );
}

/** Acknowledged writes missing on the node at `port` (read straight from it). */
export async function lostWrites(port: number, acked: readonly AckedWrite[]): Promise<AckedWrite[]> {
  const present = await existingKeys(
    port,
    acked.map((w) => w.key),
  );
  return acked.filter((w) => !present.has(w.key));
}
