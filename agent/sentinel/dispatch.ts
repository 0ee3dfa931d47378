// From a parsed command to a reply: lookup, arity, authentication, ACL and pub/sub-context gates, as Redis orders them.

import { aclDenial } from './acl/permission.js';
import { arityOk, type CommandContext, type CommandSpec, type ServerContext } from './command-spec.js';
import { error, type Reply } from './resp.js';
import { inSubscribedContext, type Session } from './session.js';

/** Redis quotes at most this many characters of a name or of the arguments in an error. */
const QUOTE_LIMIT = 128;

/** `-ERR unknown command 'X', with args beginning with: 'a' 'b' ` (trailing space included). */
export function unknownCommand(args: readonly string[]): Reply {
  let quoted = '';
  for (let i = 1; i < args.length && quoted.length < QUOTE_LIMIT; i++) {
    quoted += `'${(args[i] ?? '').slice(0, QUOTE_LIMIT - quoted.length)}' `;
  }
  const name = (args[0] ?? '').slice(0, QUOTE_LIMIT);
  return error(`ERR unknown command '${name}', with args beginning with: ${quoted}`);
}

export function wrongArity(fullName: string): Reply {
  return error(`ERR wrong number of arguments for '${fullName}' command`);
}

export type Lookup =
  | { readonly kind: 'found'; readonly spec: CommandSpec }
  | { readonly kind: 'rejected'; readonly reply: Reply };

/** Finds the command (or subcommand) and checks its arity, with Redis's error for each failure. */
export function lookup(commands: readonly CommandSpec[], args: readonly string[]): Lookup {
  const name = (args[0] ?? '').toLowerCase();
  const top = commands.find((c) => c.name === name);
  if (top === undefined) return { kind: 'rejected', reply: unknownCommand(args) };
  let spec = top;
  if (top.subcommands !== undefined && args.length >= 2) {
    const subName = `${top.name}|${(args[1] ?? '').toLowerCase()}`;
    const sub = top.subcommands.find((c) => c.name === subName);
    if (sub === undefined) {
      const sent = (args[1] ?? '').slice(0, QUOTE_LIMIT);
      const reply = error(`ERR unknown subcommand '${sent}'. Try ${top.name.toUpperCase()} HELP.`);
      return { kind: 'rejected', reply };
    }
    spec = sub;
  }
  if (!arityOk(spec, args.length)) return { kind: 'rejected', reply: wrongArity(spec.name) };
  return { kind: 'found', spec };
}

/** Runs one command for one client; never throws (a failing handler becomes an `ERR` reply). */
export function dispatch(
  server: ServerContext,
  session: Session,
  args: readonly string[],
): Reply | Promise<Reply> {
  const found = lookup(server.commands, args);
  if (found.kind === 'rejected') return found.reply;
  const { spec } = found;
  if (!session.authenticated && !spec.flags.includes('no_auth')) {
    return error('NOAUTH Authentication required.');
  }
  const denied = aclDenial(server, session, spec, args);
  if (denied !== null) return denied;
  if (inSubscribedContext(session) && spec.allowedWhileSubscribed !== true) {
    return error(
      `ERR Can't execute '${spec.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
    );
  }
  if (spec.run === undefined) {
    // A container without a handler always has subcommands; arity already demanded one.
    return error(`ERR unknown subcommand '${args[1] ?? ''}'. Try ${spec.name.toUpperCase()} HELP.`);
  }
  const context: CommandContext = { args, session, server };
  server.stats.commandsProcessed++;
  server.rates.sample(server.stats, server.nowMs());
  try {
    const reply = spec.run(context);
    if (reply instanceof Promise) return reply.catch((cause: unknown) => failed(server, spec, cause));
    return reply;
  } catch (cause) {
    return failed(server, spec, cause);
  }
}

function failed(server: ServerContext, spec: CommandSpec, cause: unknown): Reply {
  const message = cause instanceof Error ? cause.message : String(cause);
  server.logger.error({ command: spec.name, err: message }, 'sentinel command failed');
  return error(`ERR ${spec.name} failed: ${message}`);
}
