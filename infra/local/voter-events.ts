// The voters' event logs read after the fact: when each event first happened, at any voter, since a moment.
import { getEvents } from './coordinator-client.js';

export interface VoterEventTime {
  readonly name: string;
  /** The voter's wall clock (Date.parse of the event's `at`); the voters run on this machine. */
  readonly atWallMs: number;
}

const PAGE = 500;

/** Each event name's earliest occurrence at or after `sinceWallMs` across `voters` voters, by time. */
export async function firstVoterEventsSince(
  coordinatorUrl: string,
  group: string,
  options: { readonly voters: number; readonly sinceWallMs: number },
): Promise<VoterEventTime[]> {
  const first = new Map<string, number>();
  for (let voter = 0; voter < options.voters; voter++) {
    // Event ids are per voter: page through each voter's log on its own cursor.
    for (let after = 0; ; ) {
      const page = await getEvents(coordinatorUrl, group, { voter, after, limit: PAGE });
      for (const event of page) {
        after = Math.max(after, event.id);
        const atWallMs = Date.parse(event.at);
        const seen = first.get(event.name);
        if (atWallMs >= options.sinceWallMs && (seen === undefined || atWallMs < seen)) {
          first.set(event.name, atWallMs);
        }
      }
      if (page.length < PAGE) break;
    }
  }
  return [...first.entries()]
    .map(([name, atWallMs]) => ({ name, atWallMs }))
    .sort((a, b) => a.atWallMs - b.atWallMs);
}
