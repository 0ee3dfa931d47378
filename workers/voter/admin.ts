// Operator actions at the voter: validating them, refusing hopeless ones early, and naming the outcome.
import { z } from 'zod';
import { rankReplicas } from '../core/index.js';
import type { AdminAction, VoterResult, VoterState } from '../core/types.js';
import { HandoffTimeoutMsSchema, NodeIdSchema } from '../protocol/index.js';
import type { AdminResult } from './contract.js';

export const AdminActionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('failover'), target: NodeIdSchema.nullable() }),
  z.strictObject({
    kind: z.literal('switchover'),
    target: NodeIdSchema.nullable(),
    timeoutMs: HandoffTimeoutMsSchema.nullable(),
  }),
  z.strictObject({ kind: z.literal('pause') }),
  z.strictObject({ kind: z.literal('resume') }),
  z.strictObject({ kind: z.literal('reset') }),
]) satisfies z.ZodType<AdminAction>;

/**
 * Like Sentinel's `SENTINEL FAILOVER` answering `-NOGOODSLAVE` at once: with the agents' current
 * views (as if all were fresh), is there any replica the leader could pick? The election itself
 * ranks again with fresh observations, so this only refuses what cannot succeed.
 */
export function precheckAdmin(state: VoterState, action: AdminAction, nowMs: number): AdminResult | null {
  if (action.kind !== 'failover' && action.kind !== 'switchover') return null;
  // A change in progress is the core's to refuse (it emits -failover-abort-in-progress).
  if (state.durable.committed.state !== 'active' || state.role.kind !== 'follower') return null;
  const master = state.durable.published.master;
  if (action.target === master) {
    return { ok: false, code: 'REFUSED', reason: `${master} is already the master` };
  }
  const connected = Object.values(state.agents).filter((a) => a.connected);
  const ranking = rankReplicas(state, nowMs, {
    exclude: new Set([master]),
    deprioritize: null,
    freshAgents: new Set(connected.map((a) => a.agentId)),
    masterDownMs: 0,
  });
  if (action.target !== null && !ranking.ranked.includes(action.target)) {
    const why = ranking.rejected.find((r) => r.node === action.target)?.why ?? 'it is not a known node';
    return { ok: false, code: 'NOGOODSLAVE', reason: `${action.target} cannot be promoted: ${why}` };
  }
  if (ranking.ranked.length === 0) {
    const why = ranking.rejected.map((r) => `${r.node}: ${r.why}`).join('; ') || 'no replicas known';
    return { ok: false, code: 'NOGOODSLAVE', reason: `no replica can be promoted (${why})` };
  }
  return null;
}

/** What the core's step did with the request, as the API reports it. */
export function adminOutcome(result: VoterResult): AdminResult {
  for (const effect of result.effects) {
    if (effect.kind !== 'emit' || !effect.event.name.startsWith('-failover-abort')) continue;
    const name = effect.event.name;
    const code =
      name === '-failover-abort-in-progress'
        ? 'INPROG'
        : name === '-failover-abort-no-good-slave'
          ? 'NOGOODSLAVE'
          : 'REFUSED';
    return { ok: false, code, reason: effect.event.reason };
  }
  return { ok: true, reason: result.reason };
}
