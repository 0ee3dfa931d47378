// Sentinel's +slave-reconf-sent/-inprog/-done in the voters' event log, from what each replica's own agent reports.
import {
  type AgentId,
  type CommandResult,
  type NodeView,
  type ReplicaSyncStatus,
  replicaPayload,
  replicaSyncStatus,
} from '../protocol/index.js';
import { emit, type Out } from './out.js';
import type { VoterState } from './types.js';

/**
 * The voters do not decide who resyncs when: each replica's agent repoints its node in turn
 * (agent/core/parallel-syncs.ts). They record what happens, as Sentinel's leader reports it, so
 * the HTTP events, SSE and webhooks carry it: `+slave-reconf-sent` when a replica's agent reports
 * its `REPLICAOF` to the committed master done, `+slave-reconf-inprog` when that agent's
 * observation first shows the replica on the new master, `+slave-reconf-done` when it shows the
 * link up. Only a replica's own agent counts (it sees its node first), and only a move away from
 * another master starts the sequence, so a link that drops and comes back later is not reported
 * as a reconfiguration. `reconfInProgress` is volatile: after a restart or hibernation a sync
 * already under way ends without its `done` here (the agent's own Sentinel port still has it).
 */
export function onRepointResult(state: VoterState, message: CommandResult, out: Out): VoterState {
  const committed = state.durable.committed;
  if (message.action !== 'repoint' || !message.ok || message.epoch !== committed.epoch) return state;
  emit(
    out,
    '+slave-reconf-sent',
    replicaPayload(state.settings.name, message.node, committed.master),
    committed.epoch,
    `${message.node} was told to replicate ${committed.master} (epoch ${committed.epoch})`,
  );
  return state;
}

/** Compare an agent's previous views of its own nodes with the new ones, against the committed master. */
export function reconfFromObservation(
  state: VoterState,
  agentId: AgentId,
  before: Readonly<Record<string, NodeView>>,
  after: Readonly<Record<string, NodeView>>,
  out: Out,
): VoterState {
  const record = state.agents[agentId];
  if (record === undefined) return state;
  const { master, epoch } = state.durable.committed;
  const round = state.reconfInProgress?.master === master ? state.reconfInProgress.nodes : [];
  const inprog = new Set(round);
  for (const node of [...record.localNodes].sort()) {
    const was = before[node];
    const now = after[node];
    if (was === undefined || now === undefined) continue;
    const from: ReplicaSyncStatus = replicaSyncStatus(was, master);
    const to: ReplicaSyncStatus = replicaSyncStatus(now, master);
    const payload = replicaPayload(state.settings.name, node, master);
    if (from === 'waiting' && (to === 'syncing' || to === 'done')) {
      emit(out, '+slave-reconf-inprog', payload, epoch, `${node} replicates ${master} now and syncs`);
      inprog.add(node);
    }
    if (to === 'done' && inprog.has(node)) {
      emit(out, '+slave-reconf-done', payload, epoch, `${node}'s link to ${master} is up: synced`);
      inprog.delete(node);
    }
  }
  const nodes = [...inprog].sort();
  if (nodes.length === round.length && nodes.every((n, i) => n === round[i])) return state;
  return { ...state, reconfInProgress: nodes.length === 0 ? null : { master, nodes } };
}
