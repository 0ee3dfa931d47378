// The failover scenario's steps after it: restart the old master empty, watch it rejoin, count lost writes.
import { watchAdvertisedMasters } from './advertised-masters.js';
import { FAILOVER_LIMITS as L } from './failover-limits.js';
import type { FailoverRejoin } from './failover-report.js';
import { awaitReplicaOf, type FailoverRun, type Kill } from './failover-steps.js';
import { classifyLostWrites, type LostWrites } from './lost-writes.js';
import { existingKeys } from './redis-query.js';
import { portOfAddress } from './stack-nodes.js';
import { formatMs as ms } from './timeline.js';
import { waitFor } from './wait.js';
import type { WriteLoadReport } from './write-load.js';

/** What the restart showed; whether the node then holds the data is checked after the writer stops. */
export type Rejoin = Omit<FailoverRejoin, 'holdsNewMastersData'> & { readonly rejoinMs: number | null };

/** Without a new master there is nothing to rejoin. */
export const NO_REJOIN: Rejoin = {
  asReplica: false,
  writesContinued: false,
  mastersSeen: [],
  rejoinMs: null,
};

/**
 * Restarts the old master empty and without --replicaof (a rebooted master) until it replicates
 * `newMaster` and writes go on, while every read path a client uses is watched: clients must never
 * be sent to the empty node.
 */
export async function restartOldMasterEmpty(run: FailoverRun, newMaster: string): Promise<Rejoin> {
  run.timeline.note(`restarting ${run.old.address} empty, without --replicaof (a rebooted master)`);
  const watch = watchAdvertisedMasters(run.stack, { intervalMs: L.watchIntervalMs });
  const { rejoinMs, writesContinued } = await rejoinUnderWrites(run, newMaster).finally(() => watch.stop());
  return { asReplica: rejoinMs !== null, writesContinued, mastersSeen: await watch.stop(), rejoinMs };
}

async function rejoinUnderWrites(
  run: FailoverRun,
  newMaster: string,
): Promise<{ readonly rejoinMs: number | null; readonly writesContinued: boolean }> {
  const { old } = run;
  const restartAtMs = performance.now();
  await run.stack.restartRedisEmpty(old.index);
  const rejoinMs = await awaitReplicaOf(old, newMaster, L.rejoinMs).then(
    () => performance.now() - restartAtMs,
    (error: unknown) => {
      run.problems.push(String(error));
      return null;
    },
  );
  if (rejoinMs !== null)
    run.timeline.note(
      `${old.address} rejoined as a replica of ${newMaster}, ${ms(rejoinMs)} after its restart`,
    );
  const before = run.load.ackedCount();
  const writesContinued = await waitFor('more writes after the rejoin', L.writesAfterRejoinMs, async () =>
    run.load.ackedCount() >= before + L.writesAfterRejoin ? true : undefined,
  ).catch((error: unknown) => {
    run.problems.push(String(error));
    return false;
  });
  return { rejoinMs, writesContinued };
}

/** The acknowledged writes the new master lacks (none counted without a new master); `present`: what it holds. */
export async function countLostWrites(
  run: FailoverRun,
  kill: Kill,
  written: WriteLoadReport,
  newMaster: string | null,
): Promise<LostWrites & { readonly present: ReadonlySet<string> }> {
  const keys = written.acked.map((w) => w.key);
  const present = newMaster === null ? new Set<string>() : await existingKeys(portOfAddress(newMaster), keys);
  const lost =
    newMaster === null
      ? { lost: 0, lostInLagWindow: 0, lostBeyondLagWindow: [] }
      : classifyLostWrites(written.acked, present, {
          killAtMs: kill.atMs,
          lagWindowMs: L.replicationLagWindowMs,
        });
  run.timeline.note(
    `writer: ${written.acked.length} writes acknowledged, ${written.failed} failed (errors while no master was known), ` +
      `${lost.lost} acknowledged writes lost (${lost.lostInLagWindow} acknowledged by the old master within ` +
      `${L.replicationLagWindowMs} ms of its kill)`,
  );
  return { ...lost, present };
}

/** Until the rejoined old master holds as many of the acknowledged writes as the new master does. */
export async function awaitOldMasterResync(
  run: FailoverRun,
  written: WriteLoadReport,
  present: ReadonlySet<string>,
): Promise<boolean> {
  const keys = written.acked.map((w) => w.key);
  return waitFor(`${run.old.address} to hold the acknowledged writes`, L.resyncMs, async () => {
    const onOld = await existingKeys(run.old.port, keys);
    return onOld.size === present.size ? true : undefined;
  }).catch((error: unknown) => {
    run.problems.push(String(error));
    return false;
  });
}
