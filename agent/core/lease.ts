// Lease arithmetic of the master's agent: renewals by voter pongs, expiry with drift margin, fencing.
import { type Config, majority, type NodeId, type NodeRole } from '../../workers/protocol/index.js';

/**
 * What the agent knows about one voter for the lease. Renewal times are the send times of the
 * pinged lease pings (agent clock): the voter's auto-response to a ping is never earlier.
 */
export interface VoterLease {
  /** The latest config this voter pushed on the current connection. */
  readonly latestConfig: Config | null;
  /** Highest `epoch` notice from this voter: it promised this epoch to an election. */
  readonly promisedEpoch: number;
  /** Latest ping send time whose pong counted as a renewal. */
  readonly renewedAtMs: number | null;
  /** Send time of the ping awaiting its pong (at most one per voter). */
  readonly pingSentAtMs: number | null;
  /** Send time of the last ping, answered or not; null makes a ping due at once. */
  readonly lastPingAtMs: number | null;
}

export interface FenceDecision {
  /** Refuse writes from this agent time on (past = fenced now); null = no fence. */
  readonly writableUntilMs: number | null;
  readonly reason: string;
}

export function createVoterLease(): VoterLease {
  return { latestConfig: null, promisedEpoch: 0, renewedAtMs: null, pingSentAtMs: null, lastPingAtMs: null };
}

/**
 * Voter j's pong renews the lease only while j, as last heard on this ordered socket, has
 * committed the agent's highest config naming one of this agent's local nodes master, and has
 * promised no higher epoch. The voter sends its `epoch` notice before answering any later ping,
 * so a pong arriving after the notice was answered after the promise and must not count; a
 * config at or above the promised epoch from j ends the revocation.
 */
export function renewalVerdict(
  lease: VoterLease,
  highestConfig: Config | null,
  localNodes: readonly NodeId[],
): { readonly counts: boolean; readonly reason: string } {
  if (highestConfig === null) return { counts: false, reason: 'the agent knows no config yet' };
  if (!localNodes.includes(highestConfig.master)) {
    return { counts: false, reason: `the configured master ${highestConfig.master} is not a local node` };
  }
  const voterConfig = lease.latestConfig;
  if (voterConfig === null)
    return { counts: false, reason: 'the voter has pushed no config on this connection' };
  if (voterConfig.epoch !== highestConfig.epoch || voterConfig.master !== highestConfig.master) {
    return {
      counts: false,
      reason: `the voter's config (epoch ${voterConfig.epoch}, master ${voterConfig.master}) is not the agent's highest (epoch ${highestConfig.epoch})`,
    };
  }
  if (lease.promisedEpoch > highestConfig.epoch) {
    return {
      counts: false,
      reason: `the voter promised epoch ${lease.promisedEpoch} above the config's ${highestConfig.epoch}: lease revoked`,
    };
  }
  return {
    counts: true,
    reason: `the voter holds epoch ${highestConfig.epoch} naming ${highestConfig.master}`,
  };
}

/** Record a pong for the ping sent at `pingSentAtMs`; it renews only if `renewalVerdict` allows. */
export function onLeasePong(
  lease: VoterLease,
  pingSentAtMs: number,
  nowMs: number,
  highestConfig: Config | null,
  localNodes: readonly NodeId[],
): { readonly lease: VoterLease; readonly renewed: boolean; readonly reason: string } {
  // A shell reporting a send time after now would extend the lease into the future: clamp it.
  const sentAtMs = Math.min(pingSentAtMs, nowMs);
  const pingSent = lease.pingSentAtMs !== null && sentAtMs >= lease.pingSentAtMs ? null : lease.pingSentAtMs;
  const verdict = renewalVerdict(lease, highestConfig, localNodes);
  if (!verdict.counts) {
    return { lease: { ...lease, pingSentAtMs: pingSent }, renewed: false, reason: verdict.reason };
  }
  const renewedAtMs = lease.renewedAtMs === null ? sentAtMs : Math.max(lease.renewedAtMs, sentAtMs);
  return { lease: { ...lease, pingSentAtMs: pingSent, renewedAtMs }, renewed: true, reason: verdict.reason };
}

