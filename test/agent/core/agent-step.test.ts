// Scenario tests of the agent step function: messages, persistence order, fencing, reboots, replays.
import { describe, expect, it } from 'vitest';
import { stepAgent } from '../../../agent/core/agent-step.js';
import { currentLeaseValidUntil } from '../../../agent/core/agent-views.js';
import type { AgentInput } from '../../../agent/core/types.js';
import type { AnnouncedSettings, Config, Observation } from '../../../workers/protocol/index.js';
import {
  A,
  B,
  C,
  config,
  Driver,
  epochNotice,
  info,
  ofKind,
  push,
  replicaOf,
  type StepEffect,
  sends,
  settings,
  type World,
} from './helpers.js';

const observations = (effects: readonly StepEffect[], voter?: number): Observation[] =>
  sends(effects, voter).filter((m): m is Observation => m.kind === 'observation');

function healthyWorld(master: string): World {
  const infos: Record<string, ReturnType<typeof info>> = {};
  for (const node of [A, B, C]) infos[node] = node === master ? info() : replicaOf(master);
  return { infos };
}

describe('connecting to voters', () => {
  it('sends hello first, then a full observation', () => {
    const d = new Driver(settings(), { highestEpoch: 4, config: config(4, B) });
    const effects = d.step({ kind: 'voter-connected', voter: 1 });
    const messages = sends(effects, 1);
    expect(messages.map((m) => m.kind)).toEqual(['hello', 'observation']);
    expect(messages[0]).toMatchObject({
      kind: 'hello',
      agentId: 'agent-a',
      localNodes: [A],
      highestEpoch: 4,
    });
    expect(messages[1]).toMatchObject({ inReplyTo: null, highestEpoch: 4 });
    expect(observations(effects, 1)[0]?.views.map((v) => v.node)).toEqual([A, B, C]);
  });

  it('reports pending changes to already connected voters before greeting the new one', () => {
    const d = new Driver();
    d.step({ kind: 'voter-connected', voter: 0 });
    d.step({ kind: 'info-result', node: B, info: info() }, 1000);
    const effects = d.step({ kind: 'voter-connected', voter: 2 });
    expect(sends(effects, 2)[0]?.kind).toBe('hello');
  });
});

describe('observations carry changes, not heartbeats', () => {
  const rows: { name: string; next: ReturnType<typeof info>; sent: boolean }[] = [
    { name: 'offset moved only', next: replicaOf(B, { offsetBytes: 99_999 }), sent: false },
    { name: 'link-down duration moved only', next: replicaOf(B, { linkDownMs: 1234 }), sent: false },
    { name: 'link went down', next: replicaOf(B, { linkUp: false }), sent: true },
    { name: 'role changed', next: info(), sent: true },
    { name: 'master changed', next: replicaOf(C), sent: true },
    { name: 'run id changed', next: replicaOf(B, { runId: 'run-2' }), sent: true },
    { name: 'priority changed', next: replicaOf(B, { priority: 0 }), sent: true },
  ];
  it.each(rows)('$name -> sent: $sent', ({ next, sent }) => {
    const d = new Driver();
    d.step({ kind: 'voter-connected', voter: 0 });
    d.step({ kind: 'info-result', node: A, info: replicaOf(B) });
    const effects = d.step({ kind: 'info-result', node: A, info: next });
    const obs = observations(effects, 0);
    expect(obs.length).toBe(sent ? 1 : 0);
    if (sent) expect(obs[0]?.seq).toBeGreaterThan(1);
  });

  it('observation sequence numbers only increase', () => {
    const d = new Driver();
    d.step({ kind: 'voter-connected', voter: 0 });
    const all = [
      ...d.step({ kind: 'info-result', node: A, info: replicaOf(B) }),
      ...d.step({ kind: 'info-result', node: A, info: info() }),
      ...d.step({ kind: 'info-result', node: A, info: replicaOf(C) }),
    ];
    const seqs = observations(all).map((o) => o.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });
});

describe('config pushes', () => {
  it('persists a newer config before executing what follows from it', () => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, B) });
    d.step({ kind: 'info-result', node: A, info: replicaOf(B) });
    const effects = d.step(push(0, config(2, A, { state: 'promoting', previousMaster: B })));
    const kinds = effects.map((e) => e.kind);
    expect(kinds.indexOf('persist')).toBe(0);
    expect(ofKind(effects, 'execute')).toEqual([
      { kind: 'execute', node: A, epoch: 2, action: { kind: 'promote' } },
    ]);
    expect(ofKind(effects, 'persist')[0]).toMatchObject({ highestEpoch: 2, config: { epoch: 2, master: A } });
    expect(d.lastReason()).toMatch(/newest config/);
  });

  it('ignores a config below the highest epoch for reconciliation', () => {
    const d = new Driver(settings(), { highestEpoch: 3, config: config(3, B) });
    d.step({ kind: 'info-result', node: A, info: replicaOf(B) });
    const effects = d.step(push(0, config(2, A)));
    expect(ofKind(effects, 'persist')).toEqual([]);
    expect(ofKind(effects, 'execute')).toEqual([]);
    expect(d.state.config?.epoch).toBe(3);
    expect(d.lastReason()).toMatch(/ignored for reconciliation/);
  });

  it('a repeated config is neither persisted nor executed again while in flight', () => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, B) });
    d.step({ kind: 'info-result', node: A, info: info() });
    const first = d.step(push(0, config(2, B)), 1000);
    expect(ofKind(first, 'execute')).toEqual([
      { kind: 'execute', node: A, epoch: 2, action: { kind: 'demote', master: B } },
    ]);
    const again = d.step(push(1, config(2, B)), 1100);
    expect(ofKind(again, 'persist')).toEqual([]);
    expect(ofKind(again, 'execute')).toEqual([]);
    // Not confirmed by INFO after probeTimeoutMs*4: the same action is sent again.
    expect(ofKind(d.step({ kind: 'tick' }, 3000), 'execute')).toHaveLength(1);
  });

  it('a newer epoch re-issues an in-flight action at the new epoch, never the old', () => {
    const d = new Driver(settings(), { highestEpoch: 2, config: config(2, B) });
    const first = d.step({ kind: 'info-result', node: A, info: info() });
    expect(ofKind(first, 'execute')).toEqual([
      { kind: 'execute', node: A, epoch: 2, action: { kind: 'demote', master: B } },
    ]);
    const second = d.step(push(0, config(3, C)));
    expect(ofKind(second, 'execute')).toEqual([
      { kind: 'execute', node: A, epoch: 3, action: { kind: 'demote', master: C } },
    ]);
    expect(ofKind(second, 'event').map((e) => e.name)).toContain('+convert-to-slave');
  });
});

