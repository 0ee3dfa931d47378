// The Server-Sent Events loop: one voter's events in id order, keep-alives, bounded connection time.
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { EventsPage, StoredEvent } from '../voter/contract.js';
import type { VoterSet } from './voters.js';

/** A connection ends after this long; EventSource reconnects with Last-Event-ID and loses nothing. */
export const SSE_MAX_CONNECTION_MS = 5 * 60_000;
/** How often the voter is asked for new events while the log is idle. */
export const SSE_POLL_MS = 1_000;
/** A comment line at least this often keeps proxies from closing an idle stream. */
export const SSE_KEEPALIVE_MS = 15_000;
/** What the client is told to wait before reconnecting. */
export const SSE_RETRY_MS = 2_000;

export function streamEvents(
  c: Context,
  voters: VoterSet,
  voter: number,
  first: EventsPage,
  limit: number,
): Response {
  return streamSSE(c, async (stream) => {
    const startedAt = Date.now();
    let lastWriteAt = startedAt;
    let page = first;
    await stream.write(`retry: ${SSE_RETRY_MS}\n: voter ${voter}\n\n`);
    // Bounded: the connection ends at SSE_MAX_CONNECTION_MS and every round sleeps or advances.
    while (!stream.aborted && !stream.closed && Date.now() - startedAt < SSE_MAX_CONNECTION_MS) {
      for (const event of page.events) {
        await stream.writeSSE({
          id: String(event.id),
          event: event.name,
          data: JSON.stringify(eventJson(event)),
        });
        lastWriteAt = Date.now();
      }
      if (page.events.length < limit) {
        if (Date.now() - lastWriteAt >= SSE_KEEPALIVE_MS) {
          await stream.write(': keep-alive\n\n');
          lastWriteAt = Date.now();
        }
        await stream.sleep(SSE_POLL_MS);
      }
      const cursor = page.cursor;
      try {
        page = await voters.call(voter, (stub, address) => stub.events(address, cursor, limit));
      } catch (error) {
        await stream.write(`: voter ${voter} did not answer (${String(error)}); reconnect\n\n`);
        return;
      }
    }
  });
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
