// gather, settleAll, firstMatching and withTimeout: the combinators behind majority reads.
import { describe, expect, it } from 'vitest';
import { firstMatching, gather, settleAll, withTimeout } from '../../../workers/api/gather.js';

const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const failLater = (ms: number) =>
  new Promise<never>((_, reject) => setTimeout(() => reject(new Error('down')), ms));

describe('gather', () => {
  it('resolves with the first N answers without waiting for the slow one', async () => {
    const started = Date.now();
    const got = await gather(
      [
        { index: 0, promise: later(5, 'a') },
        { index: 1, promise: later(2000, 'b') },
        { index: 2, promise: later(10, 'c') },
      ],
      2,
    );
    expect(got.answers.map((a) => a.index)).toEqual([0, 2]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('gives up as soon as the majority is impossible', async () => {
    const got = await gather(
      [
        { index: 0, promise: failLater(1) },
        { index: 1, promise: failLater(2) },
        { index: 2, promise: later(2000, 'c') },
      ],
      2,
    );
    expect(got.answers).toEqual([]);
    expect(got.failures.map((f) => f.index)).toEqual([0, 1]);
  });
});

describe('settleAll, firstMatching, withTimeout', () => {
  it('settleAll keeps answers and failures by index', async () => {
    const got = await settleAll([
      { index: 3, promise: failLater(1) },
      { index: 4, promise: later(1, 'x') },
    ]);
    expect(got).toEqual({ answers: [{ index: 4, value: 'x' }], failures: [{ index: 3, error: 'down' }] });
  });

  it('firstMatching returns the first wanted value, or undefined once all settled', async () => {
    const calls = [
      { index: 0, promise: later(1, 1) },
      { index: 1, promise: later(5, 7) },
      { index: 2, promise: failLater(2) },
    ];
    expect(await firstMatching(calls, (v) => v > 5)).toEqual({ index: 1, value: 7 });
    expect(await firstMatching(calls, (v) => v > 50)).toBeUndefined();
  });

  it('withTimeout rejects a call that does not answer', async () => {
    await expect(withTimeout(later(1000, 'late'), 10)).rejects.toThrow('no answer within 10 ms');
    await expect(withTimeout(later(1, 'soon'), 1000)).resolves.toBe('soon');
  });
});
