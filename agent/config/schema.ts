// The agent file's schema (zod 4): every field, its default, and the cross-field rules.
import { z } from 'zod';
import { AgentIdSchema, GroupNameSchema, NodeIdSchema } from '../../workers/protocol/index.js';
import { MIN_PEER_SECRET_CHARS } from '../runtime/peer-protocol.js';
import { AclError, AclUsers } from '../sentinel/acl/users.js';
import { COMMANDS } from '../sentinel/commands/index.js';
import { RenameCommandsSchema } from './rename-commands.js';
import { INFO_INTERVAL_BOUNDS, PROBE_INTERVAL_BOUNDS } from './timing-bounds.js';

/** Why these ACL lines would be refused at start (checked here so check-config says it), or null. */
function aclProblem(lines: readonly string[], password: string | undefined): string | null {
  try {
    new AclUsers(COMMANDS, { lines, defaultPassword: password ?? null, origin: 'users' });
    return null;
  } catch (cause) {
    if (cause instanceof AclError) return cause.message;
    throw cause;
  }
}

/**
 * Groups one agent serves at most: a thousand measured (test/bench/agent-scale.ts --groups 1000),
 * a bound so a generated file gone wrong is refused rather than opening sockets without end.
 */
export const MAX_GROUPS = 1024;
const PortSchema = z.number().int().min(1).max(65535);
const HostSchema = z.string().min(1).max(253);
const MsSchema = (min: number, max: number) => z.number().int().min(min).max(max);

const TlsSchema = z.strictObject({
  /** PEM file paths; read at start. */
  ca: z.string().min(1).optional(),
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  /** SNI and certificate name check; defaults to the host connected to. */
  servername: z.string().min(1).optional(),
  /** Off only for self-signed test setups; documented as dangerous. */
  rejectUnauthorized: z.boolean().default(true),
});

const LocalNodeSchema = z.strictObject({
  /** Where the agent connects (usually 127.0.0.1). */
  host: HostSchema.default('127.0.0.1'),
  port: PortSchema,
  /** The "host:port" clients and replicas must use; the node's name everywhere. */
  announce: NodeIdSchema,
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  passwordFile: z.string().min(1).optional(),
  tls: TlsSchema.optional(),
  /**
   * The unfenced value of `min-replicas-to-write` (the fence raises it). If absent the agent
   * reads it from the node at start, unless the node still carries the fence value.
   */
  minReplicasToWrite: z.number().int().min(0).max(1_000_000).optional(),
});

/**
 * Another node of the group, by announce address; with `agent`, where that node's agent receives
 * failsafe datagrams (default: the node's host and this agent's own `failsafe.port`).
 */
const NodeEntrySchema = z.union([
  NodeIdSchema,
  z.strictObject({ node: NodeIdSchema, agent: NodeIdSchema.optional() }),
]);
export type NodeEntry = z.infer<typeof NodeEntrySchema>;

export const nodeOf = (entry: NodeEntry): string => (typeof entry === 'string' ? entry : entry.node);

const GroupSchema = z
  .strictObject({
    name: GroupNameSchema,
    /** Agent token for this group; defaults to coordinator.token / tokenFile. */
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    local: LocalNodeSchema,
    /** The other nodes of the group, by announce address (and where their agents are). */
    nodes: z.array(NodeEntrySchema).max(63).default([]),
    probeIntervalMs: MsSchema(PROBE_INTERVAL_BOUNDS.minMs, PROBE_INTERVAL_BOUNDS.maxMs).default(100),
    probeTimeoutMs: MsSchema(10, 60_000).default(500),
    infoIntervalMs: MsSchema(INFO_INTERVAL_BOUNDS.minMs, INFO_INTERVAL_BOUNDS.maxMs).default(1000),
    /** Overrides the voters' announced down-after; without it the voters' value is used. */
    downAfterMs: MsSchema(100, 3_600_000).optional(),
    handoffTimeoutMs: MsSchema(100, 600_000).default(5000),
    /** Used until the voters announce theirs (they always win); true fences a master until then. */
    fencing: z.boolean().default(true),
    /**
     * Keep the master writable on grants from every other node's agent when no majority of voters
     * renews its lease (a coordinator outage). Needs `failsafe.secret` and every peer reachable.
     */
    failsafe: z.boolean().default(true),
    leaseMs: MsSchema(100, 3_600_000).default(2000),
    /**
     * Commands renamed on this group's nodes (redis.conf `rename-command`), for every node of the
     * group, as Sentinel's per-master `rename-command`: `{ CONFIG: cfg-xyz }`.
     */
    renameCommands: RenameCommandsSchema.optional(),
  })
  .superRefine((g, ctx) => {
    const seen = new Set<string>([g.local.announce]);
    g.nodes.forEach((entry, i) => {
      const node = nodeOf(entry);
      const message =
        node === g.local.announce
          ? 'nodes lists the other nodes only; the local node is local.announce'
          : `${node} is listed twice`;
      if (seen.has(node)) ctx.addIssue({ code: 'custom', message, path: ['nodes', i] });
      seen.add(node);
    });
  });

