// Deliberately unsafe voter cores must be caught: proof that the simulator's scenarios and checks have teeth.
import { describe, expect, it } from 'vitest';
import type { SimCores } from './cores.js';
import { hunt, SAFETY_INVARIANTS } from './hunt.js';
import { REAL_CORES } from './real-cores.js';
import { replayCommand } from './run.js';
import {
  acceptsLowerEpoch,
  forgetsVotes,
  grantsWithoutPersisting,
  ignoresGrants,
  ignoresParallelSyncs,
  skipsLeaseWait,
  votesTwice,
} from './unsafe-cores.js';

const MAX_SEEDS = 300;

const variants: readonly { name: string; cores: SimCores; invariants?: readonly string[] }[] = [
  { name: '(a) a voter that votes twice in one epoch', cores: votesTwice(REAL_CORES) },
  { name: '(b) a vote answered before it is persisted', cores: forgetsVotes(REAL_CORES) },
  { name: "(c) promoting without waiting for the old master's lease", cores: skipsLeaseWait(REAL_CORES) },
  { name: '(d) accepting a config below the promised epoch', cores: acceptsLowerEpoch(REAL_CORES) },
  { name: '(e) an agent that promotes despite an unexpired grant', cores: ignoresGrants(REAL_CORES) },
  {
    name: '(f) an agent that grants without persisting its hold',
    cores: grantsWithoutPersisting(REAL_CORES),
  },
  {
    name: '(g) agents that repoint every replica at once, ignoring parallel-syncs',
    cores: ignoresParallelSyncs(REAL_CORES),
    invariants: ['P'],
  },
];

describe('the simulator catches unsafe voters and agents', () => {
  for (const variant of variants) {
    it(`${variant.name} within ${MAX_SEEDS} seeds`, { timeout: 240_000 }, async () => {
      const found = await hunt(variant.cores, REAL_CORES, variant.invariants ?? SAFETY_INVARIANTS, MAX_SEEDS);
      const r = found.caught;
      const why = `not caught in ${MAX_SEEDS} seeds; other stops: ${found.otherViolations.slice(0, 5).join(' | ')}`;
      expect(r, why).not.toBeNull();
      if (r !== null) {
        console.log(
          `${variant.name}: caught after ${found.seedsRun} seeds (${replayCommand(r)}): ${r.violation?.message}`,
        );
      }
    });
  }
});
