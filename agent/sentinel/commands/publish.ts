// PUBLISH: refused, as Sentinel refuses everything but its own hello messages.
import type { CommandSpec } from '../command-spec.js';
import { error } from '../resp.js';

export const publish: CommandSpec = {
  name: 'publish',
  arity: 3,
  flags: ['pubsub', 'loading', 'stale', 'fast', 'sentinel'],
  run: () => error('ERR Only HELLO messages are accepted by Sentinel instances.'),
};