export const AgentFileSchema = z
  .strictObject({
    agentId: AgentIdSchema.optional(),
    coordinator: z.strictObject({
      url: z.url({ protocol: /^(https?|wss?)$/ }),
      token: z.string().min(1).optional(),
      tokenFile: z.string().min(1).optional(),
      /** For SENTINEL FAILOVER / RESET forwarded to the admin API. */
      adminToken: z.string().min(1).optional(),
      adminTokenFile: z.string().min(1).optional(),
    }),
    /** As many as the Worker's group declares: 1, 3 or 5 (a majority of an odd count). */
    voters: z
      .number()
      .int()
      .refine((n) => [1, 3, 5].includes(n), {
        error: (issue) => `expected 1, 3 or 5 voters, got ${JSON.stringify(issue.input)}`,
      })
      .default(3),
    stateDir: z.string().min(1).default('/var/lib/edge-sentinel'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    sentinel: z
      .strictObject({
        host: HostSchema.default('0.0.0.0'),
        /** 0: no plain listener, TLS only (Redis's `port 0`); needs tlsPort and announce. */
        port: z.number().int().min(0).max(65535).default(26379),
        password: z.string().min(1).optional(),
        /**
         * SENTINEL FAILOVER and RESET on a port without a password: refused unless set (a trusted
         * network, a local demo). With a password, clients AUTH first and may run them.
         */
        adminWithoutPassword: z.boolean().default(false),
        /**
         * ACL users of the Sentinel port, as lines of Redis's ACL file format
         * (`user alice on >secret +@all -@admin`); `default` is Redis's (with `password`, or nopass).
         */
        users: z.array(z.string().min(1).max(4096)).max(1000).optional(),
        /** Or a Redis ACL file (the same lines), which ACL LOAD re-reads and ACL SAVE rewrites. */
        aclFile: z.string().min(1).optional(),
        /** The Sentinel endpoint other agents and clients reach this agent at. */
        announce: NodeIdSchema.optional(),
        enabled: z.boolean().default(true),
        /** Redis's `tls-port`: the same protocol over TLS, on the same host; needs tls.cert and tls.key. */
        tlsPort: PortSchema.optional(),
        /**
         * Redis's `tls-cert-file`, `tls-key-file`, `tls-ca-cert-file` (PEM paths, read at start) and
         * `tls-auth-clients` (`yes`: a client certificate signed by `ca` is required; `optional`: checked
         * if sent; `no`, the default here unlike Redis: none asked for).
         */
        tls: z
          .strictObject({
            cert: z.string().min(1).optional(),
            key: z.string().min(1).optional(),
            ca: z.string().min(1).optional(),
            authClients: z.enum(['yes', 'no', 'optional']).default('no'),
            minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).optional(),
          })
          .optional(),
      })
      .superRefine((sentinel, ctx) => {
        const issue = (path: (string | number)[], message: string) =>
          ctx.addIssue({ code: 'custom', message, path });
        const { tls, tlsPort } = sentinel;
        if (tlsPort !== undefined && (tls?.cert === undefined || tls.key === undefined))
          issue(['tlsPort'], 'tlsPort needs tls.cert and tls.key (PEM file paths)');
        if (tls !== undefined && tlsPort === undefined)
          issue(['tls'], 'tls is used only on the TLS port: set tlsPort too (Redis: tls-port)');
        if (tls !== undefined && tls.authClients !== 'no' && tls.ca === undefined)
          issue(
            ['tls', 'authClients'],
            `authClients ${tls.authClients} needs tls.ca, the CA that signs the client certificates`,
          );
        if (sentinel.users !== undefined && sentinel.aclFile !== undefined)
          issue(
            ['aclFile'],
            'give users or aclFile, not both (Redis: users in the config file or an aclfile)',
          );
        if (sentinel.users !== undefined) {
          const problem = aclProblem(sentinel.users, sentinel.password);
          if (problem !== null) issue(['users'], problem);
        }
        if (tlsPort !== undefined && tlsPort === sentinel.port)
          issue(['tlsPort'], `tlsPort must differ from port (both ${tlsPort})`);
        if (sentinel.port === 0 && tlsPort === undefined)
          issue(['port'], 'port 0 turns the plain listener off, so tlsPort is needed (or enabled: false)');
        if (sentinel.port === 0 && sentinel.announce === undefined)
          issue(
            ['announce'],
            'port 0 needs announce ("host:tlsPort"): without it the voters are told the plain port',
          );
      })
      .prefault({}),
    metrics: z
      .strictObject({
        host: HostSchema.default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(9479),
        enabled: z.boolean().default(true),
      })
      .prefault({}),
    /** Other agents' Sentinel endpoints ("host:port"), for SENTINEL sentinels. */
    peers: z.array(NodeIdSchema).max(64).default([]),
    /**
     * The failsafe link between agents (UDP): where this agent receives, and the secret every agent
     * of a group shares (HMAC-SHA256 of every datagram).
     */
    failsafe: z
      .strictObject({
        host: HostSchema.default('0.0.0.0'),
        port: PortSchema.default(26379),
        secret: z.string().min(MIN_PEER_SECRET_CHARS).max(1024).optional(),
        secretFile: z.string().min(1).optional(),
      })
      .prefault({}),
    groups: z.array(GroupSchema).min(1).max(MAX_GROUPS),
  })
  .superRefine((file, ctx) => {
    const names = new Set<string>();
    file.groups.forEach((group, i) => {
      if (names.has(group.name)) {
        ctx.addIssue({
          code: 'custom',
          message: `group "${group.name}" is listed twice`,
          path: ['groups', i, 'name'],
        });
      }
      names.add(group.name);
      const hasToken = group.token ?? group.tokenFile ?? file.coordinator.token ?? file.coordinator.tokenFile;
      if (hasToken === undefined) {
        ctx.addIssue({
          code: 'custom',
          message:
            "no agent token: set coordinator.token, coordinator.tokenFile, this group's token or EDGE_SENTINEL_TOKEN",
          path: ['groups', i, 'name'],
        });
      }
      if (group.local.password !== undefined && group.local.passwordFile !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'give password or passwordFile, not both',
          path: ['groups', i, 'local', 'passwordFile'],
        });
      }
    });
    const needsSecret = file.groups.findIndex((g) => g.failsafe);
    if (needsSecret !== -1 && file.failsafe.secret === undefined && file.failsafe.secretFile === undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          'the failsafe needs failsafe.secret, failsafe.secretFile or EDGE_SENTINEL_FAILSAFE_SECRET (the same on every agent of the group), or failsafe: false in the group (then a coordinator outage fences the master after leaseMs)',
        path: ['groups', needsSecret, 'failsafe'],
      });
    }
    if (file.failsafe.secret !== undefined && file.failsafe.secretFile !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'give secret or secretFile, not both',
        path: ['failsafe', 'secretFile'],
      });
    }
    if (file.coordinator.token !== undefined && file.coordinator.tokenFile !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'give token or tokenFile, not both',
        path: ['coordinator', 'tokenFile'],
      });
    }
  });

export type ParsedAgentFile = z.infer<typeof AgentFileSchema>;
export type ParsedGroupSection = ParsedAgentFile['groups'][number];
export type TlsFile = z.infer<typeof TlsSchema>;
