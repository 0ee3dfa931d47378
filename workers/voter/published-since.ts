// Since when this voter has published its config: the record stored with it, and what a (re)start reports.
import type { Config } from '../protocol/index.js';
import type { PublishedSince } from './schemas.js';

/** The record of publishing `config` at `nowMs`, the voter's wall clock. */
export function publishedAt(config: Config, nowMs: number): PublishedSince {
  return { epoch: config.epoch, master: config.master, since: new Date(nowMs).toISOString() };
}

export interface RestoredSince {
  readonly since: string | null;
  /** A record to store now (the first start publishes the initial config), or null. */
  readonly write: PublishedSince | null;
}

/**
 * What a voter that is (re)starting reports as `since` for its published config:
 * - the stored record, when it names this config (same epoch and master);
 * - when nothing durable was ever stored, the published config is the group's initial one from
 *   GROUPS, and this start is when this voter publishes it: recorded now, and kept from then on;
 * - otherwise (storage written before publication times were recorded) it cannot know: null,
 *   until it publishes the next config.
 */
export function restoreSince(
  stored: PublishedSince | null,
  published: Config,
  hasDurableState: boolean,
  nowMs: number,
): RestoredSince {
  if (stored !== null && stored.epoch === published.epoch && stored.master === published.master) {
    return { since: stored.since, write: null };
  }
  if (hasDurableState) return { since: null, write: null };
  const record = publishedAt(published, nowMs);
  return { since: record.since, write: record };
}
