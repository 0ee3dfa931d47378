// AUTH [username] password, and the log-in HELLO AUTH shares.
import type { CommandSpec, ServerContext } from '../command-spec.js';
import { error, OK, type Reply } from '../resp.js';
import type { Session } from '../session.js';

export const WRONGPASS = error('WRONGPASS invalid username-password pair or user is disabled.');

/**
 * AUTH and HELLO AUTH: logs the session in as that user, or records the failure for ACL LOG
 * and answers WRONGPASS (the same answer for an unknown user, a disabled one and a bad password).
 */
export function logIn(server: ServerContext, session: Session, username: string, password: string): Reply {
  const user = server.acl.authenticate(username, password);
  if (user === null) {
    server.logger.warn({ client: session.address, user: username }, 'sentinel client failed AUTH');
    server.acl.recordDenial(
      { reason: 'auth', object: 'AUTH', username, clientInfo: `id=${session.id} addr=${session.address}` },
      server.nowMs(),
    );
    return WRONGPASS;
  }
  session.user = user.name;
  session.authenticated = true;
  return OK;
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
    if (args.length === 2 && server.acl.get('default')?.nopass === true) {
      return error(
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
    }
    const username = args.length === 3 ? (args[1] ?? '') : 'default';
    return logIn(server, session, username, args[args.length - 1] ?? '');
  },
};
