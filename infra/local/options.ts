// The local stack's settings: defaults (3 nodes on 7001.., Sentinel ports 26379.., 3 voters) and the CLI flags.
import { parseArgs } from 'node:util';

export type VoterCount = 1 | 3 | 5;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface StackOptions {
  /** The repository root (wrangler.toml, node_modules, package.json). */
  readonly root: string;
  /** Where logs, generated files and state go; default `<root>/.local-state/run-<timestamp>`. */
  readonly runDir?: string;
  readonly group: string;
  readonly nodes: number;
  /** Node i listens on redisPort + i; node 0 is the initial master. */
  readonly redisPort: number;
  /** Agent i serves the Sentinel protocol on sentinelPort + i. */
  readonly sentinelPort: number;
  /** Agent i serves /metrics and /healthz on metricsPort + i. */
  readonly metricsPort: number;
  /** `wrangler dev` (the voters and the HTTP API). */
  readonly coordinatorPort: number;
  readonly voters: VoterCount;
  /** Agents that must see the master down; default a majority of the nodes. */
  readonly quorum?: number;
  readonly downAfterMs: number;
  readonly failoverTimeoutMs: number;
  readonly fencing: boolean;
  /** Agents keep a master writable on each other's grants when the voters are unreachable. */
  readonly failsafe: boolean;
  readonly agentLogLevel: LogLevel;
  /**
   * Test hook (no flag): the host name every node and agent is known by, e.g. "localhost" (DNS
   * names instead of addresses, as with announce-hostnames); default 127.0.0.1. Processes still
   * listen on 127.0.0.1.
   */
  readonly nodeHost?: string;
  /**
   * Test hook (no flag): every redis-server requires this password (`requirepass`, `masterauth`),
   * and every agent is given it (`local.password`).
   */
  readonly redisPassword?: string;
  /** Test hook (no flag): the Worker's READ_TOKEN, so reads need it (or the admin token). */
  readonly readToken?: string;
  /**
   * Test hook (no flag): for agent i, TCP connections to a "host:port" go to another address,
   * e.g. `{ 1: { '127.0.0.1:7001': '127.0.0.1:7009' } }` routes agent 1's view of node 0 through a
   * fault proxy listening on 7009, while every name stays the same.
   */
  readonly agentRoutes?: Readonly<Record<number, Readonly<Record<string, string>>>>;
  /**
   * Test hook (no flag): node i is announced (named everywhere: voters, replicas, other agents,
   * clients) as 127.0.0.1:<port> instead of its listening port, e.g. `{ 0: 7009 }` with a fault
   * proxy on 7009 in front of node 0; only its own agent connects to the real port.
   */
  readonly announcePorts?: Readonly<Record<number, number>>;
  /**
   * Test hook (no flag): agent i sends node j's agent its failsafe datagrams at 127.0.0.1:<port>
   * instead of that agent's own port, e.g. `{ 0: { 1: 7100 } }` through a UDP fault proxy on 7100.
   */
  readonly failsafeRoutes?: Readonly<Record<number, Readonly<Record<number, number>>>>;
  /** Test hook (no flag): serve outage drills (`POST .../voters/:i/outage`), see workers/env.ts. */
  readonly outageDrills?: boolean;
  /**
   * Test hook (no flag): this many more groups in wrangler dev's GROUPS, with no nodes or agents
   * (their voters idle): the coordinator at fleet size (test/bench/coordinator-fleet.ts).
   */
  readonly idleGroups?: { readonly count: number; readonly voters: VoterCount };
}

export const DEFAULT_GROUP = 'mymaster';

export function defaultStackOptions(root: string): StackOptions {
  return {
    root,
    group: DEFAULT_GROUP,
    nodes: 3,
    redisPort: 7001,
    sentinelPort: 26379,
    metricsPort: 26479,
    coordinatorPort: 8787,
    voters: 3,
    downAfterMs: 1000,
    failoverTimeoutMs: 6000,
    fencing: true,
    failsafe: true,
    agentLogLevel: 'info',
  };
}

export const STACK_FLAGS_USAGE = `stack flags (defaults in brackets):
  --nodes <n>             redis nodes, one agent each [3]
  --redis-port <p>        first node's port; node i is p+i, node 0 the initial master [7001]
  --sentinel-port <p>     first agent's Sentinel port [26379]
  --metrics-port <p>      first agent's /metrics port [26479]
  --port <p>              wrangler dev (HTTP API and voters) [8787]
  --voters <1|3|5>        voters of the group [3]
  --quorum <n>            agents that must see the master down [majority of nodes]
  --down-after <ms>       down-after of the group [1000]
  --failover-timeout <ms> [6000]
  --fencing <on|off>      fence a master that loses its lease [on]
  --failsafe <on|off>     agents keep the master writable on each other's grants
                          when the voters are unreachable [on]
  --agent-log-level <l>   fatal|error|warn|info|debug|trace [info]
  --run-dir <dir>         logs and state [.local-state/run-<timestamp>]`;

