// One ACL user as Redis 7 models it, and ACL SETUSER's rules applied to it (Redis's ACLSetUser).
import { createHash } from 'node:crypto';
import type { CommandSpec } from '../command-spec.js';
import { categoriesOf, isCategory } from './categories.js';

export interface AclUser {
  readonly name: string;
  enabled: boolean;
  nopass: boolean;
  skipSanitizePayload: boolean;
  /** SHA-256 hex of each password, as Redis keeps them (and ACL LIST / GETUSER show them). */
  passwords: string[];
  /** The commands it may run, by full name (`ping`, `sentinel|failover`). */
  allowed: Set<string>;
  /** `+@all` was the base: described as `+@all ...` (Redis: may run commands added later). */
  allCommandsBase: boolean;
  /** The command rules after the base, in order, without repeats of the same command. */
  commandRules: string[];
  allKeys: boolean;
  keyPatterns: string[];
  allChannels: boolean;
  channelPatterns: string[];
}

/** The commands rules can name: every leaf (a command without subcommands, or a subcommand). */
export interface CommandTable {
  readonly leaves: ReadonlyMap<string, CommandSpec>;
  /** A container's leaves, by its name (`client` → `client|list`, ...). */
  readonly containers: ReadonlyMap<string, readonly string[]>;
}

export function commandTable(commands: readonly CommandSpec[]): CommandTable {
  const leaves = new Map<string, CommandSpec>();
  const containers = new Map<string, readonly string[]>();
  for (const command of commands) {
    if (command.subcommands === undefined) {
      leaves.set(command.name, command);
      continue;
    }
    for (const sub of command.subcommands) leaves.set(sub.name, sub);
    containers.set(
      command.name,
      command.subcommands.map((s) => s.name),
    );
  }
  return { leaves, containers };
}

/** Redis's ACLCreateUser: disabled, no password, no commands, no keys, no channels. */
export function newUser(name: string): AclUser {
  return {
    name,
    enabled: false,
    nopass: false,
    skipSanitizePayload: false,
    passwords: [],
    allowed: new Set(),
    allCommandsBase: false,
    commandRules: [],
    allKeys: false,
    keyPatterns: [],
    allChannels: false,
    channelPatterns: [],
  };
}

export function copyUser(user: AclUser): AclUser {
  return {
    ...user,
    passwords: [...user.passwords],
    allowed: new Set(user.allowed),
    commandRules: [...user.commandRules],
    keyPatterns: [...user.keyPatterns],
    channelPatterns: [...user.channelPatterns],
  };
}

export function hashPassword(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('hex');
}

const UNKNOWN_NAME = 'Unknown command or category name in ACL';
const BAD_HASH =
  'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';

/**
 * Applies one rule; returns null, or the reason as Redis words it (`ACLSetUserStringError`).
 * Rules that only concern keys are accepted and shown (Sentinel has no keys), as Sentinel does.
 */
export function applyRule(user: AclUser, rule: string, table: CommandTable): string | null {
  const op = rule.toLowerCase();
  if (rule === '') return null;
  if (op === 'on' || op === 'off') user.enabled = op === 'on';
  else if (op === 'nopass') {
    user.nopass = true;
    user.passwords = [];
  } else if (op === 'resetpass') {
    user.nopass = false;
    user.passwords = [];
  } else if (op === 'sanitize-payload' || op === 'skip-sanitize-payload') {
    user.skipSanitizePayload = op === 'skip-sanitize-payload';
  } else if (rule.startsWith('>') || rule.startsWith('#')) {
    const hash = rule.startsWith('>') ? hashPassword(rule.slice(1)) : rule.slice(1);
    if (!/^[0-9a-f]{64}$/.test(hash)) return BAD_HASH;
    if (!user.passwords.includes(hash)) user.passwords.push(hash);
    user.nopass = false;
  } else if (rule.startsWith('<') || rule.startsWith('!')) {
    const hash = rule.startsWith('<') ? hashPassword(rule.slice(1)) : rule.slice(1);
    if (rule.startsWith('!') && !/^[0-9a-f]{64}$/.test(hash)) return BAD_HASH;
    const at = user.passwords.indexOf(hash);
    if (at === -1) return 'The password you are trying to remove from the user does not exist';
    user.passwords.splice(at, 1);
  } else if (op === 'reset') {
    for (const part of ['resetpass', 'resetkeys', 'resetchannels', 'off', 'sanitize-payload', '-@all']) {
      applyRule(user, part, table);
    }
  } else if (rule.startsWith('(')) {
    return 'Selectors are not supported on a Sentinel port (Sentinel has no keys)';
  } else {
    return applyPermissionRule(user, rule, op, table);
  }
  return null;
}