describe('action results and retries', () => {
  it('reports the result to every connected voter, asks INFO, and retries a failure after one probe interval', () => {
    const d = new Driver(settings(), { highestEpoch: 2, config: config(2, B) });
    d.step({ kind: 'voter-connected', voter: 0 });
    d.step({ kind: 'voter-connected', voter: 2 });
    d.step({ kind: 'info-result', node: A, info: info() }, 1000);
    const action = { kind: 'demote', master: B } as const;
    const failed = d.step(
      { kind: 'action-result', node: A, epoch: 2, action, ok: false, detail: 'READONLY' },
      1010,
    );
    expect(sends(failed).filter((m) => m.kind === 'command-result')).toHaveLength(2);
    expect(sends(failed, 2)).toContainEqual(
      expect.objectContaining({ kind: 'command-result', epoch: 2, action: 'demote', ok: false }),
    );
    expect(ofKind(failed, 'info').map((e) => e.node)).toEqual([A]);
    expect(ofKind(d.step({ kind: 'tick' }, 1109), 'execute')).toEqual([]);
    expect(ofKind(d.step({ kind: 'tick' }, 1110), 'execute')).toEqual([
      { kind: 'execute', node: A, epoch: 2, action },
    ]);
  });

  it('a hand-off is not repeated while its FAILOVER timeout runs', () => {
    const d = new Driver(settings(), {
      highestEpoch: 3,
      config: config(3, B, { state: 'handoff', previousMaster: A }),
    });
    const first = d.step({ kind: 'info-result', node: A, info: info() }, 1000);
    expect(ofKind(first, 'execute')).toEqual([
      { kind: 'execute', node: A, epoch: 3, action: { kind: 'handoff', to: B, timeoutMs: 5000 } },
    ]);
    expect(ofKind(d.step({ kind: 'tick' }, 3500), 'execute')).toEqual([]);
    expect(ofKind(d.step({ kind: 'tick' }, 8000), 'execute')).toHaveLength(1);
  });
});

