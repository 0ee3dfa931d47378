// The failsafe lease: grants from the agents of every other node keep a master writable when no majority of voters renews its lease.
import type { Config, NodeId } from '../../workers/protocol/index.js';

/**
 * Every promotion and every unfence of a node is done by that node's own agent. So when the agent
 * of every node that could replace the master has promised "I will not promote or unfence my node
 * before my time T", no other node can accept writes before T, whatever the voters decide: the
 * master may keep writing on those promises (grants) when it cannot renew its lease from a
 * majority of voters — a coordinator outage, or only its own agent cut from the voters. This is
 * Patroni's failsafe mode, made exact by the promise. Any peer missing or refusing, and the
 * master is fenced exactly as without it.
 *
 * The arithmetic is the voters' lease's (lease.ts, `leaseValidUntil`): the master's agent sends a
 * request at its time t; the peer promises from its receipt time g >= t until g + D·(1+ρ) on its
 * own clock; the master's agent counts the grant until t + D·(1−ρ) on its clock. With clock rates
 * that differ by at most ρ, the master's deadline comes before the peer's in real time.
 */

/** What the master's agent knows about the agent of one other node. */
export interface PeerGrant {
  /** Until when (agent clock) this peer's grants cover the master: send time + duration·(1−ρ). */
  readonly validUntilMs: number | null;
  /** Send time of the request awaiting its answer (one at a time). */
  readonly pendingSentAtMs: number | null;
  /** The pending request is a readiness probe: a real request does not wait for it. */
  readonly pendingProbe: boolean;
  /** The last request was a readiness probe: the first real one does not wait an interval after it. */
  readonly lastProbe: boolean;
  /** Send time of the last request, answered or not; null makes one due at once. */
  readonly lastRequestAtMs: number | null;
  /** The peer's last answer: health, and the reason of a fence. */
  readonly lastAnswer: PeerAnswer | null;
}

export interface PeerAnswer {
  readonly atMs: number;
  readonly granted: boolean;
  readonly durationMs: number;
  readonly reason: string;
}

export interface FailsafeState {
  /** The agents of the other nodes, by node (requester side). */
  readonly peers: Readonly<Record<NodeId, PeerGrant>>;
  /** Grantor side: no promotion or unfence of a local node before this agent time. */
  readonly holdUntilMs: number | null;
  /** The hold horizon last handed to `persist`: a promise beyond it is persisted before it is sent. */
  readonly persistedHoldUntilMs: number | null;
  /** The node whose agent the latest grant went to (for reasons). */
  readonly holdFor: NodeId | null;
}

/** How often the master's agent asks each peer whether it would grant, while grants are not needed. */
export const READINESS_PROBE_MS = 5000;
/** A peer that answered within this long counts as ready in health reports. */
export const READINESS_FRESH_MS = 3 * READINESS_PROBE_MS;

/** A peer never asked: no grant, nothing pending. */
export const IDLE_PEER: PeerGrant = Object.freeze({
  validUntilMs: null,
  pendingSentAtMs: null,
  pendingProbe: false,
  lastProbe: false,
  lastRequestAtMs: null,
  lastAnswer: null,
});

export function createFailsafe(peerNodes: readonly NodeId[], holdUntilMs: number | null): FailsafeState {
  const peers: Record<NodeId, PeerGrant> = {};
  for (const node of peerNodes) peers[node] = IDLE_PEER;
  return { peers, holdUntilMs, persistedHoldUntilMs: holdUntilMs, holdFor: null };
}

/** Until when the peers' grants cover the master: the earliest of them; null unless every peer granted. */
export function failsafeValidUntil(failsafe: FailsafeState, peerNodes: readonly NodeId[]): number | null {
  let until: number | null = null;
  for (const node of peerNodes) {
    const granted = failsafe.peers[node]?.validUntilMs ?? null;
    if (granted === null) return null;
    until = until === null ? granted : Math.min(until, granted);
  }
  return until;
}

/**
 * Grants are asked for only when the voters' lease is about to end (half a lease left, or none):
 * a healthy group holds no grants, so a failover never waits for one. Half a lease is a hundred
 * round trips on a LAN, so the grants are in place before the voters' lease ends.
 */
