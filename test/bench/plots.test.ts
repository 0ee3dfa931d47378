import { describe, expect, it } from 'vitest';
import { failoverSpec, footprintSpec, lossSpec, renderSvg } from './plots.js';
import { sampleResults } from './sample-results.js';

describe('plots (vega-lite rendered offline by vega)', () => {
  it('renders the failover runs as an SVG', async () => {
    const spec = failoverSpec(sampleResults(), 1000);
    if (spec === null) throw new Error('no spec');
    const svg = await renderSvg(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Unplanned failover, down-after 1000 ms');
  });

  it('has no plot for what was not measured', () => {
    const empty = sampleResults({ failover: [], partition: [], switchover: [], footprint: [] });
    expect([failoverSpec(empty, 1000), lossSpec(empty), footprintSpec(empty)]).toEqual([null, null, null]);
  });
});
