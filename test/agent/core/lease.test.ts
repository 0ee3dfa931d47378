// Table-driven tests of lease arithmetic, renewal by pongs, revocation and the fencing decision.
import { describe, expect, it } from 'vitest';
import {
  createVoterLease,
  type FenceInputs,
  fenceDecision,
  leaseValidUntil,
  onEpochNotice,
  onLeasePong,
  onPingSent,
  onVoterConfig,
  onVoterDisconnected,
  pingDue,
  type VoterLease,
} from '../../../agent/core/lease.js';
import type { Config, NodeRole } from '../../../workers/protocol/index.js';
import { A, B, config } from './helpers.js';

describe('leaseValidUntil', () => {
  const rows: { name: string; renewals: (number | null)[]; voters: number; until: number | null }[] = [
    { name: 'no renewals: no lease', renewals: [null, null, null], voters: 3, until: null },
    { name: 'one of three is not a majority', renewals: [1000, null, null], voters: 3, until: null },
    {
      name: 'two of three: the older of the two counts',
      renewals: [1000, 1500, null],
      voters: 3,
      until: 1000 + 1980,
    },
    {
      name: 'three of three: the 2nd most recent counts',
      renewals: [1000, 1500, 1200],
      voters: 3,
      until: 1200 + 1980,
    },
    { name: 'one voter (development)', renewals: [700], voters: 1, until: 700 + 1980 },
    { name: 'five voters need three', renewals: [100, 500, 300, null, 400], voters: 5, until: 300 + 1980 },
  ];
  it.each(rows)('$name', ({ renewals, voters, until }) => {
    expect(leaseValidUntil(renewals, voters, 2000, 0.01)).toBe(until);
  });

  it('the drift margin shortens the agent side by leaseMs*ρ', () => {
    expect(leaseValidUntil([0, 0, 0], 3, 10_000, 0.05)).toBe(9_500);
    expect(leaseValidUntil([0, 0, 0], 3, 10_000, 0)).toBe(10_000);
  });
});

const active2A = config(2, A);

function leaseWith(cfg: Config | null, promised = 0): VoterLease {
  const base = cfg === null ? createVoterLease() : onVoterConfig(createVoterLease(), cfg);
  return onEpochNotice(onPingSent(base, 1000), promised);
}

describe('renewal by lease pongs', () => {
  const rows: { name: string; lease: VoterLease; highest: Config | null; renewed: boolean }[] = [
    {
      name: 'voter holds our highest config naming us: renews',
      lease: leaseWith(active2A),
      highest: active2A,
      renewed: true,
    },
    {
      name: 'promoting state of the same epoch also renews',
      lease: leaseWith(config(2, A, { state: 'promoting' })),
      highest: active2A,
      renewed: true,
    },
    {
      name: 'no config from the voter: no renewal',
      lease: leaseWith(null),
      highest: active2A,
      renewed: false,
    },
    {
      name: 'the agent knows no config: no renewal',
      lease: leaseWith(active2A),
      highest: null,
      renewed: false,
    },
    {
      name: 'voter is at a lower epoch: no renewal',
      lease: leaseWith(config(1, A)),
      highest: active2A,
      renewed: false,
    },
    {
      name: 'voter names another master: no renewal',
      lease: leaseWith(config(2, B)),
      highest: config(2, B),
      renewed: false,
    },
    {
      name: 'voter promised a higher epoch: revoked',
      lease: leaseWith(active2A, 3),
      highest: active2A,
      renewed: false,
    },
    {
      name: 'a newer config at the promised epoch restores it',
      lease: onVoterConfig(leaseWith(active2A, 3), config(3, A, { cause: 'reaffirm' })),
      highest: config(3, A, { cause: 'reaffirm' }),
      renewed: true,
    },
  ];
  it.each(rows)('$name', ({ lease, highest, renewed }) => {
    const pong = onLeasePong(lease, 1000, 1010, highest, [A]);
    expect(pong.renewed).toBe(renewed);
    expect(pong.lease.renewedAtMs).toBe(renewed ? 1000 : null);
    expect(pong.lease.pingSentAtMs).toBeNull();
    expect(pong.reason.length).toBeGreaterThan(0);
  });

  it('renewal time is the ping send time, clamped to now', () => {
    const pong = onLeasePong(leaseWith(active2A), 5000, 1200, active2A, [A]);
    expect(pong.lease.renewedAtMs).toBe(1200);
  });

  it('a disconnect forgets the outstanding ping and the voter config, keeps renewals', () => {
    const renewed = onLeasePong(leaseWith(active2A), 1000, 1010, active2A, [A]).lease;
    const gone = onVoterDisconnected(onPingSent(renewed, 1300));
    expect(gone).toMatchObject({ pingSentAtMs: null, latestConfig: null, renewedAtMs: 1000 });
  });
});

describe('ping cadence', () => {
  // probeIntervalMs 100, leaseMs 2000: every 400 ms, an unanswered ping is given up after 1000 ms.
  const rows: { name: string; lease: VoterLease; at: number; due: boolean }[] = [
    { name: 'never pinged: due', lease: createVoterLease(), at: 0, due: true },
    { name: 'outstanding: not due', lease: onPingSent(createVoterLease(), 0), at: 999, due: false },
    {
      name: 'outstanding for leaseMs/2: due again',
      lease: onPingSent(createVoterLease(), 0),
      at: 1000,
      due: true,
    },
    {
      name: 'answered, interval not over',
      lease: { ...onPingSent(createVoterLease(), 0), pingSentAtMs: null },
      at: 399,
      due: false,
    },
    {
      name: 'answered, interval over',
      lease: { ...onPingSent(createVoterLease(), 0), pingSentAtMs: null },
      at: 400,
      due: true,
    },
  ];
  it.each(rows)('$name', ({ lease, at, due }) => {
    expect(pingDue(lease, at, 100, 2000)).toBe(due);
  });
});

