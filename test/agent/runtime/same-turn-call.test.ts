// SameTurnCall: callers of one turn share a call; a caller after it started gets the next one.
import { describe, expect, it } from 'vitest';
import { SameTurnCall } from '../../../agent/runtime/same-turn-call.js';

/** A defer the test runs by hand, and a call that counts its runs and resolves when told. */
function harness() {
  const deferred: (() => void)[] = [];
  const runs: { resolve: (v: number) => void; reject: (e: Error) => void }[] = [];
  const call = new SameTurnCall<number>(
    () => new Promise<number>((resolve, reject) => runs.push({ resolve, reject })),
    (fn) => deferred.push(fn),
  );
  const turn = () => {
    for (const fn of deferred.splice(0)) fn();
  };
  return { call, runs, turn };
}

describe('SameTurnCall', () => {
  it('runs once for every caller of the same turn, and each gets the same outcome', async () => {
    const { call, runs, turn } = harness();
    const a = call.request();
    const b = call.request();
    expect(runs).toHaveLength(0);
    turn();
    expect(runs).toHaveLength(1);
    runs[0]?.resolve(7);
    expect(await Promise.all([a, b])).toEqual([7, 7]);
  });

  it('gives a caller that asks once the call has started the next call, never the running one', async () => {
    const { call, runs, turn } = harness();
    const first = call.request();
    turn();
    const second = call.request();
    turn();
    expect(runs).toHaveLength(2);
    runs[1]?.resolve(2);
    runs[0]?.resolve(1);
    expect(await first).toBe(1);
    expect(await second).toBe(2);
  });

  it('hands a failure to every caller that shared the call', async () => {
    const { call, runs, turn } = harness();
    const a = call.request();
    const b = call.request();
    turn();
    runs[0]?.reject(new Error('down'));
    await expect(a).rejects.toThrow('down');
    await expect(b).rejects.toThrow('down');
  });
});
