// The isolate's copy of each group's published master, so master reads scale with readers, not with
// the voters' throughput. Within an isolate its epoch never goes back.
import { type Config, compareConfigs } from '../protocol/index.js';

/** How long a majority read may stand in for the next ones, by default (`MASTER_CACHE_MS`). */
export const DEFAULT_MASTER_CACHE_MS = 500;

interface Entry {
  readonly config: Config;
  /** When a majority read last confirmed it (or a newer one replaced it). */
  readonly readAtMs: number;
}

/**
 * A copy answers a read while it is younger than `ttlMs` and not older than the epoch the client
 * says it has seen (`minEpoch`, or its `If-None-Match` tag): a client that passes what it saw never
 * gets a lower epoch, from any isolate. Every majority read, and every long-poll that returns, offers
 * its config; an older one never replaces a newer copy.
 */
export class MasterCache {
  private readonly entries = new Map<string, Entry>();

  /** Groups are few (wrangler.toml); the bound only guards against a misconfiguration. */
  constructor(private readonly maxGroups = 10_000) {}

  fresh(group: string, nowMs: number, ttlMs: number, minEpoch: number): Config | null {
    const entry = this.entries.get(group);
    if (entry === undefined || nowMs - entry.readAtMs >= ttlMs) return null;
    return entry.config.epoch >= minEpoch ? entry.config : null;
  }

  /** Forgets every copy (tests; a deploy starts new isolates anyway). */
  clear(): void {
    this.entries.clear();
  }

  offer(group: string, config: Config, nowMs: number): void {
    const entry = this.entries.get(group);
    if (entry !== undefined && compareConfigs(config, entry.config) < 0) return;
    if (entry === undefined && this.entries.size >= this.maxGroups) this.entries.clear();
    this.entries.set(group, { config, readAtMs: nowMs });
  }
}

/** One per isolate: module state lives as long as the isolate serves requests. */
export const masterCache = new MasterCache();
