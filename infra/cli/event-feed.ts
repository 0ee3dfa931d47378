// Reading a group's events from every voter (ids are per voter; the leader's +elected-leader and
// +selected-slave are only in its own log) and following them live over SSE, each voter's stream
// resumed from the last id it delivered when a connection drops.
import type { z } from 'zod';
import { EventSchema, EventsPageSchema } from '../../workers/api/schemas.js';
import { backoffDelayMs } from '../../workers/protocol/index.js';
import { EventMerger } from '../local/event-merge.js';
import type { ApiClient } from './api-client.js';
import { CliError } from './errors.js';
import { sleepUnlessAborted } from './sleep.js';
import { sseFrames } from './sse-frames.js';

export type GroupEvent = z.infer<typeof EventSchema>;
export interface VoterEvent {
  readonly voter: number;
  readonly event: GroupEvent;
}

/** The API's page bound. */
const PAGE = 500;
/** A clean end (the server's 5-minute bound) reconnects within 250 ms; failures back off to 5 s. */
export const RECONNECT = { initialMs: 250, maxMs: 5_000 } as const;

/**
 * Every event each voter in `voters` stores after `after` (per voter), in time order, the same
 * event from several voters kept once. A voter that does not answer is reported through `warn`;
 * when none answers the read fails.
 */
export async function readEvents(
  client: ApiClient,
  group: string,
  voters: readonly number[],
  warn: (line: string) => void,
  after = 0,
): Promise<{ readonly events: VoterEvent[]; readonly lastIds: ReadonlyMap<number, number> }> {
  const perVoter = await Promise.all(
    voters.map(async (voter) => {
      try {
        return await readVoter(client, group, voter, after);
      } catch (error) {
        warn(`voter ${voter}: ${error instanceof Error ? error.message : String(error)}`);
        return null;
      }
    }),
  );
  if (perVoter.every((events) => events === null)) {
    throw new CliError(`no voter of "${group}" answered the events read`);
  }
  const lastIds = new Map<number, number>(
    voters.map((voter, i) => [voter, Math.max(after, ...(perVoter[i] ?? []).map((e) => e.id))]),
  );
  const all = perVoter.flatMap((events, i) =>
    (events ?? []).map((event) => ({ voter: voters[i] ?? i, event })),
  );
  all.sort((a, b) => Date.parse(a.event.at) - Date.parse(b.event.at) || a.voter - b.voter);
  const merger = new EventMerger();
  return {
    events: all.filter(({ voter, event }) => merger.accept(voter, event, Date.parse(event.at))),
    lastIds,
  };
}

async function readVoter(
  client: ApiClient,
  group: string,
  voter: number,
  after: number,
): Promise<GroupEvent[]> {
  const events: GroupEvent[] = [];
  let cursor = after;
  for (;;) {
    const page = await client.read(
      `/v1/groups/${encodeURIComponent(group)}/events?voter=${voter}&after=${cursor}&limit=${PAGE}`,
      EventsPageSchema,
    );
    events.push(...page.events);
    if (page.events.length < PAGE || page.cursor <= cursor) return events;
    cursor = page.cursor;
  }
}

export interface FollowOptions {
  /** Per voter: deliver only events after this id (the ids `readEvents` returned last). */
  readonly after: ReadonlyMap<number, number>;
  readonly signal: AbortSignal;
  readonly onEvent: (event: VoterEvent) => void;
  /** A dropped or refused connection, and the retry that follows. */
  readonly onTrouble: (line: string) => void;
}

/**
 * Follows every voter in `voters` until `signal` aborts. Each stream reconnects with Last-Event-ID
 * (the server ends a connection every 5 minutes; a voter or the network may fail), backing off
 * up to 5 s; an event several voters report is delivered once.
 */
export async function followEvents(
  client: ApiClient,
  group: string,
  voters: readonly number[],
  options: FollowOptions,
): Promise<void> {
  const merger = new EventMerger();
  await Promise.all(
    voters.map(async (voter) => {
      let lastId = options.after.get(voter) ?? 0;
      let failures = 0;
      while (!options.signal.aborted) {
        try {
          const response = await client.stream(
            `/v1/groups/${encodeURIComponent(group)}/events?voter=${voter}`,
            lastId,
            options.signal,
          );
          failures = 0;
          for await (const frame of sseFrames(response.body as ReadableStream<Uint8Array>)) {
            if (frame.data === undefined) continue;
            const event = EventSchema.parse(JSON.parse(frame.data));
            if (event.id <= lastId) continue;
            lastId = event.id;
            if (merger.accept(voter, event, performance.now())) options.onEvent({ voter, event });
          }
        } catch (error) {
          if (options.signal.aborted) return;
          failures += 1;
          const why = error instanceof Error ? error.message : String(error);
          options.onTrouble(`voter ${voter}: ${why}; reconnecting after event ${lastId}`);
        }
        if (options.signal.aborted) return;
        await sleepUnlessAborted(
          backoffDelayMs(RECONNECT, Math.max(0, failures - 1), Math.random),
          options.signal,
        );
      }
    }),
  );
}
