// Builders of every message a voter sends: to agents (settings, config, epoch, observe, error) and to peers.
import {
  type Accept,
  type AcceptReply,
  type Commit,
  type Config,
  type ConfigPush,
  type ElectionPurpose,
  type EpochNotice,
  type ErrorNotice,
  type FetchState,
  type NodeId,
  type ObserveRequest,
  PROTOCOL_VERSION,
  type SettingsPush,
  type VoteReply,
  type VoteRequest,
} from '../protocol/index.js';
import type { VoterState } from './types.js';

/** The protocol's bound on an error notice's text. */
const MAX_ERROR = 500;

// To agents.

/** First on every connection: the group's settings, which the agents take over their own files. */
export function settingsPush(state: VoterState): SettingsPush {
  const s = state.settings;
  return {
    v: PROTOCOL_VERSION,
    kind: 'settings',
    group: s.name,
    voter: state.index,
    settingsVersion: state.durable.settingsOverride?.version ?? 0,
    // Named one by one: only what agents adopt goes on the wire, not the whole group config.
    settings: {
      voters: s.voters,
      quorum: s.quorum,
      downAfterMs: s.downAfterMs,
      failoverTimeoutMs: s.failoverTimeoutMs,
      parallelSyncs: s.parallelSyncs,
      masterRebootDownAfterMs: s.masterRebootDownAfterMs,
      fencing: s.fencing,
      leaseMs: s.leaseMs,
      clockDriftRatio: s.clockDriftRatio,
    },
  };
}

/** The committed config: the command every agent reconciles its node to. */
export function configPush(state: VoterState): ConfigPush {
  return {
    v: PROTOCOL_VERSION,
    kind: 'config',
    group: state.settings.name,
    voter: state.index,
    config: state.durable.committed,
  };
}

/** The promise is above the committed epoch: the agent stops counting this voter's pongs. */
export function epochNotice(state: VoterState): EpochNotice {
  return {
    v: PROTOCOL_VERSION,
    kind: 'epoch',
    group: state.settings.name,
    voter: state.index,
    epoch: state.durable.promisedEpoch,
  };
}

/** Ask an agent for a fresh observation, answered with `inReplyTo: requestId`. */
export function observeRequest(state: VoterState, epoch: number, requestId: string): ObserveRequest {
  return {
    v: PROTOCOL_VERSION,
    kind: 'observe',
    group: state.settings.name,
    voter: state.index,
    epoch,
    requestId,
  };
}

/** An agent's message was refused; the text is cut to the protocol's bound. */
export function errorNotice(group: string, voter: number, error: string): ErrorNotice {
  return { v: PROTOCOL_VERSION, kind: 'error', group, voter, error: error.slice(0, MAX_ERROR) };
}

// To peers.

export interface VoteRequestFields {
  readonly epoch: number;
  readonly purpose: ElectionPurpose;
  readonly subject: NodeId;
  readonly target: NodeId | null;
}

export function voteRequest(state: VoterState, fields: VoteRequestFields): VoteRequest {
  return {
    v: PROTOCOL_VERSION,
    kind: 'vote-request',
    group: state.settings.name,
    epoch: fields.epoch,
    candidate: state.index,
    purpose: fields.purpose,
    subject: fields.subject,
    target: fields.target,
  };
}

/** What a vote reply says beyond the voter's own durable state (which it always reports). */
export interface VoteReplyFields {
  readonly epoch: number;
  readonly granted: boolean;
  /** Refused because another candidate holds the vote (the loser backs off longer). */
  readonly busy: boolean;
  readonly odown: boolean;
  readonly leaseRemainingMs: number;
  readonly reason: string;
}

export function voteReply(state: VoterState, fields: VoteReplyFields): VoteReply {
  return {
    v: PROTOCOL_VERSION,
    kind: 'vote-reply',
    group: state.settings.name,
    epoch: fields.epoch,
    voter: state.index,
    granted: fields.granted,
    busy: fields.busy,
    promisedEpoch: state.durable.promisedEpoch,
    accepted: state.durable.accepted,
    committed: state.durable.committed,
    odown: fields.odown,
    leaseRemainingMs: fields.leaseRemainingMs,
    reason: fields.reason,
  };
}

/** The leader's proposal for its epoch. */
export function acceptRequest(state: VoterState, epoch: number, config: Config): Accept {
  return {
    v: PROTOCOL_VERSION,
    kind: 'accept',
    group: state.settings.name,
    epoch,
    leader: state.index,
    config,
  };
}

/** The answer to `accept`: accepted or not, for the proposal's epoch and config state. */
export function acceptReply(
  state: VoterState,
  accept: Accept,
  verdict: { readonly ok: boolean; readonly reason: string },
): AcceptReply {
  return {
    v: PROTOCOL_VERSION,
    kind: 'accept-reply',
    group: state.settings.name,
    epoch: accept.epoch,
    voter: state.index,
    ok: verdict.ok,
    state: accept.config.state,
    promisedEpoch: state.durable.promisedEpoch,
    reason: verdict.reason,
  };
}

/** A committed config; also what a reader's repair feeds to the core (from voter -1). */
export function commitMessage(group: string, config: Config): Commit {
  return { v: PROTOCOL_VERSION, kind: 'commit', group, config };
}

/** Ask the peers for a committed config newer than this voter's. */
export function fetchState(state: VoterState): FetchState {
  return {
    v: PROTOCOL_VERSION,
    kind: 'fetch-state',
    group: state.settings.name,
    from: state.index,
    committedEpoch: state.durable.committed.epoch,
  };
}
