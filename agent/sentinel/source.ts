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
  /** Sentinel's `master_reboot` flag (master-reboot-down-after-period); absent: not set. */
  readonly masterReboot?: boolean;
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
  /** Sentinel's master-reboot-down-after-period (0: off); absent: 0. */
  readonly masterRebootDownAfterMs?: number;
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

/** `SENTINEL SET`'s runtime settings of a group, as the voters' runtime override holds them. */
export interface SettingsChange {
  readonly quorum?: number;
  readonly downAfterMs?: number;
  readonly failoverTimeoutMs?: number;
  readonly parallelSyncs?: number;
  readonly masterRebootDownAfterMs?: number;
}

/**
 * A majority of voters accepted the change (`version` is the override's), and whether this agent
 * applied it before the reply; or why not, in a sentence.
 */
export type SettingsOutcome =
  | { readonly ok: true; readonly version: number; readonly applied: boolean }
  | { readonly ok: false; readonly message: string };

/** Redis's `loglevel` names (`SENTINEL CONFIG GET/SET loglevel`). */
export type SentinelLogLevel = 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing';

/** What `SENTINEL CONFIG GET` reports: this agent's values of Sentinel's global parameters. */
export interface SentinelConfigValues {
  readonly loglevel: SentinelLogLevel;
  /** The user and password this agent's links to the other agents' Sentinel ports AUTH with ("" none). */
  readonly sentinelUser: string;
  readonly sentinelPass: string;
  /** Whether node addresses may be DNS names (resolved when connecting) and are announced as named. */
  readonly resolveHostnames: boolean;
  readonly announceHostnames: boolean;
  /** The Sentinel endpoint this agent announces ("" and 0: none). */
  readonly announceIp: string;
  readonly announcePort: number;
}

/** What `SENTINEL CONFIG SET` may change at runtime on an agent (validated by the command). */
export interface SentinelConfigChange {
  readonly loglevel?: SentinelLogLevel;
  /** "" removes the user (AUTH with the password alone) or the password (no AUTH), as in Sentinel. */
  readonly sentinelUser?: string;
  readonly sentinelPass?: string;
}

/** One node's last INFO reply as this agent holds it (`SENTINEL INFO-CACHE`). */
export interface CachedInfo {
  /** Milliseconds since it arrived; 0 when none ever did (Sentinel's `info_refresh` of 0). */
  readonly ageMs: number;
  /** The INFO text as the node sent it; null when the node never answered INFO. */
  readonly text: string | null;
}

/** One `SENTINEL DEBUG` timing parameter: Sentinel's name (upper case) and milliseconds. */
export interface TimingParameter {
  readonly name: string;
  readonly valueMs: number;
}

/** What `SENTINEL DEBUG <param> <value>` may change on an agent (validated by the command). */
export interface TimingChange {
  /** `info-period`: every group's `infoIntervalMs`. */
  readonly infoPeriodMs?: number;
  /** `ping-period`: every group's `probeIntervalMs`. */
  readonly pingPeriodMs?: number;
}

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
  /**
   * `SENTINEL SET`: one runtime settings write to the coordinator (all the changes or none);
   * resolves once a majority of voters accepted it and, bounded, this agent applied it.
   */
  setSettings(group: string, change: SettingsChange): Promise<SettingsOutcome>;
  /** `SENTINEL CONFIG GET`: this agent's parameters as they are in effect now. */
  config(): SentinelConfigValues;
  /** `SENTINEL CONFIG SET`: applies every given change (until the agent restarts). */
  setConfig(change: SentinelConfigChange): void;
  /**
   * `SENTINEL INFO-CACHE`: the last INFO of the group's master, then of each replica `SENTINEL
   * REPLICAS` knows (the unannounced ones too, as Sentinel keeps them); null for an unknown group.
   */
  infoCache(group: string): readonly CachedInfo[] | null;
  /** `SENTINEL DEBUG`: this agent's timing parameters that have a Sentinel counterpart, and its own. */
  timing(): readonly TimingParameter[];
  /** `SENTINEL DEBUG <param> <value> ...`: applies every change to every group, until the agent restarts. */
  setTiming(change: TimingChange): void;
}
