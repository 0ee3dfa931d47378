// Messages a voter sends to an agent over the agent's WebSocket.
import { z } from 'zod';
import { ConfigSchema, EpochSchema, GroupNameSchema, VersionSchema, VoterIndexSchema } from './common.js';

/**
 * The group's settings as the coordinator has them (wrangler.toml), sent first on every
 * connection. The lease and fencing must match the voters' for the lease argument to hold, so
 * agents take them from here rather than from their own files.
 */
export const SettingsPushSchema = z.object({
  v: VersionSchema,
  kind: z.literal('settings'),
  group: GroupNameSchema,
  voter: VoterIndexSchema,
  /**
   * The runtime override's version these settings include (0: wrangler.toml's alone). An agent
   * keeps the highest it has seen, so a voter that missed a newer override cannot undo it.
   */
  settingsVersion: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  settings: z.object({
    voters: z.number().int().min(1).max(5),
    quorum: z.number().int().min(1).max(64),
    downAfterMs: z.number().int().min(1).max(3_600_000),
    failoverTimeoutMs: z.number().int().min(1).max(3_600_000),
    parallelSyncs: z.number().int().min(1).max(64),
    /**
     * Sentinel's master-reboot-down-after-period (0: off). Optional: voters of the previous
     * version do not send it, and an agent reads its absence as 0; agents of the previous version
     * ignore it (this object is not strict).
     */
    masterRebootDownAfterMs: z.number().int().min(0).max(3_600_000).optional(),
    fencing: z.boolean(),
    leaseMs: z.number().int().min(1).max(3_600_000),
    clockDriftRatio: z.number().min(0).max(0.5),
  }),
});

/**
 * A committed config. The config is the command: every agent reconciles its local node to the
 * highest one it has seen (promote, repoint, demote, hand off), and refuses lower epochs.
 */
export const ConfigPushSchema = z.object({
  v: VersionSchema,
  kind: z.literal('config'),
  group: GroupNameSchema,
  voter: VoterIndexSchema,
  config: ConfigSchema,
});

/**
 * The voter has promised an epoch above its committed one (an election is under way). Sent on
 * the same ordered socket as the lease pongs, so the agent stops counting this voter's pongs as
 * lease renewals from here on, until a config at or above this epoch arrives from the voter.
 */
export const EpochNoticeSchema = z.object({
  v: VersionSchema,
  kind: z.literal('epoch'),
  group: GroupNameSchema,
  voter: VoterIndexSchema,
  epoch: EpochSchema,
});

/** Ask for a fresh observation (the leader wants current offsets before choosing a replica). */
export const ObserveRequestSchema = z.object({
  v: VersionSchema,
  kind: z.literal('observe'),
  group: GroupNameSchema,
  voter: VoterIndexSchema,
  epoch: EpochSchema,
  requestId: z.string().min(1).max(64),
});

/** A message from the agent was refused (malformed, wrong group, stale); the socket stays open. */
export const ErrorNoticeSchema = z.object({
  v: VersionSchema,
  kind: z.literal('error'),
  group: GroupNameSchema,
  voter: VoterIndexSchema,
  error: z.string().max(500),
});

export const VoterMessageSchema = z.discriminatedUnion('kind', [
  SettingsPushSchema,
  ConfigPushSchema,
  EpochNoticeSchema,
  ObserveRequestSchema,
  ErrorNoticeSchema,
]);
export type SettingsPush = z.infer<typeof SettingsPushSchema>;
export type AnnouncedSettings = SettingsPush['settings'];
export type ConfigPush = z.infer<typeof ConfigPushSchema>;
export type EpochNotice = z.infer<typeof EpochNoticeSchema>;
export type ObserveRequest = z.infer<typeof ObserveRequestSchema>;
export type ErrorNotice = z.infer<typeof ErrorNoticeSchema>;
export type VoterMessage = z.infer<typeof VoterMessageSchema>;

/**
 * Lease renewal never wakes a voter: the agent sends this exact text and the Durable Object
 * runtime answers with LEASE_PONG by itself (setWebSocketAutoResponse). The agent counts a pong
 * as a renewal at the time it sent the matching ping; the voter reads the auto-response time.
 */
export const LEASE_PING = '{"v":1,"kind":"lease-ping"}';
export const LEASE_PONG = '{"v":1,"kind":"lease-pong"}';