export function onVoterConfig(lease: VoterLease, config: Config): VoterLease {
  return { ...lease, latestConfig: config };
}

export function onEpochNotice(lease: VoterLease, epoch: number): VoterLease {
  return epoch > lease.promisedEpoch ? { ...lease, promisedEpoch: epoch } : lease;
}

/**
 * The socket closed: its outstanding ping will never be answered, and the config heard on it
 * says nothing about what the voter will say on the next socket (it pushes its config again on
 * connect). Renewals already counted stay; they expire by time.
 */
export function onVoterDisconnected(lease: VoterLease): VoterLease {
  return { ...lease, pingSentAtMs: null, lastPingAtMs: null, latestConfig: null };
}

/**
 * The master's agent renews its lease only while its node has answered a probe within two probe
 * intervals. Not renewing is always safe (the lease only ends sooner, and the agent fences its
 * node when it does); what it buys is time: when the master dies, its lease runs out about when
 * the agents agree it is down, so the leader of the failover has almost nothing left to wait
 * for, where a lease renewed until ODOWN made it wait a whole `leaseMs`. The cost: a master that
 * answers nobody for about `leaseMs` is fenced, and writes again one renewal after it answers.
 */
export function renewalHeldBack(
  lastValidReplyMs: number | null,
  nowMs: number,
  probeIntervalMs: number,
): boolean {
  return lastValidReplyMs === null || nowMs - lastValidReplyMs > 2 * probeIntervalMs;
}

export function pingIntervalMs(probeIntervalMs: number, leaseMs: number): number {
  return Math.max(probeIntervalMs, leaseMs / 5);
}

/**
 * A ping is due every max(probeIntervalMs, leaseMs/5) (or up to `earlyMs` sooner: the schedule's
 * allowance for a tick's drift, see `dueNow`), one outstanding at a time; an unanswered ping is given up after leaseMs/2
 * so a lost pong cannot starve the lease.
 */
export function pingDue(
  lease: VoterLease,
  nowMs: number,
  probeIntervalMs: number,
  leaseMs: number,
  earlyMs = 0,
): boolean {
  if (lease.pingSentAtMs !== null && nowMs - lease.pingSentAtMs < leaseMs / 2) return false;
  if (lease.lastPingAtMs === null) return true;
  return nowMs - lease.lastPingAtMs >= pingIntervalMs(probeIntervalMs, leaseMs) - earlyMs;
}

export function onPingSent(lease: VoterLease, nowMs: number): VoterLease {
  return { ...lease, pingSentAtMs: nowMs, lastPingAtMs: nowMs };
}

/**
 * The lease holds until the majority-th most recent renewal plus leaseMs*(1-ρ); null if fewer
 * than a majority of voters ever renewed.
 *
 * Why the agent stops first: voter j answered the ping sent at agent time t at some real time
 * A_j >= t, and treats the lease as live until A_j + leaseMs*(1+ρ) on its own clock. The agent
 * stops at t + leaseMs*(1-ρ) on its clock. While the voter's clock advances leaseMs*(1+ρ), the
 * agent's, whose rate differs by at most ρ, advances at least leaseMs*(1+ρ)*(1-ρ) =
 * leaseMs*(1-ρ²) >= leaseMs*(1-ρ). So the agent's deadline comes no later than every voter's in
 * the majority, and any majority a new leader gathers intersects it.
 */
export function leaseValidUntil(
  renewals: readonly (number | null)[],
  voterCount: number,
  leaseMs: number,
  clockDriftRatio: number,
): number | null {
  const kth = kthLatest(renewals, majority(voterCount));
  return kth === null ? null : kth + leaseMs * (1 - clockDriftRatio);
}

