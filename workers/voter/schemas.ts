// zod schemas for what the voter reads back from SQLite: its durable state, agent records, attachments.
import { z } from 'zod';
import { SettingsOverrideSchema } from '../config/settings-schema.js';
import type { AgentRecord, DurableState } from '../core/types.js';
import {
  AgentIdSchema,
  ConfigSchema,
  EpochSchema,
  MillisSchema,
  NodeIdSchema,
  NodeViewSchema,
  VoterIndexSchema,
} from '../protocol/index.js';

export const DurableStateSchema = z.strictObject({
  promisedEpoch: EpochSchema,
  vote: z.strictObject({ epoch: EpochSchema, candidate: VoterIndexSchema }).nullable(),
  accepted: ConfigSchema,
  committed: ConfigSchema,
  published: ConfigSchema,
  paused: z.boolean(),
  // Absent in rows written before runtime settings existed.
  settingsOverride: SettingsOverrideSchema.nullable().default(null),
}) satisfies z.ZodType<DurableState>;

export const AgentRecordSchema = z.strictObject({
  agentId: AgentIdSchema,
  connected: z.boolean(),
  localNodes: z.array(NodeIdSchema),
  views: z.record(NodeIdSchema, NodeViewSchema),
  seq: z.number().int().min(-1),
  highestEpoch: EpochSchema,
  lastSeenMs: MillisSchema,
  leaseSeenMs: MillisSchema,
}) satisfies z.ZodType<AgentRecord>;

/**
 * The few volatile fields a voter woken from hibernation needs back (see voter.ts): when this
 * life of the voter started, and the timers that only change together with the durable state.
 */
export const VolatileSchema = z.strictObject({
  startedAtMs: MillisSchema,
  unfinishedSinceMs: MillisSchema.nullable(),
  stickyUntilMs: MillisSchema,
});
export type Volatile = z.infer<typeof VolatileSchema>;

/** What each hibernatable agent socket carries across hibernation. */
export const AttachmentSchema = z.strictObject({
  agentId: AgentIdSchema,
  /** Distinguishes a replaced connection from its successor when the old one's close arrives. */
  connId: z.string().min(1).max(64),
});
export type Attachment = z.infer<typeof AttachmentSchema>;
