// SENTINEL SET's option/value pairs mapped to a runtime settings patch (for the Sentinel port).
import { describe, expect, it } from 'vitest';
import { patchFromSentinelSet } from '../../../workers/config/sentinel-set.js';

describe('patchFromSentinelSet', () => {
  it.each([
    [['quorum', '3'], { quorum: 3 }],
    [['down-after-milliseconds', '2000', 'QUORUM', '2'], { downAfterMs: 2000, quorum: 2 }],
    [['failover-timeout', '9000', 'parallel-syncs', '2'], { failoverTimeoutMs: 9000, parallelSyncs: 2 }],
  ])('%j -> %j', (args, patch) => {
    expect(patchFromSentinelSet(args)).toEqual({ ok: true, patch });
  });

  it.each([
    [[], /wrong number/],
    [['quorum'], /wrong number/],
    [['notification-script', '/x.sh'], /'notification-script'/],
    [['quorum', 'three'], /'three'/],
    [['down-after-milliseconds', '10'], /downAfterMs/],
  ])('refuses %j', (args, error) => {
    const result = patchFromSentinelSet(args);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });
});