describe('INFO cadence', () => {
  const infoNodes = (effects: readonly StepEffect[]) => ofKind(effects, 'info').map((e) => e.node);

  it('reads a hand-off target every 20 ms (waking between ticks) until it reports master, then every INFO interval', () => {
    // Agent of A; the voters committed a hand-off from A to B: B turns master by A's FAILOVER.
    const d = new Driver(settings(), {
      highestEpoch: 3,
      config: config(3, B, { state: 'handoff', previousMaster: A }),
    });
    expect(infoNodes(d.step({ kind: 'tick' }, 1000))).toContain(B);
    d.step({ kind: 'info-result', node: B, info: replicaOf(A) }, 1000);
    // Due 20 ms after the last read (or a quarter of that sooner, dueNow); the step asks to be woken then.
    expect(stepAgent(d.state, { kind: 'tick' }, 1001).wakeAtMs).toBe(1020);
    expect(infoNodes(d.step({ kind: 'tick' }, 1014))).toEqual([]);
    expect(infoNodes(d.step({ kind: 'tick' }, 1020))).toEqual([B]);
    d.step({ kind: 'info-result', node: B, info: info() }, 1021);
    expect(infoNodes(d.step({ kind: 'tick' }, 1200))).toEqual([]);
    expect(infoNodes(d.step({ kind: 'tick' }, 2100))).toContain(B);
  });

  it('reads the master a newer active config names at once when it is another node (its replicas wait to see it master)', () => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) });
    d.step({ kind: 'voter-connected', voter: 0 }, 1000);
    expect(infoNodes(d.step(push(0, config(2, B)), 1010))).toEqual([B]);
    // A hand-off or promotion in progress: read on the 20 ms schedule, not out of turn.
    expect(infoNodes(d.step(push(0, config(4, C, { state: 'handoff', previousMaster: B })), 1012))).toEqual(
      [],
    );
    // The same master again, or an older config: nothing read out of turn.
    expect(infoNodes(d.step(push(0, config(5, C)), 1020))).toEqual([]);
    expect(infoNodes(d.step(push(0, config(1, A)), 1030))).toEqual([]);
  });

  it('marks a node that answers again as outdated until its INFO is read again', () => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) });
    d.step({ kind: 'probe-result', node: B, sentAtMs: 1000, outcome: 'timeout' }, 1500);
    expect(
      infoNodes(d.step({ kind: 'probe-result', node: B, sentAtMs: 1600, outcome: 'pong' }, 1601)),
    ).toEqual([B]);
    expect(d.state.nodes[B]?.infoOutdated).toBe(true);
    d.step({ kind: 'info-result', node: B, info: null }, 1602);
    expect(d.state.nodes[B]?.infoOutdated).toBe(true);
    d.step({ kind: 'info-result', node: B, info: replicaOf(A) }, 1700);
    expect(d.state.nodes[B]?.infoOutdated).toBe(false);
  });

  it('reads an active master only every INFO interval', () => {
    const d = new Driver(settings(), { highestEpoch: 3, config: config(3, B) });
    d.step({ kind: 'tick' }, 1000);
    d.step({ kind: 'info-result', node: B, info: replicaOf(A) }, 1000);
    expect(infoNodes(d.step({ kind: 'tick' }, 1100))).toEqual([]);
    expect(infoNodes(d.step({ kind: 'tick' }, 2000))).toContain(B);
  });
});

