// SVG plots of a bench run: vega-lite specs rendered offline by vega (renderer 'none' needs no canvas).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { type BenchResults, SYSTEM_LABEL } from './results.js';
import { perBox } from './summary.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const COLORS = { domain: [SYSTEM_LABEL.ours, SYSTEM_LABEL.sentinel], range: ['#f38020', '#4c78a8'] };

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // Errors only: warnings (e.g. about sorting layered domains) would interleave with the table.
  const compiled = compile(spec, { logger: vega.logger(vega.Error) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Every run's times, per system, one panel per measure: box (min–max) plus the runs as points. */
export function failoverSpec(r: BenchResults, downAfterMs: number): TopLevelSpec | null {
  const values = r.failover
    .filter((x) => x.downAfterMs === downAfterMs)
    .flatMap((x) => {
      const system = SYSTEM_LABEL[x.system];
      const rows: { system: string; measure: string; ms: number }[] = [];
      if (x.visibleMs !== null) rows.push({ system, measure: '1. new master visible', ms: x.visibleMs });
      if (x.firstWriteMs !== null)
        rows.push({ system, measure: '2. first acknowledged write', ms: x.firstWriteMs });
      if (x.allEndpointsMs !== null)
        rows.push({ system, measure: '3. all endpoints agree', ms: x.allEndpointsMs });
      return rows;
    });
  if (values.length === 0) return null;
  const encoding = {
    x: { field: 'system', type: 'nominal', title: null, axis: { labelAngle: 0 } },
    y: { field: 'ms', type: 'quantitative', title: 'ms after SIGKILL of the master', scale: { zero: true } },
    color: { field: 'system', type: 'nominal', scale: COLORS, legend: null },
  } as const;
  return {
    $schema: SCHEMA,
    title: `Unplanned failover, down-after ${downAfterMs} ms (dashed: down-after)`,
    data: { values },
    facet: { column: { field: 'measure', type: 'nominal', title: null } },
    spec: {
      width: 160,
      height: 260,
      layer: [
        { mark: { type: 'boxplot', extent: 'min-max', opacity: 0.35 }, encoding },
        { mark: { type: 'point', filled: true, size: 30 }, encoding },
        {
          data: { values: [{ downAfterMs }] },
          mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' },
          encoding: { y: { field: 'downAfterMs', type: 'quantitative' } },
        },
      ],
    },
  } as TopLevelSpec;
}

/** Acknowledged writes lost, per scenario and system. */
export function lossSpec(r: BenchResults): TopLevelSpec | null {
  const scenario: Record<string, string> = {
    'fencing-on': 'isolated: fencing on',
    'fencing-off': 'isolated: fencing off',
    plain: 'isolated: defaults',
    'min-replicas-1': 'isolated: min-replicas-to-write 1',
  };
  const values = [
    ...r.partition
      .filter((p) => p.ok)
      .map((p) => ({ system: SYSTEM_LABEL[p.system], scenario: scenario[p.scenario], lost: p.lost })),
    ...r.switchover
      .filter((s) => s.ok)
      .map((s) => ({ system: SYSTEM_LABEL[s.system], scenario: 'planned switchover', lost: s.lost })),
  ];
  if (values.length === 0) return null;
  return {
    $schema: SCHEMA,
    title: 'Acknowledged writes lost',
    data: { values },
    width: 420,
    height: { step: 18 },
    encoding: {
      y: { field: 'scenario', type: 'nominal', title: null, axis: { labelLimit: 320 } },
      yOffset: { field: 'system' },
      x: { field: 'lost', type: 'quantitative', title: 'acknowledged writes lost' },
    },
    layer: [
      { mark: 'bar', encoding: { color: { field: 'system', type: 'nominal', scale: COLORS, title: null } } },
      // The count beside each bar: a 0 has no bar to see.
      {
        mark: { type: 'text', align: 'left', dx: 3 },
        encoding: { text: { field: 'lost', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
}

/** RSS and CPU of one box's monitoring processes (ours as shipped: the agent and its supervisor; mean of the boxes). */
export function footprintSpec(r: BenchResults): TopLevelSpec | null {
  const values = r.footprint
    .filter((f) => f.ok && f.processes.length > 0)
    .flatMap((f) => {
      const beside = f.besideReplica === true ? ', beside replicas' : '';
      const who = f.system === 'ours' ? `${SYSTEM_LABEL.ours} (${f.runner}${beside})` : SYSTEM_LABEL.sentinel;
      const boxes = perBox(f);
      const n = boxes.length;
      const label = `${f.groups} group${f.groups === 1 ? '' : 's'}`;
      return [
        {
          who,
          system: SYSTEM_LABEL[f.system],
          groups: label,
          measure: 'RSS (MB)',
          value: boxes.reduce((s, u) => s + u.rssMb, 0) / n,
        },
        {
          who,
          system: SYSTEM_LABEL[f.system],
          groups: label,
          measure: 'CPU (% of a core)',
          value: boxes.reduce((s, u) => s + u.cpuPercent, 0) / n,
        },
      ];
    });
  if (values.length === 0) return null;
  return {
    $schema: SCHEMA,
    title: "Footprint of one box's monitoring processes, idle",
    data: { values },
    facet: {
      column: { field: 'measure', type: 'nominal', title: null },
      row: { field: 'groups', type: 'nominal', title: null },
    },
    resolve: { scale: { x: 'independent' } },
    spec: {
      width: 260,
      height: { step: 20 },
      mark: 'bar',
      encoding: {
        y: { field: 'who', type: 'nominal', title: null },
        x: { field: 'value', type: 'quantitative', title: null },
        color: { field: 'system', type: 'nominal', scale: COLORS, legend: null },
      },
    },
  } as TopLevelSpec;
}

/** Writes every plot that has data into `dir`; returns the file names. */
export async function writePlots(r: BenchResults, dir: string): Promise<string[]> {
  const specs: [string, TopLevelSpec | null][] = [
    ...r.downAfterMs.map((d): [string, TopLevelSpec | null] => [`failover-${d}ms.svg`, failoverSpec(r, d)]),
    ['writes-lost.svg', lossSpec(r)],
    ['footprint.svg', footprintSpec(r)],
  ];
  const written: string[] = [];
  for (const [name, spec] of specs) {
    if (spec === null) continue;
    writeFileSync(join(dir, name), await renderSvg(spec));
    written.push(name);
  }
  return written;
}
