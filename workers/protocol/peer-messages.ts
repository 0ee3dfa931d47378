// Messages between the voters of one group (Durable Object RPC in production).
import { z } from 'zod';
import {
  ConfigSchema,
  EpochSchema,
  GroupNameSchema,
  MillisSchema,
  NodeIdSchema,
  ReasonSchema,
  VersionSchema,
  VoterIndexSchema,
} from './common.js';

/**
 * Why a candidate asks for votes. A voter grants `failover` only if it sees ODOWN of `subject`
 * itself; `retry` only if it sees ODOWN or has itself watched a committed change stay
 * unfinished past the failover timeout; `manual` and `switchover` are operator requests
 * authorised at the API; `reaffirm` re-commits the adopted master and never changes it.
 */
export const ElectionPurposeSchema = z.enum(['failover', 'retry', 'manual', 'switchover', 'reaffirm']);
export type ElectionPurpose = z.infer<typeof ElectionPurposeSchema>;

export const VoteRequestSchema = z.object({
  v: VersionSchema,
  kind: z.literal('vote-request'),
  group: GroupNameSchema,
  epoch: EpochSchema,
  candidate: VoterIndexSchema,
  purpose: ElectionPurposeSchema,
  /** The master being failed over from, as the candidate sees it. */
  subject: NodeIdSchema,
  /** The replica an operator asked for, if any. */
  target: NodeIdSchema.nullable(),
});

export const VoteReplySchema = z.object({
  v: VersionSchema,
  kind: z.literal('vote-reply'),
  group: GroupNameSchema,
  epoch: EpochSchema,
  voter: VoterIndexSchema,
  granted: z.boolean(),
  /** Refused because another candidate holds this voter's vote or promise: back off long. */
  busy: z.boolean(),
  promisedEpoch: EpochSchema,
  /** The highest config this voter accepted (Paxos: the leader adopts the highest). */
  accepted: ConfigSchema,
  committed: ConfigSchema,
  /** Whether this voter saw ODOWN of the subject when it answered. */
  odown: z.boolean(),
  /** How long the subject's agent may still hold a lease, as this voter sees it. */
  leaseRemainingMs: MillisSchema,
  reason: ReasonSchema,
});

export const AcceptSchema = z.object({
  v: VersionSchema,
  kind: z.literal('accept'),
  group: GroupNameSchema,
  epoch: EpochSchema,
  leader: VoterIndexSchema,
  config: ConfigSchema,
});

export const AcceptReplySchema = z.object({
  v: VersionSchema,
  kind: z.literal('accept-reply'),
  group: GroupNameSchema,
  epoch: EpochSchema,
  voter: VoterIndexSchema,
  ok: z.boolean(),
  /** Echo of the accepted config's state, so a reply to an old accept is not counted for a newer one. */
  state: ConfigSchema.shape.state,
  promisedEpoch: EpochSchema,
  reason: ReasonSchema,
});

/** A config known to be committed (majority accepted); voters learn it, readers write it back. */
export const CommitSchema = z.object({
  v: VersionSchema,
  kind: z.literal('commit'),
  group: GroupNameSchema,
  config: ConfigSchema,
});

/**
 * A voter that learns of an epoch above its committed one (an agent reports it) asks its peers
 * for their committed config; a peer that holds a newer one answers with a `commit`.
 */
export const FetchStateSchema = z.object({
  v: VersionSchema,
  kind: z.literal('fetch-state'),
  group: GroupNameSchema,
  from: VoterIndexSchema,
  committedEpoch: EpochSchema,
});

export const PeerMessageSchema = z.discriminatedUnion('kind', [
  VoteRequestSchema,
  VoteReplySchema,
  AcceptSchema,
  AcceptReplySchema,
  CommitSchema,
  FetchStateSchema,
]);
export type VoteRequest = z.infer<typeof VoteRequestSchema>;
export type VoteReply = z.infer<typeof VoteReplySchema>;
export type Accept = z.infer<typeof AcceptSchema>;
export type AcceptReply = z.infer<typeof AcceptReplySchema>;
export type Commit = z.infer<typeof CommitSchema>;
export type FetchState = z.infer<typeof FetchStateSchema>;
export type PeerMessage = z.infer<typeof PeerMessageSchema>;
