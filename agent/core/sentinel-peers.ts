// The other agents as Sentinel peers: the link record kept for each, and what SENTINEL SENTINELS and CKQUORUM make of it, by Sentinel's own rules.
import { type NodeId, parseNodeId } from '../../workers/protocol/index.js';

/**
 * What this agent knows of one other agent's Sentinel endpoint from its own link to it: PINGs,
 * and a "hello" (`SENTINEL MYID` and `ROLE`) every few seconds. The times are Sentinel's
 * (`act_ping_time`, `last_avail_time`, `last_pong_time`, `last_hello_time` in sentinel.c), so
 * the instance-map fields and the SDOWN rule read exactly as Sentinel's do.
 */
export interface PeerLink {
  readonly endpoint: NodeId;
  /** The peer's `SENTINEL MYID`; until it answered, an id derived from its endpoint. */
  readonly id: string;
  /** The groups the peer serves (its `ROLE`); null until it answered once. */
  readonly groups: readonly string[] | null;
  readonly connected: boolean;
  /** The send time of the oldest unanswered PING; null when every PING was answered. */
  readonly pingPendingSinceMs: number | null;
  /** The last PONG (Sentinel's `last_avail_time`); the creation time before the first. */
  readonly lastOkPingReplyMs: number;
  /** The last reply of any kind to a PING (`last_pong_time`). */
  readonly lastPingReplyMs: number;
  /** The last hello answered; the creation time before the first (as Sentinel starts it). */
  readonly lastHelloMs: number;
  /** Whether a hello was ever answered (the creation time above is not one). */
  readonly helloHeard: boolean;
}

/**
 * A peer nobody has reached yet counts as pinged at creation, as Sentinel sets `act_ping_time`
 * when it creates an instance: one that never answers goes SDOWN after down-after.
 */
export function createPeerLink(endpoint: NodeId, fallbackId: string, nowMs: number): PeerLink {
  return {
    endpoint,
    id: fallbackId,
    groups: null,
    connected: false,
    pingPendingSinceMs: nowMs,
    lastOkPingReplyMs: nowMs,
    lastPingReplyMs: nowMs,
    lastHelloMs: nowMs,
    helloHeard: false,
  };
}

/**
 * A link that goes down counts as a PING pending from then on: Sentinel reconnects at once and
 * queues a PING on the new link, so its `last-ping-sent` grows while a peer is unreachable.
 */
export function peerConnected(link: PeerLink, connected: boolean, nowMs: number): PeerLink {
  if (link.connected === connected) return link;
  if (connected) return { ...link, connected };
  return { ...link, connected, pingPendingSinceMs: link.pingPendingSinceMs ?? nowMs };
}

/** A PING sent: the pending time stays the oldest unanswered one's. */
export function peerPingSent(link: PeerLink, nowMs: number): PeerLink {
  return link.pingPendingSinceMs === null ? { ...link, pingPendingSinceMs: nowMs } : link;
}

/** A reply to a PING: only PONG clears the pending PING and counts as available (an error, e.g. NOAUTH, does not). */
export function peerPingReplied(link: PeerLink, pong: boolean, nowMs: number): PeerLink {
  if (!pong) return { ...link, lastPingReplyMs: nowMs };
  return { ...link, lastPingReplyMs: nowMs, lastOkPingReplyMs: nowMs, pingPendingSinceMs: null };
}

export function peerHello(link: PeerLink, id: string, groups: readonly string[], nowMs: number): PeerLink {
  return { ...link, id, groups: [...groups].sort(), lastHelloMs: nowMs, helloHeard: true };
}

/** One peer as SENTINEL SENTINELS shows it and CKQUORUM counts it. */
export interface SentinelPeerView {
  readonly host: string;
  readonly port: number;
  readonly id: string;
  readonly sdown: boolean;
  readonly disconnected: boolean;
  /** Age of the oldest unanswered PING; 0 when none is pending (Sentinel's `last-ping-sent`). */
  readonly lastPingSentMsAgo: number;
  readonly lastOkPingReplyMsAgo: number;
  readonly lastPingReplyMsAgo: number;
  readonly lastHelloMsAgo: number;
  /** How long it has been SDOWN; null when it is not. */
  readonly sdownMsAgo: number | null;
}

