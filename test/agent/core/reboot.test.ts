// Restarts seen on INFO: the dataset judged only once loaded (checkRunId), and Sentinel's
// master-reboot-down-after-period driven through the step function with its exact timing.
import { describe, expect, it } from 'vitest';
import { masterRebootDownAfterMs } from '../../../agent/core/announced.js';
import { checkRunId, datasetComplete } from '../../../agent/core/reboot.js';
import { createDetector, onProbeResult, onProbeSent } from '../../../agent/core/sdown.js';
import type { AgentInput, NodeInfo, ProbeOutcome } from '../../../agent/core/types.js';
import type { AnnouncedSettings, Observation } from '../../../workers/protocol/index.js';
import {
  A,
  B,
  C,
  config,
  Driver,
  info,
  ofKind,
  push,
  replicaOf,
  type StepEffect,
  sends,
  settings,
} from './helpers.js';

describe('checkRunId', () => {
  const before = info({ runId: 'run-1', keys: 100 });
  const rows: {
    name: string;
    previous: NodeInfo | null;
    baseline: NodeInfo | null;
    after: NodeInfo;
    complete: boolean;
    want: { runIdChanged: boolean; lost: boolean; baseline: NodeInfo | null };
  }[] = [
    {
      name: 'same run id: nothing',
      previous: before,
      baseline: null,
      after: info({ keys: 0 }),
      complete: true,
      want: { runIdChanged: false, lost: false, baseline: null },
    },
    {
      name: 'first INFO: nothing to compare',
      previous: null,
      baseline: null,
      after: info(),
      complete: true,
      want: { runIdChanged: false, lost: false, baseline: null },
    },
    {
      name: 'new run id, no keys, complete: lost',
      previous: before,
      baseline: null,
      after: info({ runId: 'run-2', keys: 0 }),
      complete: true,
      want: { runIdChanged: true, lost: true, baseline: null },
    },
    {
      name: 'new run id, 3 keys while loading: not judged, the old INFO kept',
      previous: before,
      baseline: null,
      after: info({ runId: 'run-2', keys: 3 }),
      complete: false,
      want: { runIdChanged: true, lost: false, baseline: before },
    },
    {
      name: 'still loading: still not judged, no new run id',
      previous: info({ runId: 'run-2', keys: 3 }),
      baseline: before,
      after: info({ runId: 'run-2', keys: 40 }),
      complete: false,
      want: { runIdChanged: false, lost: false, baseline: before },
    },
    {
      name: 'loaded: judged against the INFO from before the restart, kept',
      previous: info({ runId: 'run-2', keys: 40 }),
      baseline: before,
      after: info({ runId: 'run-2', keys: 100 }),
      complete: true,
      want: { runIdChanged: false, lost: false, baseline: null },
    },
    {
      name: 'loaded with under half the keys: lost',
      previous: info({ runId: 'run-2', keys: 40 }),
      baseline: before,
      after: info({ runId: 'run-2', keys: 40 }),
      complete: true,
      want: { runIdChanged: false, lost: true, baseline: null },
    },
  ];
  it.each(rows)('$name', ({ previous, baseline, after, complete, want }) => {
    const check = checkRunId(previous, baseline, after, complete);
    expect(check).toMatchObject(want);
    if (want.runIdChanged || want.baseline !== null || want.lost) expect(check.reason).not.toBeNull();
  });

  it.each([
    [null, true],
    ['pong', true],
    ['masterdown', true],
    ['loading', false],
    ['error', false],
    ['timeout', false],
  ] as const)('INFO after a %s is a whole dataset: %s', (outcome, complete) => {
    const det =
      outcome === null
        ? createDetector(0)
        : onProbeResult(onProbeSent(createDetector(0), 10), 10, outcome, 11).detector;
    expect(datasetComplete(det)).toBe(complete);
  });
});

const PERIOD = 5000;

function announce(over: Partial<AnnouncedSettings> = {}): AgentInput {
  return {
    kind: 'voter-message',
    voter: 0,
    message: {
      v: 1,
      kind: 'settings',
      group: settings().group,
      voter: 0,
      settings: {
        voters: 3,
        quorum: 2,
        downAfterMs: 1000,
        failoverTimeoutMs: 6000,
        parallelSyncs: 1,
        fencing: true,
        leaseMs: 2000,
        clockDriftRatio: 0.01,
        ...over,
      },
    },
  };
}

