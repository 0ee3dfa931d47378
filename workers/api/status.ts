// Aggregating the voters' status answers into one group status (pure).
import type { GroupEntry } from '../config/load.js';
import { compareOverrides } from '../core/settings-override.js';
import type { SettingsOverride } from '../core/types.js';
import { type Config, compareConfigs, formatNodeId, type NodeView } from '../protocol/index.js';
import type { AgentStatus, VoterStatus } from '../voter/contract.js';
import type { Answer, Failure } from './gather.js';
import type { GroupStatus, Master } from './schemas.js';
import { settingsView } from './settings-register.js';

type Report = GroupStatus['voters'][number];
type AgentReport = GroupStatus['agents'][number];

export function buildStatus(
  group: GroupEntry,
  answers: readonly Answer<VoterStatus>[],
  failures: readonly Failure[],
  master: Master | null,
  /** The settings override from a majority read; undefined: that read failed, use the highest seen. */
  override?: SettingsOverride | null,
): GroupStatus {
  const byIndex = [...answers].sort((a, b) => a.index - b.index);
  const committed = highest(byIndex.map((a) => a.value.durable.committed));
  const view = settingsView(group, override === undefined ? highestOverride(byIndex) : override);
  return {
    group: group.name,
    settings: {
      voters: view.settings.voters,
      quorum: view.settings.quorum,
      downAfterMs: view.settings.downAfterMs,
      failoverTimeoutMs: view.settings.failoverTimeoutMs,
      parallelSyncs: view.settings.parallelSyncs,
      masterRebootDownAfterMs: view.settings.masterRebootDownAfterMs,
      fencing: view.settings.fencing,
      leaseMs: view.settings.leaseMs,
    },
    settingsSources: view.sources,
    settingsVersion: view.version,
    master,
    epoch: master?.epoch ?? null,
    failover: failoverState(
      byIndex.map((a) => a.value),
      committed,
    ),
    paused: byIndex.some((a) => a.value.durable.paused),
    answered: byIndex.map((a) => a.index),
    voters: voterReports(group.settings.voters, byIndex, failures),
    agents: agentReports(byIndex),
    replicas: replicaReports(byIndex, master === null ? null : formatNodeId(master.host, master.port)),
  };
}

function highestOverride(answers: readonly Answer<VoterStatus>[]): SettingsOverride | null {
  let best: SettingsOverride | null = null;
  for (const { value } of answers) {
    const held = value.durable.settingsOverride ?? null;
    if (compareOverrides(held, best) > 0) best = held;
  }
  return best;
}

function highest(configs: readonly Config[]): Config | null {
  let best: Config | null = null;
  for (const config of configs) if (best === null || compareConfigs(config, best) > 0) best = config;
  return best;
}

function failoverState(statuses: readonly VoterStatus[], committed: Config | null): GroupStatus['failover'] {
  if (committed !== null && committed.state !== 'active') {
    return { state: committed.state, committedEpoch: committed.epoch, leader: committed.leader };
  }
  const active = statuses.find((s) => s.role !== 'follower');
  return {
    state: active === undefined ? 'idle' : 'electing',
    committedEpoch: committed?.epoch ?? null,
    leader: active?.role === 'leader' ? active.index : null,
  };
}

function voterReports(count: number, answers: readonly Answer<VoterStatus>[], failures: readonly Failure[]) {
  return Array.from({ length: count }, (_, index): Report => {
    const status = answers.find((a) => a.index === index)?.value;
    if (status === undefined) {
      const error = failures.find((f) => f.index === index)?.error ?? 'no answer';
      return {
        index,
        answered: false,
        error,
        role: null,
        roleEpoch: null,
        odown: null,
        paused: null,
        promisedEpoch: null,
        committed: null,
        published: null,
        lastEventId: null,
        counters: null,
      };
    }
    return {
      index,
      answered: true,
      error: null,
      role: status.role,
      roleEpoch: status.roleEpoch,
      odown: status.odown,
      paused: status.durable.paused,
      promisedEpoch: status.durable.promisedEpoch,
      committed: status.durable.committed,
      published: status.durable.published,
      lastEventId: status.lastEventId,
      counters: { ...status.counters },
    };
  });
}

/** One entry per agent known to any voter; its views come from the lowest-numbered voter that knows it. */
function agentReports(answers: readonly Answer<VoterStatus>[]): AgentReport[] {
  const agents = new Map<string, { status: AgentStatus; connectedTo: number[] }>();
  for (const { index, value } of answers) {
    for (const agent of value.agents) {
      const entry = agents.get(agent.agentId) ?? { status: agent, connectedTo: [] };
      if (agent.connected) entry.connectedTo.push(index);
      agents.set(agent.agentId, entry);
    }
  }
  return [...agents.values()]
    .sort((a, b) => a.status.agentId.localeCompare(b.status.agentId))
    .map(({ status, connectedTo }) => ({
      agentId: status.agentId,
      localNodes: [...status.localNodes],
      highestEpoch: status.highestEpoch,
      connectedTo,
      views: [...status.views],
    }));
}

/** Every node other than the master that some agent reports, described by its own agent if it has one. */
function replicaReports(answers: readonly Answer<VoterStatus>[], masterNode: string | null) {
  const agents = agentReports(answers);
  const nodes = new Map<string, { view: NodeView; own: boolean; sdownBy: Set<string> }>();
  for (const agent of agents) {
    for (const view of agent.views) {
      if (view.node === masterNode) continue;
      const own = agent.localNodes.includes(view.node);
      const entry = nodes.get(view.node) ?? { view, own, sdownBy: new Set<string>() };
      if (own && !entry.own) Object.assign(entry, { view, own });
      if (view.sdown) entry.sdownBy.add(agent.agentId);
      nodes.set(view.node, entry);
    }
  }
  return [...nodes.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([node, { view, sdownBy }]) => ({
      node,
      role: view.role,
      sdownBy: [...sdownBy].sort(),
      linkUp: view.linkUp,
      offsetBytes: view.offsetBytes,
      priority: view.priority,
    }));
}
