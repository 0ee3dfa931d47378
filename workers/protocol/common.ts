// Identifiers, bounds and the committed config: the vocabulary every message shares.
import { z } from 'zod';

/** Protocol version carried by every message; a peer speaking another version is refused. */
export const PROTOCOL_VERSION = 1;

/** Upper bound of one encoded message, checked before JSON parsing. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
export const MAX_VIEWS_PER_OBSERVATION = 64;
export const MAX_LOCAL_NODES = 16;

export const VersionSchema = z.literal(PROTOCOL_VERSION);

/**
 * A node is named by the address clients must use ("host:port"), never by a bind address.
 * Hostnames are allowed; an IPv6 literal is written in brackets ("[::1]:7001").
 */
export const NodeIdSchema = z
  .string()
  .min(3)
  .max(261)
  .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/, 'expected "host:port"')
  .refine((id) => {
    const port = Number(id.slice(id.lastIndexOf(':') + 1));
    return port >= 1 && port <= 65535;
  }, 'port must be 1..65535');
export type NodeId = z.infer<typeof NodeIdSchema>;

export const AgentIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:@-]+$/, 'agent ids use letters, digits and _ . : @ -');
export type AgentId = z.infer<typeof AgentIdSchema>;

export const GroupNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, 'group names use letters, digits and _ . -');
export type GroupName = z.infer<typeof GroupNameSchema>;

/** Epochs are non-negative safe integers; 0 is the initial configuration from the group's settings. */
export const EpochSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export type Epoch = z.infer<typeof EpochSchema>;

export const VoterIndexSchema = z.number().int().min(0).max(4);

/** Monotonic milliseconds or durations; never wall-clock dates. */
export const MillisSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const ReasonSchema = z.string().max(500);

/**
 * Why a config exists. `failover` is automatic (needs ODOWN at a majority), `retry` replaces a
 * committed promotion that did not complete within the failover timeout, `manual` is an
 * operator's forced failover, `switchover` a coordinated hand-off, `reaffirm` re-commits the
 * adopted master at a newer epoch (finishing an interrupted change or restoring leases),
 * `abort` returns to the previous master after a failed hand-off.
 */
export const ConfigCauseSchema = z.enum([
  'initial',
  'failover',
  'retry',
  'manual',
  'switchover',
  'reaffirm',
  'abort',
]);
export type ConfigCause = z.infer<typeof ConfigCauseSchema>;

/**
 * The decision "master is X at epoch E".
 * - `promoting`: committed; X's agent must promote X; the published master is still the old one.
 * - `handoff`: committed switchover; the previous master's agent hands over with `FAILOVER TO`,
 *   X's agent waits instead of promoting.
 * - `active`: X is confirmed master; this is what clients are told.
 */
/** Bounds of a hand-off's FAILOVER TIMEOUT (ms), wherever one is given. */
export const HandoffTimeoutMsSchema = z.number().int().min(100).max(3_600_000);

export const ConfigStateSchema = z.enum(['promoting', 'handoff', 'active']);
export type ConfigState = z.infer<typeof ConfigStateSchema>;

export const ConfigSchema = z.object({
  epoch: EpochSchema,
  master: NodeIdSchema,
  state: ConfigStateSchema,
  previousMaster: NodeIdSchema.nullable(),
  cause: ConfigCauseSchema,
  /** Voter index of the leader that committed it; -1 for the initial config. */
  leader: z.number().int().min(-1).max(4),
  /**
   * When this master was first published: the wall clock (ms) of the leader that made the config
   * active, kept by reaffirms of the same master. Set once by the epoch's only writer, so every
   * voter reports the same time. Absent for the initial config and before a config is active.
   */
  publishedAtMs: z.number().int().nonnegative().optional(),
  /**
   * A switchover's `FAILOVER ... TIMEOUT` as the operator asked for it; absent, the previous
   * master's agent uses its own `handoffTimeoutMs`.
   */
  handoffTimeoutMs: HandoffTimeoutMsSchema.optional(),
});
export type Config = z.infer<typeof ConfigSchema>;

const STATE_RANK: Record<ConfigState, number> = { promoting: 0, handoff: 0, active: 1 };

/**
 * Total order on configs: by epoch, then an `active` config supersedes the `promoting` or
 * `handoff` config of the same epoch (the leader of an epoch is the only writer at it).
 */
export function compareConfigs(a: Config, b: Config): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  return STATE_RANK[a.state] - STATE_RANK[b.state];
}

export function newerConfig(a: Config, b: Config): Config {
  return compareConfigs(a, b) >= 0 ? a : b;
}

export function parseNodeId(id: NodeId): { host: string; port: number } {
  const colon = id.lastIndexOf(':');
  const rawHost = id.slice(0, colon);
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  return { host, port: Number(id.slice(colon + 1)) };
}

export function formatNodeId(host: string, port: number): NodeId {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The config every voter starts from: the group's configured master at epoch 0. */
export function initialConfig(master: NodeId): Config {
  return { epoch: 0, master, state: 'active', previousMaster: null, cause: 'initial', leader: -1 };
}