const probe = (node: string, at: number, outcome: ProbeOutcome): AgentInput => ({
  kind: 'probe-result',
  node,
  sentAtMs: at,
  outcome,
});

const events = (effects: readonly StepEffect[]) =>
  ofKind(effects, 'event').map((e) => `${e.name} ${e.reason}`);

function viewOf(effects: readonly StepEffect[], node: string) {
  const observations = sends(effects, 0).filter((m): m is Observation => m.kind === 'observation');
  return observations.at(-1)?.views.find((v) => v.node === node);
}

/**
 * An agent of the group (its own node A is the configured master) with the period announced,
 * that has seen A with 100 keys, then A killed (a failed probe at 1200) and back LOADING at 1300
 * with a new run id and 3 keys loaded (INFO at 1301).
 */
function restartedLoading(periodMs: number | undefined): Driver {
  const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) }, 1000);
  d.step(announce(periodMs === undefined ? {} : { masterRebootDownAfterMs: periodMs }), 1000);
  d.step({ kind: 'voter-connected', voter: 0 }, 1000);
  d.step({ kind: 'info-result', node: A, info: info({ runId: 'run-1', keys: 100 }) }, 1000);
  d.step({ kind: 'info-result', node: B, info: replicaOf(A) }, 1000);
  d.step(probe(A, 1100, 'pong'), 1101);
  d.step(probe(A, 1200, 'error'), 1201);
  const back = d.step(probe(A, 1300, 'loading'), 1301);
  expect(ofKind(back, 'info').map((e) => e.node)).toEqual([A]);
  d.step({ kind: 'info-result', node: A, info: info({ runId: 'run-2', keys: 3 }) }, 1301);
  return d;
}

/** Ticks, LOADING from A and PONG from B and C every probe interval, over (from, to]: the effects of all. */
function loadingUntil(d: Driver, from: number, to: number): StepEffect[] {
  const all: StepEffect[] = [];
  for (let at = from + 100; at <= to; at += 100) {
    all.push(...d.step({ kind: 'tick' }, at));
    for (const node of [B, C]) all.push(...d.step(probe(node, at, 'pong'), at));
    all.push(...d.step(probe(A, at, 'loading'), at));
  }
  return all;
}