describe('observe requests', () => {
  it('answers with a fresh observation once every INFO is back', () => {
    const d = new Driver();
    d.step({ kind: 'voter-connected', voter: 0 });
    d.step({ kind: 'voter-connected', voter: 1 });
    const ask = d.step({
      kind: 'voter-message',
      voter: 1,
      message: { v: 1, kind: 'observe', group: 'g1', voter: 1, epoch: 2, requestId: 'r-7' },
    });
    expect(ofKind(ask, 'info').map((e) => e.node)).toEqual([A, B, C]);
    expect(
      observations(d.step({ kind: 'info-result', node: A, info: info({ offsetBytes: 5 }) })).filter(
        (o) => o.inReplyTo !== null,
      ),
    ).toEqual([]);
    d.step({ kind: 'info-result', node: B, info: null });
    const last = d.step({ kind: 'info-result', node: C, info: replicaOf(A, { offsetBytes: 4 }) });
    const replies = observations(last).filter((o) => o.inReplyTo === 'r-7');
    expect(replies).toHaveLength(1);
    expect(sends(last, 0).some((m) => m.kind === 'observation' && m.inReplyTo !== null)).toBe(false);
    expect(replies[0]?.views.find((v) => v.node === C)?.offsetBytes).toBe(4);
  });

  it('does not wait for INFO of a node it already sees down, so a dead master cannot delay the answer', () => {
    const d = new Driver(settings({ downAfterMs: 300 }), { highestEpoch: 1, config: config(1, A) }, 1000);
    d.step({ kind: 'voter-connected', voter: 0 });
    // A stops answering: its probes time out until it is SDOWN.
    for (let t = 1000; t <= 1600; t += 100) {
      d.step({ kind: 'tick' }, t);
      d.step({ kind: 'probe-result', node: A, sentAtMs: t, outcome: 'timeout' }, t + 50);
      for (const node of [B, C]) d.step({ kind: 'probe-result', node, sentAtMs: t, outcome: 'pong' }, t + 1);
    }
    expect(
      observations(d.log.flatMap((l) => l.effects))
        .at(-1)
        ?.views.find((v) => v.node === A)?.sdown,
    ).toBe(true);
    const ask = d.step({
      kind: 'voter-message',
      voter: 0,
      message: { v: 1, kind: 'observe', group: 'g1', voter: 0, epoch: 2, requestId: 'r-9' },
    });
    expect(ofKind(ask, 'info').map((e) => e.node)).toEqual([B, C]);
    d.step({ kind: 'info-result', node: B, info: replicaOf(A, { offsetBytes: 7 }) });
    const last = d.step({ kind: 'info-result', node: C, info: replicaOf(A, { offsetBytes: 9 }) });
    expect(observations(last).filter((o) => o.inReplyTo === 'r-9')).toHaveLength(1);
  });

  it('answers with what it knows after probeTimeoutMs', () => {
    const d = new Driver();
    d.step({ kind: 'voter-connected', voter: 0 });
    d.step(
      {
        kind: 'voter-message',
        voter: 0,
        message: { v: 1, kind: 'observe', group: 'g1', voter: 0, epoch: 2, requestId: 'r-1' },
      },
      1000,
    );
    expect(observations(d.step({ kind: 'tick' }, 1499)).filter((o) => o.inReplyTo === 'r-1')).toEqual([]);
    expect(observations(d.step({ kind: 'tick' }, 1500)).filter((o) => o.inReplyTo === 'r-1')).toHaveLength(1);
  });
});

describe('reboot detection', () => {
  const rows: { name: string; after: ReturnType<typeof info>; rebooted: boolean }[] = [
    { name: 'new run id and no keys', after: info({ runId: 'run-2', keys: 0 }), rebooted: true },
    { name: 'new run id and under half the keys', after: info({ runId: 'run-2', keys: 49 }), rebooted: true },
    { name: 'new run id, data reloaded', after: info({ runId: 'run-2', keys: 90 }), rebooted: false },
    { name: 'same run id, keys deleted by clients', after: info({ keys: 0 }), rebooted: false },
  ];
  it.each(rows)('$name -> rebooted: $rebooted', ({ after, rebooted }) => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) });
    d.step({ kind: 'voter-connected', voter: 0 });
    d.step({ kind: 'info-result', node: A, info: info({ keys: 100 }) });
    const effects = d.step({ kind: 'info-result', node: A, info: after });
    expect(ofKind(effects, 'event').some((e) => e.name === '+reboot')).toBe(rebooted);
    expect(
      observations(effects, 0)
        .at(-1)
        ?.views.find((v) => v.node === A)?.rebooted ?? false,
    ).toBe(rebooted);
  });

  it('a node answering again after failed probes gets INFO at once, not at the next INFO period', () => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) });
    d.step({ kind: 'tick' });
    d.step({ kind: 'probe-result', node: A, sentAtMs: d.nowMs, outcome: 'error' }, d.nowMs + 10);
    d.step({ kind: 'tick' }, d.nowMs + 100);
    const effects = d.step(
      { kind: 'probe-result', node: A, sentAtMs: d.nowMs, outcome: 'pong' },
      d.nowMs + 5,
    );
    expect(ofKind(effects, 'info').map((e) => e.node)).toContain(A);
    expect(d.lastReason()).toContain('answers again');
    // An ordinary answer after an answer asks nothing extra.
    d.step({ kind: 'tick' }, d.nowMs + 100);
    const steady = d.step({ kind: 'probe-result', node: A, sentAtMs: d.nowMs, outcome: 'pong' }, d.nowMs + 5);
    expect(ofKind(steady, 'info')).toEqual([]);
  });

  it('a configured master that came back empty is made a replica of the best replica, not left master', () => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) });
    d.step({ kind: 'voter-connected', voter: 0 });
    d.step({ kind: 'info-result', node: B, info: replicaOf(A, { offsetBytes: 500 }) });
    d.step({ kind: 'info-result', node: C, info: replicaOf(A, { offsetBytes: 900 }) });
    d.step({ kind: 'info-result', node: A, info: info({ keys: 100 }) });
    const effects = d.step({ kind: 'info-result', node: A, info: info({ runId: 'run-2', keys: 0 }) });
    expect(ofKind(effects, 'execute')).toMatchObject([{ node: A, action: { kind: 'demote', master: C } }]);
  });

  it('not of a replica that just answered again before its INFO is read (it may have restarted empty too)', () => {
    // Seed 7539: the master and a replica both restarted empty; by the replica's INFO from before
    // its restart, each agent made its node a replica of the other, and no master was left.
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) }, 1000);
    d.step({ kind: 'info-result', node: B, info: replicaOf(A, { offsetBytes: 500 }) }, 1000);
    d.step({ kind: 'info-result', node: C, info: replicaOf(A, { offsetBytes: 900 }) }, 1000);
    d.step({ kind: 'info-result', node: A, info: info({ keys: 100 }) }, 1000);
    d.step({ kind: 'probe-result', node: C, sentAtMs: 1100, outcome: 'timeout' }, 1600);
    d.step({ kind: 'probe-result', node: C, sentAtMs: 1700, outcome: 'pong' }, 1701);
    const effects = d.step({ kind: 'info-result', node: A, info: info({ runId: 'run-2', keys: 0 }) }, 1702);
    expect(ofKind(effects, 'execute')).toMatchObject([{ node: A, action: { kind: 'demote', master: B } }]);
  });

  it('the flag stays until a config with a higher epoch arrives', () => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) });
    d.step({ kind: 'info-result', node: A, info: info({ keys: 100 }) });
    d.step({ kind: 'info-result', node: A, info: info({ runId: 'run-2', keys: 0 }) });
    d.step({ kind: 'info-result', node: A, info: info({ runId: 'run-2', keys: 5 }) });
    d.step(push(0, config(1, A)));
    expect(d.state.nodes[A]?.rebootedAtEpoch).toBe(1);
    d.step(push(0, config(2, B)));
    expect(d.state.nodes[A]?.rebootedAtEpoch).toBeNull();
  });
});

