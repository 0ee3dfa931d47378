import { describe, expect, it } from 'vitest';
import {
  formatRatio,
  formatValue,
  renderConsole,
  renderMarkdownTable,
  renderReport,
  renderTable,
} from './report.js';
import { sampleResults } from './sample-results.js';
import { goals, summaryRows } from './summary.js';

describe('values in the table', () => {
  it.each([
    [2210.4, 'ms', '2210 ms'],
    [3, 'writes', '3'],
    [119.66, 'MB', '119.7 MB'],
    [3.714, '%', '3.71 %'],
    [18832.2, 'req/s', '18832/s'],
    [12.345, '$', '$12.35'],
    [0.000344, '$', '$0.00034'],
    [0, '$', '$0'],
    [null, 'ms', '–'],
    [Number.NaN, 'ms', '–'],
  ] as const)('%s %s -> %s', (value, unit, text) => {
    expect(formatValue(value, unit)).toBe(text);
  });

  it('ratios have two decimals, none is a dash', () => {
    expect(formatRatio(0.5456)).toBe('0.55');
    expect(formatRatio(null)).toBe('–');
  });
});

describe('summary rows', () => {
  const rows = summaryRows(sampleResults());
  const find = (measurement: string) => rows.find((r) => r.measurement === measurement);

  it('puts both systems side by side with ours / Sentinel', () => {
    expect(find('excess over down-after, p50')).toMatchObject({
      ours: 200,
      sentinel: 1200,
      ratio: 200 / 1200,
    });
    expect(find('runs that failed over')).toMatchObject({ ours: 2, sentinel: 2, ratio: 1 });
  });

  it('compares the partition scenarios in pairs and splits the losses', () => {
    const lost = rows.filter((r) => r.section.includes('fencing on vs Sentinel defaults'));
    expect(lost.map((r) => [r.measurement.trim(), r.ours, r.sentinel])).toEqual([
      ['acknowledged writes lost after healing', 0, 2500],
      ['of them acknowledged before the new master was visible', 0, 405],
      ['of them acknowledged after it (two masters at once)', 0, 2095],
      ['writes acknowledged by the old master after the failover', 0, 2000],
      ['new master visible after the isolation', 2300, 2700],
    ]);
  });

  it('counts the runs that flapped (a second failover nobody asked for)', () => {
    const results = sampleResults();
    const failover = results.failover.map((x) =>
      x.system === 'sentinel' && x.run === 0 ? { ...x, flapped: true } : x,
    );
    const flapping = summaryRows({ ...results, failover }).find((r) => r.measurement.includes('flapping'));
    expect(flapping).toMatchObject({ ours: 0, sentinel: 1, ratio: 0 });
  });

  it('shows the coordinator outage with the failsafe off, then on, each beside Sentinel with nothing cut', () => {
    const outage = rows.filter((r) => r.section.startsWith('Voters unreachable from every agent'));
    expect(
      outage.map((r) => [r.section.includes('failsafe off, before'), r.measurement, r.ours, r.sentinel]),
    ).toEqual([
      [true, 'writes acknowledged during the outage', 150, 1900],
      [true, 'writes refused (client errors), from the cut until healthy again', 170, 0],
      [true, 'longest write pause', 9600, 30],
      [true, 'failovers (published master or epoch changed)', 0, 0],
      [false, 'writes acknowledged during the outage', 1800, 1900],
      [false, 'writes refused (client errors), from the cut until healthy again', 0, 0],
      [false, 'longest write pause', 40, 30],
      [false, 'failovers (published master or epoch changed)', 0, 0],
    ]);
    expect(outage[0]?.section).toBe(
      'Voters unreachable from every agent for 10 s under writes (failsafe off, before; Sentinel has no coordinator: nothing cut, same writer and window)',
    );
    // Nothing refused by Sentinel: no ratio rather than a division by zero.
    expect(outage[1]?.ratio).toBeNull();
    expect(outage[2]?.ratio).toBe(9600 / 30);
  });

  it('leaves out an outage row that did not run or failed', () => {
    const results = sampleResults();
    const outage = results.outage.map((x) =>
      x.scenario === 'failsafe-off' ? { ...x, ok: false, error: 'no master' } : x,
    );
    const sections = new Set(
      summaryRows({ ...results, outage })
        .filter((r) => r.section.startsWith('Voters unreachable'))
        .map((r) => r.section),
    );
    expect([...sections].map((x) => x.includes('failsafe on, after'))).toEqual([true]);
    expect(summaryRows({ ...results, outage: [] }).some((r) => r.section.startsWith('Voters'))).toBe(false);
  });

  it("counts a box's agent and its dead-man supervisor together, and the supervisor alone", () => {
    const footprint = rows.filter((r) => r.section.startsWith("Footprint of one box's monitoring processes"));
    expect(footprint.map((r) => [r.measurement.trim(), r.ours, r.sentinel])).toEqual([
      ['RSS (mean per box)', (100 + 50 + 120 + 52) / 2, 12],
      ['CPU (mean per box, % of one core)', (4 + 0.1 + 2 + 0.3) / 2, 0.5],
      ['of it the dead-man supervisor alone, RSS', 51, null],
      ['of it the dead-man supervisor alone, CPU', 0.2, null],
    ]);
    expect(footprint[0]?.section).toContain('the agent and its dead-man supervisor');
    // An agent run without a supervisor (tsx) is the agent alone, with no supervisor rows.
    const results = sampleResults();
    const tsx = results.footprint.map((f) =>
      f.system === 'ours' ? { ...f, runner: 'tsx' as const, supervisors: [] } : f,
    );
    const alone = summaryRows({ ...results, footprint: tsx }).filter((r) =>
      r.section.startsWith('Footprint'),
    );
    expect(alone.map((r) => [r.measurement, r.ours])).toEqual([
      ['RSS (mean per box)', 110],
      ['CPU (mean per box, % of one core)', 3],
    ]);
  });

  it('reports the HTTP endpoint for ours only', () => {
    const http = rows.filter((r) => r.section.startsWith('HTTP master reads'));
    expect(http.map((r) => [r.measurement, r.ours, r.sentinel, r.ratio])).toEqual([
      ["reads per second, through wrangler dev's local proxy", 400, null, null],
      ["p50 latency, through wrangler dev's local proxy", 100, null, null],
      ["reads per second, at the Worker's own workerd socket (no dev proxy)", 6000, null, null],
      ["p50 latency, at the Worker's own workerd socket (no dev proxy)", 7, null, null],
    ]);
  });

  it('checks HTTP reads at the Worker against 5,000/s with p50 at most 10 ms', () => {
    const httpGoal = (rps: number, p50Ms: number) =>
      goals(
        sampleResults({
          lookup: [
            {
              target: 'http-worker',
              requests: 1,
              concurrency: 50,
              requestsPerSecond: rps,
              p50Ms,
              ok: true,
              error: null,
            },
          ],
        }),
      ).at(-1);
    expect(httpGoal(6000, 7)).toMatchObject({ met: true, value: '6000/s, p50 7.0 ms' });
    expect(httpGoal(4000, 7)?.met).toBe(false);
    expect(httpGoal(6000, 12)?.met).toBe(false);
    expect(goals(sampleResults({ lookup: [] })).at(-1)).toMatchObject({ met: null, value: 'not measured' });
  });

  it('checks the goals against what was measured, and says what was not', () => {
    expect(goals(sampleResults()).map((g) => g.met)).toEqual([true, true, true, false, null, null, true]);
    expect(goals(sampleResults({ partition: [], switchover: [], footprint: [] })).map((g) => g.met)).toEqual([
      true,
      null,
      null,
      null,
      null,
      null,
      true,
    ]);
  });

  it('checks the agent at 100 groups against 3 redis-sentinels of CPU and 90 MB', () => {
    const at100 = (system: 'ours' | 'sentinel', cpuPercent: number, rssMb: number) => ({
      system,
      groups: 100,
      runner: system === 'ours' ? ('bundle' as const) : null,
      windowMs: 10_000,
      processes: [{ pid: 1, rssMb, peakRssMb: rssMb, cpuPercent }],
      supervisors: [],
      ok: true,
      error: null,
    });
    const measured = goals(sampleResults({ footprint: [at100('ours', 9, 95), at100('sentinel', 3.2, 22)] }));
    expect(measured.slice(-3, -1).map((g) => [g.value, g.met])).toEqual([
      ['9.0 % vs 3.2 % of a core: 2.8 x', true],
      ['95.0 MB', false],
    ]);
    // The agent beside replicas is shown apart, with the masters spread over the boxes; the goal
    // stays on the agent beside every master.
    const replica = { ...at100('ours', 3, 80), besideReplica: true };
    const results = sampleResults({
      footprint: [at100('ours', 12, 85), replica, at100('sentinel', 3, 22)],
    });
    const rows = summaryRows(results).filter((r) => r.section.includes('100 groups'));
    expect(
      rows.map((r) => [r.section.match(/beside [^(]+/)?.[0].trim(), r.measurement, r.ours, r.sentinel]),
    ).toEqual([
      ["beside every group's master", 'RSS (mean per box)', 85, 22],
      ["beside every group's master", 'CPU (mean per box, % of one core)', 12, 3],
      ['beside a replica of every group', 'RSS (mean per box)', 80, 22],
      ['beside a replica of every group', 'CPU (mean per box, % of one core)', 3, 3],
      [
        'beside a replica of every group',
        'CPU per box with the masters spread evenly over the boxes ((beside masters + 2 x beside replicas) / 3)',
        6,
        3,
      ],
    ]);
    expect(goals(results).at(-3)?.value).toBe('12.0 % vs 3.0 % of a core: 4.0 x');
  });
});

describe('rendering', () => {
  it('the text table has a header, the sections and aligned columns', () => {
    const text = renderTable(summaryRows(sampleResults()));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^measurement +edge-sentinel +Redis Sentinel +ours\/Sentinel$/);
    expect(lines).toContain('Unplanned failover (SIGKILL of the master), down-after 1000 ms');
    const p50 = lines.find((l) => l.includes('excess over down-after, p50'));
    expect(p50).toMatch(/200 ms +1200 ms +0\.17$/);
    expect(new Set(lines.slice(0, 2).map((l) => l.length)).size).toBe(1);
  });

  it('markdown has one bold row per section', () => {
    const md = renderMarkdownTable(summaryRows(sampleResults()));
    expect(md.split('\n')[0]).toBe('| measurement | edge-sentinel | Redis Sentinel | ours/Sentinel |');
    expect(md).toContain('| **Unplanned failover (SIGKILL of the master), down-after 1000 ms** | | | |');
    expect(md).toContain('| excess over down-after, p50 | 200 ms | 1200 ms | 0.17 |');
  });

  it('the report names the command and machine, lists every run and links the plots', () => {
    const report = renderReport(sampleResults({ skipped: ['the 100-group footprint (--quick)'] }), [
      'failover-1000ms.svg',
    ]);
    expect(report).toContain('Command: `npm run bench -- --quick` (100 s wall).');
    expect(report).toContain('Test CPU, 2 cores, 24 GB, Debian, Node v20.20.2, Redis 7.0.15');
    expect(report).toContain('![failover-1000ms.svg](failover-1000ms.svg)');
    expect(report).toContain('- the 100-group footprint (--quick)');
    expect(report.match(/^\| (edge-sentinel|Redis Sentinel) \| 1000 \|/gm)).toHaveLength(4);
    expect(report).toContain('## Coordinator outage runs');
    expect(report).toContain(
      '| edge-sentinel | failsafe-off | 10 s | 150 | 170 | 1100 ms | 9600 ms | 450 ms | 127.0.0.1:7900 → 127.0.0.1:7900 | NOREPLICAS Not enough good replicas to write. (x170) |',
    );
  });

  it('the console output ends with the goals', () => {
    const text = renderConsole(sampleResults());
    expect(text).toContain('goals:\n- met: failover excess over down-after (p50) at most 0.25 of Sentinel');
    expect(text).toContain('- missed: agent RSS at most 80 MB');
    expect(text).toContain('120.0 MB (largest of 3); with its supervisor 172.0 MB per box');
  });
});
