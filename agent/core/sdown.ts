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
  /** The outcome of the latest probe result that counted (not stale); null before the first. */
  readonly lastOutcome: ProbeOutcome | null;
  /**
   * Sentinel's `master_reboot` flag (SRI_MASTER_REBOOT) and its since time: the node the active
   * config names master showed a new run id while master-reboot-down-after-period was on. A PONG
   * clears it; LOADING does not.
   */
  readonly rebootSinceMs: number | null;
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
    lastOutcome: null,
    rebootSinceMs: null,
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
  // As Sentinel's ping callback: only PONG ends a master reboot (LOADING is valid, but not done).
  const rebootSinceMs = outcome === 'pong' ? null : det.rebootSinceMs;
  if (isValidReply(outcome)) {
    const lastValidReplyMs = Math.max(det.lastValidReplyMs, nowMs);
    return {
      detector: { ...det, outstandingSentAtMs, lastValidReplyMs, lastOutcome: outcome, rebootSinceMs },
      stale: false,
    };
  }
  const lastFailedSentMs =
    det.lastFailedSentMs === null ? sentAtMs : Math.max(det.lastFailedSentMs, sentAtMs);
  return {
    detector: { ...det, outstandingSentAtMs, lastFailedSentMs, lastOutcome: outcome, rebootSinceMs },
    stale: false,
  };
}

/**
 * The node the active config names master showed a new run id (on INFO) while
 * master-reboot-down-after-period is on: Sentinel's `master_reboot` flag, from now (a second
 * restart before a PONG starts the period again, as in Sentinel).
 */
export function onMasterReboot(det: NodeDetector, nowMs: number): NodeDetector {
  return { ...det, rebootSinceMs: nowMs };
}

/** The flag no longer applies: the node is not the configured master any more. */
export function clearMasterReboot(det: NodeDetector): NodeDetector {
  return det.rebootSinceMs === null ? det : { ...det, rebootSinceMs: null };
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
  /**
   * Sentinel's master-reboot-down-after-period (0: off): how long the configured master may go
   * without a PONG once it was seen restarting. Absent: off.
   */
  readonly masterRebootDownAfterMs?: number;
}

/**
 * How long the configured master has been flagged `master_reboot`, when that counts toward SDOWN
 * (the setting on, the node expected master); null otherwise.
 */
function rebootFlaggedMs(det: NodeDetector, nowMs: number, rule: SdownRule): number | null {
  const periodMs = rule.masterRebootDownAfterMs ?? 0;
  if (periodMs <= 0 || !rule.expectMaster || det.rebootSinceMs === null) return null;
  return nowMs - det.rebootSinceMs;
}

/**
 * The stall rule for a rebooted master: after an event-loop stall a PONG may be waiting unread,
 * so only a probe result taken in after the stall (LOADING, or a failure) keeps the flag's count.
 */
function heardSinceStall(det: NodeDetector): boolean {
  const failed = det.lastFailedSentMs;
  return det.lastValidReplyMs >= det.freshSinceMs || (failed !== null && failed >= det.freshSinceMs);
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
  // Sentinel's test is strictly longer than the period (mstime() - since > period).
  const flaggedMs = rebootFlaggedMs(det, nowMs, rule);
  if (flaggedMs !== null && flaggedMs > (rule.masterRebootDownAfterMs ?? 0) && heardSinceStall(det)) {
    return {
      sdown: true,
      reason: `the configured master restarted (new run id) ${flaggedMs} ms ago and has not answered PONG since, over master-reboot-down-after-period ${rule.masterRebootDownAfterMs} ms`,
    };
  }
  if (silentMs >= downAfterMs) {
    return { sdown: false, reason: `silent for ${silentMs} ms but no probe sent since then has failed yet` };
  }
  return { sdown: false, reason: `last valid reply ${silentMs} ms ago` };
}

/**
 * How long a node down by `sdownVerdict` has been unusable, for the voters' replica ranking (a
 * replica's link may have been down that long too): since its last valid reply, or, for a master
 * down by master-reboot-down-after-period (it answers LOADING), since its restart was seen.
 */
export function downForMs(det: NodeDetector, nowMs: number, rule: SdownRule): number {
  const silentMs = nowMs - det.lastValidReplyMs;
  return Math.max(0, silentMs, rebootFlaggedMs(det, nowMs, rule) ?? 0);
}
