// Building the core's state when the object is constructed: a real (re)start, or a wake from hibernation.
//
// A Durable Object is constructed again in two quite different situations:
// - a real (re)start (deploy, crash, eviction without open sockets): every agent WebSocket is
//   gone, so nothing volatile can be trusted. The core starts from its durable state alone
//   (`createVoterState`): it believes nothing is down for `restartGraceMs` while agents
//   reconnect, and treats every lease as live for a lease period from now.
// - a wake-up from hibernation: the runtime kept the agent sockets open (they show up in
//   `ctx.getWebSockets()`) and only the JavaScript object was dropped. The agents never went
//   away, so applying the restart grace again would delay a failover after every wake-up. The
//   shell restores what it stored for this life instead: when it started, the agents' records
//   (views, sequence numbers, lease renewals) and the timers that change with the durable state.
//   The candidate or leader role is not kept (it is reset to follower): elections are
//   short-lived and a voter only hibernates when nothing is pending; an unfinished change is
//   picked up again by the failover-timeout retry.
import { createVoterState } from '../core/index.js';
import type { AgentRecord, DurableState, GroupSettings, VoterInput, VoterState } from '../core/types.js';
import type { AgentId } from '../protocol/index.js';
import type { Volatile } from './schemas.js';

export interface Restored {
  readonly state: VoterState;
  /** Stored as connected, but their socket closed while the object slept: feed `agent-disconnected`. */
  readonly gone: readonly AgentId[];
  /** A socket is open but no record was stored: feed `agent-connected`. */
  readonly unknown: readonly AgentId[];
}

export function restoreAfterHibernation(
  settings: GroupSettings,
  index: number,
  durable: DurableState | null,
  volatile: Volatile | null,
  stored: readonly AgentRecord[],
  liveAgents: ReadonlySet<AgentId>,
  nowMs: number,
): Restored {
  const base = createVoterState(settings, index, durable, volatile?.startedAtMs ?? nowMs);
  const agents: Record<AgentId, AgentRecord> = {};
  for (const record of stored) agents[record.agentId] = record;
  const gone = stored.filter((r) => r.connected && !liveAgents.has(r.agentId)).map((r) => r.agentId);
  const unknown = [...liveAgents].filter((id) => agents[id] === undefined || !agents[id].connected).sort();
  const state: VoterState = {
    ...base,
    agents,
    unfinishedSinceMs: volatile === null ? base.unfinishedSinceMs : volatile.unfinishedSinceMs,
    stickyUntilMs: volatile?.stickyUntilMs ?? 0,
  };
  return { state, gone, unknown };
}

/** What storage holds for a voter at boot; agent rows and the volatile row are read only on a wake-up. */
export interface StoredRows {
  readonly durable: DurableState | null;
  readonly volatile: () => Volatile | null;
  readonly agents: () => AgentRecord[];
}

/** How a voter object boots: its state, what the runner may treat as stored, what to replay. */
export interface BootPlan {
  readonly state: VoterState;
  /** A real (re)start: the agent rows of the previous life describe connections that are gone. */
  readonly dropStoredAgents: boolean;
  /** The agent rows storage holds for this life (the runner writes only what differs). */
  readonly stored: readonly AgentRecord[];
  /** Inputs the core must see before anything else (agents gone or new while it slept). */
  readonly replay: readonly VoterInput[];
}

/** No open agent socket means a real (re)start; open sockets mean a wake-up from hibernation. */
export function planBoot(
  settings: GroupSettings,
  index: number,
  rows: StoredRows,
  liveAgents: ReadonlySet<AgentId>,
  nowMs: number,
): BootPlan {
  if (liveAgents.size === 0) {
    const state = createVoterState(settings, index, rows.durable, nowMs);
    return { state, dropStoredAgents: true, stored: [], replay: [] };
  }
  const stored = rows.agents();
  const restored = restoreAfterHibernation(
    settings,
    index,
    rows.durable,
    rows.volatile(),
    stored,
    liveAgents,
    nowMs,
  );
  const replay = [
    ...restored.gone.map((agentId): VoterInput => ({ kind: 'agent-disconnected', agentId })),
    ...restored.unknown.map((agentId): VoterInput => ({ kind: 'agent-connected', agentId })),
  ];
  return { state: restored.state, dropStoredAgents: false, stored, replay };
}

export function volatileOf(state: VoterState): Volatile {
  return {
    startedAtMs: state.startedAtMs,
    unfinishedSinceMs: state.unfinishedSinceMs,
    stickyUntilMs: state.stickyUntilMs,
  };
}

/** What is stored per agent, minus the lease renewal time, which moves with every pong. */
export function agentChangeKey(record: AgentRecord): string {
  const { leaseSeenMs: _, ...rest } = record;
  return JSON.stringify(rest);
}
