// Adopting the group settings the voters announce: the lease and fencing must match theirs.
import type { AnnouncedSettings } from '../../workers/protocol/index.js';
import type { AgentState } from './agent-state.js';

export interface Adoption {
  readonly state: AgentState;
  readonly reason: string;
}

/**
 * The lease argument needs the agent's lease to be no longer than any voter's, so the agent keeps
 * the smallest lease it has been told (a lowered lease takes effect at once; a raised one when
 * the agent restarts) and the largest drift bound. Fencing and down-after follow the coordinator,
 * down-after unless the agent's own file overrides it. A different number of voters is a
 * configuration error: the agent keeps its own count (it decides how many sockets to open).
 */
export function adoptAnnounced(state: AgentState, announced: AnnouncedSettings): Adoption {
  const { settings } = state;
  if (announced.voters !== settings.voterCount) {
    const reason = `voters announce ${announced.voters} voters but this agent is configured for ${settings.voterCount}: fix the agent's config`;
    return { state: { ...state, announced }, reason };
  }
  const leaseMs =
    state.announced === null ? announced.leaseMs : Math.min(settings.leaseMs, announced.leaseMs);
  const next = {
    ...settings,
    fencing: announced.fencing,
    leaseMs,
    clockDriftRatio: Math.max(settings.clockDriftRatio, announced.clockDriftRatio),
    downAfterMs: settings.downAfterOverride === true ? settings.downAfterMs : announced.downAfterMs,
  };
  const rebootMs = announced.masterRebootDownAfterMs ?? 0;
  const reboot = rebootMs > 0 ? `, master-reboot-down-after-period ${rebootMs} ms` : '';
  return {
    state: { ...state, settings: next, announced },
    reason: `group settings adopted: fencing ${next.fencing ? 'on' : 'off'}, lease ${leaseMs} ms, down-after ${next.downAfterMs} ms${reboot}`,
  };
}

/**
 * Sentinel's master-reboot-down-after-period as the voters announce it: 0 (off) before they do,
 * and from voters of a version without it (the field is optional in their settings message).
 */
export function masterRebootDownAfterMs(state: AgentState): number {
  return state.announced?.masterRebootDownAfterMs ?? 0;
}
