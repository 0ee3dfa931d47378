// The voter Durable Object's RPC surface: what the Worker (and other voters) may call on it.
import type { AdminAction, AdminAnswer, DurableState, SettingsOverride } from '../core/types.js';
import type { AgentId, Config, EventName, NodeId, NodeView, PeerMessage } from '../protocol/index.js';

/** Which voter an RPC is meant for; the object checks it matches the one it was created as. */
export interface VoterAddress {
  readonly group: string;
  readonly index: number;
}

/** Durable Object names are `<group>#<index>`: one object per voter of a group (workers/voter/README.md). */
export function voterName(address: VoterAddress): string {
  return `${address.group}#${address.index}`;
}

/** RPC errors are `Error`s whose message starts with one of these codes; the API maps them to a status. */
export type VoterErrorCode = 'bad_config' | 'bad_request' | 'wrong_voter' | 'unknown_voter' | 'unavailable';

export function voterError(code: VoterErrorCode, message: string): Error {
  return new Error(`${code}: ${message}`);
}

/** What a voter counts so a benchmark can project the monthly bill (README.md "Performance", cost rows). */
export interface VoterCounters {
  readonly requests: number;
  readonly rpcCalls: number;
  readonly wsMessagesIn: number;
  readonly wsMessagesOut: number;
  readonly rowsWritten: number;
  readonly alarms: number;
  readonly webhookAttempts: number;
  /** Webhook attempts that did not get a 2xx answer (each is retried, up to a bound). */
  readonly webhookFailures?: number;
  /** Requests to the optional Upstash sink, and those that failed (logged, never fatal). */
  readonly sinkCalls?: number;
  readonly sinkFailures?: number;
}

export interface AgentStatus {
  readonly agentId: AgentId;
  readonly connected: boolean;
  readonly localNodes: readonly NodeId[];
  readonly highestEpoch: number;
  readonly lastSeenMs: number;
  readonly views: readonly NodeView[];
}

export interface VoterStatus {
  readonly group: string;
  readonly index: number;
  readonly durable: DurableState;
  readonly role: 'follower' | 'candidate' | 'leader';
  readonly roleEpoch: number | null;
  readonly odown: boolean;
  readonly agents: readonly AgentStatus[];
  readonly counters: VoterCounters;
  /** Highest event id stored so far (0 when none). */
  readonly lastEventId: number;
}

/** An event as stored and served: `id` increases by one per voter and never repeats. */
export interface StoredEvent {
  readonly id: number;
  /** Wall-clock time the voter recorded it, ISO 8601 (for people; ordering is by id). */
  readonly at: string;
  readonly name: EventName;
  readonly payload: string;
  readonly epoch: number;
  readonly reason: string;
}

export interface EventsPage {
  readonly events: readonly StoredEvent[];
  /** Pass as `after` to get the next page. */
  readonly cursor: number;
}

/**
 * The published config and since when its master has been published (`publishedSince`: the
 * leader's time carried in the config, so every voter reports the same; null for the initial
 * config).
 */
export interface Published {
  readonly config: Config;
  readonly since: string | null;
}

/** `publishedAtMs` as ISO 8601, or null when it is not known (the initial config). */
export function publishedSince(config: Config): string | null {
  return config.publishedAtMs === undefined ? null : new Date(config.publishedAtMs).toISOString();
}

/** The core's answer to an operator (`AdminAnswer`, workers/core/types.ts), as the API receives it. */
export type AdminResult = AdminAnswer;

/**
 * RPC methods of the `Voter` Durable Object class (workers/voter/voter.ts). Agents reach it by
 * `fetch` with a WebSocket upgrade that the Worker has already authenticated; it carries the
 * headers `x-edge-sentinel-group`, `x-edge-sentinel-voter` and `x-edge-sentinel-agent`.
 */
export interface VoterRpc {
  status(address: VoterAddress): Promise<VoterStatus>;
  /** The published (highest committed active) config, for majority reads of the master. */
  readPublished(address: VoterAddress): Promise<Published>;
  /** Read repair: a reader that saw this voter behind writes a committed config back. */
  learn(address: VoterAddress, config: Config): Promise<Published>;
  /** Resolves with the published config once its epoch exceeds `afterEpoch`, or at the timeout. */
  waitForEpoch(address: VoterAddress, afterEpoch: number, timeoutMs: number): Promise<Published>;
  events(address: VoterAddress, after: number, limit: number): Promise<EventsPage>;
  /**
   * Resolves with the id of the newest stored event once it exceeds `after`, or at the timeout
   * with the newest id then (possibly still `after` or below). Then read them with `events`.
   */
  waitForEvents(address: VoterAddress, after: number, timeoutMs: number): Promise<number>;
  admin(address: VoterAddress, action: AdminAction): Promise<AdminResult>;
  /** The runtime settings override this voter holds (null: none ever written). */
  readSettings(address: VoterAddress): Promise<SettingsOverride | null>;
  /**
   * Register write (ABD): the voter adopts `override` only if its (version, writer) is greater
   * than what it holds, persists it, and pushes the new settings to its agents. Answers with what
   * it holds afterwards.
   */
  writeSettings(address: VoterAddress, override: SettingsOverride): Promise<SettingsOverride | null>;
  /** Voter-to-voter message (vote, accept, commit...); answers travel back the same way. */
  peer(address: VoterAddress, from: number, message: PeerMessage): Promise<void>;
  /**
   * Outage drill: `down` makes this voter refuse every agent, peer and reader (as an unreachable
   * location would) until it is brought up again; its storage is kept. The only call it answers
   * while down.
   */
  outage(address: VoterAddress, down: boolean): Promise<{ readonly down: boolean }>;
}
