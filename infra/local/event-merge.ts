// The demo follows every voter's event log; what several voters say alike is shown once (pure).
import type { CoordinatorEvent } from './coordinator-client.js';

/** Voters report the same thing (`+odown`, `+config`, `+switch-master`) within moments of each other. */
const SAME_EVENT_WINDOW_MS = 3000;

/**
 * Event ids are per voter, so each voter's stream is deduplicated by id (a reconnect replays from
 * Last-Event-ID); across voters an event is a repeat when its name, payload and epoch match one
 * another voter showed within `SAME_EVENT_WINDOW_MS`, so the leader's own events
 * (+elected-leader, +selected-slave) appear next to what the majority saw, once each.
 */
export class EventMerger {
  private readonly lastIdOf = new Map<number, number>();
  private readonly shown = new Map<string, { readonly atMs: number; readonly voter: number }>();

  /** Whether to show `event` from `voter`, seen at `nowMs` (monotonic). */
  accept(voter: number, event: CoordinatorEvent, nowMs: number): boolean {
    if (event.id <= (this.lastIdOf.get(voter) ?? 0)) return false;
    this.lastIdOf.set(voter, event.id);
    for (const [k, s] of this.shown) if (nowMs - s.atMs >= SAME_EVENT_WINDOW_MS) this.shown.delete(k);
    const key = `${event.name} ${event.payload} ${event.epoch}`;
    const earlier = this.shown.get(key);
    // The same voter saying it again is news (a flap); another voter echoing it is not.
    if (earlier !== undefined && earlier.voter !== voter) return false;
    this.shown.set(key, { atMs: nowMs, voter });
    return true;
  }
}
