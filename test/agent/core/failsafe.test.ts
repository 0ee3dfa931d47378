// Tests of the failsafe lease: the pure grant arithmetic, the master's agent asking, and a peer's agent granting and holding.
import { describe, expect, it } from 'vitest';
import {
  computeView,
  currentFence,
  currentLeaseValidUntil,
  failsafeStatus,
  fencedAt,
} from '../../../agent/core/agent-views.js';
import {
  createFailsafe,
  dropGrants,
  type FailsafeState,
  failsafeValidUntil,
  type GrantRequest,
  grantsWanted,
  grantVerdict,
  heldAt,
  holdEnd,
  holdHorizon,
  IDLE_PEER,
  membershipOf,
  onPeerAnswer,
  onRequestSent,
  type PeerGrant,
  READINESS_PROBE_MS,
  requestDue,
} from '../../../agent/core/failsafe.js';
import type { AgentEffect, AgentInput, AgentSettings } from '../../../agent/core/types.js';
import type { AnnouncedSettings, Config } from '../../../workers/protocol/index.js';
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
  settings,
  type World,
} from './helpers.js';

const LEASE_MS = 2000;
const RHO = 0.01;

// ---------------------------------------------------------------------------------------------
// Pure functions of failsafe.ts
// ---------------------------------------------------------------------------------------------

const idlePeer = IDLE_PEER;

function withGrants(grants: Record<string, number | null>): FailsafeState {
  const peers: Record<string, PeerGrant> = {};
  for (const [node, validUntilMs] of Object.entries(grants)) peers[node] = { ...idlePeer, validUntilMs };
  return { peers, holdUntilMs: null, persistedHoldUntilMs: null, holdFor: null };
}

describe('failsafeValidUntil', () => {
  const rows: { name: string; grants: Record<string, number | null>; until: number | null }[] = [
    { name: 'every peer granted: the earliest grant counts', grants: { [B]: 5000, [C]: 4000 }, until: 4000 },
    { name: 'one peer missing: no cover at all', grants: { [B]: 5000, [C]: null }, until: null },
    { name: 'no peer granted', grants: { [B]: null, [C]: null }, until: null },
    { name: 'a peer the state does not know counts as missing', grants: { [B]: 5000 }, until: null },
  ];
  it.each(rows)('$name', ({ grants, until }) => {
    expect(failsafeValidUntil(withGrants(grants), [B, C])).toBe(until);
  });

  it('a group without peers has no failsafe (nobody promised anything)', () => {
    expect(failsafeValidUntil(withGrants({}), [])).toBeNull();
  });
});

describe('grantsWanted', () => {
  // Grants are asked for only when less than half a lease is left: a healthy group holds none.
  const rows: { name: string; until: number | null; now: number; wanted: boolean }[] = [
    { name: 'no voters lease at all', until: null, now: 1000, wanted: true },
    { name: 'a fresh lease', until: 3000, now: 1000, wanted: false },
    { name: 'exactly half a lease left', until: 2000, now: 1000, wanted: false },
    { name: 'just under half a lease left', until: 1999, now: 1000, wanted: true },
    { name: 'the lease has ended', until: 900, now: 1000, wanted: true },
  ];
  it.each(rows)('$name -> $wanted', ({ until, now, wanted }) => {
    expect(grantsWanted(until, now, LEASE_MS)).toBe(wanted);
  });
});

describe('requestDue', () => {
  const interval = 400;
  const timeout = 1000;
  const rows: { name: string; peer: PeerGrant; probe: boolean; now: number; due: boolean }[] = [
    { name: 'never asked: due at once', peer: idlePeer, probe: false, now: 1000, due: true },
    {
      name: 'answered, interval not elapsed',
      peer: { ...idlePeer, lastRequestAtMs: 1000 },
      probe: false,
      now: 1399,
      due: false,
    },
    {
      name: 'answered, interval elapsed',
      peer: { ...idlePeer, lastRequestAtMs: 1000 },
      probe: false,
      now: 1400,
      due: true,
    },
    {
      name: 'a real request in flight blocks another one',
      peer: onRequestSent(idlePeer, 1000, { probe: false }),
      probe: false,
      now: 1999,
      due: false,
    },
    {
      name: 'a real request in flight is given up after the timeout',
      peer: onRequestSent(idlePeer, 1000, { probe: false }),
      probe: false,
      now: 2000,
      due: true,
    },
    {
      // The voters' lease just got short: the first grant must not wait an interval after the probe.
      name: 'an answered readiness probe does not pace the first real request',
      peer: { ...onRequestSent(idlePeer, 1000, { probe: true }), pendingSentAtMs: null },
      probe: false,
      now: 1010,
      due: true,
    },
    {
      name: 'an answered readiness probe paces the next probe',
      peer: { ...onRequestSent(idlePeer, 1000, { probe: true }), pendingSentAtMs: null },
      probe: true,
      now: 1010,
      due: false,
    },
    {
      name: 'a real request in flight blocks a readiness probe',
      peer: onRequestSent(idlePeer, 1000, { probe: false }),
      probe: true,
      now: 1500,
      due: false,
    },
    {
      name: 'a readiness probe in flight never blocks a real request',
      peer: onRequestSent(idlePeer, 1000, { probe: true }),
      probe: false,
      now: 1400,
      due: true,
    },
    {
      name: 'a readiness probe in flight blocks another probe',
      peer: onRequestSent(idlePeer, 1000, { probe: true }),
      probe: true,
      now: 1400,
      due: false,
    },
  ];
  it.each(rows)('$name -> $due', ({ peer, probe, now, due }) => {
    expect(requestDue(peer, now, { probe, intervalMs: interval, timeoutMs: timeout })).toBe(due);
  });

  it('an interval and a timeout may run out up to earlyMs sooner (a tick early)', () => {
    const answered = { ...idlePeer, lastRequestAtMs: 1000 };
    const inFlight = onRequestSent(idlePeer, 1000, { probe: false });
    const due = (peer: PeerGrant, now: number) =>
      requestDue(peer, now, { probe: false, intervalMs: 113, timeoutMs: 113, earlyMs: 25 });
    expect([due(answered, 1087), due(answered, 1088)]).toEqual([false, true]);
    expect([due(inFlight, 1087), due(inFlight, 1088)]).toEqual([false, true]);
  });
});

