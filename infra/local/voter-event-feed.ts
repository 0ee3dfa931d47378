// The demo's live feed: every voter's event log followed over SSE, each event shown once on the timeline.
import { type CoordinatorEvent, followEvents } from './coordinator-client.js';
import { EventMerger } from './event-merge.js';
import type { LocalStack } from './stack.js';
import type { Timeline } from './timeline.js';

/**
 * Follows every voter, not one: the leader's +elected-leader and +selected-slave are in its own
 * log only. Resolves nothing; `stop()` closes every stream.
 */
export function followVoterEvents(stack: LocalStack, timeline: Timeline): { stop(): Promise<void> } {
  const merger = new EventMerger();
  const followers = Array.from({ length: stack.options.voters }, (_, voter) =>
    followEvents(
      stack.coordinatorUrl,
      stack.options.group,
      (event: CoordinatorEvent) => {
        if (merger.accept(voter, event, performance.now())) timeline.event(event, voter);
      },
      { voter },
    ),
  );
  return {
    async stop() {
      await Promise.all(followers.map((f) => f.stop()));
    },
  };
}
