// Running seeds until one breaks a given set of invariants: how the tests show the simulator has teeth.
import type { SimCores } from './cores.js';
import type { RunOptions, SeedResult } from './run.js';
import { DEFAULT_RUN, runSeed } from './run.js';

/** The invariants (README, "Invariants") that the simulator itself checks (not core self-checks or liveness). */
export const SAFETY_INVARIANTS: readonly string[] = ['1', '2', '3', '4', '5', '6'];

export interface Hunt {
  /** The first seed whose violation is one of `invariants`, or null. */
  readonly caught: SeedResult | null;
  readonly seedsRun: number;
  /** Seeds that stopped on some other violation (they could not show this one). */
  readonly otherViolations: readonly string[];
}

/**
 * A seed counts only if `baseline` (the real cores) does not break the same invariant on it, so
 * a bug of the real core is never mistaken for the variant's.
 */
export async function hunt(
  cores: SimCores,
  baseline: SimCores,
  invariants: readonly string[],
  maxSeeds: number,
  firstSeed = 1,
  options: RunOptions = DEFAULT_RUN,
): Promise<Hunt> {
  const other: string[] = [];
  for (let i = 0; i < maxSeeds; i++) {
    const seed = firstSeed + i;
    const r = await runSeed(seed, cores, options);
    if (r.violation === null) continue;
    if (invariants.includes(r.violation.invariant)) {
      const base = (await runSeed(seed, baseline, options)).violation;
      if (base === null || base.invariant !== r.violation.invariant) {
        return { caught: r, seedsRun: i + 1, otherViolations: other };
      }
    }
    other.push(`${seed}: ${r.violation.message}`);
  }
  return { caught: null, seedsRun: maxSeeds, otherViolations: other };
}
