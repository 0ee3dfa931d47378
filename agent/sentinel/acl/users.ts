// The Sentinel port's ACL users: built from the agent file (or an ACL file), changed by ACL SETUSER/DELUSER/LOAD.
import { timingSafeEqual } from 'node:crypto';
import type { CommandSpec } from '../command-spec.js';
import {
  type AclUser,
  applyRule,
  type CommandTable,
  commandTable,
  copyUser,
  describeUser,
  hashPassword,
  newUser,
} from './user.js';

export interface AclSource {
  /** `sentinel.password`: the `default` user's password (Redis's requirepass); absent: `nopass`. */
  readonly defaultPassword?: string | null;
  /** Lines in Redis's ACL file format (`user <name> <rules...>`); `#` comments and blank lines skipped. */
  readonly lines?: readonly string[];
  /** Where the lines came from, for error messages (`path:line: ...`). */
  readonly origin?: string;
}

/** Redis's answer to a user name with a space, a newline or a NUL. */
export const BAD_USERNAME = "Usernames can't contain spaces or null characters";

function hasSpaces(name: string): boolean {
  return /[\s\0]/.test(name);
}

/** Splits an ACL line into words (Redis's sdssplitargs: whitespace, with simple quoting). */
function words(line: string): string[] {
  const found: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) {
    found.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? match[3] ?? ''));
  }
  return found;
}

/** Redis's default user: every command, key and channel, no password (or the configured one). */
function defaultUser(table: CommandTable, password: string | null): AclUser {
  const user = newUser('default');
  for (const rule of ['+@all', '~*', '&*', 'on', password === null ? 'nopass' : `>${password}`]) {
    applyRule(user, rule, table);
  }
  return user;
}

export class AclError extends Error {}

/**
 * Parses users; throws AclError with every bad line (`origin:line: reason`), as Redis refuses an
 * ACL file as a whole.
 */
