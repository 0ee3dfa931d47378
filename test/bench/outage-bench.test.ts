import { describe, expect, it } from 'vitest';
import type { AckedWrite } from '../../infra/local/write-load.js';
import { failedSince } from './outage-bench.js';

/** Acknowledged writes by sequence number, each sent at `seq * 10` ms. */
const acked = (...seqs: number[]): AckedWrite[] =>
  seqs.map((seq) => ({ key: `outage-x:${seq}`, sentAtMs: seq * 10, ackAtMs: seq * 10 + 1 }));

describe('writes failed since a moment, from the gaps in the sequence', () => {
  it.each([
    ['nothing failed', acked(0, 1, 2, 3), 0, 25, 0],
    ['every failure after the moment', acked(0, 1, 2, 6, 7), 3, 25, 3],
    ['failures before the moment left out', acked(0, 3, 4, 5, 9), 5, 45, 3],
    ['a gap spanning the moment counts after it', acked(0, 1, 5), 3, 25, 3],
    ['trailing failures (nothing acknowledged after them)', acked(0, 1, 2), 4, 25, 4],
    ['the first writes failed, before the moment', acked(2, 3, 4), 2, 35, 0],
  ])('%s', (_name, writes, failed, atMs, expected) => {
    expect(failedSince({ acked: writes, failed }, atMs)).toBe(expected);
  });
});
