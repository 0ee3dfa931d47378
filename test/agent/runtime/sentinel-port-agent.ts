// Real agents with their Sentinel port on, for the node-access tests: start one, ask it SENTINEL commands, read its flags.
import { Redis } from 'ioredis';
import type { AgentFile, GroupSection } from '../../../agent/config/load.js';
import { type RunningAgent, startAgent } from '../../../agent/runtime/agent.js';
import type { Logger } from '../../../agent/runtime/logger.js';
import { silentLogger } from '../../../agent/runtime/logger.js';
import { type FakeVoters, tokenFor } from './fake-voters.js';
import { type Cleanup, removeDir, tempStateDir, testConfig } from './harness.js';

export interface SentinelAgentOptions {
  readonly agentId: string;
  readonly localPort: number;
  readonly otherPorts: readonly number[];
  readonly sentinelPort: number;
  readonly group?: Partial<GroupSection>;
  readonly logger?: Logger;
}

/** An agent whose Sentinel port takes operator commands without a password (a trusted test network). */
export async function sentinelAgent(
  v: FakeVoters,
  options: SentinelAgentOptions,
  cleanups: Cleanup[],
): Promise<RunningAgent> {
  const stateDir = tempStateDir();
  cleanups.push(() => removeDir(stateDir));
  const base = await testConfig({
    voters: v,
    localPort: options.localPort,
    otherPorts: options.otherPorts,
    stateDir,
    token: await tokenFor(options.agentId, v.group),
    ...(options.group === undefined ? {} : { group: options.group }),
  });
  const file: AgentFile = {
    ...base,
    agentId: options.agentId,
    sentinel: { host: '127.0.0.1', port: options.sentinelPort, enabled: true, adminWithoutPassword: true },
    metrics: { host: '127.0.0.1', port: 0, enabled: false },
  };
  const agent = await startAgent(file, {
    logger: options.logger ?? silentLogger(),
    defaultMetrics: false,
    onFatal: (error) => {
      throw error;
    },
  });
  cleanups.push(() => agent.stop());
  return agent;
}

/** A RESP2 client of an agent's Sentinel port, as redis-cli is. */
export function sentinelClient(port: number, cleanups: Cleanup[]): Redis {
  const client = new Redis({ host: '127.0.0.1', port, protocol: 2, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  cleanups.push(() => client.disconnect());
  return client;
}

/** A Sentinel command's reply, or `-<error>`. */
export async function ask(client: Redis, ...args: string[]): Promise<unknown> {
  try {
    return await client.call(args[0] ?? '', ...args.slice(1));
  } catch (error) {
    return `-${error instanceof Error ? error.message : String(error)}`;
  }
}

/** A flat field/value array as a record. */
export function fields(flat: unknown): Record<string, string> {
  const list = Array.isArray(flat) ? (flat as string[]) : [];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i] as string] = list[i + 1] as string;
  return out;
}

/** SENTINEL MASTER's flags ("" while the group is not listed yet). */
export async function masterFlags(client: Redis, group: string): Promise<string> {
  return fields(await ask(client, 'SENTINEL', 'MASTER', group)).flags ?? '';
}

/** Each replica's flags, by `ip:port`. */
export async function replicaFlags(client: Redis, group: string): Promise<Record<string, string>> {
  const replicas = await ask(client, 'SENTINEL', 'REPLICAS', group);
  const out: Record<string, string> = {};
  for (const flat of Array.isArray(replicas) ? replicas : []) {
    const replica = fields(flat);
    out[replica.name ?? '?'] = replica.flags ?? '';
  }
  return out;
}