/** Keys, channels and commands: the root selector's rules. */
function applyPermissionRule(user: AclUser, rule: string, op: string, table: CommandTable): string | null {
  if (op === 'allkeys' || rule === '~*') {
    user.allKeys = true;
    user.keyPatterns = [];
  } else if (op === 'resetkeys') {
    user.allKeys = false;
    user.keyPatterns = [];
  } else if (/^%(R|W|RW)?~/i.test(rule) || rule.startsWith('~')) {
    if (user.allKeys) {
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    }
    if (!user.keyPatterns.includes(rule)) user.keyPatterns.push(rule);
  } else if (op === 'allchannels' || rule === '&*') {
    user.allChannels = true;
    user.channelPatterns = [];
  } else if (op === 'resetchannels') {
    user.allChannels = false;
    user.channelPatterns = [];
  } else if (rule.startsWith('&')) {
    if (user.allChannels) {
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
    }
    const pattern = rule.slice(1);
    if (!user.channelPatterns.includes(pattern)) user.channelPatterns.push(pattern);
  } else if (op === 'allcommands' || op === '+@all' || op === 'nocommands' || op === '-@all') {
    const all = op === 'allcommands' || op === '+@all';
    user.allowed = all ? new Set(table.leaves.keys()) : new Set();
    user.allCommandsBase = all;
    user.commandRules = [];
  } else if (rule.startsWith('+') || rule.startsWith('-')) {
    return applyCommandRule(user, rule[0] === '+', op.slice(1), table);
  } else {
    return 'Syntax error';
  }
  return null;
}

function applyCommandRule(user: AclUser, add: boolean, name: string, table: CommandTable): string | null {
  const names = commandsNamed(name, table);
  if (names === null) return UNKNOWN_NAME;
  const before = names.map((leaf) => user.allowed.has(leaf));
  for (const leaf of names) {
    if (add) user.allowed.add(leaf);
    else user.allowed.delete(leaf);
  }
  if (!name.startsWith('@') && !describesChange(user, name, names, before)) return null;
  user.commandRules.push(`${add ? '+' : '-'}${name}`);
  return null;
}

/**
 * Keeps the description short as Redis does: a command rule that changed nothing is not added,
 * it replaces earlier rules for the same command (and its subcommands), and it is dropped when
 * the command ends up as the base (+@all / -@all) has it and no category rule is in between.
 */
function describesChange(user: AclUser, name: string, names: readonly string[], before: readonly boolean[]) {
  if (names.every((leaf, i) => user.allowed.has(leaf) === before[i])) return false;
  user.commandRules = user.commandRules.filter((rule) => {
    const ruled = rule.slice(1);
    return ruled !== name && !ruled.startsWith(`${name}|`);
  });
  const categoryRules = user.commandRules.some((rule) => rule.startsWith('+@') || rule.startsWith('-@'));
  const asBase = names.every((leaf) => user.allowed.has(leaf) === user.allCommandsBase);
  return categoryRules || !asBase;
}

/** The leaves a rule's name covers: `@category`, a container (all its subcommands), a leaf; null if unknown. */
function commandsNamed(name: string, table: CommandTable): readonly string[] | null {
  if (name.startsWith('@')) {
    const category = name.slice(1);
    if (!isCategory(category)) return null;
    return [...table.leaves.values()].filter((spec) => categoriesOf(spec).has(category)).map((s) => s.name);
  }
  const container = table.containers.get(name);
  if (container !== undefined) return container;
  return table.leaves.has(name) ? [name] : null;
}

/** The user as ACL LIST prints it (and an ACL file holds it), without the `user <name>` head. */
export function describeUser(user: AclUser): string {
  const parts: string[] = [user.enabled ? 'on' : 'off'];
  if (user.nopass) parts.push('nopass');
  if (user.skipSanitizePayload) parts.push('skip-sanitize-payload');
  for (const hash of user.passwords) parts.push(`#${hash}`);
  if (user.allKeys) parts.push('~*');
  else parts.push(...user.keyPatterns);
  if (user.allChannels) parts.push('&*');
  else parts.push('resetchannels', ...user.channelPatterns.map((p) => `&${p}`));
  parts.push(describeCommands(user));
  return parts.join(' ');
}

export function describeCommands(user: AclUser): string {
  return [user.allCommandsBase ? '+@all' : '-@all', ...user.commandRules].join(' ');
}

export function userFlags(user: AclUser): string[] {
  const flags = [user.enabled ? 'on' : 'off'];
  if (user.nopass) flags.push('nopass');
  // As Redis 7.0 (the redis-server the tests compare with): sanitize-payload, the default, is not shown.
  if (user.skipSanitizePayload) flags.push('skip-sanitize-payload');
  return flags;
}
