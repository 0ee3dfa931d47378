// The Server-Sent Events loop: one voter's events in id order, keep-alives, bounded connection time.
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { EventsPage, StoredEvent } from '../voter/contract.js';
import type { VoterSet } from './voters.js';

/** A connection ends after this long; EventSource reconnects with Last-Event-ID and loses nothing. */
export const SSE_MAX_CONNECTION_MS = 5 * 60_000;
/** A comment line at least this often keeps proxies from closing an idle stream. */
export const SSE_KEEPALIVE_MS = 15_000;
/** What the client is told to wait before reconnecting. */
export const SSE_RETRY_MS = 2_000;
/** Extra time the voter gets to answer `waitForEvents` after its own timeout. */
const WAIT_SLACK_MS = 2_000;

/**
 * Streams `first`, then parks on the voter (`waitForEvents`) until it stores newer events, and
 * reads them: an idle stream costs one voter call per keep-alive period instead of one per
 * second. A parked call keeps that voter awake, as any open stream would.
 */
export function streamEvents(
  c: Context,
  voters: VoterSet,
  voter: number,
  first: EventsPage,
  limit: number,
): Response {
  return streamSSE(c, async (stream) => {
    const deadline = Date.now() + SSE_MAX_CONNECTION_MS;
    const aborted = new Promise<null>((resolve) => stream.onAbort(() => resolve(null)));
    let lastWriteAt = Date.now();
    let page = first;
    await stream.write(`retry: ${SSE_RETRY_MS}\n: voter ${voter}\n\n`);
    // Bounded: the connection ends at the deadline, and every round writes events, writes a
    // keep-alive, or waits on the voter until new events or the next keep-alive is due.
    while (!stream.aborted && !stream.closed && Date.now() < deadline) {
      for (const event of page.events) {
        await stream.writeSSE({
          id: String(event.id),
          event: event.name,
          data: JSON.stringify(eventJson(event)),
        });
        lastWriteAt = Date.now();
      }
      const cursor = page.cursor;
      try {
        if (page.events.length < limit) {
          // Caught up: the next page is read only once the voter says there is one.
          const waitMs = Math.min(lastWriteAt + SSE_KEEPALIVE_MS, deadline) - Date.now();
          const newest = await Promise.race([aborted, waitForNewer(voters, voter, cursor, waitMs)]);
          if (newest === null) return;
          if (newest <= cursor) {
            if (Date.now() - lastWriteAt >= SSE_KEEPALIVE_MS) {
              await stream.write(': keep-alive\n\n');
              lastWriteAt = Date.now();
            }
            page = { events: [], cursor };
            continue;
          }
        }
        page = await voters.call(voter, (stub, address) => stub.events(address, cursor, limit));
      } catch (error) {
        const why = String(error).replace(/\n/g, ' ');
        await stream.write(`: voter ${voter} did not answer (${why}); reconnect\n\n`);
        return;
      }
    }
  });
}

/** The newest event id the voter stores, once above `cursor` or after `waitMs` (at once if <= 0). */
function waitForNewer(voters: VoterSet, voter: number, cursor: number, waitMs: number): Promise<number> {
  if (waitMs <= 0) return Promise.resolve(cursor);
  return voters.call(
    voter,
    (stub, address) => stub.waitForEvents(address, cursor, waitMs),
    waitMs + WAIT_SLACK_MS,
  );
}

function eventJson(event: StoredEvent) {
  return {
    id: event.id,
    at: event.at,
    name: event.name,
    payload: event.payload,
    epoch: event.epoch,
    reason: event.reason,
  };
}
