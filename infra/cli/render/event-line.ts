// One event as one line: time, name and Sentinel-style payload first (what people grep), then where it came from and why.
import type { VoterEvent } from '../event-feed.js';

export function eventLine({ voter, event }: VoterEvent): string {
  return `${event.at}  ${event.name} ${event.payload}  [epoch ${event.epoch}, voter ${voter}, id ${event.id}] ${event.reason}`;
}

/** `--json`: one object per line (NDJSON), so a follower's output can be piped into jq as it comes. */
export function eventJsonLine({ voter, event }: VoterEvent): string {
  return JSON.stringify({ voter, ...event });
}
