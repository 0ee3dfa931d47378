// Distribution summaries and ratios for the report (pure).

export interface Distribution {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * Nearest-rank percentile of `values` (0 < q <= 1): the smallest value with at least q of the
 * values at or below it. With 10 runs p90 is the 9th fastest, so every figure is one that was
 * measured, never an interpolation between two runs.
 */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  if (!(q > 0 && q <= 1)) throw new Error(`percentile: q must be in (0, 1], got ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(q * sorted.length);
  return sorted[rank - 1] as number;
}

/** Null for no values, so a missing measurement is never shown as 0. */
export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  return {
    n: values.length,
    p50: percentile(values, 0.5),
    p90: percentile(values, 0.9),
    max: Math.max(...values),
    mean: values.reduce((a, b) => a + b, 0) / values.length,
  };
}

/** ours / theirs; null when either is missing or the denominator is 0 (0/0 and x/0 have no ratio). */
export function ratio(ours: number | null, theirs: number | null): number | null {
  if (ours === null || theirs === null || theirs === 0) return null;
  return ours / theirs;
}

export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}
