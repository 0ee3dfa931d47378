import { describe, expect, it } from 'vitest';
import { distribution, mean, percentile, ratio } from './stats.js';

describe('percentile (nearest rank)', () => {
  const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
  it.each([
    [0.5, 5],
    [0.9, 9],
    [1, 10],
    [0.1, 1],
    [0.01, 1],
  ])('q=%s of 1..10 is %s', (q, expected) => {
    expect(percentile(ten, q)).toBe(expected);
  });

  it('of one value is that value at every q', () => {
    expect([0.5, 0.9, 1].map((q) => percentile([42], q))).toEqual([42, 42, 42]);
  });

  it('refuses no values and q outside (0, 1]', () => {
    expect(() => percentile([], 0.5)).toThrow(/no values/);
    expect(() => percentile([1], 0)).toThrow(/q must be/);
    expect(() => percentile([1], 1.5)).toThrow(/q must be/);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    percentile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('distribution', () => {
  it('summarises p50, p90, max and mean', () => {
    expect(distribution([2210, 2300, 2250, 2480])).toEqual({
      n: 4,
      p50: 2250,
      p90: 2480,
      max: 2480,
      mean: 2310,
    });
  });

  it('is null without values (a missing measurement is never 0)', () => {
    expect(distribution([])).toBeNull();
  });
});

describe('ratio', () => {
  it.each([
    [1, 4, 0.25],
    [0, 10, 0],
    [5, 0, null],
    [0, 0, null],
    [null, 3, null],
    [3, null, null],
  ])('%s / %s = %s', (a, b, expected) => {
    expect(ratio(a, b)).toBe(expected);
  });

  it('mean of nothing is null', () => {
    expect(mean([])).toBeNull();
    expect(mean([1, 2, 3])).toBe(2);
  });
});
