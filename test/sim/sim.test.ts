// The CI run of the deterministic simulator: hundreds of mixed seeds with the real cores, no violation allowed.
import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue.js';
import { REAL_CORES } from './real-cores.js';
import { Rng } from './rng.js';
import { addToSummary, DEFAULT_RUN, emptySummary, replayCommand, runSeed, summaryLine } from './run.js';

const SEEDS = 500;

describe('simulator plumbing', () => {
  it('orders events by time, then by insertion', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    for (const [t, label] of [
      [5, 'c'],
      [1, 'a'],
      [5, 'd'],
      [1, 'b'],
      [3, 'x'],
    ] as const) {
      q.push(t, label, () => seen.push(label));
    }
    for (let e = q.pop(); e !== null; e = q.pop()) e.run();
    expect(seen).toEqual(['a', 'b', 'x', 'c', 'd']);
  });

  it('replays a seed exactly', async () => {
    expect(new Rng(7).nextU32()).toBe(new Rng(7).nextU32());
    const a = await runSeed(3, REAL_CORES);
    const b = await runSeed(3, REAL_CORES);
    expect(b.events).toBe(a.events);
    expect(b.ackedWrites).toBe(a.ackedWrites);
    expect(b.trace.last(80)).toEqual(a.trace.last(80));
  });
});

describe(`simulation of ${SEEDS} mixed seeds with the real cores`, () => {
  it('breaks no invariant, and really fails over', { timeout: 240_000 }, async () => {
    const summary = emptySummary();
    const started = Date.now();
    for (let seed = 1; seed <= SEEDS; seed++)
      addToSummary(summary, await runSeed(seed, REAL_CORES, DEFAULT_RUN));
    const line = summaryLine(summary);
    console.log(`${line} [${((Date.now() - started) / 1000).toFixed(1)} s wall]`);
    const failures = summary.violations.map(
      (r) => `seed ${r.seed}: ${r.violation?.message}\n  replay: ${replayCommand(r)}`,
    );
    expect(failures, line).toEqual([]);
    // Teeth against a simulator that does nothing: most seeds start by hitting the master.
    expect(summary.failovers).toBeGreaterThan(SEEDS / 3);
    expect(summary.durationsMs.length).toBeGreaterThan(SEEDS / 5);
    expect(summary.ackedWithFencing).toBeGreaterThan(SEEDS * 100);
    expect(summary.ackedWithoutFencing).toBeGreaterThan(0);
    // The failsafe's windows (voters unreachable, every agent up) really occur, and hold the master.
    expect(summary.failsafe.windows).toBeGreaterThan(SEEDS / 20);
    expect(summary.failsafe.writableMs / summary.failsafe.windowMs).toBeGreaterThan(0.99);
  });
});
