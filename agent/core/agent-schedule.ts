// Time-driven work of a tick: stall detection, probe timeouts, and scheduling probes, INFO and lease pings.
import { type AgentState, allNodes, isLocal, peerNodes, withNode, withVoter } from './agent-state.js';
import { currentLeaseValidUntil } from './agent-views.js';
import { grantsWanted, membershipOf, onRequestSent, READINESS_PROBE_MS, requestDue } from './failsafe.js';
import { onPingSent, pingDue, pingIntervalMs, renewalHeldBack, renewalVerdict } from './lease.js';
import { type AgentOut, effect, note } from './out.js';
import { onProbeResult, onProbeSent, onStall } from './sdown.js';
import type { AgentSettings } from './types.js';

/**
 * The shell ticks every `tickPeriodMs`: the shorter of the probe and INFO periods, so a healthy
 * group steps about ten times a second. A periodic timer's ticks drift by a few milliseconds, so
 * whatever falls due within a quarter of a tick goes out at this one (`dueNow`): a probe every
 * probe period, not every other. What must not wait for a tick, a node's SDOWN, asks for its own
 * wake-up (`nextWakeMs`).
 */
export function tickPeriodMs(settings: Pick<AgentSettings, 'probeIntervalMs' | 'infoIntervalMs'>): number {
  return Math.max(5, Math.min(settings.probeIntervalMs, settings.infoIntervalMs));
}

/** Whether something done at `lastMs` every `intervalMs` is due at this tick (see `earlyMs`). */
export function dueNow(
  settings: AgentSettings,
  lastMs: number | null,
  nowMs: number,
  intervalMs: number,
): boolean {
  return lastMs === null || nowMs - lastMs >= intervalMs - earlyMs(settings, intervalMs);
}

/** How much sooner than its period a periodic action may go: a quarter of the tick or of the period. */
function earlyMs(settings: AgentSettings, intervalMs: number): number {
  return Math.min(tickPeriodMs(settings), intervalMs) / 4;
}

/**
 * The earliest time after `nowMs` at which time alone may turn a node SDOWN (its down-after
 * period running out, or its outstanding probe timing out), or an awaited master's next INFO is
 * due (`AWAITED_MASTER_INFO_MS`, shorter than a tick). The shell steps then even if no tick falls
 * there, so SDOWN is seen when it happens, not up to a tick later.
 */
export function nextWakeMs(state: AgentState, nowMs: number): number | null {
  const { downAfterMs, probeTimeoutMs } = state.settings;
  let wake: number | null = null;
  const consider = (atMs: number) => {
    if (atMs > nowMs && (wake === null || atMs < wake)) wake = atMs;
  };
  for (const node of allNodes(state.settings)) {
    const ns = state.nodes[node];
    if (ns === undefined || state.reported?.[node]?.sdown === true) continue;
    consider(ns.detector.lastValidReplyMs + downAfterMs);
    if (ns.detector.outstandingSentAtMs !== null) consider(ns.detector.outstandingSentAtMs + probeTimeoutMs);
    if (ns.lastInfoRequestMs !== null && awaitedMaster(state, node)) {
      consider(ns.lastInfoRequestMs + infoIntervalMs(state, node));
    }
  }
  return wake;
}

/**
 * A gap between ticks longer than `stallThresholdMs` means this process did not run: every
 * probe result gathered across the gap may be an artefact of the stall, so each node needs a
 * fresh failed probe before it can turn SDOWN.
 */
export function detectStall(state: AgentState, nowMs: number, out: AgentOut): AgentState {
  const gapMs = nowMs - state.lastTickMs;
  let next: AgentState = { ...state, lastTickMs: Math.max(state.lastTickMs, nowMs) };
  if (gapMs <= state.settings.stallThresholdMs) return next;
  for (const node of allNodes(state.settings)) {
    const ns = next.nodes[node];
    if (ns !== undefined) next = withNode(next, node, { ...ns, detector: onStall(ns.detector, nowMs) });
  }
  note(out, `event-loop stall of ${gapMs} ms: every node is re-probed`);
  return next;
}

/** The core bounds every probe: one unanswered for `probeTimeoutMs` counts as a timeout. */
export function expireProbes(state: AgentState, nowMs: number): AgentState {
  let next = state;
  for (const node of allNodes(state.settings)) {
    const ns = next.nodes[node];
    const sentAtMs = ns?.detector.outstandingSentAtMs ?? null;
    if (ns === undefined || sentAtMs === null || nowMs - sentAtMs < state.settings.probeTimeoutMs) continue;
    const { detector } = onProbeResult(ns.detector, sentAtMs, 'timeout', nowMs);
    next = withNode(next, node, { ...ns, detector });
  }
  return next;
}

export function scheduleProbes(state: AgentState, nowMs: number, out: AgentOut): AgentState {
  let next = state;
  for (const node of allNodes(state.settings)) {
    const ns = next.nodes[node];
    if (ns === undefined || ns.detector.outstandingSentAtMs !== null) continue;
    if (!dueNow(state.settings, ns.detector.lastProbeSentMs, nowMs, state.settings.probeIntervalMs)) continue;
    effect(out, { kind: 'probe', node });
    next = withNode(next, node, { ...ns, detector: onProbeSent(ns.detector, nowMs) });
  }
  return next;
}

/**
 * How often INFO reads a node the committed config names master while it still reports another
 * role: a hand-off's FAILOVER completes in a few tens of milliseconds, and every agent publishes
 * the new master (its Sentinel port, `+switch-master`) once it reads it there; clients that
 * re-resolve meanwhile are sent to the old master. Bounded by the change: once the node reports
 * master, or the config moves on, INFO goes back to `infoIntervalMs`.
 */
