// Where a run of the local stack keeps its logs, generated files and state: .local-state/run-<timestamp>.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { liveGroups } from './stack-registry.js';

/** Runs kept under .local-state (logs for a post-mortem); older ones are removed at the next start. */
const KEPT_RUNS = 10;

export function defaultRunDir(root: string): string {
  const base = join(root, '.local-state');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  try {
    // ISO timestamps sort by time; the new run is not created yet, hence KEPT_RUNS - 1.
    // A run whose processes still run (a killed launcher's) is kept: `demo --stop` needs its records.
    const runs = readdirSync(base)
      .filter((name) => name.startsWith('run-') && liveGroups(join(base, name)).length === 0)
      .sort();
    for (const old of runs.slice(0, Math.max(0, runs.length - (KEPT_RUNS - 1)))) {
      rmSync(join(base, old), { recursive: true, force: true });
    }
  } catch {
    // No .local-state yet.
  }
  return join(base, `run-${stamp}`);
}
