import { describe, expect, it } from 'vitest';
import { sampleOutage, sampleResults, sampleRun } from './sample-results.js';
import { nonFiniteNumbers, sanityProblems } from './sanity.js';

describe('sanity checks', () => {
  it('pass when every run failed over and every number is finite', () => {
    expect(sanityProblems(sampleResults())).toEqual([]);
  });

  it('fail when a system did not fail over in some run', () => {
    const results = sampleResults();
    const failed = sampleRun('sentinel', 2, 0, { ok: false, error: 'no new master', visibleMs: null });
    expect(sanityProblems({ ...results, failover: [...results.failover, failed] })).toEqual([
      'Redis Sentinel: down-after 1000 ms run 2 did not fail over: no new master',
    ]);
  });

  it('fail when a system has no run at some down-after', () => {
    const results = sampleResults({ downAfterMs: [1000, 5000] });
    expect(sanityProblems(results)).toEqual([
      'edge-sentinel: no failover run at down-after 5000 ms',
      'Redis Sentinel: no failover run at down-after 5000 ms',
    ]);
  });

  it('fail on a number that is not finite, wherever it is', () => {
    const results = sampleResults();
    const broken = {
      ...results,
      failover: [sampleRun('ours', 0, Number.POSITIVE_INFINITY), ...results.failover.slice(1)],
    };
    expect(sanityProblems(broken)).toContain('not a finite number: $.failover[0].visibleMs');
    expect(nonFiniteNumbers({ a: [1, { b: Number.NaN }], c: null, d: 'x' })).toEqual(['$.a[1].b']);
  });

  it('fail when a coordinator outage failed, or the failsafe-off baseline never saw the cut', () => {
    const results = sampleResults({
      outage: [
        sampleOutage('ours', 'failsafe-off', { refused: 0 }),
        sampleOutage('ours', 'failsafe-on', { ok: false, error: 'no write resumed' }),
        sampleOutage('sentinel', 'nothing-cut'),
      ],
    });
    expect(sanityProblems(results)).toEqual([
      'coordinator outage edge-sentinel failsafe-off: no write refused in 10 s, so the cut did not reach the agents',
      'coordinator outage edge-sentinel failsafe-on: no write resumed',
    ]);
  });

  it('fail on a measurement that failed or a phase that threw', () => {
    const results = sampleResults({ errors: ['partition: timed out'] });
    const switchover = results.switchover.map((s) =>
      s.system === 'ours' ? { ...s, ok: false, error: 'no new master' } : s,
    );
    expect(sanityProblems({ ...results, switchover })).toEqual([
      'switchover edge-sentinel: no new master',
      'partition: timed out',
    ]);
  });
});
