// +reboot on the voters' event stream: a node an agent reports back with its dataset lost, once per restart.
import type { AgentId, NodeView } from '../protocol/index.js';
import { masterPayload, replicaPayload } from '../protocol/index.js';
import { liveAgents } from './detection.js';
import { emit, type Out } from './out.js';
import type { VoterState } from './types.js';

/**
 * The nodes this observation newly reports rebooted (a new run id with no keys, or under half of
 * them: agent/core/reboot.ts), each emitted only when no other live agent reports it so already:
 * one event per restart however many agents see it, with Sentinel's instance payload. The ODOWN
 * that follows for a master names its reporters, not why; this says why.
 */
export function rebootEvents(
  state: VoterState,
  agentId: AgentId,
  before: Readonly<Record<string, NodeView>>,
  after: Readonly<Record<string, NodeView>>,
  out: Out,
): void {
  const master = state.durable.published.master;
  for (const [node, view] of Object.entries(after)) {
    if (!view.rebooted || before[node]?.rebooted === true) continue;
    const seen = liveAgents(state).some((a) => a.agentId !== agentId && a.views[node]?.rebooted === true);
    if (seen) continue;
    const payload =
      node === master
        ? masterPayload(state.settings.name, node)
        : replicaPayload(state.settings.name, node, master);
    emit(
      out,
      '+reboot',
      payload,
      state.durable.committed.epoch,
      `agent ${agentId} reports ${node} restarted with its dataset lost (a new run id, and no keys or under half of them)`,
    );
  }
}