/**
 * The k-th most recent of the times (nulls skipped), null with fewer than k: the latest time that
 * at least k times reach. By counting, not sorting: it runs several times in every step, and a
 * handful of voters makes the quadratic count cheaper than a sort's copies.
 */
function kthLatest(times: readonly (number | null)[], k: number): number | null {
  let kth: number | null = null;
  for (const candidate of times) {
    if (candidate === null || (kth !== null && candidate <= kth)) continue;
    let reaching = 0;
    for (const t of times) if (t !== null && t >= candidate) reaching++;
    if (reaching >= k) kth = candidate;
  }
  return kth;
}

export interface FenceInputs {
  readonly fencing: boolean;
  readonly node: NodeId;
  readonly config: Config | null;
  readonly role: NodeRole;
  /** Until when a majority of voters renewed the lease (`leaseValidUntil`); null without. */
  readonly voterLeaseUntilMs: number | null;
  /** Until when every peer's grants cover the master (`failsafeValidUntil`); null without. */
  readonly failsafeUntilMs: number | null;
  /** The deadline this agent's previous process left with the supervisor; null without. */
  readonly inheritedUntilMs: number | null;
  /** Why this agent may not unfence right now (a grant it gave is unexpired); null = free. */
  readonly held: string | null;
  /** The node restarted with its dataset lost. */
  readonly rebooted: boolean;
}

const MAY_WRITE_UNTIL_LEASE = 'the configured master may write until its lease ends';
const MAY_WRITE_UNTIL_GRANTS = 'failsafe: the configured master may write until the grants of every peer end';
const MAY_WRITE_UNTIL_INHERITED =
  "the configured master may write until the deadline this agent's previous process set";

/**
 * The fence of one local node. The configured master may write until the latest of its leases
 * ends: the voters', the peers' grants, or the deadline the agent's previous process left with the
 * supervisor (each was safe when it was given; at a first start, with none, that is now). With fencing on,
 * every other node is fenced: an old master awaiting demotion, a hand-off's source, and replicas
 * too, since a replica can become master (a stale FAILOVER, a restart without replicaof) before
 * the agent's next INFO notices. A node this agent promised a peer to keep fenced stays fenced.
 */
export function fenceDecision(f: FenceInputs): FenceDecision {
  if (!f.fencing) return { writableUntilMs: null, reason: 'fencing is off for this group' };
  // Writes to a master that lost its data on restart would be lost again when it is replaced; it
  // stays fenced as the replica it is made meanwhile (reconcile.ts quarantine) until a new config.
  if (f.rebooted) {
    return {
      writableUntilMs: 0,
      reason: 'the node restarted with its data lost: no writes until a failover',
    };
  }
  if (f.held !== null) return { writableUntilMs: 0, reason: f.held };
  if (f.config !== null && f.config.master === f.node) {
    // A hand-off target too: Redis's FAILOVER may make it master at any moment, and then it may
    // write only under its own lease.
    // The latest of the three deadlines, the first named on a tie (no arrays: every step asks).
    let until = f.voterLeaseUntilMs;
    let reason = MAY_WRITE_UNTIL_LEASE;
    if (f.failsafeUntilMs !== null && (until === null || f.failsafeUntilMs > until)) {
      until = f.failsafeUntilMs;
      reason = MAY_WRITE_UNTIL_GRANTS;
    }
    if (f.inheritedUntilMs !== null && (until === null || f.inheritedUntilMs > until)) {
      until = f.inheritedUntilMs;
      reason = MAY_WRITE_UNTIL_INHERITED;
    }
    if (until === null) {
      return {
        writableUntilMs: 0,
        reason: 'the configured master holds no lease from a majority of voters and no grant from every peer',
      };
    }
    return { writableUntilMs: until, reason };
  }
  // Every other node stays fenced, whatever its role looks like right now: a stale FAILOVER or a
  // restart can make it master before the next INFO shows it.
  return {
    writableUntilMs: 0,
    reason:
      f.role === 'master'
        ? 'the node reports master but is not the configured master'
        : 'the node is not the configured master',
  };
}
