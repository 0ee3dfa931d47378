// The groups a deployment monitors, as declared in wrangler.toml ([vars.GROUPS]), validated with zod.
import { z } from 'zod';
import type { GroupSettings } from '../core/types.js';
import { AgentIdSchema, GroupNameSchema, NodeIdSchema } from '../protocol/index.js';

/** Cloudflare's Durable Object location hints. */
export const LocationHintSchema = z.enum(['wnam', 'enam', 'sam', 'weur', 'eeur', 'apac', 'oc', 'afr', 'me']);

// Objects are strict: a misspelt key in wrangler.toml (say `downAfter`) must fail validation
// instead of silently leaving the default in place.
export const WebhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  /** Name of the Worker secret holding the HMAC key (`wrangler secret put <name>`). */
  secretName: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'secret names are UPPER_SNAKE_CASE'),
});

export const UpstashSinkSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  /** Name of the Worker secret holding the Upstash REST token. */
  tokenSecretName: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'secret names are UPPER_SNAKE_CASE'),
  /** Key mirroring the published master (JSON); default `edge-sentinel:<group>:master`. */
  masterKey: z.string().min(1).max(256).optional(),
  /** Capped stream receiving events; default `edge-sentinel:<group>:events`. */
  eventsStream: z.string().min(1).max(256).optional(),
  streamMaxLen: z.number().int().min(10).max(1_000_000).default(10_000),
});

export const GroupDefinitionSchema = z
  .strictObject({
    /** The initial master, as clients must reach it ("host:port"). */
    master: NodeIdSchema,
    /**
     * Every node of the group (master included), as clients reach them. Optional: agents register
     * themselves; when given, check-config and the Worker refuse a quorum no set of agents can reach.
     */
    nodes: z.array(NodeIdSchema).min(1).max(64).optional(),
    /**
     * Which agent speaks for which node: `{ "db1" = ["10.0.0.1:6379"] }`. Optional; when given, a
     * hello claiming any other node is refused. Without it the first agent to claim a node holds it.
     */
    agents: z.record(AgentIdSchema, z.array(NodeIdSchema).min(1).max(16)).optional(),
    /** Agents (one per node) that must see the master down: at most the number of nodes. */
    quorum: z.number().int().min(1).max(64),
    voters: z
      .literal([1, 3, 5], {
        error: (issue) => `expected 1, 3 or 5 voters, got ${JSON.stringify(issue.input)}`,
      })
      .default(3),
    /** One hint per voter, so voters are placed apart. */
    locationHints: z.array(LocationHintSchema).max(5).default([]),
    downAfterMs: z.number().int().min(100).max(600_000).default(1000),
    failoverTimeoutMs: z.number().int().min(1000).max(3_600_000).default(6000),
    parallelSyncs: z.number().int().min(1).max(64).default(1),
    /**
     * Sentinel's master-reboot-down-after-period: a master seen restarting (a new run id) that has
     * not answered PONG for this long (it stays LOADING) counts as down. 0: off, as in Sentinel.
     */
    masterRebootDownAfterMs: z.number().int().min(0).max(3_600_000).default(0),
    fencing: z.boolean().default(true),
    /** How long the master's agent may keep writes going without renewal by a majority. */
    leaseMs: z.number().int().min(200).max(600_000).optional(),
    clockDriftRatio: z.number().min(0).max(0.1).default(0.01),
    restartGraceMs: z.number().int().min(0).max(600_000).optional(),
    agentTtlMs: z
      .number()
      .int()
      .min(10_000)
      .max(30 * 24 * 3_600_000)
      .default(3_600_000),
    /** The leader's longest wait for fresh offsets; it goes on as soon as every agent answered. */
    freshObservationMs: z.number().int().min(50).max(10_000).default(1000),
    electionBackoffMs: z.number().int().min(50).max(60_000).default(500),
    webhooks: z.array(WebhookSchema).max(8).default([]),
    upstash: UpstashSinkSchema.optional(),
  })
  .refine((g) => g.locationHints.length === 0 || g.locationHints.length === g.voters, {
    message: 'give one location hint per voter, or none',
    path: ['locationHints'],
  })
  .superRefine((g, ctx) => {
    if (g.agents === undefined) return;
    const declaredFor = new Map<string, string>();
    for (const [agent, nodes] of Object.entries(g.agents)) {
      nodes.forEach((node, i) => {
        const other = declaredFor.get(node);
        if (other !== undefined)
          ctx.addIssue({
            code: 'custom',
            message: `${node} is declared for agents ${other} and ${agent}: one agent speaks for a node`,
            path: ['agents', agent, i],
          });
        else if (g.nodes !== undefined && !g.nodes.includes(node))
          ctx.addIssue({ code: 'custom', message: `${node} is not in nodes`, path: ['agents', agent, i] });
        declaredFor.set(node, agent);
      });
    }
  })
  .superRefine((g, ctx) => {
    if (g.nodes === undefined) return;
    // The quorum counts agents, one per node (not voters: 1 voter over 3 nodes takes quorum 2).
    if (g.quorum > g.nodes.length) {
      ctx.addIssue({
        code: 'custom',
        message: `quorum ${g.quorum} is larger than the ${g.nodes.length} node(s) in nodes: no failover could ever start (at most ${g.nodes.length})`,
        path: ['quorum'],
      });
    }
    if (!g.nodes.includes(g.master)) {
      ctx.addIssue({ code: 'custom', message: `the master ${g.master} is not in nodes`, path: ['nodes'] });
    }
    const seen = new Set<string>();
    g.nodes.forEach((node, i) => {
      if (seen.has(node))
        ctx.addIssue({ code: 'custom', message: `${node} is listed twice`, path: ['nodes', i] });
      seen.add(node);
    });
  });
/**
 * One group as declared under [vars.GROUPS.<name>], validated and with defaults filled in. Not a
 * `Config` (the committed decision, workers/protocol/common.ts) nor the agent's own group settings
 * (agent/config/load.ts).
 */
export type GroupDefinition = z.infer<typeof GroupDefinitionSchema>;

export const GroupsSchema = z
  .record(GroupNameSchema, GroupDefinitionSchema)
  .refine((groups) => Object.keys(groups).length > 0, 'declare at least one group under [vars.GROUPS]');
export type Groups = z.infer<typeof GroupsSchema>;

/**
 * Defaults derived from down-after: the lease equals it (a dead master's lease has run out by
 * the time ODOWN is reached, so fencing adds no failover time), and a restarted voter waits two
 * down-after periods for agents to reconnect before it believes anything is down.
 */
export function toGroupSettings(name: string, g: GroupDefinition): GroupSettings {
  return {
    name,
    voters: g.voters,
    quorum: g.quorum,
    initialMaster: g.master,
    downAfterMs: g.downAfterMs,
    failoverTimeoutMs: g.failoverTimeoutMs,
    fencing: g.fencing,
    leaseMs: g.leaseMs ?? g.downAfterMs,
    clockDriftRatio: g.clockDriftRatio,
    restartGraceMs: g.restartGraceMs ?? 2 * g.downAfterMs,
    agentTtlMs: g.agentTtlMs,
    freshObservationMs: g.freshObservationMs,
    electionBackoffMs: g.electionBackoffMs,
    parallelSyncs: g.parallelSyncs,
    masterRebootDownAfterMs: g.masterRebootDownAfterMs,
    ...(g.agents === undefined ? {} : { agentNodes: g.agents }),
  };
}
