// The leader's choice of a new master, once the old master's lease is out and fresh observations are in.
import { type AgentId, type Config, type NodeId, replicaPayload } from '../protocol/index.js';
import { abort } from './abort.js';
import { odownOf, ownAgentOf } from './detection.js';
import { emit, note, type Out } from './out.js';
import { sendAccepts } from './proposal.js';
import { rankReplicas } from './ranking.js';
import type { Leadership, VoterContext, VoterState } from './types.js';

/** Is `node` confirmed master by its own agent, after that agent has seen epoch `epoch`? */
export function confirmedMaster(state: VoterState, node: NodeId, epoch: number): boolean {
  const agent = ownAgentOf(state, node);
  const view = agent?.views[node];
  return (
    agent !== undefined &&
    view !== undefined &&
    view.role === 'master' &&
    !view.sdown &&
    agent.highestEpoch >= epoch
  );
}

/** Pick the new master (or, for a stuck hand-off, go back to the old one) and propose it. */
export function choose(state: VoterState, role: Leadership, ctx: VoterContext, out: Out): VoterState {
  const { from } = role;
  // Nothing is committed yet: if the master came back while the lease ran out, stop here rather
  // than replace a healthy master (and discard what it wrote meanwhile). The open epoch is closed
  // later by a reaffirm.
  const verdict = odownOf(state, from.master, ctx.nowMs);
  if (role.purpose === 'failover' && !verdict.odown) {
    return abort(state, '-failover-abort-not-needed', verdict.reason, ctx, out);
  }
  // A hand-off needs a live master to run FAILOVER TO; a dead one would hand over whenever it
  // returns, perhaps long after newer decisions. An operator wants a forced failover then.
  if (role.purpose === 'switchover' && !confirmedMaster(state, from.master, from.epoch)) {
    const why = `${from.master} is not a healthy master to hand over from (${verdict.reason}); use a failover`;
    return abort(state, '-failover-abort-master-down', why, ctx, out);
  }
  if (role.purpose === 'retry' && confirmedMaster(state, from.master, from.epoch)) {
    const proposal: Config = { ...from, epoch: role.epoch, cause: 'reaffirm', leader: state.index };
    note(out, `${from.master} turns out to be promoted; finishing epoch ${from.epoch}'s change`);
    return sendAccepts(state, { ...role, proposal }, ctx, out);
  }
  // A hand-off that never completed goes back to its source; otherwise rank the replicas.
  const abortTo = role.purpose === 'retry' && from.state === 'handoff' ? from.previousMaster : null;
  const ranking = rankReplicas(state, ctx.nowMs, {
    exclude: new Set(role.purpose === 'retry' ? [] : [from.master]),
    deprioritize: role.purpose === 'retry' ? from.master : null,
    freshAgents: new Set(role.freshFrom),
    masterDownMs: masterDownMs(state, from.master, role.freshFrom, ctx.nowMs),
  });
  if (role.target !== null && !ranking.ranked.includes(role.target)) {
    const why = ranking.rejected.find((r) => r.node === role.target)?.why ?? 'it is not a known node';
    const reason = `requested replica ${role.target} is not eligible: ${why}`;
    return abort(state, '-failover-abort-no-good-slave', reason, ctx, out);
  }
  const chosen = role.target ?? abortTo ?? ranking.ranked[0];
  if (chosen === undefined) {
    const why = ranking.rejected.map((r) => `${r.node}: ${r.why}`).join('; ') || 'no replicas known';
    return abort(state, '-failover-abort-no-good-slave', `no replica can be promoted (${why})`, ctx, out);
  }
  const proposal: Config = {
    epoch: role.epoch,
    master: chosen,
    state: role.purpose === 'switchover' ? 'handoff' : 'promoting',
    previousMaster: role.purpose === 'retry' ? (from.previousMaster ?? from.master) : from.master,
    cause: abortTo !== null ? 'abort' : role.purpose,
    leader: state.index,
    ...(role.purpose === 'switchover' && role.handoffTimeoutMs !== null
      ? { handoffTimeoutMs: role.handoffTimeoutMs }
      : {}),
  };
  emit(
    out,
    '+selected-slave',
    replicaPayload(state.settings.name, chosen, from.master),
    role.epoch,
    `selected ${chosen} (ranked ${ranking.ranked.join(', ') || 'none'}; ${verdict.reason})`,
  );
  return sendAccepts(state, { ...role, proposal }, ctx, out);
}

/**
 * How long the old master has been down: since this voter saw ODOWN, or longer if a fresh agent
 * has had no reply from it for longer (the voters were unreachable when it died: its replicas'
 * links have been down since then, and would all be judged too stale otherwise).
 */
function masterDownMs(state: VoterState, master: NodeId, fresh: readonly AgentId[], nowMs: number): number {
  const odownSince = state.odownSinceMs;
  let downMs = odownSince === null ? 0 : nowMs - odownSince;
  for (const agentId of fresh) downMs = Math.max(downMs, state.agents[agentId]?.views[master]?.downMs ?? 0);
  return downMs;
}