describe('master-reboot-down-after-period through the step function', () => {
  it('flags the configured master on its new run id, and does not judge a dataset still loading', () => {
    const d = restartedLoading(PERIOD);
    expect(d.state.nodes[A]?.detector.rebootSinceMs).toBe(1301);
    expect(d.state.nodes[A]?.rebootedAtEpoch).toBeNull();
    expect(d.lastReason()).toContain('judged once it answers PONG (3 of 100 keys so far)');
    expect(d.lastReason()).toContain('down unless it answers PONG within 5000 ms (master_reboot)');
  });

  it('is SDOWN 1 ms after the period without a PONG, with the reason, and its downMs counts from the restart', () => {
    const d = restartedLoading(PERIOD);
    const before = loadingUntil(d, 1300, 6300);
    expect(events(before).filter((e) => e.startsWith('+sdown'))).toEqual([]);
    // 6301 - 1301 = 5000: not longer than the period yet (Sentinel's test is strict).
    expect(events(d.step(probe(A, 6301, 'loading'), 6301))).toEqual([]);
    const at = d.step(probe(A, 6302, 'loading'), 6302);
    expect(events(at)).toEqual([
      '+sdown the configured master restarted (new run id) 5001 ms ago and has not answered PONG since, over master-reboot-down-after-period 5000 ms',
    ]);
    expect(viewOf(at, A)).toMatchObject({ sdown: true, rebooted: false, downMs: 5001 });
  });

  it('a PONG ends it: -sdown, then INFO at once, and a dataset reloaded whole is no reboot', () => {
    const d = restartedLoading(PERIOD);
    loadingUntil(d, 1300, 6500);
    const pong = d.step(probe(A, 6600, 'pong'), 6600);
    expect(d.state.nodes[A]?.detector.rebootSinceMs).toBeNull();
    expect(events(pong).map((e) => e.split(' ')[0])).toEqual(['-sdown']);
    expect(ofKind(pong, 'info').map((e) => e.node)).toEqual([A]);
    const loaded = d.step({ kind: 'info-result', node: A, info: info({ runId: 'run-2', keys: 100 }) }, 6601);
    expect(events(loaded)).toEqual([]);
    expect(d.state.nodes[A]).toMatchObject({ rebootedAtEpoch: null, rebootBaseline: null });
    expect(d.lastReason()).toContain('run id changed with 100 keys kept');
  });

  it('a dataset that loads short of half its keys is a reboot with data loss, once loaded', () => {
    const d = restartedLoading(PERIOD);
    d.step(probe(A, 1400, 'pong'), 1400);
    const loaded = d.step({ kind: 'info-result', node: A, info: info({ runId: 'run-2', keys: 40 }) }, 1401);
    expect(events(loaded).map((e) => e.split(' ')[0])).toContain('+reboot');
    expect(d.state.nodes[A]?.rebootedAtEpoch).toBe(1);
  });

  it.each([
    ['0', 0],
    ['absent (a voter of the previous version)', undefined],
  ])('period %s: never down while LOADING, and no +reboot for the partial keyspace', (_, periodMs) => {
    const d = restartedLoading(periodMs);
    expect(masterRebootDownAfterMs(d.state)).toBe(0);
    const all = loadingUntil(d, 1300, 20_000);
    expect(events(all)).toEqual([]);
    expect(d.state.nodes[A]).toMatchObject({ rebootedAtEpoch: null, detector: { rebootSinceMs: null } });
  });

  it('only the configured master is flagged: a replica restarting is not', () => {
    const d = restartedLoading(PERIOD);
    d.step(probe(B, 1400, 'error'), 1401);
    d.step(probe(B, 1500, 'loading'), 1501);
    d.step({ kind: 'info-result', node: B, info: replicaOf(A, { runId: 'run-9' }) }, 1502);
    expect(d.state.nodes[B]?.detector.rebootSinceMs).toBeNull();
  });

  it('a failover away from it clears the flag: the old master loading is no longer down', () => {
    const d = restartedLoading(PERIOD);
    loadingUntil(d, 1300, 6500);
    expect(viewOf(d.step(probe(A, 6550, 'loading'), 6550), A)?.sdown ?? true).toBe(true);
    const moved = d.step(push(0, config(2, B, { state: 'promoting', previousMaster: A })), 6600);
    expect(d.state.nodes[A]?.detector.rebootSinceMs).toBeNull();
    expect(events(moved).map((e) => e.split(' ')[0])).toContain('-sdown');
  });
});

describe('the fence names the Redis process it judged (fenceRunId)', () => {
  const sentRunId = (d: Driver) => d.state.nodes[A]?.fenceSent?.runId;

  it('a restart not judged yet keeps naming the process before it; once loaded, the new one', () => {
    const d = restartedLoading(undefined);
    // INFO of run-2 arrived while it loads: its dataset is not judged, so the fence owner must keep
    // any other process than run-1 fenced (it may be the restart, empty).
    expect(sentRunId(d)).toBe('run-1');
    const pong = d.step(probe(A, 1400, 'pong'), 1401);
    expect(ofKind(pong, 'info').map((e) => e.node)).toEqual([A]);
    const judged = d.step({ kind: 'info-result', node: A, info: info({ runId: 'run-2', keys: 100 }) }, 1402);
    expect(ofKind(judged, 'fence')).toEqual([{ kind: 'fence', node: A, writableUntilMs: 0, runId: 'run-2' }]);
  });

  it('a restart found empty is fenced, naming the new process, also as the replica it is made', () => {
    const d = restartedLoading(undefined);
    d.step(probe(A, 1400, 'pong'), 1401);
    d.step({ kind: 'info-result', node: A, info: info({ runId: 'run-2', keys: 0 }) }, 1402);
    expect(d.state.nodes[A]?.fenceSent).toEqual({ writableUntilMs: 0, runId: 'run-2' });
    // Quarantined as a replica of B meanwhile: still fenced until a new config.
    d.step({ kind: 'info-result', node: A, info: replicaOf(B, { runId: 'run-2', keys: 0 }) }, 1403);
    expect(d.state.nodes[A]?.fenceSent).toEqual({ writableUntilMs: 0, runId: 'run-2' });
  });
});
