// What the failover scenario measured and saw, the checks it must pass, and the lines the demo prints.
import { FAILOVER_LIMITS } from './failover-limits.js';
import type { LostWrites } from './lost-writes.js';
import type { NodeRole } from './redis-query.js';
import { formatMs as ms } from './timeline.js';

export interface FailoverTimings {
  /** From the SIGKILL until the voters' first +odown (their wall clock; null: not in their logs). */
  readonly detectionMs: number | null;
  /** From the SIGKILL until the HTTP endpoint and every agent name the new master. */
  readonly failoverMs: number | null;
  /** From the SIGKILL until the first write sent after it was acknowledged. */
  readonly writesResumedMs: number | null;
  /** From the empty restart until the old master replicates the new one with its link up. */
  readonly rejoinMs: number | null;
}

export interface FailoverWrites extends LostWrites {
  readonly acked: number;
  /** Writes answered with an error (no master known yet, a fenced node refusing). */
  readonly failed: number;
  /** The writer's first distinct errors (what a client saw during the failover). */
  readonly errors: readonly string[];
}

export interface FailoverRejoin {
  /** The old master, restarted empty without --replicaof, replicates the new master with its link up. */
  readonly asReplica: boolean;
  /** Writes went on after the rejoin (`FAILOVER_LIMITS.writesAfterRejoin` more acknowledged). */
  readonly writesContinued: boolean;
  /** Every master the HTTP endpoint or an agent named from the restart until writes continued. */
  readonly mastersSeen: readonly string[];
  /** The rejoined node holds every acknowledged write the new master holds: the empty node wiped nothing. */
  readonly holdsNewMastersData: boolean;
}

export interface SeenEvent {
  readonly name: string;
  /** Its first occurrence at any voter, after the kill. */
  readonly afterKillMs: number;
}

/** Everything the scenario observed; `problems` is every check it failed (empty: `ok`). */
export interface FailoverFacts {
  /** The master published before the kill, and its epoch. */
  readonly oldMaster: string;
  readonly oldEpoch: number;
  /** The master published after the kill (null: none within the bound), and its epoch. */
  readonly newMaster: string | null;
  readonly newEpoch: number | null;
  /** The new master's own answer to ROLE once it is published everywhere. */
  readonly newMasterRole: NodeRole['role'] | null;
  /** Each agent's get-master-addr-by-name answer once the new master is published, by node index. */
  readonly agentMasters: readonly (string | null)[];
  /** The nodes other than the old and new master that replicate the new master (link up). */
  readonly replicasFollowing: readonly string[];
  /** The first write sent after the kill that was acknowledged, and whether the new master holds it. */
  readonly resumedWrite: { readonly key: string; readonly onNewMaster: boolean } | null;
  readonly timings: FailoverTimings;
  readonly writes: FailoverWrites;
  readonly rejoin: FailoverRejoin;
  /** The voters' events after the kill (each name once), in order. */
  readonly events: readonly SeenEvent[];
}

export interface FailoverReport extends FailoverFacts {
  readonly ok: boolean;
  readonly problems: readonly string[];
}

/** The checks on what was observed (what did not happen in time is already a problem of its step). */
export function factProblems(facts: FailoverFacts, nodeAddresses: readonly string[]): string[] {
  const { newMaster, timings } = facts;
  const bound = FAILOVER_LIMITS.failoverBoundMs;
  const problems: string[] = [];
  const check = (holds: boolean, problem: string) => {
    if (!holds) problems.push(problem);
  };
  if (timings.failoverMs !== null)
    check(timings.failoverMs < bound, `the failover took ${ms(timings.failoverMs)}, beyond ${bound} ms`);
  if (timings.writesResumedMs !== null)
    check(timings.writesResumedMs < bound, `writes resumed after ${ms(timings.writesResumedMs)}`);
  if (facts.newEpoch !== null)
    check(facts.newEpoch > facts.oldEpoch, `the new master was published at epoch ${facts.newEpoch}`);
  if (facts.resumedWrite !== null)
    check(
      facts.resumedWrite.onNewMaster,
      `the resumed write ${facts.resumedWrite.key} is not on the new master`,
    );
  check(
    facts.writes.lostBeyondLagWindow.length === 0,
    `${facts.writes.lostBeyondLagWindow.length} acknowledged writes lost beyond the replication-lag window`,
  );
  if (newMaster === null) return problems;
  check(nodeAddresses.includes(newMaster), `the new master ${newMaster} is not a node of this stack`);
  check(
    facts.newMasterRole === 'master',
    `${newMaster} answers ROLE with ${facts.newMasterRole ?? 'nothing'}`,
  );
  check(
    facts.agentMasters.every((a) => a === newMaster),
    `the agents named ${facts.agentMasters.map((a) => a ?? 'nothing').join(', ')}`,
  );
  const seen = facts.rejoin.mastersSeen;
  check(
    seen.length === 1 && seen[0] === newMaster,
    `while ${facts.oldMaster} restarted empty, clients were told ${seen.join(', ') || 'nothing'}`,
  );
  if (facts.rejoin.asReplica)
    check(facts.rejoin.holdsNewMastersData, `${facts.oldMaster} does not hold the new master's data`);
  return problems;
}

/** The demo's summary (and the e2e test's log). */
export function failoverReportLines(report: FailoverReport): string[] {
  const { timings, writes, rejoin } = report;
  const events = report.events.map((e) => `${e.name} +${ms(e.afterKillMs)}`).join(', ');
  return [
    `failover scenario: ${report.ok ? 'PASSED' : 'FAILED'}`,
    `  old master ${report.oldMaster} (epoch ${report.oldEpoch}) -> new master ${report.newMaster ?? 'none'}` +
      (report.newEpoch === null ? '' : ` (epoch ${report.newEpoch})`),
    `  detection (kill -> the voters' first +odown): ${fmt(timings.detectionMs)}`,
    `  failover (kill -> published by the HTTP endpoint and every agent): ${fmt(timings.failoverMs)}`,
    `  writes resumed after the kill: ${fmt(timings.writesResumedMs)}`,
    `  replicas following the new master: ${report.replicasFollowing.join(', ') || 'none'}`,
    `  old master rejoined as a replica after its restart: ${fmt(timings.rejoinMs)}` +
      (rejoin.asReplica ? `, holds the new master's data: ${rejoin.holdsNewMastersData ? 'yes' : 'no'}` : ''),
    `  masters advertised while it restarted empty: ${rejoin.mastersSeen.join(', ') || 'none'}`,
    `  acknowledged writes: ${writes.acked}, failed: ${writes.failed}, lost: ${writes.lost} ` +
      `(${writes.lostInLagWindow} within the replication-lag window)`,
    `  voter events after the kill: ${events || 'none'}`,
    ...writes.errors.map((error) => `  client error seen: ${error}`),
    ...report.problems.map((problem) => `  problem: ${problem}`),
  ];
}

const fmt = (value: number | null) => (value === null ? 'did not happen' : ms(value));