/**
 * Sentinel's `sentinelCheckSubjectivelyDown`: down when a PING has waited longer than
 * down-after, or, with none pending, when the link is down and the last PONG is older.
 */
function downElapsedMs(link: PeerLink, nowMs: number): number {
  if (link.pingPendingSinceMs !== null) return nowMs - link.pingPendingSinceMs;
  if (!link.connected) return nowMs - link.lastOkPingReplyMs;
  return 0;
}

export function peerView(link: PeerLink, nowMs: number, downAfterMs: number): SentinelPeerView {
  const { host, port } = parseNodeId(link.endpoint);
  const elapsed = downElapsedMs(link, nowMs);
  const sdown = elapsed > downAfterMs;
  const age = (t: number) => Math.max(0, nowMs - t);
  return {
    host,
    port,
    id: link.id,
    sdown,
    disconnected: !link.connected,
    lastPingSentMsAgo: link.pingPendingSinceMs === null ? 0 : age(link.pingPendingSinceMs),
    lastOkPingReplyMsAgo: age(link.lastOkPingReplyMs),
    lastPingReplyMsAgo: age(link.lastPingReplyMs),
    lastHelloMsAgo: age(link.lastHelloMs),
    sdownMsAgo: sdown ? Math.max(0, elapsed - downAfterMs) : null,
  };
}

export interface PeerListing {
  readonly group: string;
  /** This agent's own id: a peer entry that turns out to be this agent is not listed. */
  readonly myId: string;
  /** When `SENTINEL RESET` last cleared the group's lists here; null if never. */
  readonly resetAtMs: number | null;
  readonly nowMs: number;
  readonly downAfterMs: number;
}

/**
 * The peers SENTINEL SENTINELS lists for a group. A configured peer is known from the start,
 * like Sentinel's `known-sentinel` lines, unless its hello says it does not serve the group.
 * After a RESET the group knows no peer until one's hello (after the reset) names the group:
 * Sentinel forgets every Sentinel on reset and relearns the live ones from their hellos.
 */
export function peersOfGroup(links: readonly PeerLink[], listing: PeerListing): SentinelPeerView[] {
  const { group, myId, resetAtMs, nowMs, downAfterMs } = listing;
  return links
    .filter((link) => link.id !== myId)
    .filter((link) => {
      const serves = link.groups === null ? null : link.groups.includes(group);
      if (resetAtMs === null) return serves !== false;
      return link.helloHeard && link.lastHelloMs >= resetAtMs && serves === true;
    })
    .map((link) => peerView(link, nowMs, downAfterMs));
}

/** A group's listed peers at the last check, by endpoint: whether each was SDOWN. */
export type PeerListState = ReadonlyMap<string, boolean>;

export interface PeerEvent {
  readonly name: '+sentinel' | '+sdown' | '-sdown';
  readonly peer: SentinelPeerView;
}

/**
 * The events Sentinel publishes about its peers, from one check of a group's list to the next:
 * `+sentinel` for a peer learned since (a RESET's relearning; the configured ones at start are
 * known, like Sentinel's `known-sentinel` lines, and say nothing), `+sdown`/`-sdown` when one
 * goes down or comes back. Keyed by endpoint: a peer's id changes once, at its first hello.
 */
export function peerEvents(
  previous: PeerListState | null,
  current: readonly SentinelPeerView[],
): { readonly state: PeerListState; readonly events: PeerEvent[] } {
  const events: PeerEvent[] = [];
  const state = new Map<string, boolean>();
  for (const peer of current) {
    const key = `${peer.host}:${peer.port}`;
    state.set(key, peer.sdown);
    const wasDown = previous === null ? false : previous.get(key);
    if (wasDown === undefined) events.push({ name: '+sentinel', peer });
    if (peer.sdown && wasDown !== true) events.push({ name: '+sdown', peer });
    if (!peer.sdown && wasDown === true) events.push({ name: '-sdown', peer });
  }
  return { state, events };
}
