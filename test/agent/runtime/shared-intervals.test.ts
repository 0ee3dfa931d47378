// sharedIntervals: repeating callbacks of one period share one underlying interval, fire in registration order, cancel one by one.
import { describe, expect, it } from 'vitest';
import { sharedIntervals } from '../../../agent/runtime/shared-intervals.js';
import type { Timers } from '../../../agent/runtime/timers.js';

/** Underlying timers that only record intervals; `fire(ms)` runs every live one of that period. */
function recording() {
  const intervals: { ms: number; fn: () => void; live: boolean }[] = [];
  const timers: Timers = {
    after: () => () => {},
    every: (ms, fn) => {
      const entry = { ms, fn, live: true };
      intervals.push(entry);
      return () => {
        entry.live = false;
      };
    },
  };
  const live = () => intervals.filter((i) => i.live);
  const fire = (ms: number) => {
    for (const i of live()) if (i.ms === ms) i.fn();
  };
  return { timers, live, fire };
}

describe('sharedIntervals', () => {
  it('runs every group of one period from one interval, in registration order', () => {
    const { timers, live, fire } = recording();
    const shared = sharedIntervals(timers);
    const calls: string[] = [];
    shared.every(50, () => calls.push('g1'));
    shared.every(50, () => calls.push('g2'));
    shared.every(100, () => calls.push('slow'));
    expect(live().map((i) => i.ms)).toEqual([50, 100]);
    fire(50);
    expect(calls).toEqual(['g1', 'g2']);
  });

  it('keeps the interval while one registration is left and stops it with the last', () => {
    const { timers, live, fire } = recording();
    const shared = sharedIntervals(timers);
    const calls: string[] = [];
    const tick = () => calls.push('tick');
    const stop1 = shared.every(50, tick);
    const stop2 = shared.every(50, tick); // the same function twice is two registrations
    stop1();
    stop1();
    fire(50);
    expect(calls).toEqual(['tick']);
    expect(live()).toHaveLength(1);
    stop2();
    expect(live()).toHaveLength(0);
    shared.every(50, tick);
    expect(live()).toHaveLength(1);
  });

  it('does not run a callback another one cancelled earlier in the same round', () => {
    const { timers, fire } = recording();
    const shared = sharedIntervals(timers);
    const calls: string[] = [];
    let stopSecond = () => {};
    shared.every(50, () => {
      calls.push('first');
      stopSecond();
    });
    stopSecond = shared.every(50, () => calls.push('second'));
    fire(50);
    fire(50);
    expect(calls).toEqual(['first', 'first']);
  });
});
