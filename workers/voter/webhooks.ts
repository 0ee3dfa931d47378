// Signed webhook delivery of a voter's events: outbox rows in SQLite, retries through the single alarm.
//
// Who delivers: every voter delivers its own events, with ids stable per voter
// (`<group>#<index>:<eventId>`). A single deliverer (say the leader) would be a single point of
// failure for notification, and most events are one voter's view anyway (`+odown`,
// `+vote-for-leader`); this mirrors Sentinel, where every sentinel publishes its own events.
// Consumers dedupe retries by `id` and, for group-wide facts such as `+switch-master`, by
// (`name`, `epoch`): every voter reports the same switch at the same epoch.

import { hmacSha256Hex } from '../auth/hmac.js';
import type { GroupDefinition } from '../config/groups.js';
import { doubledMs } from '../protocol/index.js';
import type { StoredEvent } from './contract.js';
import type { MutableCounters } from './counters.js';

/** One pending delivery of one event to one webhook (a row of `webhook_outbox`). */
export interface OutboxRow {
  readonly eventId: number;
  readonly hook: number;
  readonly attempts: number;
  readonly nextAt: number;
}

/** The part of the voter's storage (store.ts) that delivery needs. */
export interface WebhookOutbox {
  enqueueWebhook(eventId: number, hook: number, nextAt: number): OutboxRow;
  trimOutbox(): number;
  event(id: number): StoredEvent | null;
  dueWebhooks(nowMs: number, limit: number): OutboxRow[];
  rescheduleWebhook(row: OutboxRow, attempts: number, nextAt: number): void;
  deleteWebhook(row: OutboxRow): void;
}

/** Back-off doubles from 1 s up to 5 min; after this many attempts a delivery is dropped (logged). */
export const MAX_ATTEMPTS = 15;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 300_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** An attempt in flight is due again after this, so a voter evicted mid-request retries it. */
export const CLAIM_MS = 30_000;
/** Deliveries attempted per round; a round repeats while more are due, at most this many times. */
const BATCH = 16;
const MAX_ROUNDS = 8;

export function retryDelayMs(attempts: number): number {
  return doubledMs({ initialMs: FIRST_RETRY_MS, maxMs: MAX_RETRY_MS }, attempts - 1);
}

export function webhookId(group: string, index: number, eventId: number): string {
  return `${group}#${index}:${eventId}`;
}

/** Hex HMAC-SHA256 over `<timestamp>.<body>`: what `x-edge-sentinel-signature` carries after `sha256=`. */
export function signWebhook(secret: string, timestampS: number, body: string): Promise<string> {
  return hmacSha256Hex(secret, `${timestampS}.${body}`);
}

export interface WebhookTarget {
  readonly url: string;
  readonly secret: string | undefined;
  readonly secretName: string;
}

/** One POST; any 2xx answer is a delivery. Never throws. */
export async function postWebhook(
  target: WebhookTarget,
  body: string,
  nowMs: number,
): Promise<{ ok: boolean; detail: string }> {
  if (target.secret === undefined || target.secret === '') {
    return {
      ok: false,
      detail: `secret ${target.secretName} is not set (wrangler secret put ${target.secretName})`,
    };
  }
  const timestampS = Math.floor(nowMs / 1000);
  try {
    const signature = await signWebhook(target.secret, timestampS, body);
    const response = await fetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-edge-sentinel-timestamp': String(timestampS),
        'x-edge-sentinel-signature': `sha256=${signature}`,
      },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return { ok: response.ok, detail: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

export interface WebhookHost {
  readonly store: WebhookOutbox;
  readonly counters: MutableCounters;
  readonly group: string;
  readonly index: number;
  readonly hooks: GroupDefinition['webhooks'];
  secret(name: string): string | undefined;
  /** Runs `fn` in one storage transaction (and saves the counters with it). */
  transaction(fn: () => void): void;
  /** Called after a round changed the outbox, so the alarm follows the earliest retry. */
  outboxChanged(): void;
}

/** Queues each event for each webhook, claimed by a first attempt that `deliver` makes at once. */
export function enqueueWebhooks(
  host: WebhookHost,
  events: readonly StoredEvent[],
  nowMs: number,
): OutboxRow[] {
  const rows: OutboxRow[] = [];
  for (const event of events) {
    host.hooks.forEach((_, hook) => {
      rows.push(host.store.enqueueWebhook(event.id, hook, nowMs + CLAIM_MS));
    });
  }
  const dropped = host.hooks.length > 0 ? host.store.trimOutbox() : 0;
  if (dropped > 0) console.warn(`voter ${host.group}#${host.index}: webhook outbox full, dropped ${dropped}`);
  return rows;
}

/** Attempts the given (already claimed) deliveries and records each outcome. */
export async function deliver(host: WebhookHost, rows: readonly OutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  const nowMs = Date.now();
  const outcomes = await Promise.all(
    rows.map(async (row) => {
      const hook = host.hooks[row.hook];
      const event = host.store.event(row.eventId);
      if (hook === undefined || event === null) return { row, ok: true, detail: 'nothing left to deliver' };
      const body = JSON.stringify({
        id: webhookId(host.group, host.index, event.id),
        group: host.group,
        voter: host.index,
        event,
      });
      const target = { url: hook.url, secret: host.secret(hook.secretName), secretName: hook.secretName };
      host.counters.webhookAttempts += 1;
      return { row, ...(await postWebhook(target, body, nowMs)) };
    }),
  );
  host.transaction(() => {
    for (const { row, ok, detail } of outcomes) {
      if (ok) {
        host.store.deleteWebhook(row);
        continue;
      }
      host.counters.webhookFailures += 1;
      if (row.attempts >= MAX_ATTEMPTS) {
        console.error(
          `webhook ${row.hook} gave up on event ${row.eventId} after ${row.attempts} attempts: ${detail}`,
        );
        host.store.deleteWebhook(row);
      } else {
        console.warn(
          `webhook ${row.hook} attempt ${row.attempts} for event ${row.eventId} failed: ${detail}`,
        );
        host.store.rescheduleWebhook(row, row.attempts, Date.now() + retryDelayMs(row.attempts));
      }
    }
  });
  host.outboxChanged();
}

/** Claims and attempts every due delivery (the alarm's part), in bounded rounds. */
export async function deliverDue(host: WebhookHost): Promise<void> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const nowMs = Date.now();
    const due = host.store.dueWebhooks(nowMs, BATCH);
    if (due.length === 0) return;
    const claimed = due.map((row) => ({ ...row, attempts: row.attempts + 1, nextAt: nowMs + CLAIM_MS }));
    host.transaction(() => {
      for (const row of claimed) host.store.rescheduleWebhook(row, row.attempts, row.nextAt);
    });
    await deliver(host, claimed);
  }
}
