// The demo's live timeline: one line per thing that happened, with wall-clock time and time since start.
import type { CoordinatorEvent } from './coordinator-client.js';

/** A duration as the timeline and the reports show it. */
export const formatMs = (value: number) => `${Math.round(value)} ms`;

export class Timeline {
  private readonly startMs = performance.now();

  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  /** Milliseconds since the timeline started (performance.now() based, so monotonic). */
  elapsedMs(atMs = performance.now()): number {
    return atMs - this.startMs;
  }

  private stamp(): string {
    const wall = new Date().toISOString().slice(11, 23);
    return `${wall} ${`+${(this.elapsedMs() / 1000).toFixed(3)}s`.padStart(9)}`;
  }

  /** Something the launcher did or measured. */
  note(text: string): void {
    this.write(`${this.stamp()}  ${text}`);
  }

  /** An event from voter `voter`'s log, as it arrives on the SSE stream. */
  event(event: CoordinatorEvent, voter: number): void {
    const epoch = event.epoch > 0 ? ` [epoch ${event.epoch}]` : '';
    const reason = event.reason === '' ? '' : `  -- ${event.reason}`;
    this.write(`${this.stamp()}  v${voter} ${event.name.padEnd(18)} ${event.payload}${epoch}${reason}`);
  }

  /** Plain text (headers, reports), not time-stamped. */
  plain(text: string): void {
    this.write(text);
  }
}
