// What each node's agent is told: its node, the other nodes and agents, the stack's secrets and test routes.
import type { AgentSpec } from './agent-process.js';
import type { StackOptions } from './options.js';
import type { StackNode } from './stack-nodes.js';

/** Generated per run, shared by the voters and every agent. */
export interface StackSecrets {
  readonly agentSecret: string;
  readonly adminToken: string;
  readonly failsafeSecret: string;
}

export interface StackAgentSpecInput {
  readonly options: StackOptions;
  readonly nodes: readonly StackNode[];
  readonly node: StackNode;
  readonly coordinatorUrl: string;
  readonly secrets: StackSecrets;
  readonly runDir: string;
}

export function stackAgentSpec({
  options,
  nodes,
  node,
  coordinatorUrl,
  secrets,
  runDir,
}: StackAgentSpecInput): AgentSpec {
  const others = nodes.filter((n) => n !== node);
  const routes = options.agentRoutes?.[node.index];
  return {
    agentId: node.agentId,
    group: options.group,
    coordinatorUrl,
    agentSecret: secrets.agentSecret,
    adminToken: secrets.adminToken,
    voters: options.voters,
    fencing: options.fencing,
    redisPort: node.port,
    announce: node.address,
    otherNodes: others.map((n) => ({
      node: n.address,
      agent: `127.0.0.1:${options.failsafeRoutes?.[node.index]?.[n.index] ?? n.sentinelPort}`,
    })),
    sentinelPort: node.sentinelPort,
    failsafePort: node.sentinelPort,
    failsafeSecret: options.failsafe ? secrets.failsafeSecret : null,
    metricsPort: node.metricsPort,
    peers: others.map((n) => `${options.nodeHost ?? '127.0.0.1'}:${n.sentinelPort}`),
    sentinelHost: options.nodeHost ?? '127.0.0.1',
    ...(options.redisPassword === undefined ? {} : { redisPassword: options.redisPassword }),
    logLevel: options.agentLogLevel,
    runDir,
    ...(routes === undefined ? {} : { routes }),
  };
}
