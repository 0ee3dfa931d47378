// Small HTTP client of the coordinator API for the launcher: master reads and the SSE event stream
// (answers checked with the API's own response schemas).
import { z } from 'zod';
import { EventSchema, MasterSchema } from '../../workers/api/schemas.js';
import { sseFrames } from '../cli/sse-frames.js';
import { sleep } from './wait.js';

export type PublishedMaster = z.infer<typeof MasterSchema>;

export type CoordinatorEvent = z.infer<typeof EventSchema>;

/** `GET /v1/groups/:group/master` (a majority read); throws on anything but 200. */
export async function getMaster(
  baseUrl: string,
  group: string,
  timeoutMs = 5000,
  token?: string,
): Promise<PublishedMaster> {
  // A majority read, not an isolate's copy: the launcher and the tests want what is published now.
  const response = await fetch(
    `${baseUrl}/v1/groups/${encodeURIComponent(group)}/master?consistency=majority`,
    {
      signal: AbortSignal.timeout(timeoutMs),
      headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    },
  );
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`master read answered ${response.status}: ${text.slice(0, 300)}`);
  return MasterSchema.parse(JSON.parse(text));
}

const StatusSchema = z.object({
  master: MasterSchema.omit({ group: true }).nullable(),
  epoch: z.number().int().nullable(),
  failover: z.object({ state: z.string() }),
  agents: z.array(
    z.object({
      agentId: z.string(),
      connectedTo: z.array(z.number().int()),
      views: z.array(z.object({ node: z.string(), sdown: z.boolean(), role: z.string() })),
    }),
  ),
});
/** The parts of `GET /v1/groups/:group` the launcher and the e2e tests read (extra fields are ignored). */
export type GroupStatusView = z.infer<typeof StatusSchema>;

/** `GET /v1/groups/:group`: every voter's status, with each agent's views of the nodes. */
export async function getStatus(baseUrl: string, group: string, timeoutMs = 5000): Promise<GroupStatusView> {
  const response = await fetch(`${baseUrl}/v1/groups/${encodeURIComponent(group)}`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`status read answered ${response.status}: ${text.slice(0, 300)}`);
  return StatusSchema.parse(JSON.parse(text));
}

/** `POST /v1/groups/:group/<action>` with the admin token; returns the status and the parsed body. */
export async function postAdmin(
  baseUrl: string,
  group: string,
  action: 'failover' | 'switchover' | 'pause' | 'resume' | 'reset' | `voters/${number}/outage`,
  adminToken: string,
  body: Record<string, unknown> = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${baseUrl}/v1/groups/${encodeURIComponent(group)}/${action}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text for the message.
  }
  return { status: response.status, body: parsed };
}

/** `GET /v1/groups/:group/events?voter=` (one page of one voter's events, JSON). */
export async function getEvents(
  baseUrl: string,
  group: string,
  options: { voter?: number; after?: number; limit?: number } = {},
): Promise<CoordinatorEvent[]> {
  const query = new URLSearchParams({
    voter: String(options.voter ?? 0),
    after: String(options.after ?? 0),
    limit: String(options.limit ?? 500),
  });
  const response = await fetch(`${baseUrl}/v1/groups/${encodeURIComponent(group)}/events?${query}`, {
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`events read answered ${response.status}: ${text.slice(0, 300)}`);
  return z.object({ events: z.array(EventSchema) }).parse(JSON.parse(text)).events;
}

export interface EventFollower {
  /** Stops reading; resolves once the current connection is closed. */
  stop(): Promise<void>;
}

/**
 * Follows one voter's events over Server-Sent Events, reconnecting with Last-Event-ID so nothing
 * is lost when the server ends a connection (every 5 minutes) or wrangler restarts. Voter 0 is
 * pinned: event ids are per voter.
 */
export function followEvents(
  baseUrl: string,
  group: string,
  onEvent: (event: CoordinatorEvent) => void,
  options: { voter?: number; after?: number; onError?: (message: string) => void } = {},
): EventFollower {
  const controller = new AbortController();
  let lastId = options.after ?? 0;
  const url = `${baseUrl}/v1/groups/${encodeURIComponent(group)}/events?voter=${options.voter ?? 0}`;
  const loop = async () => {
    while (!controller.signal.aborted) {
      try {
        const response = await fetch(url, {
          headers: { Accept: 'text/event-stream', 'Last-Event-ID': String(lastId) },
          signal: controller.signal,
        });
        if (response.status !== 200 || response.body === null) {
          throw new Error(`events answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
        }
        for await (const frame of sseFrames(response.body)) {
          if (frame.data === undefined) continue;
          const event = EventSchema.parse(JSON.parse(frame.data));
          lastId = Math.max(lastId, event.id);
          onEvent(event);
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        options.onError?.(error instanceof Error ? error.message : String(error));
      }
      await sleep(300);
    }
  };
  const done = loop();
  return {
    async stop() {
      controller.abort();
      await done.catch(() => undefined);
    },
  };
}
