// The monthly Cloudflare bill of one group, projected from the voters' counters (pure arithmetic).
import { PRICES, type Prices } from './prices.js';
import type { CostLine, VoterUsage } from './results.js';

export const SECONDS_PER_MONTH = 30 * 24 * 3600;

/**
 * Voter-seconds of duration billed per wake-up (a request, RPC call, alarm or WebSocket message).
 * The voters cannot see their own wall-clock activity, and an object idle and eligible for
 * hibernation bills nothing, so this is an upper bound: a handler takes milliseconds, plus what it
 * awaits (an RPC to a peer voter, a storage write). Never more than every voter awake all window.
 */
export const BILLED_SECONDS_PER_WAKEUP = 1;

/** What the bill is made of, for some period. */
export interface BilledUsage {
  readonly workerRequests: number;
  readonly doRequests: number;
  readonly gbSeconds: number;
  readonly rowsWritten: number;
}

export function wakeups(u: VoterUsage): number {
  return u.requests + u.rpcCalls + u.wsMessagesIn + u.alarms;
}

export function billedUsage(u: VoterUsage, prices: Prices = PRICES): BilledUsage {
  const activeSeconds = Math.min(wakeups(u) * BILLED_SECONDS_PER_WAKEUP, (u.voters * u.windowMs) / 1000);
  return {
    // Agent WebSocket upgrades are the only requests a voter's fetch() sees; each one went
    // through the Worker first. Voter-to-voter RPC never touches the Worker.
    workerRequests: u.requests,
    doRequests: u.requests + u.rpcCalls + u.alarms + u.wsMessagesIn / prices.wsMessagesPerBilledRequest,
    gbSeconds: activeSeconds * prices.doMemoryGb,
    // Setting an alarm is billed as a row written; every alarm that fired was set once.
    rowsWritten: u.rowsWritten + u.alarms,
  };
}

const USAGE_KEYS = ['workerRequests', 'doRequests', 'gbSeconds', 'rowsWritten'] as const;

/** One number per key: field-by-field arithmetic on usage and counter records. */
export function perKey<K extends string>(keys: readonly K[], value: (key: K) => number): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const key of keys) out[key] = value(key);
  return out;
}

export function scaleUsage(u: BilledUsage, factor: number): BilledUsage {
  return perKey(USAGE_KEYS, (k) => u[k] * factor);
}

export function addUsage(a: BilledUsage, b: BilledUsage): BilledUsage {
  return perKey(USAGE_KEYS, (k) => a[k] + b[k]);
}

/** A month of one group: the idle rate for 30 days plus `failoversPerMonth` incidents like the measured one. */
export function monthlyUsage(
  idle: VoterUsage,
  failover: VoterUsage,
  failoversPerMonth: number,
  prices: Prices = PRICES,
): BilledUsage {
  if (idle.windowMs <= 0) throw new Error('the idle window must be longer than 0 ms');
  const idleMonth = scaleUsage(billedUsage(idle, prices), (SECONDS_PER_MONTH * 1000) / idle.windowMs);
  return addUsage(idleMonth, scaleUsage(billedUsage(failover, prices), failoversPerMonth));
}

/**
 * The marginal bill at the rates beyond the included allowances: those and the $5 plan fee are
 * per account, shared by every group (and whatever else runs there), so one group adds this.
 */
export function billLines(u: BilledUsage, prices: Prices = PRICES): CostLine[] {
  const line = (item: string, units: number, unit: string, dollarsPerMillion: number): CostLine => ({
    item,
    units,
    unit,
    dollars: (units / 1e6) * dollarsPerMillion,
  });
  return [
    line('Worker requests', u.workerRequests, 'requests', prices.workerDollarsPerMillionRequests),
    line('Durable Object requests', u.doRequests, 'requests', prices.doDollarsPerMillionRequests),
    line('Durable Object duration', u.gbSeconds, 'GB-s', prices.doDollarsPerMillionGbSeconds),
    line('SQLite rows written', u.rowsWritten, 'rows', prices.dollarsPerMillionRowsWritten),
  ];
}

export function totalDollars(lines: readonly CostLine[]): number {
  return lines.reduce((sum, line) => sum + line.dollars, 0);
}

/** How many groups like this one fit in the plan's included allowances; null when nothing is used at all. */
export function groupsInIncluded(u: BilledUsage, prices: Prices = PRICES): number | null {
  const fits = [
    u.workerRequests > 0 ? prices.workerRequestsIncludedPerMonth / u.workerRequests : Infinity,
    u.doRequests > 0 ? prices.doRequestsIncludedPerMonth / u.doRequests : Infinity,
    u.gbSeconds > 0 ? prices.doGbSecondsIncludedPerMonth / u.gbSeconds : Infinity,
    u.rowsWritten > 0 ? prices.rowsWrittenIncludedPerMonth / u.rowsWritten : Infinity,
  ];
  const least = Math.min(...fits);
  return Number.isFinite(least) ? Math.floor(least) : null;
}

/** One HTTP master read: a Worker request plus the Durable Object requests of its majority read. */
export function dollarsPerMillionMasterReads(doRequestsPerRead: number, prices: Prices = PRICES): number {
  return prices.workerDollarsPerMillionRequests + doRequestsPerRead * prices.doDollarsPerMillionRequests;
}
