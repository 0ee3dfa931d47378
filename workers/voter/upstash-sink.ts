// Optional per-group mirror to Upstash Redis: the published master in a key, events in a capped stream.
import { Redis } from '@upstash/redis/cloudflare';
import type { GroupDefinition } from '../config/groups.js';
import { type Config, parseNodeId } from '../protocol/index.js';
import { publishedSince, type StoredEvent } from './contract.js';
import type { MutableCounters } from './counters.js';

/**
 * The key is written compare-and-set on the epoch: every voter mirrors what it publishes, and a
 * voter that learns an older epoch late must not move readers back (README.md "Invariants", 3).
 */
const SET_IF_NEWER = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, value = pcall(cjson.decode, current)
  if ok and type(value) == 'table' and tonumber(value.epoch) and tonumber(value.epoch) >= tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;

/** Batches waiting behind the one in flight; beyond this a batch is dropped (and counted). */
const MAX_QUEUED = 64;

export interface MasterRecord {
  readonly group: string;
  readonly host: string;
  readonly port: number;
  readonly epoch: number;
  /** Since when this master is published (ISO 8601), as the HTTP API answers it. */
  readonly since: string | null;
}

export class UpstashSink {
  private readonly redis: Redis;
  private readonly masterKey: string;
  private readonly eventsStream: string;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly group: string,
    private readonly index: number,
    private readonly config: NonNullable<GroupDefinition['upstash']>,
    token: string,
    private readonly counters: MutableCounters,
  ) {
    this.redis = new Redis(
      {
        url: config.url,
        token,
        enableTelemetry: false,
        readYourWrites: false,
        retry: { retries: 2, backoff: (n) => 100 * 2 ** n },
      },
      { UPSTASH_DISABLE_TELEMETRY: '1' },
    );
    this.masterKey = config.masterKey ?? `edge-sentinel:${group}:master`;
    this.eventsStream = config.eventsStream ?? `edge-sentinel:${group}:events`;
  }

  /** One pipeline per step, in step order (a serial queue), never throwing into the voter. */
  mirror(published: Config | null, events: readonly StoredEvent[]): Promise<void> {
    if (published === null && events.length === 0) return this.queue;
    if (this.queued >= MAX_QUEUED) {
      this.counters.sinkFailures += 1;
      console.error(
        `upstash sink of ${this.group}#${this.index}: queue full, dropped ${events.length} events`,
      );
      return this.queue;
    }
    this.queued += 1;
    this.queue = this.queue
      .then(() => this.send(published, events))
      .catch((error: unknown) => {
        this.counters.sinkFailures += 1;
        console.error(`upstash sink of ${this.group}#${this.index} failed: ${String(error)}`);
      })
      .finally(() => {
        this.queued -= 1;
      });
    return this.queue;
  }

  private async send(published: Config | null, events: readonly StoredEvent[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    if (published !== null) {
      const { host, port } = parseNodeId(published.master);
      const record: MasterRecord = {
        group: this.group,
        host,
        port,
        epoch: published.epoch,
        since: publishedSince(published),
      };
      pipeline.eval(SET_IF_NEWER, [this.masterKey], [JSON.stringify(record), String(published.epoch)]);
    }
    for (const event of events) {
      pipeline.xadd(
        this.eventsStream,
        '*',
        {
          id: `${this.group}#${this.index}:${event.id}`,
          voter: String(this.index),
          name: event.name,
          payload: event.payload,
          epoch: String(event.epoch),
          at: event.at,
          reason: event.reason,
        },
        { trim: { type: 'MAXLEN', threshold: this.config.streamMaxLen, comparison: '~' } },
      );
    }
    this.counters.sinkCalls += 1;
    await pipeline.exec();
  }
}
