// Maps one group of the agent file to the core's AgentSettings and the runtime's node endpoints.

import { type NodeId, parseNodeId } from '../../workers/protocol/index.js';
import type { AgentFile, GroupSection } from '../config/load.js';
import { type AgentSettings, RECOMMENDED_TIMINGS } from '../core/index.js';
import { connectionAccess, fileAccess, type NodeAccessValues } from './node-access.js';
import type { NodeEndpoint } from './redis-options.js';

export function agentSettings(config: AgentFile, group: GroupSection): AgentSettings {
  const sentinel = sentinelEndpoint(config);
  return {
    agentId: config.agentId,
    group: group.name,
    localNodes: [group.local.announce],
    nodes: [group.local.announce, ...group.nodes],
    voterCount: config.voters,
    ...timingSettings(group.probeIntervalMs, group.infoIntervalMs),
    probeTimeoutMs: group.probeTimeoutMs,
    downAfterMs: group.downAfterMs ?? RECOMMENDED_TIMINGS.downAfterMs,
    downAfterOverride: group.downAfterMs !== undefined,
    roleGraceMs: RECOMMENDED_TIMINGS.roleGraceMs,
    fencing: group.fencing,
    failsafe: group.failsafe,
    leaseMs: group.leaseMs,
    clockDriftRatio: RECOMMENDED_TIMINGS.clockDriftRatio,
    handoffTimeoutMs: group.handoffTimeoutMs,
    sentinel,
  };
}

/**
 * The probe and INFO periods, from the file or `SENTINEL DEBUG ping-period / info-period`, and the
 * stall threshold that goes with them: ticks run every `tickPeriodMs` (the core's), and a gap
 * several times that is a stall.
 */
export function timingSettings(
  probeIntervalMs: number,
  infoIntervalMs: number,
): { probeIntervalMs: number; infoIntervalMs: number; stallThresholdMs: number } {
  return {
    probeIntervalMs,
    infoIntervalMs,
    stallThresholdMs: Math.max(RECOMMENDED_TIMINGS.stallThresholdMs, probeIntervalMs * 5),
  };
}

/**
 * The Sentinel endpoint announced to voters: sentinel.announce; else the bind address; else,
 * when bound to every interface, the host of the first group's local announce address.
 */
export function sentinelEndpoint(config: AgentFile): { host: string; port: number } | null {
  if (!config.sentinel.enabled) return null;
  if (config.sentinel.announce !== undefined) {
    const { host, port } = parseNodeId(config.sentinel.announce);
    return { host, port };
  }
  const host = config.sentinel.host;
  const first = config.groups[0];
  if (host !== '0.0.0.0' && host !== '::') return { host, port: config.sentinel.port };
  if (first === undefined) return null;
  return { host: parseNodeId(first.local.announce).host, port: config.sentinel.port };
}

/**
 * The local node is reached at its bind address; other nodes at their announce address, with the
 * same credentials and renamed commands (the group's current ones; the file's by default).
 */
export function nodeEndpoints(
  group: GroupSection,
  access: NodeAccessValues = fileAccess(group),
): Map<NodeId, NodeEndpoint> {
  const { local } = group;
  const credentials = connectionAccess(local, access);
  const endpoints = new Map<NodeId, NodeEndpoint>();
  endpoints.set(local.announce, { host: local.host, port: local.port, ...credentials });
  for (const node of group.nodes) {
    const { host, port } = parseNodeId(node);
    endpoints.set(node, { host, port, ...credentials });
  }
  return endpoints;
}

/** `https://x` -> `wss://x/v1/groups/<group>/voters/<i>/agent`. */
export function voterUrl(coordinatorUrl: string, group: string, voter: number): string {
  const base = coordinatorUrl.replace(/^http(s?):\/\//, 'ws$1://');
  return `${base}/v1/groups/${encodeURIComponent(group)}/voters/${voter}/agent`;
}
