// The Worker's bindings, vars and secrets (wrangler.toml and `wrangler secret put`).
import type { VoterRpc } from './voter/contract.js';

/**
 * The voter Durable Object class (workers/voter/voter.ts) as its binding sees it: the RPC surface
 * it implements. Typed by the contract rather than the class, so nothing here depends on the shell.
 */
export type VoterObject = VoterRpc & Rpc.DurableObjectBranded;

export interface Env {
  /** The voter Durable Object namespace; objects are named `<group>#<index>`. */
  readonly VOTER: DurableObjectNamespace<VoterObject>;
  /** [vars.GROUPS] from wrangler.toml, validated by workers/config/groups.ts before use. */
  readonly GROUPS: unknown;
  /** Agent tokens are HMAC-SHA256(AGENT_SECRET, agentId + "\n" + group); nothing per agent is stored. */
  readonly AGENT_SECRET?: string;
  readonly ADMIN_TOKEN?: string;
  /** Optional: when set, reads (master, status, events) need it or the admin token. */
  readonly READ_TOKEN?: string;
  /**
   * "on" enables outage drills (POST /v1/groups/:group/voters/:i/outage, admin token): a voter
   * taken down refuses everything, as an unreachable location would. The local stack sets it for
   * the end-to-end tests; leave it unset in production unless you run drills there.
   */
  readonly OUTAGE_DRILLS?: string;
  /**
   * How long (ms) an isolate answers master reads from its copy of the last majority read; 0 reads
   * a majority every time. Default 500 (workers/api/master-cache.ts).
   */
  readonly MASTER_CACHE_MS?: string | number;
  /** Webhook and Upstash secrets, looked up by the names the group config gives. */
  readonly [secret: string]: unknown;
}
