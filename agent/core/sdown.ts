// SDOWN detection for one node from this agent's vantage point: pure arithmetic on probe times.
import type { NodeRole } from '../../workers/protocol/index.js';
import type { ProbeOutcome } from './types.js';

/**
 * What the detector remembers about one node. All times are the agent's monotonic clock.
 * A node is SDOWN when it has not answered validly for `downAfterMs` AND a probe sent after
 * that last valid reply, and after the last event-loop stall, has failed. The second half is
 * what keeps a stalled agent from declaring the world down: after a stall every node gets a
 * fresh probe, and only its failure counts.
 */
export interface NodeDetector {
  /** Receipt time of the last valid reply (PONG, LOADING, MASTERDOWN); creation time at first. */
  readonly lastValidReplyMs: number;
  /** When the last probe was sent, outstanding or not. */
  readonly lastProbeSentMs: number | null;
  /** Send time of the probe awaiting its result, if any (at most one per node). */
  readonly outstandingSentAtMs: number | null;
  /** Send time of the most recent probe that failed (error or timeout). */
  readonly lastFailedSentMs: number | null;
  /** Only probes sent at or after this time may make the node SDOWN (set by a stall). */
  readonly freshSinceMs: number;
  /** Since when the node the active config names master reports `role:replica`. */
  readonly roleMismatchSinceMs: number | null;
}

export interface SdownVerdict {
  readonly sdown: boolean;
  readonly reason: string;
}

/** A new node starts as answered "now", so it is never SDOWN before one full `downAfterMs`. */
export function createDetector(nowMs: number): NodeDetector {
  return {
    lastValidReplyMs: nowMs,
    lastProbeSentMs: null,
    outstandingSentAtMs: null,
    lastFailedSentMs: null,
    freshSinceMs: nowMs,
    roleMismatchSinceMs: null,
  };
}

export function onProbeSent(det: NodeDetector, nowMs: number): NodeDetector {
  return { ...det, lastProbeSentMs: nowMs, outstandingSentAtMs: nowMs };
}

export function isValidReply(outcome: ProbeOutcome): boolean {
  switch (outcome) {
    case 'pong':
    case 'loading':
    case 'masterdown':
      return true;
    case 'error':
    case 'timeout':
      return false;
  }
}

/**
 * Feed one probe result. A result for a probe older than the outstanding one is stale and
 * ignored: its newer sibling decides. A valid reply counts whenever it arrives, because any
 * valid reply proves the node was alive after it was sent.
 */
export function onProbeResult(
  det: NodeDetector,
  sentAtMs: number,
  outcome: ProbeOutcome,
  nowMs: number,
): { readonly detector: NodeDetector; readonly stale: boolean } {
  if (det.outstandingSentAtMs !== null && sentAtMs < det.outstandingSentAtMs) {
    return { detector: det, stale: true };
  }
  const outstandingSentAtMs =
    det.outstandingSentAtMs !== null && sentAtMs >= det.outstandingSentAtMs ? null : det.outstandingSentAtMs;
  if (isValidReply(outcome)) {
    const lastValidReplyMs = Math.max(det.lastValidReplyMs, nowMs);
    return { detector: { ...det, outstandingSentAtMs, lastValidReplyMs }, stale: false };
  }
  const lastFailedSentMs =
    det.lastFailedSentMs === null ? sentAtMs : Math.max(det.lastFailedSentMs, sentAtMs);
  return { detector: { ...det, outstandingSentAtMs, lastFailedSentMs }, stale: false };
}

/**
 * The agent's event loop stalled: probe results from before now say more about the agent than
 * about the node. Old failures stop counting and the outstanding probe is forgotten, so a fresh
 * one goes out at once; a late valid reply to it still counts.
 */
export function onStall(det: NodeDetector, nowMs: number): NodeDetector {
  return { ...det, freshSinceMs: nowMs, outstandingSentAtMs: null };
}

/** The role a node reports, and whether the highest config expects it to be master (`expectsMaster`). */
export interface RoleSeen {
  /** True only when the highest config is `active` and names this node. */
  readonly expectMaster: boolean;
  readonly role: NodeRole;
}

/** What SDOWN of a node depends on besides its probe history. */
export interface SdownRule extends RoleSeen {
  readonly downAfterMs: number;
  /** How long the configured master may report `role:replica` before it counts as down. */
  readonly roleGraceMs: number;
}

/** Track how long the node the active config names master has been reporting `role:replica`. */
export function observeRole(
  det: NodeDetector,
  nowMs: number,
  { expectMaster, role }: RoleSeen,
): NodeDetector {
  const mismatch = expectMaster && role === 'replica';
  if (!mismatch) return det.roleMismatchSinceMs === null ? det : { ...det, roleMismatchSinceMs: null };
  return det.roleMismatchSinceMs === null ? { ...det, roleMismatchSinceMs: nowMs } : det;
}

/**
 * The SDOWN rule. `expectMaster` is true only when the highest config is `active` and names
 * this node: during `promoting` or `handoff` the new master is legitimately still a replica.
 */
export function sdownVerdict(det: NodeDetector, nowMs: number, rule: SdownRule): SdownVerdict {
  const { downAfterMs, expectMaster, role, roleGraceMs } = rule;
  const silentMs = nowMs - det.lastValidReplyMs;
  if (silentMs >= downAfterMs) {
    const failed = det.lastFailedSentMs;
    if (failed !== null && failed >= det.lastValidReplyMs && failed >= det.freshSinceMs) {
      return { sdown: true, reason: `no valid reply for ${silentMs} ms and a fresh probe failed` };
    }
  }
  if (expectMaster && role === 'replica' && det.roleMismatchSinceMs !== null) {
    const mismatchMs = nowMs - det.roleMismatchSinceMs;
    if (mismatchMs >= roleGraceMs) {
      return { sdown: true, reason: `the configured master has reported role replica for ${mismatchMs} ms` };
    }
  }
  if (silentMs >= downAfterMs) {
    return { sdown: false, reason: `silent for ${silentMs} ms but no probe sent since then has failed yet` };
  }
  return { sdown: false, reason: `last valid reply ${silentMs} ms ago` };
}
