import { describe, expect, it } from 'vitest';
import {
  BILLED_SECONDS_PER_WAKEUP,
  billedUsage,
  billLines,
  dollarsPerMillionMasterReads,
  groupsInIncluded,
  monthlyUsage,
  perKey,
  SECONDS_PER_MONTH,
  totalDollars,
} from './cost-model.js';
import { PRICES } from './prices.js';
import { BILLED_COUNTERS, type VoterUsage } from './results.js';

const usage = (overrides: Partial<VoterUsage>): VoterUsage => ({
  windowMs: 10_000,
  voters: 3,
  ...perKey(BILLED_COUNTERS, () => 0),
  ...overrides,
});

describe('billed usage of a window', () => {
  it('counts WebSocket messages 20:1, RPC calls, fetches and alarms as Durable Object requests', () => {
    const u = billedUsage(usage({ requests: 3, rpcCalls: 10, wsMessagesIn: 40, alarms: 2 }));
    expect(u.doRequests).toBe(3 + 10 + 2 + 40 / 20);
    expect(u.workerRequests).toBe(3);
  });

  it('bills alarms as rows written too', () => {
    expect(billedUsage(usage({ rowsWritten: 300, alarms: 2 })).rowsWritten).toBe(302);
  });

  it('bills one voter-second per wake-up, at most every voter for the whole window', () => {
    expect(billedUsage(usage({ rpcCalls: 4 })).gbSeconds).toBeCloseTo(
      4 * BILLED_SECONDS_PER_WAKEUP * (128 / 1024),
    );
    // 3 voters x 10 s = 30 voter-seconds at most.
    expect(billedUsage(usage({ wsMessagesIn: 1000 })).gbSeconds).toBeCloseTo(30 * (128 / 1024));
  });

  it('an idle window with nothing counted costs nothing', () => {
    expect(totalDollars(billLines(billedUsage(usage({}))))).toBe(0);
  });
});

describe('monthly projection', () => {
  it('scales the idle window to 30 days and adds the failovers', () => {
    const idle = usage({ windowMs: 60_000, wsMessagesIn: 20 });
    const failover = usage({ rpcCalls: 16, wsMessagesIn: 80, rowsWritten: 300, alarms: 2 });
    const month = monthlyUsage(idle, failover, 2);
    const idleMonths = SECONDS_PER_MONTH / 60;
    expect(month.doRequests).toBeCloseTo(idleMonths * 1 + 2 * (16 + 2 + 4));
    expect(month.rowsWritten).toBe(2 * 302);
  });

  it('refuses an empty idle window', () => {
    expect(() => monthlyUsage(usage({ windowMs: 0 }), usage({}), 1)).toThrow(/longer than 0/);
  });

  it('prices each line at the rates beyond the included usage', () => {
    const lines = billLines({ workerRequests: 1e6, doRequests: 2e6, gbSeconds: 1e6, rowsWritten: 3e6 });
    expect(lines.map((l) => [l.item, l.dollars])).toEqual([
      ['Worker requests', 0.3],
      ['Durable Object requests', 0.3],
      ['Durable Object duration', 12.5],
      ['SQLite rows written', 3],
    ]);
    expect(totalDollars(lines)).toBeCloseTo(16.1);
  });
});

describe('included allowances and reads', () => {
  it('the tightest allowance decides how many groups fit', () => {
    const n = groupsInIncluded({ workerRequests: 0, doRequests: 100, gbSeconds: 0, rowsWritten: 1000 });
    // 1M DO requests / 100 = 10,000; 50M rows / 1,000 = 50,000.
    expect(n).toBe(10_000);
  });

  it('nothing used: no limit (null)', () => {
    expect(groupsInIncluded({ workerRequests: 0, doRequests: 0, gbSeconds: 0, rowsWritten: 0 })).toBeNull();
  });

  it('a million master reads: a Worker request each plus its Durable Object requests', () => {
    expect(dollarsPerMillionMasterReads(3)).toBeCloseTo(
      PRICES.workerDollarsPerMillionRequests + 3 * PRICES.doDollarsPerMillionRequests,
    );
  });
});
