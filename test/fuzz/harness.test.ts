// The fuzz runner itself: budgets from the environment, seeds that replay, failures that name their seed.
import { describe, expect, it } from 'vitest';
import { FuzzCase, fuzzSettings, runFuzz, seedsFor } from './harness.js';

const target = { name: 'harness/demo', file: 'test/fuzz/harness.test.ts', runs: 5, caseTimeoutMs: 200 };

describe('fuzz settings', () => {
  it('reads FUZZ_RUNS (N or xF), FUZZ_START, FUZZ_SEED and FUZZ_TRACE', () => {
    expect(seedsFor(target, fuzzSettings({}))).toEqual({ regressions: [], range: [1, 2, 3, 4, 5] });
    expect(seedsFor(target, fuzzSettings({ FUZZ_RUNS: '3', FUZZ_START: '10' })).range).toEqual([10, 11, 12]);
    expect(seedsFor(target, fuzzSettings({ FUZZ_RUNS: 'x2' })).range).toHaveLength(10);
    expect(seedsFor(target, fuzzSettings({ FUZZ_SEED: '77', FUZZ_RUNS: '1000' }))).toEqual({
      regressions: [],
      range: [77],
    });
    expect(fuzzSettings({ FUZZ_TRACE: '1' }).trace).toBe(true);
    expect(() => fuzzSettings({ FUZZ_RUNS: 'lots' })).toThrow(/FUZZ_RUNS/);
    expect(() => fuzzSettings({ FUZZ_SEED: '-1' })).toThrow(/FUZZ_SEED/);
  });

  it('runs regression seeds outside the range first, and not twice inside it', () => {
    const withRegressions = { ...target, regressions: [3, 99] };
    expect(seedsFor(withRegressions, fuzzSettings({}))).toEqual({
      regressions: [99],
      range: [1, 2, 3, 4, 5],
    });
    expect(seedsFor(withRegressions, fuzzSettings({ FUZZ_SEED: '4' })).regressions).toEqual([]);
  });
});

describe('fuzz cases', () => {
  it('replay: the same seed and target draw the same stream; another target draws another', () => {
    const draw = (name: string, seed: number) =>
      Array.from({ length: 5 }, () => new FuzzCase(name, seed).rng.nextU32());
    const a = new FuzzCase('t', 42);
    const b = new FuzzCase('t', 42);
    expect([a.rng.nextU32(), a.rng.nextU32()]).toEqual([b.rng.nextU32(), b.rng.nextU32()]);
    expect(draw('t', 42)).not.toEqual(draw('u', 42));
  });

  it('a failure names its seed, its inputs and the replay command; the run stops there', async () => {
    const seen: number[] = [];
    const run = runFuzz(
      target,
      fuzzSettings({}),
      (c) => {
        seen.push(c.seed);
        c.note('input', 'x'.repeat(700));
        if (c.seed === 3) throw new Error('boom');
      },
      () => {},
    );
    await expect(run).rejects.toThrow(/fuzz harness\/demo: seed 3 failed: boom/);
    await expect(run).rejects.toThrow(
      /replay: FUZZ_SEED=3 npx vitest run test\/fuzz\/harness.test.ts -t 'harness\/demo'/,
    );
    await expect(run).rejects.toThrow(/input: "x{599}\.\.\. \(702 chars\)/);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('an asynchronous case that never answers fails at its bound, naming the seed', async () => {
    const run = runFuzz(
      target,
      fuzzSettings({ FUZZ_SEED: '9' }),
      () => new Promise<void>(() => {}),
      () => {},
    );
    await expect(run).rejects.toThrow(/seed 9 failed: no answer within 200 ms/);
  });

  it('reports runs, seeds and time', async () => {
    const lines: string[] = [];
    const report = await runFuzz(
      target,
      fuzzSettings({}),
      () => {},
      (line) => lines.push(line),
    );
    expect(report).toMatchObject({ runs: 5, firstSeed: 1, lastSeed: 5, regressions: 0 });
    expect(lines).toEqual([
      expect.stringMatching(
        /^fuzz harness\/demo: 5 runs, seeds 1\.\.5, \d+\.\d\d s \(slowest \d+ ms, seed \d+\)$/,
      ),
    ]);
  });
});
