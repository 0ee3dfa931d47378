// When the failover's milestones happened: the voters' event log (ours) or the sentinels' pub/sub (Sentinel).
import { Redis } from 'ioredis';
import { getEvents } from '../../infra/local/coordinator-client.js';
import type { Endpoint } from './endpoint-probe.js';
import { MILESTONES, type Milestone } from './results.js';

/** Wall-clock ms (Date.now()) of the first occurrence of each milestone at or after `sinceMs`. */
export type MilestoneTimes = Partial<Record<Milestone, number>>;

export interface EventClock {
  milestonesSince(sinceMs: number): Promise<MilestoneTimes>;
  close(): void;
}

const isMilestone = (name: string): name is Milestone => (MILESTONES as readonly string[]).includes(name);

function earliest(into: MilestoneTimes, name: string, atMs: number, sinceMs: number): void {
  if (!isMilestone(name) || atMs < sinceMs) return;
  const seen = into[name];
  if (seen === undefined || atMs < seen) into[name] = atMs;
}

/**
 * Every voter's event log, read after the fact (each event carries the voter's wall-clock time).
 * A cursor per voter keeps each read to what is new.
 */
export function voterEventClock(coordinatorUrl: string, group: string, voters: number): EventClock {
  const cursors = Array.from({ length: voters }, () => 0);
  return {
    async milestonesSince(sinceMs) {
      const times: MilestoneTimes = {};
      for (let voter = 0; voter < voters; voter++) {
        for (;;) {
          const page = await getEvents(coordinatorUrl, group, {
            voter,
            after: cursors[voter] ?? 0,
            limit: 500,
          });
          for (const e of page) {
            cursors[voter] = Math.max(cursors[voter] ?? 0, e.id);
            earliest(times, e.name, Date.parse(e.at), sinceMs);
          }
          if (page.length < 500) break;
        }
      }
      return times;
    },
    close() {},
  };
}

/** Every sentinel's pub/sub (PSUBSCRIBE *), timestamped on arrival; sentinels publish each event as it happens. */
export function sentinelEventClock(endpoints: readonly Endpoint[]): EventClock {
  const seen: { name: string; atMs: number }[] = [];
  const subscribers = endpoints.map((e) => {
    const sub = new Redis({ host: e.host, port: e.port, protocol: 2, retryStrategy: () => 100 });
    sub.on('error', () => undefined);
    sub.on('pmessage', (_pattern: string, channel: string) => {
      // Bounded: a bench run sees a few hundred events.
      if (seen.length < 100_000) seen.push({ name: channel, atMs: Date.now() });
    });
    void sub.psubscribe('*').catch(() => undefined);
    return sub;
  });
  return {
    async milestonesSince(sinceMs) {
      const times: MilestoneTimes = {};
      for (const e of seen) earliest(times, e.name, e.atMs, sinceMs);
      return times;
    },
    close() {
      for (const s of subscribers) s.disconnect();
    },
  };
}