function parseUsers(table: CommandTable, source: AclSource): Map<string, AclUser> {
  const users = new Map<string, AclUser>();
  const problems: string[] = [];
  const origin = source.origin ?? 'users';
  (source.lines ?? []).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${origin}:${index + 1}`;
    const [head, name, ...rules] = words(line);
    if (head !== 'user' || name === undefined) {
      problems.push(`${where}: should start with user keyword`);
      return;
    }
    if (hasSpaces(name)) problems.push(`${where}: ${BAD_USERNAME}`);
    if (users.has(name)) {
      problems.push(`${where}: Duplicate user '${name}' found`);
      return;
    }
    const user = newUser(name);
    for (const rule of rules) {
      const reason = applyRule(user, rule, table);
      if (reason !== null) problems.push(`${where}: Error in user declaration '${rule}': ${reason}`);
    }
    users.set(name, user);
  });
  const password = source.defaultPassword ?? null;
  if (password !== null && users.has('default')) {
    problems.push(
      `${origin}: a 'user default' line and sentinel.password both set the default user: keep one`,
    );
  }
  if (problems.length > 0) throw new AclError(problems.join('; '));
  if (!users.has('default')) users.set('default', defaultUser(table, password));
  return users;
}

/** What ACL LOG lists: one denied command (or channel) per user, client and reason, counted. */
export interface AclLogEntry {
  count: number;
  readonly reason: 'command' | 'channel' | 'auth';
  readonly object: string;
  readonly username: string;
  /** The latest client's (Redis keeps one entry per reason, object and user). */
  clientInfo: string;
  readonly entryId: number;
  readonly createdMs: number;
  updatedMs: number;
}

/** Redis's `acllog-max-len` default. */
const LOG_LIMIT = 128;

export class AclUsers {
  private users: Map<string, AclUser>;
  private readonly table: CommandTable;
  /** `sentinel.password`, kept for ACL LOAD (a file without a `default` line gets it again). */
  private readonly password: string | null;
  private readonly log: AclLogEntry[] = [];
  private nextEntryId = 0;

  constructor(commands: readonly CommandSpec[], source: AclSource = {}) {
    this.table = commandTable(commands);
    this.password = source.defaultPassword ?? null;
    this.users = parseUsers(this.table, source);
  }

  defaultPassword(): string | null {
    return this.password;
  }

  get(name: string): AclUser | undefined {
    return this.users.get(name);
  }

  /** Names in byte order, as Redis's radix tree lists them. */
  names(): string[] {
    return [...this.users.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  /** ACL LIST's lines (and an ACL file's). */
  lines(): string[] {
    return this.names().map((name) => `user ${name} ${describeUser(this.users.get(name) as AclUser)}`);
  }

  /** A new connection is logged in as `default` without AUTH when that user is on and `nopass`. */
  defaultLogsIn(): boolean {
    const user = this.users.get('default');
    return user?.enabled === true && user.nopass;
  }

  /** The user these credentials log in as, or null (unknown, disabled or wrong password). */
  authenticate(username: string, password: string): AclUser | null {
    const user = this.users.get(username);
    if (user === undefined || !user.enabled) return null;
    if (user.nopass) return user;
    const given = Buffer.from(hashPassword(password), 'hex');
    let matched = false;
    // Every stored hash is compared, so the time says nothing about which one matched.
    for (const hash of user.passwords) {
      if (timingSafeEqual(given, Buffer.from(hash, 'hex'))) matched = true;
    }
    return matched ? user : null;
  }

  /**
   * ACL SETUSER: every rule applied to a copy, then kept only if all are valid (Redis's
   * all-or-nothing); returns null or the error line. Connected clients of the user see the change.
   */
  setUser(name: string, rules: readonly string[]): string | null {
    if (hasSpaces(name)) return `ERR ${BAD_USERNAME}`;
    const existing = this.users.get(name);
    const draft = existing === undefined ? newUser(name) : copyUser(existing);
    for (const rule of rules) {
      const reason = applyRule(draft, rule, this.table);
      if (reason !== null) return `ERR Error in ACL SETUSER modifier '${rule}': ${reason}`;
    }
    if (existing === undefined) this.users.set(name, draft);
    else Object.assign(existing, draft);
    return null;
  }

  /** ACL DELUSER: how many of the names existed (and were removed). `default` is refused by the caller. */
  deleteUsers(names: readonly string[]): number {
    let deleted = 0;
    for (const name of names) if (this.users.delete(name)) deleted++;
    return deleted;
  }

  /** ACL LOAD: every user replaced at once, or nothing changed (throws AclError). */
  replace(source: AclSource): void {
    this.users = parseUsers(this.table, source);
  }

  canRun(user: AclUser, commandName: string): boolean {
    return user.allowed.has(commandName);
  }

  /** SUBSCRIBE and PUBLISH name channels (matched by the user's patterns), PSUBSCRIBE patterns (equal to one). */
  canUseChannel(
    user: AclUser,
    name: string,
    isPattern: boolean,
    match: (glob: string, text: string) => boolean,
  ) {
    if (user.allChannels) return true;
    return user.channelPatterns.some((allowed) => (isPattern ? allowed === name : match(allowed, name)));
  }

  /** Records a denial for ACL LOG (the same user, reason and object count as one entry). */
  recordDenial(entry: Omit<AclLogEntry, 'count' | 'entryId' | 'createdMs' | 'updatedMs'>, nowMs: number) {
    const same = this.log.find(
      (e) => e.reason === entry.reason && e.object === entry.object && e.username === entry.username,
    );
    if (same !== undefined) {
      same.count++;
      same.updatedMs = nowMs;
      same.clientInfo = entry.clientInfo;
      return;
    }
    this.log.unshift({ ...entry, count: 1, entryId: this.nextEntryId++, createdMs: nowMs, updatedMs: nowMs });
    if (this.log.length > LOG_LIMIT) this.log.length = LOG_LIMIT;
  }

  logEntries(count: number): readonly AclLogEntry[] {
    return this.log.slice(0, Math.max(0, count));
  }

  clearLog(): void {
    this.log.length = 0;
  }
}
