// The checks that make `npm run bench` exit non-zero: every run failed over, every measurement ran, every number is finite (pure).
import type { BenchResults, SystemKind } from './results.js';
import { SYSTEM_LABEL } from './results.js';

/** Paths of numbers that are NaN or infinite anywhere in `value`. */
export function nonFiniteNumbers(value: unknown, path = '$'): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFiniteNumbers(v, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => nonFiniteNumbers(v, `${path}.${k}`));
  }
  return [];
}

export function sanityProblems(r: BenchResults): string[] {
  const problems: string[] = [];
  for (const d of r.downAfterMs) {
    for (const system of ['ours', 'sentinel'] as SystemKind[]) {
      const runs = r.failover.filter((x) => x.system === system && x.downAfterMs === d);
      if (runs.length === 0) problems.push(`${SYSTEM_LABEL[system]}: no failover run at down-after ${d} ms`);
      for (const run of runs) {
        if (!run.ok || run.visibleMs === null || run.firstWriteMs === null || run.allEndpointsMs === null) {
          problems.push(
            `${SYSTEM_LABEL[system]}: down-after ${d} ms run ${run.run} did not fail over: ${run.error ?? 'a time is missing'}`,
          );
        }
      }
    }
  }
  for (const p of r.partition)
    if (!p.ok) problems.push(`partition ${SYSTEM_LABEL[p.system]} ${p.scenario}: ${p.error}`);
  for (const o of r.outage) {
    if (!o.ok) problems.push(`coordinator outage ${SYSTEM_LABEL[o.system]} ${o.scenario}: ${o.error}`);
    // The "before" row is only a baseline if the cut reached the agents: without the failsafe the
    // master is fenced about a lease after it.
    else if (o.scenario === 'failsafe-off' && o.refused === 0)
      problems.push(
        `coordinator outage ${SYSTEM_LABEL[o.system]} failsafe-off: no write refused in ${Math.round(o.outageMs / 1000)} s, so the cut did not reach the agents`,
      );
  }
  for (const s of r.switchover) if (!s.ok) problems.push(`switchover ${SYSTEM_LABEL[s.system]}: ${s.error}`);
  for (const f of r.footprint)
    if (!f.ok) problems.push(`footprint ${SYSTEM_LABEL[f.system]} ${f.groups} groups: ${f.error}`);
  for (const l of r.lookup) if (!l.ok) problems.push(`lookup ${l.target}: ${l.error}`);
  if (r.cost !== null && !r.cost.ok) problems.push(`cost: ${r.cost.error}`);
  problems.push(...r.errors);
  problems.push(...nonFiniteNumbers(r).map((path) => `not a finite number: ${path}`));
  return problems;
}
