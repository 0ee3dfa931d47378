// Every group's NodeAccess in this agent: SENTINEL SET auth-pass / auth-user / rename-command, and SIGHUP's re-read of each passwordFile.
import type { GroupSection } from '../config/load.js';
import { RenamedNameSchema, renameRefusal } from '../config/rename-commands.js';
import type { NodeAccessChange, NodeAccessPort } from '../sentinel/node-access-port.js';
import type { Logger } from './logger.js';
import { changedAccess, fileAccess, NodeAccess } from './node-access.js';

/** The fence's IPC message bounds them (FenceTargetSchema): refused here, not dropped there. */
const MAX_PASSWORD_CHARS = 1024;
const MAX_USERNAME_CHARS = 256;

type ReadPasswordFile = (
  path: string,
  what: string,
) => { readonly ok: true; readonly value: string } | { readonly ok: false; readonly error: string };

export interface NodeAccessRegistryDeps {
  readonly groups: readonly GroupSection[];
  readonly logger: Logger;
  /** Sentinel's `+set <instance> <option> <value>` for each change made by SENTINEL SET (a password as ******). */
  readonly publish: (group: string, option: string, value: string) => void;
  readonly readPasswordFile: ReadPasswordFile;
}

function invalid(value: string, option: string, why: string): string {
  return `ERR Invalid argument '${value}' for SENTINEL SET '${option}': ${why}`;
}

/** Why one change cannot be made (Sentinel's text and edge-sentinel's reason), or null. */
function changeRefusal(change: NodeAccessChange): string | null {
  switch (change.kind) {
    case 'auth-pass':
      // Never echoed: the argument is a secret.
      return change.value.length > MAX_PASSWORD_CHARS
        ? `ERR Invalid argument for SENTINEL SET 'auth-pass': edge-sentinel accepts at most ${MAX_PASSWORD_CHARS} characters`
        : null;
    case 'auth-user':
      return change.value.length > MAX_USERNAME_CHARS
        ? invalid(change.value, 'auth-user', `edge-sentinel accepts at most ${MAX_USERNAME_CHARS} characters`)
        : null;
    case 'rename-command': {
      const refusal = renameRefusal(change.command);
      if (refusal !== null) return invalid(change.command, 'rename-command', refusal);
      const name = RenamedNameSchema.safeParse(change.renamed);
      return name.success
        ? null
        : invalid(change.renamed, 'rename-command', name.error.issues[0]?.message ?? 'not a command name');
    }
  }
}

/**
 * Sentinel keeps auth-pass, auth-user and rename-command per master and applies SENTINEL SET at
 * once, dropping its links so they authenticate again; so does this agent, per group, for its
 * node links, its executor's and its fence's. Nothing is written to disk: the agent file (and
 * the passwordFile, which SIGHUP reads again) is the persistent source, and a restart comes back to it.
 */
export class NodeAccessRegistry implements NodeAccessPort {
  private readonly groups = new Map<string, NodeAccess>();

  constructor(private readonly deps: NodeAccessRegistryDeps) {
    for (const group of deps.groups) {
      this.groups.set(group.name, new NodeAccess(group.name, fileAccess(group), group.local.passwordFile));
    }
  }

  /** The group's access (every group of the file has one). */
  of(group: string): NodeAccess {
    const access = this.groups.get(group);
    if (access === undefined) throw new Error(`no such group ${group}`);
    return access;
  }

  refusal(group: string, changes: readonly NodeAccessChange[]): string | null {
    if (!this.groups.has(group)) return 'ERR No such master with that name';
    for (const change of changes) {
      const refusal = changeRefusal(change);
      if (refusal !== null) return refusal;
    }
    return null;
  }

  apply(group: string, changes: readonly NodeAccessChange[], client: string): void {
    const access = this.of(group);
    const changed = access.set(changedAccess(access.current, changes));
    for (const change of changes) {
      const [option, value] = describe(change);
      this.deps.logger.info(
        { group, client, option, value, reconnecting: changed },
        `SENTINEL SET ${option} ${value}: ${changed ? "this agent's connections to the group's nodes reconnect with it" : 'no change'} (until the agent restarts: the agent file is the persistent source)`,
      );
      this.deps.publish(group, option, value);
    }
  }

  /**
   * SIGHUP: every group's passwordFile is read again, and a new password is used from now on (the
   * group's connections reconnect). A file that cannot be read keeps the current password. The
   * agent file itself and EDGE_SENTINEL_REDIS_PASSWORD are read at start only.
   */
  reloadPasswordFiles(): void {
    const { logger, readPasswordFile } = this.deps;
    for (const access of this.groups.values()) {
      const { group, passwordFile } = access;
      if (passwordFile === undefined) {
        logger.info(
          { group },
          'SIGHUP: no local.passwordFile for this group (an inline password or EDGE_SENTINEL_REDIS_PASSWORD is read at start only)',
        );
        continue;
      }
      const read = readPasswordFile(passwordFile, `groups[${group}].local.passwordFile`);
      if (!read.ok) {
        logger.error(
          { group, err: read.error },
          'SIGHUP: passwordFile unreadable; the current password stays',
        );
        continue;
      }
      const changed = access.set({ ...access.current, password: read.value });
      logger.info(
        { group, passwordFile, changed },
        changed
          ? "SIGHUP: new password read from passwordFile; this agent's connections to the group's nodes reconnect with it"
          : 'SIGHUP: passwordFile read again, password unchanged',
      );
    }
  }
}

/** The option and the value as logged and published: a password never in clear. */
function describe(change: NodeAccessChange): [string, string] {
  switch (change.kind) {
    case 'auth-pass':
      return ['auth-pass', '******'];
    case 'auth-user':
      return ['auth-user', change.value];
    case 'rename-command':
      return ['rename-command', `${change.command} ${change.renamed}`];
  }
}
