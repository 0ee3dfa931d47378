// Cloudflare prices the cost model uses, in one place (Workers Paid plan, US dollars).
//
// Source: Cloudflare's Durable Objects pricing page (developers.cloudflare.com/durable-objects/platform/pricing/)
// and Workers pricing page (developers.cloudflare.com/workers/platform/pricing/), as read on 2026-11-25.
// The page's footnotes matter here: incoming WebSocket messages are billed 20:1 as requests,
// outgoing messages, protocol pings and `setWebSocketAutoResponse` replies are free (so lease
// renewals cost nothing), and objects idle and eligible for hibernation bill no duration.

export const PRICES = {
  /** The Workers Paid plan's monthly fee, shared by everything on the account. */
  planDollarsPerMonth: 5,
  /** Worker invocations (every HTTP request and WebSocket upgrade to the edge API). */
  workerRequestsIncludedPerMonth: 10_000_000,
  workerDollarsPerMillionRequests: 0.3,
  /** Durable Object requests: fetches (WebSocket upgrades), RPC calls, alarms, WebSocket messages / 20. */
  doRequestsIncludedPerMonth: 1_000_000,
  doDollarsPerMillionRequests: 0.15,
  wsMessagesPerBilledRequest: 20,
  /** Duration, at the 128 MB every Durable Object is billed for. */
  doGbSecondsIncludedPerMonth: 400_000,
  doDollarsPerMillionGbSeconds: 12.5,
  doMemoryGb: 128 / 1024,
  /** SQLite-backed storage. Alarm writes count as rows written. */
  rowsWrittenIncludedPerMonth: 50_000_000,
  dollarsPerMillionRowsWritten: 1.0,
  rowsReadIncludedPerMonth: 25_000_000_000,
  dollarsPerMillionRowsRead: 0.001,
  storageGbIncluded: 5,
  dollarsPerGbMonth: 0.2,
} as const;

export type Prices = typeof PRICES;
