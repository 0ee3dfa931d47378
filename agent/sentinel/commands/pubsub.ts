// SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE / PUNSUBSCRIBE, and the messages delivered to subscribers.
import type { CommandContext, CommandSpec } from '../command-spec.js';
import { bulk, error, integer, many, nullBulk, push, type Reply } from '../resp.js';
import { type Session, subscriptionBytes, subscriptionCount } from '../session.js';

type Kind = 'channel' | 'pattern';

function targets(session: Session, kind: Kind): Set<string> {
  return kind === 'channel' ? session.channels : session.patterns;
}

function subscribe(kind: Kind, { args, session, server }: CommandContext): Reply {
  const names = args.slice(1);
  const set = targets(session, kind);
  const added = [...new Set(names.filter((n) => !set.has(n)))];
  // Bounds on subscriptions keep one client, or all of them, from growing the fan-out (every
  // event is matched against every pattern) or the memory without limit.
  if (subscriptionCount(session) + added.length > server.maxSubscriptionsPerClient) {
    return error(`ERR too many subscriptions for one client (at most ${server.maxSubscriptionsPerClient})`);
  }
  const addedBytes = added.reduce((sum, name) => sum + Buffer.byteLength(name), 0);
  if (subscriptionBytes(session) + addedBytes > server.maxSubscriptionBytesPerClient) {
    return error(
      `ERR subscriptions of one client would exceed ${server.maxSubscriptionBytesPerClient} bytes of channel and pattern names`,
    );
  }
  if (server.stats.subscriptionBytes + addedBytes > server.maxSubscriptionBytes) {
    return error(
      `ERR this agent's subscriptions would exceed ${server.maxSubscriptionBytes} bytes of channel and pattern names`,
    );
  }
  server.stats.subscriptionBytes += addedBytes;
  const verb = kind === 'channel' ? 'subscribe' : 'psubscribe';
  return many(
    names.map((name) => {
      set.add(name);
      return push([bulk(verb), bulk(name), integer(subscriptionCount(session))]);
    }),
  );
}

function unsubscribe(kind: Kind, { args, session, server }: CommandContext): Reply {
  const set = targets(session, kind);
  const verb = kind === 'channel' ? 'unsubscribe' : 'punsubscribe';
  const names = args.length > 1 ? args.slice(1) : [...set];
  if (names.length === 0) return push([bulk(verb), nullBulk(), integer(subscriptionCount(session))]);
  return many(
    names.map((name) => {
      if (set.delete(name)) server.stats.subscriptionBytes -= Buffer.byteLength(name);
      return push([bulk(verb), bulk(name), integer(subscriptionCount(session))]);
    }),
  );
}

const FLAGS = ['pubsub', 'noscript', 'loading', 'stale', 'sentinel'];

export const subscribeCommand: CommandSpec = {
  name: 'subscribe',
  arity: -2,
  docs: {
    summary: 'Listens for messages published to channels.',
    since: '2.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of channels to subscribe to.',
    history: [],
    arguments: [{ name: 'channel', type: 'string', flags: ['multiple'] }],
  },
  flags: FLAGS,
  allowedWhileSubscribed: true,
  run: (context) => subscribe('channel', context),
};

export const unsubscribeCommand: CommandSpec = {
  name: 'unsubscribe',
  arity: -1,
  docs: {
    summary: 'Stops listening to messages posted to channels.',
    since: '2.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of channels to unsubscribe.',
    arguments: [{ name: 'channel', type: 'string', flags: ['optional', 'multiple'] }],
  },
  flags: FLAGS,
  allowedWhileSubscribed: true,
  run: (context) => unsubscribe('channel', context),
};

export const psubscribeCommand: CommandSpec = {
  name: 'psubscribe',
  arity: -2,
  docs: {
    summary: 'Listens for messages published to channels that match one or more patterns.',
    since: '2.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of patterns to subscribe to.',
    arguments: [{ name: 'pattern', type: 'pattern', flags: ['multiple'] }],
  },
  flags: FLAGS,
  allowedWhileSubscribed: true,
  run: (context) => subscribe('pattern', context),
};

export const punsubscribeCommand: CommandSpec = {
  name: 'punsubscribe',
  arity: -1,
  docs: {
    summary: 'Stops listening to messages published to channels that match one or more patterns.',
    since: '2.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of patterns to unsubscribe.',
    arguments: [{ name: 'pattern', type: 'pattern', flags: ['optional', 'multiple'] }],
  },
  flags: FLAGS,
  allowedWhileSubscribed: true,
  run: (context) => unsubscribe('pattern', context),
};
