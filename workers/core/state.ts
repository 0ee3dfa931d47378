// Creating a voter's state (fresh or from what it persisted) and small durable-state helpers.
import { type Config, initialConfig, newerConfig } from '../protocol/index.js';
import { compareOverrides, effectiveSettings } from './settings-override.js';
import type { DurableState, GroupSettings, VoterState } from './types.js';

export function initialDurable(settings: GroupSettings): DurableState {
  const config = initialConfig(settings.initialMaster);
  return {
    promisedEpoch: 0,
    vote: null,
    accepted: config,
    committed: config,
    published: config,
    paused: false,
    settingsOverride: null,
  };
}

/**
 * A voter starts (first time or after eviction/deploy) with exactly what it persisted. Nothing
 * volatile survives: agents must reconnect, so it believes nothing is down for restartGraceMs,
 * and it treats every lease as live for leaseMs after `startedAtMs`.
 */
export function createVoterState(
  settings: GroupSettings,
  index: number,
  durable: DurableState | null,
  nowMs: number,
): VoterState {
  const d = durable ?? initialDurable(settings);
  return {
    settings: effectiveSettings(settings, d.settingsOverride),
    baseline: settings,
    index,
    durable: d,
    startedAtMs: nowMs,
    agents: {},
    role: { kind: 'follower' },
    odownSinceMs: null,
    nextElectionAtMs: nowMs + settings.restartGraceMs,
    pendingRequest: null,
    requestCounter: 0,
    unfinishedSinceMs: d.committed.state === 'active' ? null : nowMs,
    stickyUntilMs: 0,
    abortStreak: 0,
    reconfInProgress: null,
    alarmAtMs: null,
  };
}

/**
 * Learn that `config` is committed: it becomes the committed config (and the published one when
 * active); accepted and promised move up with it, since a chosen value may be reported as accepted.
 */
export function learnCommitted(durable: DurableState, config: Config): DurableState {
  const committed = newerConfig(durable.committed, config);
  const published = config.state === 'active' ? newerConfig(durable.published, config) : durable.published;
  return {
    ...durable,
    committed,
    published,
    accepted: newerConfig(durable.accepted, committed),
    promisedEpoch: Math.max(durable.promisedEpoch, committed.epoch),
  };
}

export function sameConfig(a: Config, b: Config): boolean {
  return (
    a.epoch === b.epoch &&
    a.master === b.master &&
    a.state === b.state &&
    a.previousMaster === b.previousMaster &&
    a.cause === b.cause &&
    a.leader === b.leader &&
    a.publishedAtMs === b.publishedAtMs &&
    a.handoffTimeoutMs === b.handoffTimeoutMs
  );
}

export function sameDurable(a: DurableState, b: DurableState): boolean {
  return (
    a.promisedEpoch === b.promisedEpoch &&
    a.vote?.epoch === b.vote?.epoch &&
    a.vote?.candidate === b.vote?.candidate &&
    sameConfig(a.accepted, b.accepted) &&
    sameConfig(a.committed, b.committed) &&
    sameConfig(a.published, b.published) &&
    a.paused === b.paused &&
    compareOverrides(a.settingsOverride, b.settingsOverride) === 0
  );
}
