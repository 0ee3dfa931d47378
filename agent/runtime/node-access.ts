// How this agent reaches one group's nodes now: the file's ACL user, password and renamed commands, changed at run time by SENTINEL SET and SIGHUP.
import type { GroupSection } from '../config/load.js';
import { type RenameCommands, withRenaming } from '../config/rename-commands.js';
import type { NodeAccessChange } from '../sentinel/node-access-port.js';
import type { NodeEndpoint } from './redis-options.js';

export interface NodeAccessValues {
  readonly username?: string;
  readonly password?: string;
  /** For every node of the group, as Sentinel's per-master rename-command. */
  readonly renameCommands: RenameCommands;
}

/** What the agent file says (the persistent source: a restart comes back to it). */
export function fileAccess(group: GroupSection): NodeAccessValues {
  return accessValues(group.local.username, group.local.password, group.renameCommands ?? {});
}

function accessValues(
  username: string | undefined,
  password: string | undefined,
  renameCommands: RenameCommands,
): NodeAccessValues {
  return {
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    renameCommands,
  };
}

/**
 * How a connection to one of the group's nodes authenticates and names its commands: the current
 * access and the file's TLS, only the fields that are set (node links and the fence alike).
 */
export function connectionAccess(
  local: GroupSection['local'],
  access: NodeAccessValues,
): Pick<NodeEndpoint, 'username' | 'password' | 'tls' | 'renameCommands'> {
  return {
    ...(access.username === undefined ? {} : { username: access.username }),
    ...(access.password === undefined ? {} : { password: access.password }),
    ...(local.tls === undefined ? {} : { tls: local.tls }),
    ...(Object.keys(access.renameCommands).length === 0 ? {} : { renameCommands: access.renameCommands }),
  };
}

/**
 * The values after `changes`, applied in order as Sentinel applies SENTINEL SET's pairs: "" removes
 * the user or the password; a command renamed to its own name (any case) is renamed no more.
 */
export function changedAccess(
  values: NodeAccessValues,
  changes: readonly NodeAccessChange[],
): NodeAccessValues {
  let { username, password, renameCommands } = values;
  for (const change of changes) {
    switch (change.kind) {
      case 'auth-pass':
        password = change.value === '' ? undefined : change.value;
        break;
      case 'auth-user':
        username = change.value === '' ? undefined : change.value;
        break;
      case 'rename-command':
        renameCommands = withRenaming(renameCommands, change.command, change.renamed);
        break;
    }
  }
  return accessValues(username, password, renameCommands);
}

function sameAccess(a: NodeAccessValues, b: NodeAccessValues): boolean {
  const names = (v: NodeAccessValues) => JSON.stringify(Object.entries(v.renameCommands).sort());
  return a.username === b.username && a.password === b.password && names(a) === names(b);
}

/** One group's current values; its node links and fence connection follow every change. */
export class NodeAccess {
  private values: NodeAccessValues;
  private readonly listeners: ((values: NodeAccessValues) => void)[] = [];

  constructor(
    readonly group: string,
    initial: NodeAccessValues,
    /** `local.passwordFile`, read again on SIGHUP; absent: the password is the file's inline one or the environment's. */
    readonly passwordFile: string | undefined,
  ) {
    this.values = initial;
  }

  get current(): NodeAccessValues {
    return this.values;
  }

  onChange(listener: (values: NodeAccessValues) => void): void {
    this.listeners.push(listener);
  }

  /** Takes `next`; the listeners hear of it only when something changed. Returns whether it did. */
  set(next: NodeAccessValues): boolean {
    if (sameAccess(this.values, next)) return false;
    this.values = next;
    for (const listener of this.listeners) listener(next);
    return true;
  }
}
