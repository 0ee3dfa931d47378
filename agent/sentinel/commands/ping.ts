// PING [message]: PONG, an echo, or the RESP2 pub/sub form `["pong", message]`.
import type { CommandSpec } from '../command-spec.js';
import { wrongArity } from '../dispatch.js';
import { array, bulk, simple } from '../resp.js';
import { inSubscribedContext } from '../session.js';

export const ping: CommandSpec = {
  name: 'ping',
  arity: -1,
  docs: {
    summary: "Returns the server's liveliness response.",
    since: '1.0.0',
    group: 'connection',
    complexity: 'O(1)',
    arguments: [{ name: 'message', type: 'string', flags: ['optional'] }],
  },
  flags: ['fast', 'sentinel'],
  allowedWhileSubscribed: true,
  run({ args, session }) {
    if (args.length > 2) return wrongArity('ping');
    const message = args[1];
    if (inSubscribedContext(session)) return array([bulk('pong'), bulk(message ?? '')]);
    return message === undefined ? simple('PONG') : bulk(message);
  },
};
