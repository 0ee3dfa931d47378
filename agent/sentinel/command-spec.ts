// The shape of a command: its name, Redis arity, flags, handler and subcommands, and what a handler sees.

import type { AclUsers } from './acl/users.js';
import type { NodeAccessPort } from './node-access-port.js';
import type { Reply } from './resp.js';
import type { Session } from './session.js';
import type { SentinelSource } from './source.js';
import type { RateSampler, ServerStats } from './stats.js';

/** The pino subset the server logs through; a pino logger fits it. */
export interface SentinelLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** `CLIENT KILL` filters; every given filter must match. */
export interface KillFilter {
  readonly id?: number;
  readonly address?: string;
  readonly user?: string;
  readonly type?: 'normal' | 'pubsub';
  readonly skipMe: boolean;
}

/** What the server offers every command: the source of truth, settings and the other clients. */
export interface ServerContext {
  readonly source: SentinelSource;
  /** SENTINEL SET auth-pass / auth-user / rename-command on this agent's node connections; null: none here. */
  readonly nodeAccess: NodeAccessPort | null;
  /** The port's users: `default` (with `sentinel.password`, or nopass) and any ACL users. */
  readonly acl: AclUsers;
  /** `sentinel.aclFile`: where ACL LOAD reads and ACL SAVE writes; null without one. */
  readonly aclFile: string | null;
  /**
   * Operator actions (SENTINEL FAILOVER, RESET, SET, ...) by a client logged in without a password
   * (`nopass`): refused unless the agent file says the network is trusted.
   */
  readonly adminWithoutPassword: boolean;
  readonly runId: string;
  readonly startedAtMs: number;
  readonly maxClients: number;
  readonly maxSubscriptionsPerClient: number;
  /** Bytes of channel and pattern names, per client and for the whole agent. */
  readonly maxSubscriptionBytesPerClient: number;
  readonly maxSubscriptionBytes: number;
  readonly commands: readonly CommandSpec[];
  readonly logger: SentinelLogger;
  /** Counters for INFO's `# Stats`, updated by the connections and the dispatcher. */
  readonly stats: ServerStats;
  /** INFO's instantaneous rates, sampled as commands run. */
  readonly rates: RateSampler;
  nowMs(): number;
  /** The port actually bound (the configured one may be 0). */
  port(): number;
  clients(): readonly Session[];
  /** Closes the matching clients (the caller itself after its reply); returns how many. */
  kill(filter: KillFilter, self: Session): number;
}

export interface CommandContext {
  /** The whole command as sent, name first. */
  readonly args: readonly string[];
  readonly session: Session;
  readonly server: ServerContext;
}

export type Handler = (context: CommandContext) => Reply | Promise<Reply>;

/** One argument as `COMMAND DOCS` describes it (Redis's src/commands/*.json). */
export interface ArgumentDocs {
  readonly name: string;
  readonly type:
    | 'string'
    | 'integer'
    | 'double'
    | 'key'
    | 'pattern'
    | 'unix-time'
    | 'pure-token'
    | 'oneof'
    | 'block';
  /** Shown instead of the name (e.g. `ip:port`); the name when absent. */
  readonly displayText?: string;
  readonly token?: string;
  readonly summary?: string;
  readonly since?: string;
  readonly deprecatedSince?: string;
  readonly flags?: readonly ('optional' | 'multiple' | 'multiple_token')[];
  /** The alternatives of a `oneof`, the parts of a `block`. */
  readonly arguments?: readonly ArgumentDocs[];
}

/** What `COMMAND DOCS` says of a command: Redis 7.2's documentation of it, or Valkey's for its names. */
export interface CommandDocs {
  readonly summary: string;
  readonly since: string;
  readonly group: string;
  readonly complexity?: string;
  readonly docFlags?: readonly ('deprecated' | 'syscmd')[];
  readonly deprecatedSince?: string;
  readonly replacedBy?: string;
  /** [version, what changed] */
  readonly history?: readonly (readonly [string, string])[];
  readonly arguments?: readonly ArgumentDocs[];
}

export interface CommandSpec {
  /** Lower case; a subcommand's full name is `container|sub`, as Redis writes it in errors. */
  readonly name: string;
  /** Redis convention: N means exactly N arguments including the name, -N means at least N. */
  readonly arity: number;
  /** Redis command flags, reported by COMMAND; `no_auth` also lets it run before AUTH. */
  readonly flags: readonly string[];
  /** What COMMAND DOCS answers for it. */
  readonly docs: CommandDocs;
  /** Runs in the RESP2 subscribed context (subscribe family, PING, QUIT, RESET). */
  readonly allowedWhileSubscribed?: boolean;
  /**
   * Acts on the group (SENTINEL FAILOVER, RESET, SET): refused to a client logged in without a
   * password unless the agent file allows it (`sentinel.adminWithoutPassword`), so no anonymous
   * client can; ACL permissions apply on top.
   */
  readonly operatorAction?: boolean;
  readonly run?: Handler;
  readonly subcommands?: readonly CommandSpec[];
}

export function arityOk(spec: CommandSpec, argc: number): boolean {
  return spec.arity >= 0 ? argc === spec.arity : argc >= -spec.arity;
}
