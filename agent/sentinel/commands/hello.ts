// HELLO [protover [AUTH username password] [SETNAME name]]: switches RESP2/RESP3, as Redis 7 does.
import type { CommandSpec } from '../command-spec.js';
import { REDIS_VERSION } from '../identity.js';
import { array, bulk, error, integer, map, type Reply } from '../resp.js';
import { logIn } from './auth.js';
import { validName } from './client.js';

/** Redis 7.0's text, word for word (Lettuce and ioredis only look at the NOAUTH code). */
const HELLO_NOAUTH =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time';

export const hello: CommandSpec = {
  name: 'hello',
  arity: -1,
  docs: {
    summary: 'Handshakes with the Redis server.',
    since: '6.0.0',
    group: 'connection',
    complexity: 'O(1)',
    history: [
      [
        '6.2.0',
        "`protover` made optional; when called without arguments the command reports the current connection's context.",
      ],
    ],
    arguments: [
      {
        name: 'arguments',
        type: 'block',
        flags: ['optional'],
        arguments: [
          { name: 'protover', type: 'integer' },
          {
            name: 'auth',
            type: 'block',
            token: 'AUTH',
            flags: ['optional'],
            arguments: [
              { name: 'username', type: 'string' },
              { name: 'password', type: 'string' },
            ],
          },
          { name: 'clientname', type: 'string', token: 'SETNAME', flags: ['optional'] },
        ],
      },
    ],
  },
  flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'sentinel', 'allow_busy'],
  run({ args, session, server }): Reply {
    let protocol: 2 | 3 | null = null;
    let next = 1;
    if (args.length >= 2) {
      const raw = args[1] ?? '';
      if (!/^-?\d{1,18}$/.test(raw)) return error('ERR Protocol version is not an integer or out of range');
      const version = Number(raw);
      if (version !== 2 && version !== 3) return error('NOPROTO unsupported protocol version');
      protocol = version;
      next = 2;
    }
    let credentials: { username: string; password: string } | null = null;
    let name: string | null = null;
    for (let i = next; i < args.length; i++) {
      const option = args[i] ?? '';
      const more = args.length - 1 - i;
      if (option.toLowerCase() === 'auth' && more >= 2) {
        credentials = { username: args[i + 1] ?? '', password: args[i + 2] ?? '' };
        i += 2;
      } else if (option.toLowerCase() === 'setname' && more >= 1) {
        name = args[i + 1] ?? '';
        i += 1;
      } else {
        return error(`ERR Syntax error in HELLO option '${option}'`);
      }
    }
    if (credentials !== null) {
      const loggedIn = logIn(server, session, credentials.username, credentials.password);
      if (loggedIn.kind === 'error') return loggedIn;
    }
    if (!session.authenticated) return error(HELLO_NOAUTH);
    if (name !== null) {
      if (!validName(name)) {
        return error('ERR Client names cannot contain spaces, newlines or special characters.');
      }
      session.name = name === '' ? null : name;
    }
    if (protocol !== null) session.protocol = protocol;
    // Sentinel's HELLO map has no `role` field: Redis adds it only outside Sentinel mode.
    return map([
      ['server', bulk('redis')],
      ['version', bulk(REDIS_VERSION)],
      ['proto', integer(session.protocol)],
      ['id', integer(session.id)],
      ['mode', bulk('sentinel')],
      ['modules', array([])],
    ]);
  },
};
