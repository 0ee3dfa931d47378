// A config pushed by a voter: a newer one is persisted and reconciled; any one updates what that voter holds.
import { type ConfigPush, compareConfigs } from '../../workers/protocol/index.js';
import { localMasterSilent, requestInfo } from './agent-schedule.js';
import { type AgentState, allNodes, withNode, withVoter } from './agent-state.js';
import { dropGrants } from './failsafe.js';
import { onPingSent, onVoterConfig, renewalVerdict } from './lease.js';
import { type AgentOut, effect, markPersist, note } from './out.js';

/**
 * A config push. A newer config makes the step a persisting one (the shell writes the state file
 * before the execute that follows from it), then is reconciled in `settle`; an older one only
 * updates what this voter is known to hold, which matters for the lease, never for reconciliation.
 */
export function onConfigPush(
  state: AgentState,
  voter: number,
  message: ConfigPush,
  nowMs: number,
  out: AgentOut,
): AgentState {
  const link = state.voters[voter];
  if (link === undefined) {
    note(out, `unknown voter ${voter} ignored`);
    return state;
  }
  const { config } = message;
  let next = withVoter(state, voter, { ...link, lease: onVoterConfig(link.lease, config) });
  const newer =
    config.epoch >= state.highestEpoch && (state.config === null || compareConfigs(config, state.config) > 0);
  note(out, `voter ${voter} holds epoch ${config.epoch} (${config.state}, master ${config.master})`);
  if (newer) {
    const highestEpoch = Math.max(state.highestEpoch, config.epoch);
    // Grants were asked for the old config's epoch and master: they do not carry over.
    if (state.config?.epoch !== config.epoch || state.config?.master !== config.master) {
      next = { ...next, failsafe: dropGrants(next.failsafe) };
    }
    const previousMaster = next.config?.master ?? null;
    next = { ...next, config, highestEpoch };
    next = clearReboots(next, config.epoch);
    markPersist(out);
    note(out, 'it is the newest config seen: persisted, then reconciled');
    // This agent's replicas resync only once it has seen the new master up as master (`syncTurn`):
    // an active config naming another master, learnt after the change (a promoting or hand-off
    // config already has it read every 20 ms), has it read now rather than up to an INFO period later.
    if (config.state === 'active' && config.master !== previousMaster) {
      next = requestInfo(next, [config.master], nowMs, out);
    }
  } else if (config.epoch < state.highestEpoch) {
    note(out, `below epoch ${state.highestEpoch}, ignored for reconciliation`);
  }
  return pingIfRenewing(next, voter, nowMs, out);
}

/** A voter that now names our node master can renew the lease: ask it at once rather than at the next tick. */
function pingIfRenewing(state: AgentState, voter: number, nowMs: number, out: AgentOut): AgentState {
  const link = state.voters[voter];
  if (link === undefined || !link.connected || link.lease.pingSentAtMs !== null) return state;
  if (!renewalVerdict(link.lease, state.config, state.settings.localNodes).counts) return state;
  if (localMasterSilent(state, nowMs)) return state;
  effect(out, { kind: 'lease-ping', voter });
  return withVoter(state, voter, { ...link, lease: onPingSent(link.lease, nowMs) });
}

function clearReboots(state: AgentState, epoch: number): AgentState {
  let next = state;
  for (const node of allNodes(state.settings)) {
    const ns = next.nodes[node];
    if (ns?.rebootedAtEpoch !== null && ns?.rebootedAtEpoch !== undefined && epoch > ns.rebootedAtEpoch) {
      next = withNode(next, node, { ...ns, rebootedAtEpoch: null });
    }
  }
  return next;
}
