// The probe and INFO periods changed while the agent runs (SENTINEL DEBUG ping-period / info-period): the core's `timing` input.
import { describe, expect, it } from 'vitest';
import { tickPeriodMs } from '../../../agent/core/agent-schedule.js';
import { A, B, C, config, Driver, info, ofKind, replicaOf, type World } from './helpers.js';

const world = (): World => ({ infos: { [A]: info(), [B]: replicaOf(A), [C]: replicaOf(A) } });

/** Probes and INFO requests of node A over (from, to], ticking as the shell does, with every node answering. */
function countOver(d: Driver, w: World, toMs: number): { probes: number; infos: number } {
  const effects = d.run(toMs, w, tickPeriodMs(d.state.settings));
  return {
    probes: ofKind(effects, 'probe').filter((e) => e.node === A).length,
    infos: ofKind(effects, 'info').filter((e) => e.node === A).length,
  };
}

describe('the timing input', () => {
  it('changes how often each node is probed and asked for INFO, from the next tick', () => {
    const w = world();
    const d = new Driver(undefined, { highestEpoch: 0, config: config(0, A) }, 1000);
    countOver(d, w, 2000);
    // The file's periods (helpers: probes every 100 ms, INFO every 1000 ms): 20 probes, 2 INFO in 2 s.
    expect(countOver(d, w, 4000)).toEqual({ probes: 20, infos: 2 });
    d.step({ kind: 'timing', probeIntervalMs: 400, infoIntervalMs: 200, stallThresholdMs: 2000 }, 4000);
    expect(d.lastReason()).toContain('probes every 400 ms (was 100), INFO every 200 ms (was 1000)');
    expect(d.state.settings).toMatchObject({
      probeIntervalMs: 400,
      infoIntervalMs: 200,
      stallThresholdMs: 2000,
    });
    expect(countOver(d, w, 6000)).toEqual({ probes: 5, infos: 10 });
  });

  it.each([
    { probeIntervalMs: 0, infoIntervalMs: 200, stallThresholdMs: 2000 },
    { probeIntervalMs: 100, infoIntervalMs: 1.5, stallThresholdMs: 2000 },
  ])('refuses a period that is not a positive integer (%j): a broken invariant', (periods) => {
    const d = new Driver();
    expect(() => d.step({ kind: 'timing', ...periods })).toThrow(/must be a positive integer/);
  });
});
