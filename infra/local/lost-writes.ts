// Acknowledged writes missing from the new master, and which of them asynchronous replication explains (pure).
import type { AckedWrite } from './write-load.js';

export interface LostWrites {
  readonly lost: number;
  /** Lost writes acknowledged within the lag window before the kill: the replicas may not have had them. */
  readonly lostInLagWindow: number;
  /** Keys of the lost writes nothing explains (acknowledged after the kill, or before the window). */
  readonly lostBeyondLagWindow: readonly string[];
}

export function classifyLostWrites(
  acked: readonly AckedWrite[],
  present: ReadonlySet<string>,
  window: { readonly killAtMs: number; readonly lagWindowMs: number },
): LostWrites {
  const lost = acked.filter((w) => !present.has(w.key));
  const beyond = lost.filter(
    (w) => w.ackAtMs > window.killAtMs || w.ackAtMs < window.killAtMs - window.lagWindowMs,
  );
  return {
    lost: lost.length,
    lostInLagWindow: lost.length - beyond.length,
    lostBeyondLagWindow: beyond.map((w) => w.key),
  };
}
