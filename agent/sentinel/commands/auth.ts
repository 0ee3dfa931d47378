// AUTH [username] password, and the password check HELLO AUTH shares.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { CommandSpec, ServerContext } from '../command-spec.js';
import { error, OK, type Reply } from '../resp.js';

export const WRONGPASS = error('WRONGPASS invalid username-password pair or user is disabled.');

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Only Redis's `default` user exists. Without a configured password it is `nopass` (any
 * password is accepted, as Redis does); with one, the comparison takes constant time.
 */
export function credentialsValid(server: ServerContext, username: string, password: string): boolean {
  if (username !== 'default') return false;
  if (server.password === null) return true;
  return timingSafeEqual(digest(password), digest(server.password));
}

export const auth: CommandSpec = {
  name: 'auth',
  arity: -2,
  docs: {
    summary: 'Authenticates the connection.',
    since: '1.0.0',
    group: 'connection',
    complexity: 'O(N) where N is the number of passwords defined for the user',
    history: [['6.0.0', 'Added ACL style (username and password).']],
    arguments: [
      { name: 'username', type: 'string', since: '6.0.0', flags: ['optional'] },
      { name: 'password', type: 'string' },
    ],
  },
  flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'sentinel', 'allow_busy'],
  run({ args, session, server }): Reply {
    if (args.length > 3) return error('ERR syntax error');
    if (args.length === 2 && server.password === null) {
      return error(
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
    }
    const username = args.length === 3 ? (args[1] ?? '') : 'default';
    const password = args[args.length - 1] ?? '';
    if (!credentialsValid(server, username, password)) {
      server.logger.warn({ client: session.address }, 'sentinel client failed AUTH');
      return WRONGPASS;
    }
    session.authenticated = true;
    return OK;
  },
};