export const AWAITED_MASTER_INFO_MS = 20;

/**
 * INFO every `infoIntervalMs`, but every `AWAITED_MASTER_INFO_MS` (at most the probe interval)
 * for a node the committed config names master while it still reports another role: the target of
 * a hand-off turns master by its old master's FAILOVER, not by a command of this agent, and the
 * voters call the change done (and publish it) only once an agent has seen it.
 */
export function infoIntervalMs(state: AgentState, node: string): number {
  return awaitedMaster(state, node)
    ? Math.min(AWAITED_MASTER_INFO_MS, state.settings.probeIntervalMs)
    : state.settings.infoIntervalMs;
}

function awaitedMaster(state: AgentState, node: string): boolean {
  const config = state.config;
  return (
    config !== null &&
    config.state !== 'active' &&
    config.master === node &&
    state.nodes[node]?.info?.role !== 'master'
  );
}

export function scheduleInfo(state: AgentState, nowMs: number, out: AgentOut): AgentState {
  let next = state;
  for (const node of allNodes(state.settings)) {
    const ns = next.nodes[node];
    if (ns === undefined) continue;
    if (!dueNow(state.settings, ns.lastInfoRequestMs, nowMs, infoIntervalMs(state, node))) continue;
    effect(out, { kind: 'info', node });
    next = withNode(next, node, { ...ns, lastInfoRequestMs: nowMs });
  }
  return next;
}

/** Ask INFO of the given nodes now, whatever the schedule says (observe, action results). */
export function requestInfo(
  state: AgentState,
  nodes: readonly string[],
  nowMs: number,
  out: AgentOut,
): AgentState {
  let next = state;
  for (const node of nodes) {
    const ns = next.nodes[node];
    if (ns === undefined) continue;
    effect(out, { kind: 'info', node });
    next = withNode(next, node, { ...ns, lastInfoRequestMs: nowMs });
  }
  return next;
}

/** Whether this agent's node is the configured master and has not answered lately (`renewalHeldBack`). */
export function localMasterSilent(state: AgentState, nowMs: number): boolean {
  const config = state.config;
  if (config === null || !state.settings.localNodes.includes(config.master)) return false;
  const lastValidReplyMs = state.nodes[config.master]?.detector.lastValidReplyMs ?? null;
  return renewalHeldBack(lastValidReplyMs, nowMs, state.settings.probeIntervalMs);
}

/**
 * The master's agent pings every connected voter whose pong would renew its lease
 * (`renewalVerdict`: the voter holds the agent's config naming a local node master, and has
 * promised no higher epoch); the pongs are its lease. It holds its pings back while its node does
 * not answer (see `renewalHeldBack`). Other agents send none: no pong of theirs can count, on
 * either side (a voter reads auto-responses only for the master's agents), and the runtime's
 * protocol pings keep their links checked. A voter that comes to name this agent's node pushes
 * its config, and the push pings it at once (`onConfigPush`).
 */
export function scheduleLeasePings(state: AgentState, nowMs: number, out: AgentOut): AgentState {
  const { settings, config } = state;
  if (config === null || !isLocal(settings, config.master)) return state;
  if (localMasterSilent(state, nowMs)) return state;
  const { probeIntervalMs, leaseMs } = settings;
  const early = earlyMs(settings, pingIntervalMs(probeIntervalMs, leaseMs));
  let next = state;
  state.voters.forEach((link, voter) => {
    if (!link.connected || !pingDue(link.lease, nowMs, probeIntervalMs, leaseMs, early)) return;
    if (!renewalVerdict(link.lease, config, settings.localNodes).counts) return;
    effect(out, { kind: 'lease-ping', voter });
    next = withVoter(next, voter, { ...link, lease: onPingSent(link.lease, nowMs) });
  });
  return next;
}

/**
 * The master's agent asks every peer for a grant while its voters' lease is about to end, at the
 * voters' ping cadence, and only while its node answers it (a dead master must still fail over
 * about a lease after it went silent). Otherwise it only asks, every few seconds, whether each
 * peer would grant: a misconfigured peer shows in health long before an outage needs it.
 */
export function scheduleGrantRequests(state: AgentState, nowMs: number, out: AgentOut): AgentState {
  const { settings, config } = state;
  if (!settings.failsafe || !settings.fencing || config === null || !isLocal(settings, config.master)) {
    return state;
  }
  if (localMasterSilent(state, nowMs)) return state;
  const { leaseMs, probeIntervalMs } = settings;
  const wanted = grantsWanted(currentLeaseValidUntil(state), nowMs, leaseMs);
  const probe = !wanted;
  const intervalMs = wanted ? pingIntervalMs(probeIntervalMs, leaseMs) : READINESS_PROBE_MS;
  // An answer missing after one interval is taken as lost (a LAN round trip is milliseconds): the
  // next request goes out on time, so a lost datagram costs one interval, not the grant. A late
  // answer still counts, from its own send time.
  const timeoutMs = intervalMs;
  const early = earlyMs(settings, intervalMs);
  const peers = { ...state.failsafe.peers };
  let asked = false;
  for (const node of peerNodes(settings)) {
    const peer = peers[node];
    if (peer === undefined || !requestDue(peer, nowMs, { probe, intervalMs, timeoutMs, earlyMs: early }))
      continue;
    effect(out, {
      kind: 'grant-request',
      to: node,
      epoch: config.epoch,
      master: config.master,
      durationMs: wanted ? leaseMs : 0,
      membership: membershipOf(allNodes(settings)),
    });
    peers[node] = onRequestSent(peer, nowMs, { probe });
    asked = true;
  }
  if (!asked) return state;
  return { ...state, failsafe: { ...state.failsafe, peers } };
}
