// The API's request and response schemas: validators use them and /v1/openapi.json is generated from them.
import { z } from 'zod';
import {
  AgentIdSchema,
  ConfigSchema,
  EventNameSchema,
  HandoffTimeoutMsSchema,
  NodeIdSchema,
  NodeViewSchema,
} from '../protocol/index.js';
import { MAX_LONG_POLL_MS } from './long-poll.js';

/** A non-negative integer in a query string ("12"), checked against bounds after conversion. */
export function intParam(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,16}$/, 'expected a non-negative integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

export const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const MasterSchema = z.object({
  group: z.string(),
  host: z.string(),
  port: z.number().int(),
  epoch: z.number().int(),
  /**
   * When this master was published (ISO 8601): the leader's time carried in the committed config,
   * the same from every voter; null for the initial master from GROUPS.
   */
  since: z.string().nullable(),
});
export type Master = z.infer<typeof MasterSchema>;

export const MasterQuerySchema = z.object({
  waitEpoch: intParam(0, Number.MAX_SAFE_INTEGER).optional(),
  timeoutMs: intParam(0, MAX_LONG_POLL_MS).optional(),
  /** Never answer below this epoch (the highest the client has seen); `If-None-Match` counts too. */
  minEpoch: intParam(0, Number.MAX_SAFE_INTEGER).optional(),
  /** `majority` skips the isolate's copy and reads a majority of voters. */
  consistency: z.enum(['cached', 'majority']).optional(),
});

export const GroupSummarySchema = z.object({
  group: z.string(),
  voters: z.number().int(),
  quorum: z.number().int(),
  master: MasterSchema.nullable(),
  /** Why the master is null: no majority of voters answered. */
  error: z.string().nullable(),
});

export const GroupListSchema = z.object({ groups: z.array(GroupSummarySchema), next: z.string().nullable() });

export const GroupListQuerySchema = z.object({
  after: z.string().max(64).optional(),
  limit: intParam(1, 100).optional(),
});

export const VoterReportSchema = z.object({
  index: z.number().int(),
  answered: z.boolean(),
  error: z.string().nullable(),
  role: z.enum(['follower', 'candidate', 'leader']).nullable(),
  roleEpoch: z.number().int().nullable(),
  odown: z.boolean().nullable(),
  paused: z.boolean().nullable(),
  promisedEpoch: z.number().int().nullable(),
  committed: ConfigSchema.nullable(),
  published: ConfigSchema.nullable(),
  lastEventId: z.number().int().nullable(),
  counters: z.record(z.string(), z.number()).nullable(),
});

export const AgentReportSchema = z.object({
  agentId: AgentIdSchema,
  localNodes: z.array(NodeIdSchema),
  highestEpoch: z.number().int(),
  /** Voters this agent currently holds a WebSocket to. */
  connectedTo: z.array(z.number().int()),
  /** The agent's view of each node, as reported to the lowest-numbered voter that knows it. */
  views: z.array(NodeViewSchema),
});

export const ReplicaReportSchema = z.object({
  node: NodeIdSchema,
  role: z.enum(['master', 'replica', 'unknown']),
  /** Agents that currently see this node SDOWN. */
  sdownBy: z.array(AgentIdSchema),
  linkUp: z.boolean(),
  offsetBytes: z.number().int(),
  priority: z.number().int(),
});

const SettingSourceSchema = z.string().regex(/^(wrangler\.toml|runtime override v\d+)$/);

export const SettingsSourcesSchema = z.object({
  quorum: SettingSourceSchema,
  downAfterMs: SettingSourceSchema,
  failoverTimeoutMs: SettingSourceSchema,
  parallelSyncs: SettingSourceSchema,
  /** Optional only so the CLI still reads a coordinator deployed before this setting existed. */
  masterRebootDownAfterMs: SettingSourceSchema.optional(),
});

