// SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE / PUNSUBSCRIBE, and the messages delivered to subscribers.
import type { CommandContext, CommandSpec } from '../command-spec.js';
import { bulk, error, integer, many, nullBulk, push, type Reply } from '../resp.js';
import { type Session, subscriptionCount } from '../session.js';

type Kind = 'channel' | 'pattern';

function targets(session: Session, kind: Kind): Set<string> {
  return kind === 'channel' ? session.channels : session.patterns;
}

function subscribe(kind: Kind, { args, session, server }: CommandContext): Reply {
  const names = args.slice(1);
  const set = targets(session, kind);
  const added = new Set(names.filter((n) => !set.has(n))).size;
  // A bound on subscriptions keeps one client from growing the fan-out without limit.
  if (subscriptionCount(session) + added > server.maxSubscriptionsPerClient) {
    return error(`ERR too many subscriptions for one client (at most ${server.maxSubscriptionsPerClient})`);
  }
  const verb = kind === 'channel' ? 'subscribe' : 'psubscribe';
  return many(
    names.map((name) => {
      set.add(name);
      return push([bulk(verb), bulk(name), integer(subscriptionCount(session))]);
    }),
  );
}

function unsubscribe(kind: Kind, { args, session }: CommandContext): Reply {
  const set = targets(session, kind);
  const verb = kind === 'channel' ? 'unsubscribe' : 'punsubscribe';
  const names = args.length > 1 ? args.slice(1) : [...set];
  if (names.length === 0) return push([bulk(verb), nullBulk(), integer(subscriptionCount(session))]);
  return many(
    names.map((name) => {
      set.delete(name);
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