describe('onPeerAnswer', () => {
  const answer = (over: Partial<{ sentAtMs: number; granted: boolean; durationMs: number }> = {}) => ({
    sentAtMs: 1000,
    granted: true,
    durationMs: LEASE_MS,
    reason: 'r',
    ...over,
  });
  const pending = onRequestSent(idlePeer, 1000, { probe: false });

  const rows: {
    name: string;
    peer: PeerGrant;
    answer: ReturnType<typeof answer>;
    current: boolean;
    validUntil: number | null;
  }[] = [
    {
      name: 'a grant counts from the send time, shortened by the drift margin',
      peer: pending,
      answer: answer(),
      current: true,
      validUntil: 1000 + LEASE_MS * (1 - RHO),
    },
    {
      name: 'a send time after now is clamped to now',
      peer: pending,
      answer: answer({ sentAtMs: 9000 }),
      current: true,
      validUntil: 1200 + LEASE_MS * (1 - RHO),
    },
    {
      name: 'a refusal does not extend the cover',
      peer: pending,
      answer: answer({ granted: false, durationMs: 0 }),
      current: true,
      validUntil: null,
    },
    {
      name: 'a grant for a config no longer held does not count',
      peer: pending,
      answer: answer(),
      current: false,
      validUntil: null,
    },
    {
      name: 'a readiness answer (0 ms) does not count',
      peer: pending,
      answer: answer({ durationMs: 0 }),
      current: true,
      validUntil: null,
    },
    {
      name: 'a refusal keeps an earlier grant: that promise still binds the peer',
      peer: { ...pending, validUntilMs: 2500 },
      answer: answer({ granted: false, durationMs: 0 }),
      current: true,
      validUntil: 2500,
    },
    {
      name: 'an older grant arriving late never shortens the cover',
      peer: { ...pending, validUntilMs: 5000 },
      answer: answer(),
      current: true,
      validUntil: 5000,
    },
  ];
  it.each(rows)('$name', ({ peer, answer: a, current, validUntil }) => {
    const next = onPeerAnswer(peer, a, 1200, { current, clockDriftRatio: RHO });
    expect(next.validUntilMs).toBe(validUntil);
    expect(next.lastAnswer).toEqual({
      atMs: 1200,
      granted: a.granted,
      durationMs: a.durationMs,
      reason: 'r',
    });
  });

  it('the pending request is cleared only by the answer to it (or a later one)', () => {
    const second = onRequestSent(onRequestSent(idlePeer, 1000, { probe: false }), 1400, { probe: false });
    // The answer to the request of 1000 arrives after the one of 1400 went out: still pending.
    expect(
      onPeerAnswer(second, answer({ sentAtMs: 1000 }), 1450, { current: true, clockDriftRatio: RHO })
        .pendingSentAtMs,
    ).toBe(1400);
    expect(
      onPeerAnswer(second, answer({ sentAtMs: 1400 }), 1450, { current: true, clockDriftRatio: RHO })
        .pendingSentAtMs,
    ).toBeNull();
    // A refusal answers the request just as well.
    const refused = onPeerAnswer(second, answer({ sentAtMs: 1400, granted: false }), 1450, {
      current: true,
      clockDriftRatio: RHO,
    });
    expect(refused.pendingSentAtMs).toBeNull();
  });
});

describe('dropGrants and createFailsafe', () => {
  it('dropping the grants forgets the cover but keeps the requests in flight and the hold', () => {
    const before: FailsafeState = {
      ...withGrants({ [B]: 5000, [C]: 4000 }),
      holdUntilMs: 7000,
      persistedHoldUntilMs: 8000,
    };
    const withPending = {
      ...before,
      peers: { ...before.peers, [B]: onRequestSent(idlePeer, 3000, { probe: false }) },
    };
    const after = dropGrants(withPending);
    expect(failsafeValidUntil(after, [B, C])).toBeNull();
    expect(after.peers[B]?.pendingSentAtMs).toBe(3000);
    expect(after.holdUntilMs).toBe(7000);
    expect(after.persistedHoldUntilMs).toBe(8000);
  });

  it('a restart honours the persisted hold, already persisted', () => {
    const restarted = createFailsafe([B, C], 6000);
    expect(restarted.holdUntilMs).toBe(6000);
    expect(restarted.persistedHoldUntilMs).toBe(6000);
    expect(heldAt(restarted, 5999)).toBe(true);
    expect(heldAt(restarted, 6000)).toBe(false);
    expect(Object.keys(restarted.peers)).toEqual([B, C]);
  });
});

