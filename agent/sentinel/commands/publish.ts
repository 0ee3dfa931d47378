// PUBLISH: refused, as Sentinel refuses everything but its own hello messages.
import type { CommandSpec } from '../command-spec.js';
import { error } from '../resp.js';

export const publish: CommandSpec = {
  name: 'publish',
  arity: 3,
  docs: {
    summary: 'Posts a message to a channel.',
    since: '2.0.0',
    group: 'pubsub',
    complexity:
      'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).',
    arguments: [
      { name: 'channel', type: 'string' },
      { name: 'message', type: 'string' },
    ],
  },
  flags: ['pubsub', 'loading', 'stale', 'fast', 'sentinel'],
  run: () => error('ERR Only HELLO messages are accepted by Sentinel instances.'),
};