describe('fencing', () => {
  it('the configured master is fenced at start and unfenced once a majority renews', () => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) }, 1000);
    const start = d.step({ kind: 'info-result', node: A, info: info() }, 1000);
    expect(ofKind(start, 'fence')).toEqual([{ kind: 'fence', node: A, writableUntilMs: 0, runId: 'run-1' }]);
    expect(ofKind(start, 'event').map((e) => e.name)).toContain('+fenced');
    for (const voter of [0, 1, 2]) d.step({ kind: 'voter-connected', voter }, 1010);
    const pushed = [0, 1, 2].flatMap((voter) => [...d.step(push(voter, config(1, A)), 1020)]);
    // A voter that names us master at our epoch is pinged at once, not at the next tick.
    expect(ofKind(pushed, 'lease-ping').map((e) => e.voter)).toEqual([0, 1, 2]);
    const one = d.step({ kind: 'lease-pong', voter: 0, pingSentAtMs: 1020 }, 1030);
    expect(ofKind(one, 'fence')).toEqual([]);
    const two = d.step({ kind: 'lease-pong', voter: 2, pingSentAtMs: 1020 }, 1031);
    expect(ofKind(two, 'fence')).toEqual([
      { kind: 'fence', node: A, writableUntilMs: 1020 + 1980, runId: 'run-1' },
    ]);
    expect(ofKind(two, 'event').map((e) => e.name)).toContain('-fenced');
    // Without further renewals the lease runs out on its own, seen at the next tick.
    const later = d.step({ kind: 'tick' }, 3000);
    expect(ofKind(later, 'event').map((e) => e.name)).toContain('+fenced');
  });

  it('a revoking voter stops renewing: the lease cannot outlive the old majority', () => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) }, 1000);
    d.step({ kind: 'info-result', node: A, info: info() });
    for (const voter of [0, 1, 2]) d.step({ kind: 'voter-connected', voter });
    for (const voter of [0, 1, 2]) d.step(push(voter, config(1, A)));
    d.step({ kind: 'lease-pong', voter: 0, pingSentAtMs: 1000 }, 1005);
    d.step({ kind: 'lease-pong', voter: 1, pingSentAtMs: 1000 }, 1005);
    d.step(epochNotice(1, 2), 1100);
    d.step({ kind: 'lease-pong', voter: 1, pingSentAtMs: 1400 }, 1410);
    expect(d.lastReason()).toMatch(/revoked/);
    const renewedByOne = d.step({ kind: 'lease-pong', voter: 0, pingSentAtMs: 1400 }, 1410);
    // Voter 0 alone moves nothing: the majority-th renewal is still voter 1's from before its promise.
    expect(ofKind(renewedByOne, 'fence')).toEqual([]);
    expect(ofKind(d.step({ kind: 'tick' }, 2980), 'event').map((e) => e.name)).toContain('+fenced');
    // A config at the promised epoch from voter 1 (a reaffirm) lets its pongs count again.
    d.step(push(1, config(2, A, { cause: 'reaffirm' })), 3000);
    d.step(push(0, config(2, A, { cause: 'reaffirm' })), 3000);
    d.step({ kind: 'lease-pong', voter: 1, pingSentAtMs: 3000 }, 3010);
    const back = d.step({ kind: 'lease-pong', voter: 0, pingSentAtMs: 3000 }, 3010);
    expect(ofKind(back, 'fence')).toEqual([
      { kind: 'fence', node: A, writableUntilMs: 3000 + 1980, runId: 'run-1' },
    ]);
  });

  it('a master that is not the configured one is fenced; fencing off sends null', () => {
    const on = new Driver(settings(), { highestEpoch: 2, config: config(2, B) });
    expect(ofKind(on.step({ kind: 'info-result', node: A, info: info() }), 'fence')).toEqual([
      { kind: 'fence', node: A, writableUntilMs: 0, runId: 'run-1' },
    ]);
    const off = new Driver(settings({ fencing: false }), { highestEpoch: 2, config: config(2, A) });
    expect(ofKind(off.step({ kind: 'info-result', node: A, info: info() }), 'fence')).toEqual([
      { kind: 'fence', node: A, writableUntilMs: null, runId: 'run-1' },
    ]);
  });
});

