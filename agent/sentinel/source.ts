// What the Sentinel wire protocol serves, as the agent runtime provides it: a snapshot and events.
import type { NodeId, NodeView } from '../../workers/protocol/index.js';
import type { SentinelPeerView } from '../core/sentinel-peers.js';

/** Another agent as this one sees it over its own link to it (`SENTINEL sentinels`, CKQUORUM). */
export type SentinelPeer = SentinelPeerView;

export interface SentinelEndpoint {
  readonly host: string;
  readonly port: number;
}

/** One node as this agent sees it, for `SENTINEL master` / `replicas` instance maps. */
export interface SentinelNode {
  readonly node: NodeId;
  /** This agent's latest view; null if it has never heard from the node. */
  readonly view: NodeView | null;
  /** Milliseconds since the last probe sent and the last valid reply (Sentinel's last-ping fields). */
  readonly lastPingSentMsAgo: number;
  readonly lastOkPingReplyMsAgo: number;
  /** Milliseconds since the last INFO reply (Sentinel's `info-refresh`); the last valid reply if absent. */
  readonly infoRefreshMsAgo?: number;
  /** False when the node asked not to be announced (`replica-announced no`); absent: announced. */
  readonly replicaAnnounced?: boolean;
}

export interface SentinelGroup {
  readonly name: string;
  /** The master clients must use: the last *active* committed config's master. */
  readonly master: SentinelNode;
  readonly epoch: number;
  /** A committed change is not active yet (Sentinel's `failover_in_progress` flag). */
  readonly failoverInProgress: boolean;
  /** Every other node of the group this agent probes. */
  readonly replicas: readonly SentinelNode[];
  /** The other agents known for this group, live (`SENTINEL sentinels`, CKQUORUM). */
  readonly sentinels: readonly SentinelPeer[];
  readonly quorum: number;
  readonly downAfterMs: number;
  readonly failoverTimeoutMs: number;
  readonly parallelSyncs: number;
  /** How many voters this agent currently holds a link to, and how many there are. */
  readonly votersConnected: number;
  readonly voterCount: number;
}

export interface SentinelSnapshot {
  /** 40 hex characters, stable for this agent (Sentinel's `myid`). */
  readonly myId: string;
  readonly groups: readonly SentinelGroup[];
}

/** A Sentinel event as published on its channel: channel = name, message = payload. */
export interface SentinelEvent {
  readonly name: string;
  readonly payload: string;
}

/** `SENTINEL FAILOVER <group>` is a failover; `... COORDINATED` (Valkey 9) the coordinated switchover. */
export type FailoverKind = 'failover' | 'switchover';

export type FailoverOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'INPROG' | 'NOGOODSLAVE' | 'ERR'; readonly message: string };

export interface SentinelSource {
  snapshot(): SentinelSnapshot;
  /**
   * The group's published master, or null for an unknown group (or one with no master yet):
   * `GET-MASTER-ADDR-BY-NAME`, the command clients send most, without building a snapshot.
   */
  masterAddress(group: string): NodeId | null;
  /** Subscribe to events (`+switch-master`, `+sdown`, ...); returns the unsubscribe function. */
  onEvent(listener: (event: SentinelEvent) => void): () => void;
  /**
   * `SENTINEL FAILOVER`: forwarded to the coordinator, as a failover; with Valkey 9's
   * `COORDINATED`, as the zero-loss switchover (`POST .../switchover`).
   */
  failover(group: string, kind?: FailoverKind): Promise<FailoverOutcome>;
  /** `SENTINEL RESET pattern`: clears the matching groups' lists here; resolves with how many matched. */
  reset(pattern: string): Promise<number>;
}