export const GroupStatusSchema = z.object({
  group: z.string(),
  settings: z.object({
    voters: z.number().int(),
    quorum: z.number().int(),
    downAfterMs: z.number().int(),
    failoverTimeoutMs: z.number().int(),
    parallelSyncs: z.number().int(),
    /** Sentinel's master-reboot-down-after-period (0: off); absent from a coordinator before it existed. */
    masterRebootDownAfterMs: z.number().int().optional(),
    fencing: z.boolean(),
    leaseMs: z.number().int(),
  }),
  /**
   * Where each runtime-overridable value of `settings` comes from. Optional only so the CLI still
   * reads a coordinator deployed before runtime settings existed; this one always sends it.
   */
  settingsSources: SettingsSourcesSchema.optional(),
  /** Version of the runtime settings override in effect (0: none ever written). */
  settingsVersion: z.number().int().optional(),
  /** Null when no majority of voters answered. */
  master: MasterSchema.nullable(),
  epoch: z.number().int().nullable(),
  failover: z.object({
    /** `active`: no failover under way; `promoting`/`handoff`: a committed change is finishing. */
    state: z.enum(['idle', 'electing', 'promoting', 'handoff']),
    committedEpoch: z.number().int().nullable(),
    leader: z.number().int().nullable(),
  }),
  paused: z.boolean(),
  answered: z.array(z.number().int()),
  voters: z.array(VoterReportSchema),
  agents: z.array(AgentReportSchema),
  replicas: z.array(ReplicaReportSchema),
});
export type GroupStatus = z.infer<typeof GroupStatusSchema>;

export const EventSchema = z.object({
  id: z.number().int(),
  at: z.string(),
  name: EventNameSchema,
  payload: z.string(),
  epoch: z.number().int(),
  reason: z.string(),
});

export const EventsPageSchema = z.object({
  group: z.string(),
  voter: z.number().int(),
  events: z.array(EventSchema),
  cursor: z.number().int(),
});

export const EventsQuerySchema = z.object({
  after: intParam(0, Number.MAX_SAFE_INTEGER).optional(),
  limit: intParam(1, 500).optional(),
  voter: intParam(0, 4).optional(),
});

export const FailoverBodySchema = z.strictObject({ target: NodeIdSchema.optional() });

export const SwitchoverBodySchema = z.strictObject({
  target: NodeIdSchema.optional(),
  /** Upper bound for the coordinated hand-off; at most the group's failoverTimeoutMs. */
  timeoutMs: HandoffTimeoutMsSchema.optional(),
});

export const EmptyBodySchema = z.strictObject({});

export const OutageBodySchema = z.strictObject({
  /** true takes the voter down (it refuses agents, peers and readers); false brings it back. */
  down: z.boolean(),
});

export const OutageSchema = z.object({ group: z.string(), voter: z.number().int(), down: z.boolean() });

export const AdminAcceptedSchema = z.object({
  group: z.string(),
  action: z.enum(['failover', 'switchover']),
  voter: z.number().int(),
  reason: z.string(),
});

export const VoterAckSchema = z.object({
  voter: z.number().int(),
  ok: z.boolean(),
  code: z.string().nullable(),
  reason: z.string(),
});

export const AdminFanOutSchema = z.object({
  group: z.string(),
  action: z.enum(['pause', 'resume', 'reset']),
  acknowledged: z.number().int(),
  majority: z.number().int(),
  voters: z.array(VoterAckSchema),
});

export const AgentQuerySchema = z.object({ agent: AgentIdSchema.optional() });

export const HealthSchema = z.object({ ok: z.literal(true), groups: z.number().int() });

export const SettingsQuerySchema = z.object({ reset: z.enum(['0', '1']).optional() });

/** The group's runtime-overridable settings, their sources and the register version. */
export const GroupSettingsSchema = z.object({
  group: z.string(),
  settings: z.object({
    quorum: z.number().int(),
    downAfterMs: z.number().int(),
    failoverTimeoutMs: z.number().int(),
    parallelSyncs: z.number().int(),
    /** Absent from a coordinator deployed before this setting existed. */
    masterRebootDownAfterMs: z.number().int().optional(),
  }),
  settingsSources: SettingsSourcesSchema,
  settingsVersion: z.number().int(),
  /** The override's own values (what a reset removes). */
  override: z.record(z.string(), z.number().int()),
});

export const SettingsWriteSchema = GroupSettingsSchema.extend({
  acknowledged: z.number().int(),
  majority: z.number().int(),
  voters: z.array(VoterAckSchema),
});