describe('detection through the step function', () => {
  it('a stall never turns into SDOWN without a fresh failed probe', () => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, B) }, 1000);
    const world = healthyWorld(B);
    d.step({ kind: 'voter-connected', voter: 0 });
    d.run(2000, world);
    // Ten seconds without a tick: every old probe is suspect, nothing may be declared down.
    const stalled = d.step({ kind: 'tick' }, 12_000);
    expect(d.lastReason()).toMatch(/stall/);
    expect(ofKind(stalled, 'event').filter((e) => e.name === '+sdown')).toEqual([]);
    expect(ofKind(stalled, 'probe').map((e) => e.node)).toEqual([A, B, C]);
  });

  it('+sdown after downAfterMs of failed probes, -sdown on the first valid reply', () => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, B) }, 1000);
    const world = healthyWorld(B);
    d.step({ kind: 'voter-connected', voter: 0 });
    d.run(2000, world);
    const down = d.run(3500, { ...world, down: new Set([C]) });
    const sdown = ofKind(down, 'event').filter((e) => e.name === '+sdown');
    // Sentinel's instance format, which subscribers (Lettuce, Jedis) parse.
    expect(sdown).toMatchObject([{ payload: 'slave 10.0.0.3:6379 10.0.0.3 6379 @ g1 10.0.0.2 6379' }]);
    expect(
      observations(down, 0)
        .at(-1)
        ?.views.find((v) => v.node === C)?.sdown,
    ).toBe(true);
    const up = d.run(3600, world);
    expect(ofKind(up, 'event').map((e) => e.name)).toContain('-sdown');
    const masterDown = d.run(6000, { ...world, down: new Set([B]) });
    expect(ofKind(masterDown, 'event').filter((e) => e.name === '+sdown')).toMatchObject([
      { payload: 'master g1 10.0.0.2 6379' },
    ]);
  });
});

