// The command table this server answers, in the order COMMAND lists it.
import type { CommandSpec } from '../command-spec.js';
import { acl } from './acl.js';
import { auth } from './auth.js';
import { client } from './client.js';
import { command } from './command.js';
import { hello } from './hello.js';
import { info } from './info.js';
import { ping } from './ping.js';
import { publish } from './publish.js';
import { psubscribeCommand, punsubscribeCommand, subscribeCommand, unsubscribeCommand } from './pubsub.js';
import { quit, reset } from './quit-reset.js';
import { role } from './role.js';
import { sentinel } from './sentinel.js';

export const COMMANDS: readonly CommandSpec[] = [
  ping,
  auth,
  hello,
  acl,
  client,
  command,
  quit,
  reset,
  role,
  info,
  sentinel,
  subscribeCommand,
  unsubscribeCommand,
  psubscribeCommand,
  punsubscribeCommand,
  publish,
];
