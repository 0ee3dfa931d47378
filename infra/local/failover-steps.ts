// The failover scenario's steps up to the new master: write, SIGKILL the master, wait for the failover, check it.
import { FAILOVER_LIMITS as L } from './failover-limits.js';
import type { FailoverFacts } from './failover-report.js';
import { existingKeys, nodeRole } from './redis-query.js';
import type { LocalStack } from './stack.js';
import { portOfAddress, type StackNode } from './stack-nodes.js';
import { formatMs as ms, type Timeline } from './timeline.js';
import { waitFor } from './wait.js';
import type { WriteLoad } from './write-load.js';

/** What the steps of one run share; a step that times out adds to `problems` and the run goes on. */
export interface FailoverRun {
  readonly stack: LocalStack;
  readonly timeline: Timeline;
  readonly load: WriteLoad;
  /** The node published as the master before the kill. */
  readonly old: StackNode;
  readonly problems: string[];
}

export interface Kill {
  /** performance.now() and Date.now() just before the SIGKILL. */
  readonly atMs: number;
  readonly atWallMs: number;
}

export async function warmUp(run: FailoverRun): Promise<void> {
  await waitFor(`the first ${L.warmUpWrites} acknowledged writes`, L.warmUpMs, async () =>
    run.load.ackedCount() >= L.warmUpWrites ? true : undefined,
  );
  run.timeline.note(
    `writer: ${run.load.ackedCount()} writes acknowledged through the agents' Sentinel ports`,
  );
}

export async function killMaster(run: FailoverRun): Promise<Kill> {
  run.timeline.note(`SIGKILL master ${run.old.address} (redis-server pid ${run.old.redis?.pid ?? '?'})`);
  const kill = { atMs: performance.now(), atWallMs: Date.now() };
  await run.stack.killRedis(run.old.index);
  return kill;
}

type Failover = Pick<FailoverFacts, 'newMaster' | 'newEpoch'> & { readonly failoverMs: number | null };

/** Until another node is published, then until the HTTP endpoint and every agent name it. */
export async function awaitFailover(run: FailoverRun, kill: Kill): Promise<Failover> {
  const { stack } = run;
  const bound = L.failoverBoundMs;
  let newMaster: string | null = null;
  try {
    newMaster = await waitFor(`a new master published (bound ${bound} ms)`, bound, async () => {
      const m = await stack.publishedMaster();
      const address = `${m.host}:${m.port}`;
      return address === run.old.address ? undefined : address;
    });
    const published = await stack.waitForMaster(
      newMaster,
      Math.max(1000, bound - (performance.now() - kill.atMs)),
    );
    const failoverMs = performance.now() - kill.atMs;
    run.timeline.note(
      `failover: ${newMaster} is the master for the HTTP endpoint and every agent, ${ms(failoverMs)} after the kill`,
    );
    return { newMaster, newEpoch: published.epoch, failoverMs };
  } catch (error) {
    run.problems.push(`no failover within ${bound} ms: ${String(error)}`);
    return { newMaster, newEpoch: null, failoverMs: null };
  }
}

/** Right after the failover: what every agent answers, and what the new master itself says it is. */
export async function inspectNewMaster(
  run: FailoverRun,
  newMaster: string,
): Promise<Pick<FailoverFacts, 'agentMasters' | 'newMasterRole'>> {
  const agentMasters = await run.stack.agentMasters();
  const newMasterRole = await nodeRole(portOfAddress(newMaster)).then(
    (role) => role.role,
    (error: unknown) => {
      run.problems.push(`${newMaster} did not answer ROLE: ${String(error)}`);
      return null;
    },
  );
  return { agentMasters, newMasterRole };
}

/** The first write sent after the kill that was acknowledged, and whether it landed on the new master. */
export async function awaitWritesResumed(
  run: FailoverRun,
  kill: Kill,
  newMaster: string | null,
): Promise<Pick<FailoverFacts, 'resumedWrite'> & { readonly writesResumedMs: number | null }> {
  const first = await waitFor('a write acknowledged after the kill', L.writesResumeMs, async () =>
    run.load.firstAckSentAfter(kill.atMs),
  ).catch(() => undefined);
  if (first === undefined) {
    run.problems.push('no write was acknowledged after the kill');
    return { resumedWrite: null, writesResumedMs: null };
  }
  const writesResumedMs = first.ackAtMs - kill.atMs;
  run.timeline.note(`writer: writes resumed ${ms(writesResumedMs)} after the kill`);
  // Read straight from the new master: the resumed write landed there.
  const onNewMaster =
    newMaster !== null &&
    (await existingKeys(portOfAddress(newMaster), [first.key]).then(
      (present) => present.has(first.key),
      () => false,
    ));
  return { resumedWrite: { key: first.key, onNewMaster }, writesResumedMs };
}

/** Every node other than the old and the new master, once it replicates the new master with its link up. */
export async function awaitReplicasFollow(run: FailoverRun, newMaster: string): Promise<string[]> {
  const following: string[] = [];
  for (const n of run.stack.nodes.filter((x) => x !== run.old && x.address !== newMaster)) {
    try {
      await awaitReplicaOf(n, newMaster, L.replicaFollowMs);
      following.push(n.address);
      run.timeline.note(`${n.address} replicates the new master ${newMaster}`);
    } catch (error) {
      run.problems.push(String(error));
    }
  }
  return following;
}

/** Until `node` replicates `master` with its link up; throws after `timeoutMs`. */
export function awaitReplicaOf(node: StackNode, master: string, timeoutMs: number): Promise<true> {
  return waitFor(`${node.address} to replicate ${master}`, timeoutMs, async () => {
    const role = await nodeRole(node.port);
    return role.role === 'replica' && role.masterAddr === master && role.linkUp ? true : undefined;
  });
}