describe('grantVerdict', () => {
  const options = {
    failsafe: true,
    fencing: true,
    localNodes: [B],
    peerNodes: [A, C],
    membership: membershipOf([A, B, C]),
    masterDownAndVotersReachable: false,
    config: config(3, A) as Config | null,
    writableLocal: null as string | null,
    capMs: LEASE_MS,
  };
  const request: GrantRequest = {
    from: A,
    epoch: 3,
    master: A,
    durationMs: LEASE_MS,
    // The same list in another order: the fingerprint sorts it.
    membership: membershipOf([C, B, A]),
  };

  const refusals: {
    name: string;
    request?: Partial<GrantRequest>;
    options?: Partial<typeof options>;
    reason: RegExp;
  }[] = [
    { name: 'fencing off', options: { fencing: false }, reason: /fencing is off/ },
    { name: 'failsafe off', options: { failsafe: false }, reason: /failsafe is off/ },
    {
      name: 'not a node of the group',
      request: { from: '10.9.9.9:6379', master: '10.9.9.9:6379' },
      reason: /not a node of this group/,
    },
    {
      name: 'its own node, as if a peer',
      request: { from: B, master: B },
      reason: /not a node of this group/,
    },
    { name: 'asking for another master', request: { master: C }, reason: /only a master's own agent may/ },
    {
      name: 'a higher epoch is known',
      request: { epoch: 2 },
      reason: /epoch 3 names .* above the request's 2/,
    },
    {
      name: 'the same epoch names another master',
      request: { from: C, master: C },
      reason: /epoch 3 names 10\.0\.0\.1:6379 master, not 10\.0\.0\.3:6379/,
    },
    { name: 'a local node may write', options: { writableLocal: B }, reason: /may write here/ },
    {
      // The voters can fail over a master this agent sees down: a grant would only delay that.
      name: 'the master is down from here and the voters are reachable',
      options: { masterDownAndVotersReachable: true },
      reason: /is down from here and the voters are reachable/,
    },
    {
      // The master's agent does not list C: C's agent would never be asked, and could be promoted.
      name: 'the requester lists other nodes',
      request: { membership: membershipOf([A, B]) },
      reason: /lists other nodes than this agent/,
    },
  ];
  it.each(refusals)('refuses: $name', ({ request: r, options: o, reason }) => {
    const verdict = grantVerdict({ ...request, ...r }, { ...options, ...o });
    expect(verdict).toMatchObject({ granted: false, durationMs: 0 });
    expect(verdict.reason).toMatch(reason);
  });

  const grants: {
    name: string;
    request?: Partial<GrantRequest>;
    options?: Partial<typeof options>;
    durationMs: number;
  }[] = [
    { name: 'the current config', durationMs: LEASE_MS },
    {
      name: 'a duration above the cap is capped',
      request: { durationMs: 10 * LEASE_MS },
      durationMs: LEASE_MS,
    },
    { name: 'a shorter duration is kept', request: { durationMs: 500 }, durationMs: 500 },
    // The requester may know a newer config than this agent: nothing here says it is stale.
    { name: 'a higher epoch than known', request: { epoch: 4 }, durationMs: LEASE_MS },
    { name: 'no config known yet', options: { config: null }, durationMs: LEASE_MS },
    { name: 'a readiness probe', request: { durationMs: 0 }, durationMs: 0 },
  ];
  it.each(grants)('grants: $name', ({ request: r, options: o, durationMs }) => {
    const verdict = grantVerdict({ ...request, ...r }, { ...options, ...o });
    expect(verdict).toMatchObject({ granted: true, durationMs });
  });
});

describe('holdEnd and holdHorizon', () => {
  it('the grantor holds longer than the requester counts, by the drift margin both ways', () => {
    expect(holdEnd(1000, LEASE_MS, RHO)).toBe(1000 + 2020);
    // Rounded up, never down: a millisecond short would break the promise.
    expect(holdEnd(0, 333, RHO)).toBe(337);
    // Whatever the receipt time g >= send time t, the requester's end comes first.
    for (const [t, g] of [
      [1000, 1000],
      [1000, 1500],
    ] as const) {
      expect(t + LEASE_MS * (1 - RHO)).toBeLessThan(holdEnd(g, LEASE_MS, RHO));
    }
  });

  it('the persisted horizon is two grant periods ahead, and never before the promise', () => {
    expect(holdHorizon(1000, 3020, LEASE_MS, RHO)).toBe(1000 + 4040);
    expect(holdHorizon(1000, 9000, LEASE_MS, RHO)).toBe(9000);
  });
});

// ---------------------------------------------------------------------------------------------
// A small network around one agent: voters answering lease pings, peers answering grant requests.
// ---------------------------------------------------------------------------------------------

/** How the agent of a peer node answers: grant (at most `capMs`), refuse, or not at all. */
type PeerPolicy =
  | { readonly kind: 'grant'; readonly capMs: number }
  | { readonly kind: 'refuse' }
  | { readonly kind: 'silent' };

const GRANT: PeerPolicy = { kind: 'grant', capMs: LEASE_MS };
const REFUSE: PeerPolicy = { kind: 'refuse' };
const SILENT: PeerPolicy = { kind: 'silent' };

interface Net {
  readonly world: World;
  /** Whether the voters answer a lease ping sent at this time. */
  votersRenew: (atMs: number) => boolean;
  readonly peers: Record<string, PeerPolicy>;
}

interface Timed {
  readonly atMs: number;
  readonly effect: StepEffect;
}

function replyTo(
  effect: Extract<AgentEffect, { kind: 'grant-request' }>,
  policy: PeerPolicy,
  atMs: number,
): AgentInput | null {
  if (policy.kind === 'silent') return null;
  const base = {
    kind: 'grant-reply',
    from: effect.to,
    sentAtMs: atMs,
    epoch: effect.epoch,
    master: effect.master,
  } as const;
  if (policy.kind === 'refuse')
    return { ...base, granted: false, durationMs: 0, reason: 'refused by the test' };
  return {
    ...base,
    granted: true,
    durationMs: Math.min(effect.durationMs, policy.capMs),
    reason: 'granted by the test',
  };
}

/** Feed inputs at `atMs`; probes, INFO and actions are answered by the world, pings and grant requests by the net. */
function pump(d: Driver, inputs: readonly AgentInput[], net: Net, atMs: number, into: Timed[]): void {
  let queue = [...inputs];
  for (let guard = 0; queue.length > 0 && guard < 100; guard++) {
    const effects = d.feed(queue, net.world, atMs);
    queue = [];
    for (const effect of effects) {
      into.push({ atMs, effect });
      if (effect.kind === 'lease-ping' && net.votersRenew(atMs)) {
        queue.push({ kind: 'lease-pong', voter: effect.voter, pingSentAtMs: atMs });
      }
      if (effect.kind === 'grant-request') {
        const reply = replyTo(effect, net.peers[effect.to] ?? SILENT, atMs);
        if (reply !== null) queue.push(reply);
      }
    }
  }
}

/** Tick every 50 ms up to `untilMs`. */
function run(d: Driver, untilMs: number, net: Net, into: Timed[] = []): Timed[] {
  while (d.nowMs + 50 <= untilMs) pump(d, [{ kind: 'tick' }], net, d.nowMs + 50, into);
  return into;
}

const grantRequests = (timed: readonly Timed[]) =>
  timed.flatMap((t) => (t.effect.kind === 'grant-request' ? [{ atMs: t.atMs, ...t.effect }] : []));
const fences = (timed: readonly Timed[]) =>
  timed.flatMap((t) => (t.effect.kind === 'fence' ? [{ atMs: t.atMs, ...t.effect }] : []));
const events = (timed: readonly Timed[], name: string) =>
  timed.filter((t) => t.effect.kind === 'event' && t.effect.name === name).map((t) => t.atMs);

function healthyWorld(master: string): World {
  const infos: World['infos'] = {};
  for (const node of [A, B, C]) infos[node] = node === master ? info() : replicaOf(master);
  return { infos };
}

function writable(d: Driver, node: string): boolean {
  return !fencedAt(currentFence(d.state, node, d.nowMs), d.nowMs);
}

// ---------------------------------------------------------------------------------------------
// The master's agent (local node A) asking its peers B and C
// ---------------------------------------------------------------------------------------------

/** The last time the voters answer a ping in the requester scenarios. */
const VOTERS_STOP_MS = 12_000;

/**
 * Agent of A, configured master at epoch 1, its three voters connected and renewing from 1000;
 * it then runs with the voters renewing until `VOTERS_STOP_MS` and silent after.
 */
function requester(peers: Record<string, PeerPolicy>, over: Partial<AgentSettings> = {}) {
  const d = new Driver(
    settings({ failsafe: true, ...over }),
    { highestEpoch: 1, config: config(1, A) },
    1000,
  );
  const net: Net = { world: healthyWorld(A), votersRenew: (t) => t < VOTERS_STOP_MS, peers };
  const timed: Timed[] = [];
  // Pongs come in before the first tick: a master without a lease would ask for grants at once.
  pump(
    d,
    [0, 1, 2].map((voter): AgentInput => ({ kind: 'voter-connected', voter })),
    net,
    1000,
    timed,
  );
  pump(
    d,
    [0, 1, 2].map((voter) => push(voter, config(1, A))),
    net,
    1000,
    timed,
  );
  expect(currentLeaseValidUntil(d.state)).toBe(1000 + d.state.settings.leaseMs * (1 - RHO));
  return { d, net, timed };
}

describe('the master agent asks for grants only when its voters lease runs short', () => {
  it('while the voters renew: only readiness probes, every 5 s at most, to every peer', () => {
    const { d, net, timed } = requester({ [B]: GRANT, [C]: GRANT });
    run(d, VOTERS_STOP_MS, net, timed);
    const requests = grantRequests(timed);
    expect(requests.every((r) => r.durationMs === 0)).toBe(true);
    for (const peer of [B, C]) {
      const times = requests.filter((r) => r.to === peer).map((r) => r.atMs);
      // 11 s of running: probes at the start, 5 s and 10 s later.
      expect(times.length).toBe(3);
      for (let i = 1; i < times.length; i++) {
        expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(READINESS_PROBE_MS);
      }
    }
    expect(requests.every((r) => r.epoch === 1 && r.master === A)).toBe(true);
    // Probes never cover anything.
    expect(d.state.failsafe.peers[B]?.validUntilMs).toBeNull();
    const status = failsafeStatus(d.state, d.nowMs);
    expect(status).toMatchObject({ enabled: true, active: false, coveredForMs: null, holdForMs: 0 });
    expect(status.peers.map((p) => p.ready)).toEqual([true, true]);
  });

  it('once less than half a lease is left, grants cover the master past its voters lease', () => {
    // C's agent caps grants at 1500 ms: the cover is the earliest of the peers' grants.
    const { d, net, timed } = requester({ [B]: GRANT, [C]: { kind: 'grant', capMs: 1500 } });
    run(d, VOTERS_STOP_MS, net, timed);
    const leaseEnd = currentLeaseValidUntil(d.state) ?? 0;
    const from = timed.length;
    run(d, 20_000, net, timed);
    const after = timed.slice(from);
    const real = grantRequests(after).filter((r) => r.durationMs > 0);
    const first = real[0];
    if (first === undefined) throw new Error('no grant request after the voters stopped');
    // Asked at the first tick with less than half a lease left, of every peer, for the config held.
    expect(leaseEnd - first.atMs).toBeLessThan(LEASE_MS / 2);
    expect(leaseEnd - first.atMs).toBeGreaterThanOrEqual(LEASE_MS / 2 - 50);
    expect(real.filter((r) => r.atMs === first.atMs).map((r) => r.to)).toEqual([B, C]);
    expect(real.every((r) => r.durationMs === LEASE_MS && r.epoch === 1 && r.master === A)).toBe(true);
    // Renewed at the voters' ping cadence (leaseMs / 5), not faster.
    const toB = real.filter((r) => r.to === B).map((r) => r.atMs);
    for (let i = 1; i < toB.length; i++) expect((toB[i] ?? 0) - (toB[i - 1] ?? 0)).toBe(400);
    // The fence moves to the grants: the earliest peer's send time + duration * (1 - ρ).
    const firstFence = fences(after).find((f) => f.atMs === first.atMs);
    expect(firstFence?.writableUntilMs).toBe(first.atMs + 1500 * (1 - RHO));
    expect(firstFence?.writableUntilMs).toBeGreaterThan(leaseEnd);
    // Eight seconds after the voters' lease ended, the master still writes and was never fenced.
    expect(events(after, '+fenced')).toEqual([]);
    expect(writable(d, A)).toBe(true);
    const lastB = toB.at(-1) ?? 0;
    expect(fences(after).at(-1)?.writableUntilMs).toBe(lastB + 1500 * (1 - RHO));
    expect(failsafeStatus(d.state, d.nowMs)).toMatchObject({ active: true });
  });

  it('renews on every tick when the cadence is a little over a tick (113 ms on 100 ms ticks), not every other', () => {
    // Lease 565 ms: grants asked every max(100, 565/5) = 113 ms. Without the tick's allowance they
    // went every 200 ms, and a lost reply (its challenge with it) could cost the whole grant.
    const { d, net, timed } = requester({ [B]: GRANT, [C]: GRANT }, { leaseMs: 565, probeIntervalMs: 100 });
    const from = timed.length;
    while (d.nowMs + 100 <= VOTERS_STOP_MS + 3000) pump(d, [{ kind: 'tick' }], net, d.nowMs + 100, timed);
    const toB = grantRequests(timed.slice(from))
      .filter((r) => r.to === B && r.durationMs > 0)
      .map((r) => r.atMs);
    expect(toB.length).toBeGreaterThan(20);
    for (let i = 1; i < toB.length; i++) expect((toB[i] ?? 0) - (toB[i - 1] ?? 0)).toBe(100);
    expect(writable(d, A)).toBe(true);
  });

  const partial: { name: string; peers: Record<string, PeerPolicy> }[] = [
    { name: 'one peer refuses', peers: { [B]: GRANT, [C]: REFUSE } },
    { name: 'one peer never answers', peers: { [B]: GRANT, [C]: SILENT } },
  ];
  it.each(partial)('$name: fenced when the voters lease ends, as without the failsafe', ({ peers }) => {
    const { d, net, timed } = requester(peers);
    run(d, VOTERS_STOP_MS, net, timed);
    const leaseEnd = currentLeaseValidUntil(d.state) ?? 0;
    const from = timed.length;
    run(d, 16_000, net, timed);
    const after = timed.slice(from);
    // Grants were asked for, and B granted, but one peer short means no cover at all.
    expect(grantRequests(after).filter((r) => r.durationMs > 0 && r.to === C).length).toBeGreaterThan(0);
    expect(d.state.failsafe.peers[B]?.validUntilMs).not.toBeNull();
    expect(fences(after).every((f) => (f.writableUntilMs ?? Number.POSITIVE_INFINITY) <= leaseEnd)).toBe(
      true,
    );
    const fencedAt = events(after, '+fenced');
    expect(fencedAt).toHaveLength(1);
    expect(fencedAt[0]).toBeGreaterThanOrEqual(leaseEnd);
    expect(fencedAt[0]).toBeLessThan(leaseEnd + 50);
    expect(writable(d, A)).toBe(false);
    const status = failsafeStatus(d.state, d.nowMs);
    expect(status.coveredForMs).toBeNull();
    expect(status.peers.find((p) => p.node === C)?.ready).toBe(false);
  });

  it('a master that stops answering its agent gets no grants: it fails over like a dead one', () => {
    const { d, net, timed } = requester({ [B]: GRANT, [C]: GRANT });
    // A dies while the voters are still reachable: its agent stops renewing (two probe intervals).
    run(d, 10_000, net, timed);
    const dead: Net = { ...net, world: { ...net.world, down: new Set([A]) }, votersRenew: () => true };
    const from = timed.length;
    run(d, 16_000, dead, timed);
    const after = timed.slice(from);
    const leaseEnd = currentLeaseValidUntil(d.state) ?? 0;
    expect(leaseEnd).toBeLessThanOrEqual(10_000 + 200 + LEASE_MS * (1 - RHO));
    // No request at all once A has been silent for two probe intervals, though the lease ran short.
    expect(grantRequests(after).filter((r) => r.atMs > 10_250)).toEqual([]);
    expect(events(after, '+fenced')[0]).toBeGreaterThanOrEqual(leaseEnd);
    expect(writable(d, A)).toBe(false);
  });

  describe('a config change drops the grants', () => {
    /** Voters stopped; grants from both peers cover A at `nowMs`. */
    function covered() {
      const r = requester({ [B]: GRANT, [C]: GRANT });
      run(r.d, 15_000, r.net, r.timed);
      expect(failsafeStatus(r.d.state, r.d.nowMs)).toMatchObject({ active: true });
      return r;
    }

    it('a config naming another master: no grant counts, A is fenced', () => {
      const { d, net } = covered();
      const effects: Timed[] = [];
      pump(d, [push(0, config(2, B))], net, 15_010, effects);
      expect(
        ofKind(
          effects.map((t) => t.effect),
          'fence',
        ),
      ).toEqual([{ kind: 'fence', node: A, writableUntilMs: 0, runId: 'run-1' }]);
      expect(failsafeValidUntil(d.state.failsafe, [B, C])).toBeNull();
      // And no more requests: A is no longer the master.
      expect(grantRequests(run(d, 17_000, net))).toEqual([]);
    });

    it('a newer epoch naming A again: grants for the old epoch no longer count, late ones neither', () => {
      const { d, net } = covered();
      const leaseEnd = currentLeaseValidUntil(d.state) ?? 0;
      const effects: Timed[] = [];
      pump(d, [push(0, config(2, A, { cause: 'reaffirm' }))], net, 15_010, effects);
      // Back to the voters' lease, long over: fenced until the peers grant for epoch 2.
      expect(fences(effects)).toMatchObject([{ node: A, writableUntilMs: leaseEnd }]);
      expect(writable(d, A)).toBe(false);
      // A grant for epoch 1 that was in flight arrives now: it is for a config no longer held.
      const late = d.step(
        {
          kind: 'grant-reply',
          from: B,
          sentAtMs: 15_000,
          epoch: 1,
          master: A,
          granted: true,
          durationMs: LEASE_MS,
          reason: 'late',
        },
        15_020,
      );
      expect(ofKind(late, 'fence')).toEqual([]);
      expect(d.lastReason()).toMatch(/no longer held/);
      expect(d.state.failsafe.peers[B]?.validUntilMs).toBeNull();
      // The next requests carry the new epoch, and their grants cover A again.
      const next = run(d, 15_500, net);
      expect(
        grantRequests(next)
          .filter((r) => r.durationMs > 0)
          .every((r) => r.epoch === 2),
      ).toBe(true);
      expect(writable(d, A)).toBe(true);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The agent of replica B granting to the master's agent A
// ---------------------------------------------------------------------------------------------

const grantorSettings = (over: Partial<AgentSettings> = {}) =>
  settings({ agentId: 'agent-b', localNodes: [B], failsafe: true, sentinel: null, ...over });

let requestSeq = 0;
function request(over: Partial<Extract<AgentInput, { kind: 'grant-request' }>> = {}): AgentInput {
  requestSeq += 1;
  return {
    kind: 'grant-request',
    from: A,
    requestId: `r${requestSeq}`,
    epoch: 1,
    master: A,
    durationMs: LEASE_MS,
    membership: membershipOf([A, B, C]),
    ...over,
  };
}

const replies = (effects: readonly StepEffect[]) => ofKind(effects, 'grant-reply');

describe('a peer agent grants, persists its promise first, and keeps it', () => {
  it('a grant is persisted before its reply; a request within the persisted horizon is not', () => {
    const d = new Driver(grantorSettings(), { highestEpoch: 1, config: config(1, A) }, 1000);
    const first = d.step(request(), 1000);
    const kinds = first.map((e) => e.kind);
    // The shell sends the reply only once the hold is on disk: persist comes first.
    expect(kinds.indexOf('persist')).toBeGreaterThanOrEqual(0);
    expect(kinds.indexOf('persist')).toBeLessThan(kinds.indexOf('grant-reply'));
    const persisted = ofKind(first, 'persist')[0];
    expect(persisted).toMatchObject({ highestEpoch: 1, config: config(1, A) });
    expect(persisted?.holdUntilMs).toBeGreaterThanOrEqual(1000 + LEASE_MS * (1 + RHO));
    expect(replies(first)).toMatchObject([{ to: A, granted: true, durationMs: LEASE_MS }]);
    expect(d.state.failsafe.holdUntilMs).toBe(holdEnd(1000, LEASE_MS, RHO));

    // The next renewal, a fifth of a lease later, ends within the horizon: nothing to write.
    const second = d.step(request(), 1400);
    expect(ofKind(second, 'persist')).toEqual([]);
    expect(replies(second)).toMatchObject([{ granted: true, durationMs: LEASE_MS }]);
    expect(d.state.failsafe.holdUntilMs).toBe(holdEnd(1400, LEASE_MS, RHO));

    // Once a promise would pass the horizon, it is persisted again, further ahead.
    const beyond = d.step(request(), 3100);
    expect(ofKind(beyond, 'persist')).toMatchObject([
      { holdUntilMs: holdHorizon(3100, holdEnd(3100, LEASE_MS, RHO), LEASE_MS, RHO) },
    ]);
    expect(beyond.map((e) => e.kind).indexOf('persist')).toBeLessThan(
      beyond.map((e) => e.kind).indexOf('grant-reply'),
    );
  });

  it('a config persisted during a hold keeps the hold horizon in the state file', () => {
    const d = new Driver(grantorSettings(), { highestEpoch: 1, config: config(1, A) }, 1000);
    const horizon = ofKind(d.step(request(), 1000), 'persist')[0]?.holdUntilMs;
    const pushed = d.step(push(0, config(2, A, { cause: 'reaffirm' })), 1100);
    expect(ofKind(pushed, 'persist')).toMatchObject([{ highestEpoch: 2, holdUntilMs: horizon }]);
  });

  it('a readiness probe is answered without a persist and without a hold', () => {
    const d = new Driver(grantorSettings(), { highestEpoch: 1, config: config(1, A) }, 1000);
    const effects = d.step(request({ durationMs: 0 }), 1000);
    expect(ofKind(effects, 'persist')).toEqual([]);
    expect(replies(effects)).toMatchObject([{ to: A, granted: true, durationMs: 0 }]);
    expect(d.state.failsafe.holdUntilMs).toBeNull();
  });

  const refused: {
    name: string;
    known: Config;
    request: Partial<Extract<AgentInput, { kind: 'grant-request' }>>;
    over?: Partial<AgentSettings>;
    reason: RegExp;
  }[] = [
    {
      name: 'an epoch below the known config',
      known: config(2, A),
      request: { epoch: 1 },
      reason: /above the request's 1/,
    },
    {
      name: 'a request naming another master',
      known: config(1, A),
      request: { master: C },
      reason: /only a master's own agent may/,
    },
    {
      name: 'the same epoch naming another master',
      known: config(1, A),
      request: { from: C, master: C },
      reason: /not 10\.0\.0\.3:6379/,
    },
    {
      name: 'the failsafe off on the grantor',
      known: config(1, A),
      request: {},
      over: { failsafe: false },
      reason: /failsafe is off/,
    },
  ];
  it.each(refused)(
    'refuses $name, with a reason, and holds nothing',
    ({ known, request: r, over, reason }) => {
      const d = new Driver(grantorSettings(over), { highestEpoch: known.epoch, config: known }, 1000);
      const effects = d.step(request(r), 1000);
      expect(ofKind(effects, 'persist')).toEqual([]);
      expect(replies(effects)).toMatchObject([{ granted: false, durationMs: 0 }]);
      expect(replies(effects)[0]?.reason).toMatch(reason);
      expect(d.state.failsafe.holdUntilMs).toBeNull();
      expect(d.lastReason()).toMatch(/refused/);
    },
  );

  it('refuses a master it sees down while the voters are reachable (they fail it over), grants without them', () => {
    const d = new Driver(grantorSettings(), { highestEpoch: 1, config: config(1, A) }, 1000);
    const world = { infos: { [A]: info(), [B]: replicaOf(A), [C]: replicaOf(A) }, down: new Set([A]) };
    // A stops answering B's agent: SDOWN after down-after.
    d.run(2600, world);
    expect(d.state.reported?.[A]?.sdown).toBe(true);
    // The view says how long A has been silent (the voters rank replicas by it after an outage).
    expect(computeView(d.state, A, 2600).downMs).toBeGreaterThanOrEqual(1000);
    expect(computeView(d.state, B, 2600).downMs).toBe(0);
    // No voter connected (a coordinator outage): the promise costs nothing, and B grants.
    expect(replies(d.step(request(), 2600))).toMatchObject([{ granted: true }]);
    for (const voter of [0, 1]) d.step({ kind: 'voter-connected', voter }, 2650);
    const refused = replies(d.step(request(), 2700));
    expect(refused).toMatchObject([{ granted: false, durationMs: 0 }]);
    expect(refused[0]?.reason).toMatch(/is down from here and the voters are reachable/);
  });

  it('refuses while its own node may write: it cannot promise to stay fenced', () => {
    // B is the configured master with a lease from its voters.
    const d = new Driver(grantorSettings(), { highestEpoch: 2, config: config(2, B) }, 1000);
    d.step({ kind: 'info-result', node: B, info: info() }, 1000);
    for (const voter of [0, 1, 2]) d.step({ kind: 'voter-connected', voter }, 1000);
    for (const voter of [0, 1, 2]) d.step(push(voter, config(2, B)), 1000);
    for (const voter of [0, 1, 2]) d.step({ kind: 'lease-pong', voter, pingSentAtMs: 1000 }, 1005);
    expect(writable(d, B)).toBe(true);
    const effects = d.step(request({ epoch: 2 }), 1010);
    expect(replies(effects)[0]?.reason).toMatch(/epoch 2 names 10\.0\.0\.2:6379 master, not/);
    // Even for a requester claiming a higher epoch, B's write permission forbids the promise.
    const higher = d.step(request({ epoch: 3 }), 1020);
    expect(replies(higher)).toMatchObject([{ granted: false }]);
    expect(replies(higher)[0]?.reason).toMatch(/may write here/);
  });

  describe('while the hold lasts, no promotion and no unfence', () => {
    const promoting = config(2, B, { state: 'promoting', previousMaster: A });

    it('a config naming B master waits for the hold to end, then promotes', () => {
      const d = new Driver(grantorSettings(), { highestEpoch: 1, config: config(1, A) }, 1000);
      const net: Net = { world: healthyWorld(A), votersRenew: () => true, peers: {} };
      const timed: Timed[] = [];
      pump(d, [{ kind: 'tick' }], net, 1000, timed);
      pump(d, [request()], net, 1000, timed);
      const holdUntil = holdEnd(1000, LEASE_MS, RHO);
      // The voters elect B and renew its lease: without the hold, B would be promoted and unfenced now.
      pump(
        d,
        [0, 1, 2].map((voter): AgentInput => ({ kind: 'voter-connected', voter })),
        net,
        1100,
        timed,
      );
      pump(
        d,
        [0, 1, 2].map((voter) => push(voter, promoting)),
        net,
        1100,
        timed,
      );
      expect(currentLeaseValidUntil(d.state)).not.toBeNull();
      expect(currentFence(d.state, B, d.nowMs).reason).toMatch(/promised the agent of 10\.0\.0\.1:6379/);
      run(d, holdUntil - 20, net, timed);
      expect(timed.filter((t) => t.effect.kind === 'execute' && t.effect.action.kind === 'promote')).toEqual(
        [],
      );
      expect(fences(timed).every((f) => f.writableUntilMs === 0)).toBe(true);
      // And grants to A are now refused: B knows epoch 2 names itself.
      const refusedNow = d.step(request(), d.nowMs);
      expect(replies(refusedNow)).toMatchObject([{ granted: false }]);

      const from = timed.length;
      run(d, holdUntil + 200, net, timed);
      const after = timed.slice(from);
      const promotes = after.filter((t) => t.effect.kind === 'execute' && t.effect.action.kind === 'promote');
      expect(promotes).toHaveLength(1);
      expect(promotes[0]?.atMs).toBeGreaterThanOrEqual(holdUntil);
      // Promoted under its voters' lease, it may write now.
      expect(fences(after).at(-1)?.writableUntilMs).toBeGreaterThan(d.nowMs);
      expect(writable(d, B)).toBe(true);
    });

    it('after a restart the persisted hold still forbids the promotion', () => {
      const d = new Driver(
        grantorSettings(),
        { highestEpoch: 2, config: promoting, holdUntilMs: 5000 },
        1000,
      );
      const net: Net = { world: healthyWorld(A), votersRenew: () => true, peers: {} };
      const timed: Timed[] = [];
      pump(d, [{ kind: 'tick' }], net, 1000, timed);
      run(d, 4950, net, timed);
      expect(timed.filter((t) => t.effect.kind === 'execute')).toEqual([]);
      expect(currentFence(d.state, B, d.nowMs).reason).toMatch(/promised a peer \(before a restart\)/);
      expect(failsafeStatus(d.state, d.nowMs).holdForMs).toBe(50);
      const after = run(d, 5100, net);
      expect(
        ofKind(
          after.map((t) => t.effect),
          'execute',
        ),
      ).toMatchObject([{ node: B, epoch: 2, action: { kind: 'promote' } }]);
      expect(after.find((t) => t.effect.kind === 'execute')?.atMs).toBe(5000);
    });

    it('fencing turned off by the voters during a hold keeps the node fenced until it ends', () => {
      const settingsMessage = (fencing: boolean): AgentInput => {
        const announced: AnnouncedSettings = {
          voters: 3,
          quorum: 2,
          downAfterMs: 1000,
          failoverTimeoutMs: 9000,
          parallelSyncs: 1,
          fencing,
          leaseMs: LEASE_MS,
          clockDriftRatio: RHO,
        };
        return {
          kind: 'voter-message',
          voter: 0,
          message: { v: 1, kind: 'settings', group: 'g1', voter: 0, settings: announced },
        };
      };
      const d = new Driver(grantorSettings(), { highestEpoch: 1, config: config(1, A) }, 1000);
      d.step(request(), 1000);
      // The hold's invariant (checkAgentStep) would throw on an unfence here: the step must not.
      const off = d.step(settingsMessage(false), 1100);
      expect(ofKind(off, 'fence')).toEqual([]);
      expect(d.state.settings.fencing).toBe(false);
      expect(writable(d, B)).toBe(false);
      const ended = d.step({ kind: 'tick' }, holdEnd(1000, LEASE_MS, RHO));
      expect(ofKind(ended, 'fence')).toEqual([
        { kind: 'fence', node: B, writableUntilMs: null, runId: null },
      ]);
    });

    it('a restart with a persisted hold and fencing off does not unfence before the hold ends', () => {
      const d = new Driver(
        grantorSettings({ fencing: false }),
        { highestEpoch: 1, config: config(1, A), holdUntilMs: 3000 },
        1000,
      );
      expect(ofKind(d.step({ kind: 'tick' }, 1000), 'fence')).toEqual([
        { kind: 'fence', node: B, writableUntilMs: 0, runId: null },
      ]);
      expect(ofKind(d.step({ kind: 'tick' }, 3000), 'fence')).toEqual([
        { kind: 'fence', node: B, writableUntilMs: null, runId: null },
      ]);
    });
  });
});
