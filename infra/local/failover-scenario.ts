// The failover scenario (`npm run demo -- --scenario failover` and test/e2e/failover.e2e.test.ts): SIGKILL the
// master under writes, measure the failover, restart the old master empty, see it rejoin, count lost writes.
import { FAILOVER_LIMITS as L } from './failover-limits.js';
import { type FailoverFacts, type FailoverReport, factProblems, type SeenEvent } from './failover-report.js';
import {
  awaitFailover,
  awaitReplicasFollow,
  awaitWritesResumed,
  type FailoverRun,
  inspectNewMaster,
  type Kill,
  killMaster,
  warmUp,
} from './failover-steps.js';
import {
  awaitOldMasterResync,
  countLostWrites,
  NO_REJOIN,
  type Rejoin,
  restartOldMasterEmpty,
} from './rejoin-steps.js';
import type { LocalStack } from './stack.js';
import type { Timeline } from './timeline.js';
import { firstVoterEventsSince } from './voter-events.js';
import { sleep } from './wait.js';
import { startWriteLoad } from './write-load.js';

/**
 * Runs the scenario on a started stack, noting each step on `timeline`. A step that times out is a
 * problem in the report; one that cannot run at all (no node published, no warm-up writes) throws.
 */
export async function runFailoverScenario(stack: LocalStack, timeline: Timeline): Promise<FailoverReport> {
  const published = await stack.publishedMaster();
  const oldMaster = `${published.host}:${published.port}`;
  const old = stack.nodes.find((n) => n.address === oldMaster);
  if (old === undefined) throw new Error(`the published master ${oldMaster} is not a node of this stack`);
  const load = startWriteLoad({ sentinels: stack.sentinels, group: stack.options.group, prefix: 'failover' });
  const run: FailoverRun = { stack, timeline, load, old, problems: [] };
  try {
    const facts = await observe(run, published.epoch);
    const problems = [
      ...run.problems,
      ...factProblems(
        facts,
        stack.nodes.map((n) => n.address),
      ),
    ];
    return { ...facts, ok: problems.length === 0, problems };
  } finally {
    // Already stopped when every step ran; a step that threw leaves the writer running.
    await load.stop();
  }
}

/** The steps, in order; without a new master, what depends on it is skipped. */
async function observe(run: FailoverRun, oldEpoch: number): Promise<FailoverFacts> {
  await warmUp(run);
  const kill = await killMaster(run);
  const { newMaster, newEpoch, failoverMs } = await awaitFailover(run, kill);
  const inspected =
    newMaster === null
      ? { agentMasters: await run.stack.agentMasters(), newMasterRole: null }
      : await inspectNewMaster(run, newMaster);
  const { resumedWrite, writesResumedMs } = await awaitWritesResumed(run, kill, newMaster);
  const replicasFollowing = newMaster === null ? [] : await awaitReplicasFollow(run, newMaster);
  let rejoin: Rejoin = NO_REJOIN;
  if (newMaster !== null) {
    await sleep(L.settleBeforeRestartMs);
    rejoin = await restartOldMasterEmpty(run, newMaster);
  }
  const written = await run.load.stop();
  const { present, ...lost } = await countLostWrites(run, kill, written, newMaster);
  const holdsNewMastersData = rejoin.asReplica && (await awaitOldMasterResync(run, written, present));
  const events = await voterEventsAfter(run, kill);
  const { rejoinMs, ...rejoined } = rejoin;
  return {
    oldMaster: run.old.address,
    oldEpoch,
    newMaster,
    newEpoch,
    ...inspected,
    replicasFollowing,
    resumedWrite,
    timings: {
      detectionMs: events.find((e) => e.name === '+odown')?.afterKillMs ?? null,
      failoverMs,
      writesResumedMs,
      rejoinMs,
    },
    writes: { acked: written.acked.length, failed: written.failed, errors: written.errorSamples, ...lost },
    rejoin: { ...rejoined, holdsNewMastersData },
    events,
  };
}

async function voterEventsAfter(run: FailoverRun, kill: Kill): Promise<SeenEvent[]> {
  const { stack } = run;
  try {
    const events = await firstVoterEventsSince(stack.coordinatorUrl, stack.options.group, {
      voters: stack.options.voters,
      sinceWallMs: kill.atWallMs,
    });
    return events.map((e) => ({ name: e.name, afterKillMs: e.atWallMs - kill.atWallMs }));
  } catch (error) {
    run.problems.push(`the voters' event logs could not be read: ${String(error)}`);
    return [];
  }
}
