// backoffDelayMs: exponential from initialMs, capped at maxMs, "equal jitter" in [exp/2, exp].

import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../../workers/protocol/index.js';

const policy = { initialMs: 200, maxMs: 10_000 };
/** The largest value Math.random can return. */
const ALMOST_ONE = 1 - Number.EPSILON / 2;

describe('backoffDelayMs', () => {
  it('with random() = 0 is half the exponential step', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(policy, attempt, () => 0));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 5000]);
  });

  it('with random() close to 1 is the whole exponential step', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(policy, attempt, () => ALMOST_ONE));
    expect(delays).toEqual([200, 400, 800, 1600, 3200, 6400, 10_000]);
  });

  it('with random() = 0.5 is three quarters of the step, rounded', () => {
    expect(backoffDelayMs(policy, 0, () => 0.5)).toBe(150);
    expect(backoffDelayMs(policy, 3, () => 0.5)).toBe(1200);
    expect(backoffDelayMs({ initialMs: 50, maxMs: 1000 }, 0, () => 0.5)).toBe(38); // 25 + 12.5 = 37.5
    expect(Number.isInteger(backoffDelayMs({ initialMs: 3, maxMs: 1000 }, 0, () => 0.3))).toBe(true);
  });

  it('is capped at maxMs for every later attempt, including huge ones', () => {
    for (const attempt of [6, 7, 10, 30, 31, 100, 1_000_000]) {
      expect(backoffDelayMs(policy, attempt, () => 0)).toBe(5000);
      expect(backoffDelayMs(policy, attempt, () => ALMOST_ONE)).toBe(10_000);
      expect(backoffDelayMs(policy, attempt, () => 0.5)).toBe(7500);
    }
  });

  it('never returns more than maxMs even when initialMs is above it', () => {
    expect(backoffDelayMs({ initialMs: 5000, maxMs: 1000 }, 0, () => 0)).toBe(500);
    expect(backoffDelayMs({ initialMs: 5000, maxMs: 1000 }, 0, () => ALMOST_ONE)).toBe(1000);
  });

  it('calls the random source once per delay', () => {
    let calls = 0;
    backoffDelayMs(policy, 2, () => {
      calls++;
      return 0.25;
    });
    expect(calls).toBe(1);
  });

  it('with Math.random stays within [step/2, step] and spreads over the range', () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const step = Math.min(policy.maxMs, policy.initialMs * 2 ** attempt);
      const seen = new Set<number>();
      for (let draw = 0; draw < 500; draw++) {
        const delay = backoffDelayMs(policy, attempt, Math.random);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(step / 2);
        expect(delay).toBeLessThanOrEqual(step);
        seen.add(delay);
      }
      // Jitter really is random: 500 draws over at least 51 possible values are not all equal.
      expect(seen.size).toBeGreaterThan(10);
    }
  });
});
