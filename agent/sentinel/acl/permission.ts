// Whether the session's user may run this command (and reach its channels), with Redis's NOPERM answers.
import type { CommandSpec, ServerContext } from '../command-spec.js';
import { globMatch } from '../glob.js';
import { error, type Reply } from '../resp.js';
import type { Session } from '../session.js';
import type { AclUser } from './user.js';

/** The commands whose arguments name channels (checked like Redis does) or patterns. */
const CHANNEL_ARGUMENTS: Readonly<
  Record<string, { readonly from: number; readonly to: number; readonly patterns: boolean }>
> = {
  subscribe: { from: 1, to: Number.POSITIVE_INFINITY, patterns: false },
  psubscribe: { from: 1, to: Number.POSITIVE_INFINITY, patterns: true },
  publish: { from: 1, to: 2, patterns: false },
};

function clientInfo(session: Session): string {
  return `id=${session.id} addr=${session.address} name=${session.name ?? ''} user=${session.user}`;
}

/** Null when allowed; else the reply, after recording the denial for ACL LOG. */
export function aclDenial(
  server: ServerContext,
  session: Session,
  spec: CommandSpec,
  args: readonly string[],
): Reply | null {
  const user = server.acl.get(session.user);
  if (user === undefined) {
    // DELUSER closes its clients; one still here is mid-command: it runs nothing more.
    session.closeAfterReply = true;
    return error(`NOPERM User ${session.user} no longer exists`);
  }
  if (!server.acl.canRun(user, spec.name)) {
    deny(server, session, user, 'command', spec.name);
    return error(`NOPERM User ${user.name} has no permissions to run the '${spec.name}' command`);
  }
  const channels = CHANNEL_ARGUMENTS[spec.name];
  if (channels !== undefined) {
    for (const name of args.slice(channels.from, channels.to)) {
      if (server.acl.canUseChannel(user, name, channels.patterns, globMatch)) continue;
      deny(server, session, user, 'channel', name);
      return error('NOPERM No permissions to access a channel');
    }
  }
  if (spec.operatorAction === true) {
    const changes = spec.name.startsWith('acl|') ? "this port's users" : 'the group';
    return operatorRefusal(
      server,
      session,
      `${spec.name.toUpperCase().replace('|', ' ')} changes ${changes}`,
    );
  }
  return null;
}

/**
 * Operator actions (they change the group or the agent) need a user with a password: one logged
 * in without (`nopass`, such as a password-less `default`) is refused unless the agent file says
 * the network is trusted (`sentinel.adminWithoutPassword`). `what` starts the refusal's text.
 */
export function operatorRefusal(server: ServerContext, session: Session, what: string): Reply | null {
  const user = server.acl.get(session.user);
  if (user === undefined || !user.nopass || server.adminWithoutPassword) return null;
  return error(
    `NOPERM ${what} and user '${user.name}' has no password: set sentinel.password or ACL users with passwords in the agent file (clients then AUTH), or sentinel.adminWithoutPassword: true on a trusted network`,
  );
}

function deny(
  server: ServerContext,
  session: Session,
  user: AclUser,
  reason: 'command' | 'channel',
  object: string,
): void {
  // Debug only: ACL LOG keeps the denials, and a client looping on a denied command must not flood the log.
  server.logger.debug({ client: session.address, user: user.name, reason, object }, 'sentinel ACL denied');
  server.acl.recordDenial(
    { reason, object, username: user.name, clientInfo: clientInfo(session) },
    server.nowMs(),
  );
}