describe('fenceDecision', () => {
  const rows: {
    name: string;
    fencing: boolean;
    cfg: Config | null;
    role: NodeRole;
    validUntil: number | null;
    writableUntil: number | null;
  }[] = [
    {
      name: 'fencing off: never fenced',
      fencing: false,
      cfg: config(1, B),
      role: 'master',
      validUntil: null,
      writableUntil: null,
    },
    {
      name: 'configured master with a lease',
      fencing: true,
      cfg: config(1, A),
      role: 'master',
      validUntil: 5000,
      writableUntil: 5000,
    },
    {
      name: 'configured master without a lease is fenced now',
      fencing: true,
      cfg: config(1, A),
      role: 'master',
      validUntil: null,
      writableUntil: 0,
    },
    {
      name: 'promoting master is bounded by its lease too',
      fencing: true,
      cfg: config(1, A, { state: 'promoting' }),
      role: 'replica',
      validUntil: 3000,
      writableUntil: 3000,
    },
    {
      name: 'hand-off target without a lease: fenced (FAILOVER may promote it any moment)',
      fencing: true,
      cfg: config(1, A, { state: 'handoff', previousMaster: B }),
      role: 'replica',
      validUntil: null,
      writableUntil: 0,
    },
    {
      name: 'hand-off target with a lease: writes under it once promoted',
      fencing: true,
      cfg: config(1, A, { state: 'handoff', previousMaster: B }),
      role: 'replica',
      validUntil: 7000,
      writableUntil: 7000,
    },
    {
      name: 'master but not the configured one: fenced',
      fencing: true,
      cfg: config(1, B),
      role: 'master',
      validUntil: 9000,
      writableUntil: 0,
    },
    {
      name: 'master with no config at all: fenced',
      fencing: true,
      cfg: null,
      role: 'master',
      validUntil: null,
      writableUntil: 0,
    },
    {
      name: 'a replica that is not the master: fenced (it may become master behind our back)',
      fencing: true,
      cfg: config(1, B),
      role: 'replica',
      validUntil: 9000,
      writableUntil: 0,
    },
    {
      name: 'role unknown, not the master: fenced',
      fencing: true,
      cfg: config(1, B),
      role: 'unknown',
      validUntil: null,
      writableUntil: 0,
    },
  ];
  const inputs = (over: Partial<FenceInputs>): FenceInputs => ({
    fencing: true,
    node: A,
    config: config(1, A),
    role: 'master',
    voterLeaseUntilMs: null,
    failsafeUntilMs: null,
    inheritedUntilMs: null,
    held: null,
    rebooted: false,
    ...over,
  });

  it.each(rows)('$name', ({ fencing, cfg, role, validUntil, writableUntil }) => {
    const decision = fenceDecision(inputs({ fencing, config: cfg, role, voterLeaseUntilMs: validUntil }));
    expect(decision.writableUntilMs).toBe(writableUntil);
    expect(decision.reason.length).toBeGreaterThan(0);
  });

  it('a configured master that restarted with its data lost is fenced even with a live lease', () => {
    const decision = fenceDecision(inputs({ voterLeaseUntilMs: 99_000, rebooted: true }));
    expect(decision.writableUntilMs).toBe(0);
    expect(decision.reason).toContain('data lost');
    const off = fenceDecision(inputs({ fencing: false, voterLeaseUntilMs: 99_000, rebooted: true }));
    expect(off.writableUntilMs).toBeNull();
    // Made a replica meanwhile (reconcile's quarantine), it stays fenced until a new config.
    const quarantined = fenceDecision(inputs({ role: 'replica', voterLeaseUntilMs: 99_000, rebooted: true }));
    expect(quarantined.writableUntilMs).toBe(0);
  });

  it.each([
    { voters: 5000, peers: null, until: 5000, says: 'lease ends' },
    { voters: null, peers: 6000, until: 6000, says: 'grants of every peer' },
    { voters: 5000, peers: 6000, until: 6000, says: 'grants of every peer' },
    { voters: 7000, peers: 6000, until: 7000, says: 'lease ends' },
  ])('the configured master writes until the later lease: voters $voters, peers $peers -> $until', (row) => {
    const decision = fenceDecision(inputs({ voterLeaseUntilMs: row.voters, failsafeUntilMs: row.peers }));
    expect(decision.writableUntilMs).toBe(row.until);
    expect(decision.reason).toContain(row.says);
  });

  it("the previous process's deadline counts like a lease, for the configured master only", () => {
    const inherited = fenceDecision(inputs({ voterLeaseUntilMs: 5000, inheritedUntilMs: 8000 }));
    expect(inherited.writableUntilMs).toBe(8000);
    expect(inherited.reason).toContain('previous process');
    expect(fenceDecision(inputs({ config: config(2, B), inheritedUntilMs: 8000 })).writableUntilMs).toBe(0);
  });

  it('a node this agent promised a peer to keep fenced stays fenced, whatever its leases', () => {
    const decision = fenceDecision(
      inputs({ voterLeaseUntilMs: 9000, failsafeUntilMs: 9000, held: 'promised the agent of B' }),
    );
    expect(decision).toEqual({ writableUntilMs: 0, reason: 'promised the agent of B' });
  });
});
