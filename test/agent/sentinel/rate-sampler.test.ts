// INFO's instantaneous rates: over about the last 1.6 s, sampled as commands run, 0 after a quiet spell.
import { describe, expect, it } from 'vitest';
import { newServerStats, RateSampler } from '../../../agent/sentinel/stats.js';

describe('RateSampler', () => {
  it('measures commands and bytes per second over the last window', () => {
    const stats = newServerStats();
    const rates = new RateSampler();
    // 50 commands of 100 bytes in and 200 out every 100 ms, for 3 s.
    for (let t = 0; t <= 3000; t += 100) {
      rates.sample(stats, t);
      stats.commandsProcessed += 50;
      stats.netInputBytes += 5000;
      stats.netOutputBytes += 10_000;
    }
    const now = rates.rates(stats, 3100);
    expect(now.opsPerSec).toBe(500);
    expect(now.inputKbps).toBeCloseTo(50_000 / 1024, 5);
    expect(now.outputKbps).toBeCloseTo(100_000 / 1024, 5);
  });

  it('reads 0 when nothing ran lately, and 0 before any sample', () => {
    const stats = newServerStats();
    const rates = new RateSampler();
    expect(rates.rates(stats, 0)).toEqual({ opsPerSec: 0, inputKbps: 0, outputKbps: 0 });
    rates.sample(stats, 0);
    stats.commandsProcessed += 1000;
    rates.sample(stats, 200);
    // INFO asks 10 s later: its own sample makes the last window quiet.
    rates.sample(stats, 10_200);
    expect(rates.rates(stats, 10_200).opsPerSec).toBe(0);
  });
});