export function grantsWanted(voterLeaseUntilMs: number | null, nowMs: number, leaseMs: number): boolean {
  return voterLeaseUntilMs === null || voterLeaseUntilMs - nowMs < leaseMs / 2;
}

/**
 * One request in flight per peer; an unanswered one is given up after `timeoutMs`, and a pending
 * readiness probe never holds back a real request. Both may run out up to `earlyMs` sooner (the
 * schedule's allowance for a tick's drift, as for probes and lease pings): a 113 ms interval
 * checked on 100 ms ticks would otherwise go every other tick, 200 ms.
 */
export function requestDue(
  peer: PeerGrant,
  nowMs: number,
  {
    probe,
    intervalMs,
    timeoutMs,
    earlyMs = 0,
  }: {
    readonly probe: boolean;
    readonly intervalMs: number;
    readonly timeoutMs: number;
    readonly earlyMs?: number;
  },
): boolean {
  const blocking = peer.pendingSentAtMs !== null && (probe || !peer.pendingProbe);
  if (blocking && nowMs - (peer.pendingSentAtMs ?? nowMs) < timeoutMs - earlyMs) return false;
  if (peer.lastRequestAtMs === null || (!probe && peer.lastProbe)) return true;
  return nowMs - peer.lastRequestAtMs >= intervalMs - earlyMs;
}

/** A request went out: a readiness probe (`probe`, durationMs 0) or a real one. */
export function onRequestSent(
  peer: PeerGrant,
  nowMs: number,
  { probe }: { readonly probe: boolean },
): PeerGrant {
  return { ...peer, pendingSentAtMs: nowMs, pendingProbe: probe, lastProbe: probe, lastRequestAtMs: nowMs };
}

/**
 * A peer's answer to the request sent at `sentAtMs`. A grant counts from the send time, shortened
 * by the drift margin, and only while it is for the config the agent still holds (`current`): a
 * grant for an epoch the agent has left behind says nothing about the new one.
 */
export function onPeerAnswer(
  peer: PeerGrant,
  answer: { sentAtMs: number; granted: boolean; durationMs: number; reason: string },
  nowMs: number,
  { current, clockDriftRatio }: { readonly current: boolean; readonly clockDriftRatio: number },
): PeerGrant {
  // A shell reporting a send time after now would extend the grant into the future: clamp it.
  const sentAtMs = Math.min(answer.sentAtMs, nowMs);
  const pendingSentAtMs =
    peer.pendingSentAtMs !== null && sentAtMs >= peer.pendingSentAtMs ? null : peer.pendingSentAtMs;
  const lastAnswer = {
    atMs: nowMs,
    granted: answer.granted,
    durationMs: answer.durationMs,
    reason: answer.reason,
  };
  if (!answer.granted || !current || answer.durationMs <= 0) return { ...peer, pendingSentAtMs, lastAnswer };
  const until = sentAtMs + answer.durationMs * (1 - clockDriftRatio);
  const validUntilMs = peer.validUntilMs === null ? until : Math.max(peer.validUntilMs, until);
  return { ...peer, pendingSentAtMs, lastAnswer, validUntilMs };
}

/** The config changed or the node is no longer master: grants for the old one no longer count. */
export function dropGrants(failsafe: FailsafeState): FailsafeState {
  const peers: Record<NodeId, PeerGrant> = {};
  for (const [node, peer] of Object.entries(failsafe.peers)) peers[node] = { ...peer, validUntilMs: null };
  return { ...failsafe, peers };
}

export interface GrantRequest {
  readonly from: NodeId;
  readonly epoch: number;
  readonly master: NodeId;
  readonly durationMs: number;
  readonly membership: string;
}

/**
 * A short fingerprint of a group's node list (sorted), carried by every grant request. The master's
 * agent asks for grants from the nodes its own file lists; a node missing there would never be
 * asked and could be promoted behind the master's back. So a grantor refuses unless both agents
 * list the same nodes: a misconfigured group falls back to fencing, and shows in readiness. (Two
 * 32-bit FNV-1a hashes: a checksum against mistakes, not a MAC — the datagram has one.)
 */
