// The stack's nodes: each one's name, ports and agent id (derived from the options), and its running processes.
import type { StackOptions } from './options.js';
import type { GroupProcess } from './process-group.js';

export interface StackNode {
  readonly index: number;
  /** "127.0.0.1:port" (or nodeHost): the node's name everywhere (announce address; `port` unless announcePorts). */
  readonly address: string;
  /** The port redis-server listens on (its own agent connects here). */
  readonly port: number;
  readonly agentId: string;
  readonly sentinelPort: number;
  readonly metricsPort: number;
  redis: GroupProcess | null;
  agent: GroupProcess | null;
}

export const portOfAddress = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

const agentLetter = (i: number) => String.fromCharCode('a'.charCodeAt(0) + i);

/** Node i: redis on redisPort + i (named by its announce port, if any), agent-<letter> on sentinelPort + i. */
export function stackNodes(options: StackOptions): StackNode[] {
  return Array.from({ length: options.nodes }, (_, index) => ({
    index,
    address: `${options.nodeHost ?? '127.0.0.1'}:${options.announcePorts?.[index] ?? options.redisPort + index}`,
    port: options.redisPort + index,
    agentId: `agent-${agentLetter(index)}`,
    sentinelPort: options.sentinelPort + index,
    metricsPort: options.metricsPort + index,
    redis: null,
    agent: null,
  }));
}