describe('interrupted-prefix replay', () => {
  // Failover away from local A: epoch 2 names B. Whatever prefix the agent saw before crashing
  // (restarting from its state file), feeding the rest converges on the same final action.
  const cfg2: Config = config(2, B, { state: 'promoting', previousMaster: A });
  const transition: AgentInput[] = [
    { kind: 'voter-connected', voter: 0 },
    { kind: 'voter-connected', voter: 1 },
    push(0, config(1, A)),
    epochNotice(0, 2),
    push(0, cfg2),
    push(1, cfg2),
    push(1, { ...cfg2, state: 'active' }),
    { kind: 'tick' },
  ];

  function finish(d: Driver, inputs: readonly AgentInput[], world: World): StepEffect[] {
    const effects = d.feed(inputs, world, 1100);
    return [...effects, ...d.run(4000, world)];
  }

  it.each(transition.map((_, k) => ({ k })))('crash after $k inputs', ({ k }) => {
    const world = healthyWorld(A);
    const before = new Driver(settings(), { highestEpoch: 1, config: config(1, A) }, 1000);
    const prefixEffects = before.feed(transition.slice(0, k), world, 1050);
    const persisted = ofKind(prefixEffects, 'persist').at(-1) ?? { highestEpoch: 1, config: config(1, A) };
    const after = new Driver(
      settings(),
      { highestEpoch: persisted.highestEpoch, config: persisted.config },
      1100,
    );
    const effects = [...prefixEffects, ...finish(after, transition.slice(k), world)];
    const executes = ofKind(effects, 'execute');
    expect(executes.at(-1)).toEqual({
      kind: 'execute',
      node: A,
      epoch: 2,
      action: { kind: 'demote', master: B },
    });
    expect(executes.every((e) => e.epoch === 2)).toBe(true);
    expect(world.infos[A]).toMatchObject({ role: 'replica', masterNode: B });
    expect(after.state.config).toMatchObject({ epoch: 2, master: B, state: 'active' });
  });

  it('the uninterrupted run demotes exactly once', () => {
    const world = healthyWorld(A);
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) }, 1000);
    const effects = finish(d, transition, world);
    expect(ofKind(effects, 'execute')).toHaveLength(1);
  });
});

describe('stepAgent contract', () => {
  it('every step returns a reason and never mutates its input state', () => {
    const d = new Driver();
    const frozen = JSON.stringify(d.state);
    const result = stepAgent(d.state, { kind: 'tick' }, 2000);
    expect(JSON.stringify(d.state)).toBe(frozen);
    expect(result.reason).toMatch(/tick/);
  });
});

describe('group settings announced by the voters', () => {
  const announced = (over: Partial<AnnouncedSettings> = {}): AgentInput => ({
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
        downAfterMs: 3000,
        failoverTimeoutMs: 9000,
        parallelSyncs: 1,
        fencing: true,
        leaseMs: 1500,
        clockDriftRatio: 0.02,
        ...over,
      },
    },
  });

  it('adopts fencing, lease, drift and down-after from the coordinator', () => {
    const d = new Driver(settings({ leaseMs: 2000, downAfterMs: 1000, clockDriftRatio: 0.01 }));
    d.step(announced());
    expect(d.state.settings).toMatchObject({
      leaseMs: 1500,
      downAfterMs: 3000,
      clockDriftRatio: 0.02,
      fencing: true,
    });
    expect(d.state.announced?.quorum).toBe(2);
  });

  it('keeps the smallest lease announced, so a raised lease cannot outlive a voter still on the old one', () => {
    const d = new Driver(settings());
    d.step(announced({ leaseMs: 1500 }));
    d.step(announced({ leaseMs: 4000 }));
    expect(d.state.settings.leaseMs).toBe(1500);
  });

  it('keeps its own down-after when its file overrides it', () => {
    const d = new Driver(settings({ downAfterMs: 700, downAfterOverride: true }));
    d.step(announced({ downAfterMs: 3000 }));
    expect(d.state.settings.downAfterMs).toBe(700);
  });

  it('keeps the newest runtime override: a voter that missed it cannot undo it on reconnect', () => {
    const d = new Driver(settings());
    const versioned = (version: number, quorum: number, voter = 0): AgentInput => {
      const input = announced({ quorum });
      if (input.kind !== 'voter-message' || input.message.kind !== 'settings')
        throw new Error('a settings push');
      return { ...input, voter, message: { ...input.message, voter, settingsVersion: version } };
    };
    d.step(versioned(2, 3));
    expect(d.state.announced?.quorum).toBe(3);
    // Voter 1 was unreachable during the write: it still announces the deployed settings (v0).
    d.step(versioned(0, 2, 1));
    expect(d.state.announced?.quorum).toBe(3);
    expect(d.lastReason()).toContain('v2 is newer: kept');
    d.step(versioned(3, 4, 1));
    expect(d.state.announced?.quorum).toBe(4);
    expect(d.state.announcedVersion).toBe(3);
  });

  it('holds no lease when the voters announce another number of voters', () => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) });
    d.step(announced({ voters: 5 }));
    expect(d.lastReason()).toContain('fix the agent');
    for (const voter of [0, 1, 2]) {
      d.step({ kind: 'voter-connected', voter });
      d.step(push(voter, config(1, A)));
      d.step({ kind: 'lease-pong', voter, pingSentAtMs: d.nowMs });
    }
    expect(currentLeaseValidUntil(d.state)).toBeNull();
  });
});