const FLAG_SPEC = {
  nodes: { type: 'string' },
  'redis-port': { type: 'string' },
  'sentinel-port': { type: 'string' },
  'metrics-port': { type: 'string' },
  port: { type: 'string' },
  voters: { type: 'string' },
  quorum: { type: 'string' },
  'down-after': { type: 'string' },
  'failover-timeout': { type: 'string' },
  fencing: { type: 'string' },
  failsafe: { type: 'string' },
  'agent-log-level': { type: 'string' },
  'run-dir': { type: 'string' },
} as const;

export type ParsedFlags =
  | { readonly ok: true; readonly options: StackOptions; readonly rest: Record<string, string | boolean> }
  | { readonly ok: false; readonly error: string };

/**
 * Parses the stack flags plus `extra` flags of the calling command (returned in `rest`).
 * Every bad value is one message naming the flag.
 */
export function parseStackFlags(
  argv: readonly string[],
  root: string,
  extra: Record<string, { type: 'string' | 'boolean' }> = {},
): ParsedFlags {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: { ...FLAG_SPEC, ...extra }, strict: true }));
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const base = defaultStackOptions(root);
  const problems: string[] = [];
  const int = (flag: string, fallback: number, min: number, max: number): number => {
    const raw = values[flag];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (typeof raw !== 'string' || !Number.isInteger(n) || n < min || n > max) {
      problems.push(`--${flag}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return n;
  };
  const nodes = int('nodes', base.nodes, 1, 9);
  const voters = int('voters', base.voters, 1, 5);
  if (voters !== 1 && voters !== 3 && voters !== 5)
    problems.push(`--voters: expected 1, 3 or 5, got ${voters}`);
  const quorum = values.quorum === undefined ? undefined : int('quorum', 1, 1, nodes);
  const fencingFlag = values.fencing ?? 'on';
  if (fencingFlag !== 'on' && fencingFlag !== 'off') problems.push(`--fencing: expected on or off`);
  const failsafeFlag = values.failsafe ?? 'on';
  if (failsafeFlag !== 'on' && failsafeFlag !== 'off') problems.push(`--failsafe: expected on or off`);
  const level = values['agent-log-level'] ?? base.agentLogLevel;
  const levels: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
  if (typeof level !== 'string' || !levels.includes(level)) {
    problems.push(`--agent-log-level: expected one of ${levels.join(', ')}`);
  }
  const options: StackOptions = {
    ...base,
    nodes,
    redisPort: int('redis-port', base.redisPort, 1024, 65_000),
    sentinelPort: int('sentinel-port', base.sentinelPort, 1024, 65_000),
    metricsPort: int('metrics-port', base.metricsPort, 1024, 65_000),
    coordinatorPort: int('port', base.coordinatorPort, 1024, 65_000),
    voters: voters as VoterCount,
    ...(quorum === undefined ? {} : { quorum }),
    downAfterMs: int('down-after', base.downAfterMs, 100, 600_000),
    failoverTimeoutMs: int('failover-timeout', base.failoverTimeoutMs, 1000, 3_600_000),
    fencing: fencingFlag !== 'off',
    failsafe: failsafeFlag !== 'off',
    agentLogLevel: level as LogLevel,
    ...(typeof values['run-dir'] === 'string' ? { runDir: values['run-dir'] } : {}),
  };
  if (problems.length > 0) return { ok: false, error: problems.join('\n') };
  const rest: Record<string, string | boolean> = {};
  for (const key of Object.keys(extra)) {
    const value = values[key];
    if (value !== undefined) rest[key] = value;
  }
  return { ok: true, options, rest };
}

/** Ports the stack will listen on, to refuse overlapping ranges and 6379 before starting anything. */
export function portProblems(o: StackOptions): string[] {
  const used = new Map<number, string>();
  const problems: string[] = [];
  const claim = (port: number, what: string) => {
    if (port === 6379) problems.push(`${what}: port 6379 belongs to the machine's own Redis; choose another`);
    const other = used.get(port);
    if (other !== undefined) problems.push(`${what} and ${other} both want port ${port}`);
    used.set(port, what);
  };
  claim(o.coordinatorPort, 'wrangler dev');
  for (let i = 0; i < o.nodes; i++) {
    claim(o.redisPort + i, `redis node ${i}`);
    const announce = o.announcePorts?.[i];
    if (announce === 6379)
      problems.push(`redis node ${i} announce port: 6379 belongs to the machine's own Redis`);
    claim(o.sentinelPort + i, `agent ${i} Sentinel port`);
    claim(o.metricsPort + i, `agent ${i} metrics port`);
  }
  return problems;
}
