// Messages an agent sends to a voter over its WebSocket.
import { z } from 'zod';
import {
  AgentIdSchema,
  EpochSchema,
  GroupNameSchema,
  MAX_LOCAL_NODES,
  MAX_VIEWS_PER_OBSERVATION,
  MillisSchema,
  NodeIdSchema,
  ReasonSchema,
  VersionSchema,
} from './common.js';

export const NodeRoleSchema = z.enum(['master', 'replica', 'unknown']);
export type NodeRole = z.infer<typeof NodeRoleSchema>;

/** What one agent currently believes about one node, from its own probes and INFO. */
export const NodeViewSchema = z.object({
  node: NodeIdSchema,
  /** No valid reply (PONG, LOADING, MASTERDOWN) for downAfterMs, or a master reporting replica too long. */
  sdown: z.boolean(),
  role: NodeRoleSchema,
  /** For a replica, the master it replicates (announce address); null otherwise. */
  masterNode: NodeIdSchema.nullable(),
  linkUp: z.boolean(),
  /** How long the replica's link to its master has been down; 0 when up. */
  linkDownMs: MillisSchema,
  offsetBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  runId: z.string().max(64),
  /** `replica-priority`; 0 means never promote. */
  priority: z.number().int().min(0).max(1_000_000),
  /** The node restarted with a new run id and an empty or much smaller dataset (`+reboot`). */
  rebooted: z.boolean(),
  /** The node refuses writes because its agent holds no lease. */
  fenced: z.boolean(),
  /**
   * While SDOWN: how long since this agent's last valid reply from the node. The voters learn of a
   * failure only when they hear of it, perhaps long after (they were unreachable); a replica's link
   * to a dead master has been down since it died, and the ranking must measure both the same way.
   */
  downMs: MillisSchema.optional(),
});
export type NodeView = z.infer<typeof NodeViewSchema>;

export const SentinelEndpointSchema = z.object({
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
});

/** First message on every connection: who the agent is and which nodes are its own. */
export const HelloSchema = z.object({
  v: VersionSchema,
  kind: z.literal('hello'),
  agentId: AgentIdSchema,
  group: GroupNameSchema,
  localNodes: z.array(NodeIdSchema).max(MAX_LOCAL_NODES),
  highestEpoch: EpochSchema,
  sentinel: SentinelEndpointSchema.nullable(),
});

/** The agent's whole view, sent when anything in it changes and when a voter asks. */
export const ObservationSchema = z.object({
  v: VersionSchema,
  kind: z.literal('observation'),
  agentId: AgentIdSchema,
  group: GroupNameSchema,
  /** Increases with every observation from this agent process; lets a voter drop reordered ones. */
  seq: z.number().int().min(0),
  highestEpoch: EpochSchema,
  /** The commandId of the `observe` command this answers, if any. */
  inReplyTo: z.string().max(64).nullable(),
  views: z.array(NodeViewSchema).max(MAX_VIEWS_PER_OBSERVATION),
});

/** What a voter can tell an agent to do to a node; each result becomes `+<action>-done` or `-<action>-failed`. */
export const COMMAND_ACTIONS = ['promote', 'repoint', 'demote', 'handoff', 'refuse'] as const;

export const CommandResultSchema = z.object({
  v: VersionSchema,
  kind: z.literal('command-result'),
  agentId: AgentIdSchema,
  group: GroupNameSchema,
  epoch: EpochSchema,
  node: NodeIdSchema,
  action: z.enum(COMMAND_ACTIONS),
  ok: z.boolean(),
  detail: ReasonSchema,
});

export const AgentMessageSchema = z.discriminatedUnion('kind', [
  HelloSchema,
  ObservationSchema,
  CommandResultSchema,
]);
export type Hello = z.infer<typeof HelloSchema>;
export type Observation = z.infer<typeof ObservationSchema>;
export type CommandResult = z.infer<typeof CommandResultSchema>;
export type AgentMessage = z.infer<typeof AgentMessageSchema>;