describe('lease renewal follows the master', () => {
  /** The configured master A, probed and answered at `at`, with every voter connected and naming it. */
  function leased(at: number) {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) }, at);
    d.step({ kind: 'info-result', node: A, info: info() }, at);
    d.step({ kind: 'probe-result', node: A, sentAtMs: at, outcome: 'pong' }, at);
    for (const voter of [0, 1, 2]) d.step({ kind: 'voter-connected', voter }, at);
    for (const voter of [0, 1, 2]) d.step(push(voter, config(1, A)), at);
    for (const voter of [0, 1, 2]) d.step({ kind: 'lease-pong', voter, pingSentAtMs: at }, at + 5);
    return d;
  }

  it('the master agent stops pinging once its node has not answered for two probe intervals', () => {
    const d = leased(1000);
    // Probes fail from here on (the node was killed): refused at once.
    const pinged: number[] = [];
    for (let t = 1050; t <= 2000; t += 50) {
      const effects = d.step({ kind: 'tick' }, t);
      for (const probe of ofKind(effects, 'probe')) {
        d.step(
          {
            kind: 'probe-result',
            node: probe.node,
            sentAtMs: t,
            outcome: probe.node === A ? 'error' : 'pong',
          },
          t + 1,
        );
      }
      if (ofKind(effects, 'lease-ping').length > 0) pinged.push(t);
      for (const e of ofKind(effects, 'lease-ping'))
        d.step({ kind: 'lease-pong', voter: e.voter, pingSentAtMs: t }, t + 2);
    }
    // Pings are due every 400 ms (leaseMs / 5); none goes out later than 200 ms after the last valid reply.
    expect(pinged.every((t) => t <= 1200)).toBe(true);
    // The fence deadline the shell holds ends leaseMs*(1-ρ) after the last renewal, no later.
    const deadlines = d.log.flatMap((l) => ofKind(l.effects, 'fence')).map((f) => f.writableUntilMs ?? 0);
    expect(Math.max(...deadlines)).toBeLessThanOrEqual(1200 + 1980);
    // The node answers again: pings resume at once, and a majority of pongs renews the lease.
    d.step({ kind: 'probe-result', node: A, sentAtMs: 3500, outcome: 'pong' }, 3501);
    const resumed = d.step({ kind: 'tick' }, 3510);
    expect(ofKind(resumed, 'lease-ping').map((e) => e.voter)).toEqual([0, 1, 2]);
    d.step({ kind: 'lease-pong', voter: 0, pingSentAtMs: 3510 }, 3515);
    const back = d.step({ kind: 'lease-pong', voter: 1, pingSentAtMs: 3510 }, 3516);
    expect(ofKind(back, 'fence')).toEqual([
      { kind: 'fence', node: A, writableUntilMs: 3510 + 1980, runId: 'run-1' },
    ]);
  });

  it('a replica agent sends no lease pings (no pong of its could renew anything); named master, it pings at once', () => {
    const d = new Driver(settings({ localNodes: [B] }), { highestEpoch: 1, config: config(1, A) }, 1000);
    for (const voter of [0, 1, 2]) d.step({ kind: 'voter-connected', voter }, 1000);
    for (const voter of [0, 1, 2]) d.step(push(voter, config(1, A)), 1000);
    for (let t = 1100; t <= 5000; t += 100)
      expect(ofKind(d.step({ kind: 'tick' }, t), 'lease-ping')).toEqual([]);
    // The voters commit B, which answers: each push names this agent's node, and pings that voter at once.
    d.step({ kind: 'probe-result', node: B, sentAtMs: 5040, outcome: 'pong' }, 5041);
    const pinged = [0, 1, 2].flatMap((voter) =>
      ofKind(d.step(push(voter, config(2, B)), 5050), 'lease-ping'),
    );
    expect(pinged.map((e) => e.voter)).toEqual([0, 1, 2]);
  });

  it("the master's agent pings only the voters that hold its config (the others' pongs renew nothing)", () => {
    const d = leased(1000);
    // Voter 2 reconnects and has not pushed its config on the new socket yet.
    d.step({ kind: 'voter-disconnected', voter: 2 }, 1010);
    d.step({ kind: 'voter-connected', voter: 2 }, 1020);
    d.step({ kind: 'probe-result', node: A, sentAtMs: 1390, outcome: 'pong' }, 1391);
    const effects = d.step({ kind: 'tick' }, 1400);
    expect(ofKind(effects, 'lease-ping').map((e) => e.voter)).toEqual([0, 1]);
    // Its push pings it at once.
    expect(ofKind(d.step(push(2, config(1, A)), 1410), 'lease-ping').map((e) => e.voter)).toEqual([2]);
  });
});
