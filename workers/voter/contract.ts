// The voter Durable Object's RPC surface: what the Worker (and other voters) may call on it.
import { z } from 'zod';
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

/** Why a voter refused an RPC. Each is an expected condition, answered as a value (`RpcResult`). */
export const VOTER_ERROR_CODES = [
  'bad_config',
  'bad_request',
  'wrong_voter',
  'unknown_voter',
  'unavailable',
] as const;

export type VoterErrorCode = (typeof VOTER_ERROR_CODES)[number];

export interface RpcFailure {
  readonly code: VoterErrorCode;
  readonly message: string;
}

/**
 * What every RPC method answers. Expected failures (a voter held down by a drill, a bad argument,
 * a call meant for another voter) are values, never exceptions: workerd logs every exception that
 * leaves an RPC method as "Uncaught Error" on the voter's side even when the caller catches it, so
 * the log could not tell a drill from a bug. An exception out of a voter is a bug (or storage that
 * fails validation: the voter refuses to start rather than forget its vote).
 */
export type RpcResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: RpcFailure };

export function rpcOk<T>(value: T): RpcResult<T> {
  return { ok: true, value };
}

export function rpcFailure(code: VoterErrorCode, message: string): { ok: false; error: RpcFailure } {
  return { ok: false, error: { code, message } };
}

/** `code: message`, the form logs and the API's answers have always shown. */
export function describeFailure(failure: RpcFailure): string {
  return `${failure.code}: ${failure.message}`;
}

/**
 * The envelope of an answer, checked where the Worker receives it (the value inside is typed by
 * the contract and not re-validated): a voter of another version must be an error, not a crash.
 */
export const RpcResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({
    ok: z.literal(false),
    error: z.object({ code: z.enum(VOTER_ERROR_CODES), message: z.string() }),
  }),
]);

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
 * RPC methods of the `Voter` Durable Object class (workers/voter/voter.ts); each answers an
 * `RpcResult` (failures listed in README.md "Limits and quirks for callers"). Agents reach it by
 * `fetch` with a WebSocket upgrade that the Worker has already authenticated; it carries the
 * headers `x-edge-sentinel-group`, `x-edge-sentinel-voter` and `x-edge-sentinel-agent`.
 */
export interface VoterRpc {
  status(address: VoterAddress): Promise<RpcResult<VoterStatus>>;
  /** The published (highest committed active) config, for majority reads of the master. */
  readPublished(address: VoterAddress): Promise<RpcResult<Published>>;
  /** Read repair: a reader that saw this voter behind writes a committed config back. */
  learn(address: VoterAddress, config: Config): Promise<RpcResult<Published>>;
  /** Resolves with the published config once its epoch exceeds `afterEpoch`, or at the timeout. */
  waitForEpoch(address: VoterAddress, afterEpoch: number, timeoutMs: number): Promise<RpcResult<Published>>;
  events(address: VoterAddress, after: number, limit: number): Promise<RpcResult<EventsPage>>;
  /**
   * Resolves with the id of the newest stored event once it exceeds `after`, or at the timeout
   * with the newest id then (possibly still `after` or below). Then read them with `events`.
   */
  waitForEvents(address: VoterAddress, after: number, timeoutMs: number): Promise<RpcResult<number>>;
  admin(address: VoterAddress, action: AdminAction): Promise<RpcResult<AdminResult>>;
  /** The runtime settings override this voter holds (null: none ever written). */
  readSettings(address: VoterAddress): Promise<RpcResult<SettingsOverride | null>>;
  /**
   * Register write (ABD): the voter adopts `override` only if its (version, writer) is greater
   * than what it holds, persists it, and pushes the new settings to its agents. Answers with what
   * it holds afterwards.
   */
  writeSettings(
    address: VoterAddress,
    override: SettingsOverride,
  ): Promise<RpcResult<SettingsOverride | null>>;
  /** Voter-to-voter message (vote, accept, commit...); answers travel back the same way. */
  peer(address: VoterAddress, from: number, message: PeerMessage): Promise<RpcResult<null>>;
  /**
   * Outage drill: `down` makes this voter refuse every agent, peer and reader (as an unreachable
   * location would) until it is brought up again; its storage is kept. The only call it answers
   * while down.
   */
  outage(address: VoterAddress, down: boolean): Promise<RpcResult<{ readonly down: boolean }>>;
}
