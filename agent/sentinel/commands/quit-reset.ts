// QUIT (reply, then close) and RESET (back to a fresh connection's state).
import type { CommandSpec } from '../command-spec.js';
import { OK, simple } from '../resp.js';
import { subscriptionBytes } from '../session.js';

export const quit: CommandSpec = {
  name: 'quit',
  arity: -1,
  docs: {
    summary: 'Closes the connection.',
    since: '1.0.0',
    group: 'connection',
    complexity: 'O(1)',
    docFlags: ['deprecated'],
    deprecatedSince: '7.2.0',
    replacedBy: 'just closing the connection',
  },
  flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy', 'sentinel'],
  allowedWhileSubscribed: true,
  run({ session }) {
    session.closeAfterReply = true;
    return OK;
  },
};

/** Redis 6.2's RESET: RESP2, no name, no subscriptions, and back to the `default` user (unauthenticated unless it is nopass). */
export const reset: CommandSpec = {
  name: 'reset',
  arity: 1,
  docs: { summary: 'Resets the connection.', since: '6.2.0', group: 'connection', complexity: 'O(1)' },
  flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy', 'sentinel'],
  allowedWhileSubscribed: true,
  run({ session, server }) {
    session.protocol = 2;
    session.name = null;
    server.stats.subscriptionBytes -= subscriptionBytes(session);
    session.channels.clear();
    session.patterns.clear();
    // Back to `default`: logged in only if that user needs no password.
    session.user = 'default';
    session.authenticated = server.acl.defaultLogsIn();
    return simple('RESET');
  },
};