export function membershipOf(nodes: readonly NodeId[]): string {
  const text = [...nodes].sort().join('\n');
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

export interface GrantVerdict {
  readonly granted: boolean;
  /** The duration granted: the request's, at most `capMs`; 0 when refused or only probed. */
  readonly durationMs: number;
  readonly reason: string;
}

const refuse = (reason: string): GrantVerdict => ({ granted: false, durationMs: 0, reason });

/**
 * Whether to grant. Granting is always safe for this agent's own node (it only promises to stay
 * as it is), so the refusals protect the group from a master that no longer is one: this agent
 * knows a newer decision (a higher epoch, or the same epoch naming another master), or a local
 * node may write right now (it cannot promise to stay fenced). `writableLocal` names such a node.
 */
export function grantVerdict(
  request: GrantRequest,
  options: {
    readonly failsafe: boolean;
    readonly fencing: boolean;
    readonly localNodes: readonly NodeId[];
    readonly peerNodes: readonly NodeId[];
    /** This agent's `membershipOf` its node list. */
    readonly membership: string;
    /**
     * This agent sees the requester's node down (SDOWN) while a majority of voters is connected
     * to it: the voters can fail it over, and a grant would only delay that failover while the
     * master takes writes its replicas may never get (its box half cut off).
     */
    readonly masterDownAndVotersReachable: boolean;
    readonly config: Config | null;
    readonly writableLocal: NodeId | null;
    readonly capMs: number;
  },
): GrantVerdict {
  if (!options.fencing) return refuse('fencing is off in this group: there is nothing to hold');
  if (!options.failsafe) return refuse('the failsafe is off on this agent');
  if (!options.peerNodes.includes(request.from)) return refuse(`${request.from} is not a node of this group`);
  if (request.master !== request.from) {
    return refuse(`the agent of ${request.from} asks for ${request.master}: only a master's own agent may`);
  }
  if (request.membership !== options.membership) {
    return refuse(
      `the agent of ${request.from} lists other nodes than this agent: every agent of a group must list every node`,
    );
  }
  const { config } = options;
  if (config !== null && config.epoch > request.epoch) {
    return refuse(
      `epoch ${config.epoch} names ${config.master} master, above the request's ${request.epoch}`,
    );
  }
  if (config !== null && config.epoch === request.epoch && config.master !== request.master) {
    return refuse(`epoch ${config.epoch} names ${config.master} master, not ${request.master}`);
  }
  if (options.writableLocal !== null) {
    return refuse(`${options.writableLocal} may write here: it cannot promise to stay fenced`);
  }
  if (options.masterDownAndVotersReachable) {
    return refuse(`${request.master} is down from here and the voters are reachable: they decide`);
  }
  if (request.durationMs === 0)
    return { granted: true, durationMs: 0, reason: 'would grant (readiness probe)' };
  const durationMs = Math.min(request.durationMs, options.capMs);
  return {
    granted: true,
    durationMs,
    reason: `no promotion or unfence here for ${durationMs} ms: epoch ${request.epoch} names ${request.master}`,
  };
}

/** The grantor's promise of `durationMs` received at `nowMs`, on its own clock. */
export function holdEnd(nowMs: number, durationMs: number, clockDriftRatio: number): number {
  return nowMs + Math.ceil(durationMs * (1 + clockDriftRatio));
}

/**
 * The hold horizon to persist for a promise ending at `untilMs`: two grant periods ahead, so a
 * grantor renewing every fifth of a lease writes its state file about once a lease, not at every
 * grant. After a restart the agent honours the horizon: it may wait up to a lease longer than
 * strictly promised, never less.
 */
export function holdHorizon(
  nowMs: number,
  untilMs: number,
  durationMs: number,
  clockDriftRatio: number,
): number {
  return Math.max(untilMs, holdEnd(nowMs, 2 * durationMs, clockDriftRatio));
}

export function heldAt(failsafe: FailsafeState, nowMs: number): boolean {
  return failsafe.holdUntilMs !== null && nowMs < failsafe.holdUntilMs;
}

export function holdReason(failsafe: FailsafeState): string {
  const whom = failsafe.holdFor === null ? 'a peer (before a restart)' : `the agent of ${failsafe.holdFor}`;
  return `this agent promised ${whom} not to promote or unfence its node before ${failsafe.holdUntilMs}`;
}
