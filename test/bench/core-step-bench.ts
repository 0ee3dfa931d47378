// `npx tsx test/bench/core-step-bench.ts`: the agent core's cost per tick of one healthy group, without I/O.

import type { AgentInput, AgentSettings, AgentState, WaitedInput } from '../../agent/core/index.js';
import { createAgentState, stepAgent } from '../../agent/core/index.js';
import { A, settings as groupSettings } from '../agent/core/helpers.js';

// The core tests' group (three nodes, three voters, probes every 100 ms), with the failsafe on and
// the lease at down-after, as the benches' groups run.
const settings: AgentSettings = groupSettings({ failsafe: true, leaseMs: 1000 });
const cfg = {
  epoch: 1,
  master: A,
  state: 'active' as const,
  previousMaster: null,
  cause: 'failover' as const,
  leader: 0,
};
const infoOf = (node: string) => ({
  role: node === A ? ('master' as const) : ('replica' as const),
  masterNode: node === A ? null : A,
  linkUp: node !== A,
  linkDownMs: 0,
  offsetBytes: 1000,
  runId: `run-${node}`,
  priority: 100,
  keys: 100,
  fenced: false,
});

let state: AgentState = createAgentState(settings, { highestEpoch: 1, config: cfg, holdUntilMs: null }, 0);
let now = 0;
let pending: WaitedInput[] = [];
const step = (input: AgentInput, waited: WaitedInput[] = []) => {
  const r = stepAgent(state, input, now, waited);
  state = r.state;
  for (const e of r.effects) {
    if (e.kind === 'probe')
      pending.push({
        input: { kind: 'probe-result', node: e.node, sentAtMs: now, outcome: 'pong' },
        atMs: now + 1,
      });
    if (e.kind === 'lease-ping')
      pending.push({ input: { kind: 'lease-pong', voter: e.voter, pingSentAtMs: now }, atMs: now + 2 });
    if (e.kind === 'info')
      pending.push({ input: { kind: 'info-result', node: e.node, info: infoOf(e.node) }, atMs: now + 2 });
  }
};
for (const v of [0, 1, 2]) step({ kind: 'voter-connected', voter: v });
for (const v of [0, 1, 2])
  step({
    kind: 'voter-message',
    voter: v,
    message: { v: 1, kind: 'config', group: 'g1', voter: v, config: cfg },
  });
const ticks = Number(process.argv[2] ?? 200_000);
const t0 = process.hrtime.bigint();
for (let i = 0; i < ticks; i++) {
  now += 50;
  const waited = pending.filter((p) => p.input.kind !== 'info-result');
  const infos = pending.filter((p) => p.input.kind === 'info-result');
  pending = [];
  for (const i2 of infos) step(i2.input);
  step({ kind: 'tick' }, waited);
}
const ns = Number(process.hrtime.bigint() - t0);
console.log(
  `${ticks} ticks: ${(ns / ticks / 1000).toFixed(1)} us per tick (with its waited pongs and INFO steps); fenced ${JSON.stringify(state.nodes[A]?.fenceSent)}`,
);
