// `edge-sentinel status`: one group's state as tables (pure). Every node appears once with what the
// voters committed for it and what its own agent observes; then each agent's view of every node,
// then each voter's answer.
import type { GroupStatus } from '../../../workers/api/schemas.js';
import type { NodeView } from '../../../workers/protocol/index.js';

export interface StatusView {
  readonly summary: readonly string[];
  readonly nodes: { readonly head: readonly string[]; readonly rows: readonly (readonly string[])[] };
  readonly agentViews: { readonly head: readonly string[]; readonly rows: readonly (readonly string[])[] };
  readonly voters: { readonly head: readonly string[]; readonly rows: readonly (readonly string[])[] };
}

type Agent = GroupStatus['agents'][number];

export function statusView(status: GroupStatus): StatusView {
  const committed = committedConfig(status);
  const committedMaster = committed?.master ?? addressOf(status.master);
  const nodes = nodesOf(status, committedMaster);
  const ownerOf = (node: string) => status.agents.find((a) => a.localNodes.includes(node));
  const ownView = (node: string) => ownerOf(node)?.views.find((v) => v.node === node);
  const masterOffset = committedMaster === null ? undefined : ownView(committedMaster)?.offsetBytes;
  const sdownBy = (node: string) =>
    status.agents.filter((a) => a.views.some((v) => v.node === node && v.sdown));

  const nodeRows = nodes.map((node) => {
    const view = ownView(node);
    const owner = ownerOf(node);
    const isMaster = node === committedMaster;
    const down = sdownBy(node).map((a) => a.agentId);
    return [
      node,
      isMaster
        ? status.failover.state === 'idle'
          ? 'master'
          : `master (${status.failover.state})`
        : 'replica',
      [observed(view), ...(down.length > 0 ? [`SDOWN by ${down.join(',')}`] : [])].join('; '),
      isMaster ? '' : lag(view, masterOffset),
      // Before its first INFO an agent knows neither priority nor offset: say so, not 0.
      view === undefined || view.role === 'unknown'
        ? '?'
        : view.priority === 0
          ? '0 (never promoted)'
          : String(view.priority),
      view === undefined ? '?' : view.fenced ? 'yes' : 'no',
      owner === undefined ? '(no agent reports it)' : `${owner.agentId} (voters ${list(owner.connectedTo)})`,
    ];
  });

  const agentRows = status.agents.map((agent) => [
    agent.agentId,
    list(agent.connectedTo),
    String(agent.highestEpoch),
    ...nodes.map((node) => brief(agent, node)),
  ]);

  const voterRows = status.voters.map((v) => [
    String(v.index),
    v.answered ? 'yes' : 'no',
    v.role === null ? '' : v.roleEpoch === null ? v.role : `${v.role} (epoch ${v.roleEpoch})`,
    v.committed === null ? '' : `${v.committed.epoch} ${v.committed.master} ${v.committed.state}`,
    v.promisedEpoch === null ? '' : String(v.promisedEpoch),
    v.paused === null ? '' : v.paused ? 'yes' : 'no',
    v.lastEventId === null ? '' : String(v.lastEventId),
    v.error ?? '',
  ]);

  const s = status.settings;
  const master = status.master === null ? 'unknown (no majority answered)' : `${addressOf(status.master)}`;
  const since = status.master?.since ? ` since ${status.master.since}` : '';
  return {
    summary: [
      `group ${status.group}: master ${master}${since}, epoch ${status.epoch ?? '?'}, failover ${status.failover.state}${status.failover.leader === null ? '' : ` (leader voter ${status.failover.leader})`}${status.paused ? ', PAUSED (no automatic failover)' : ''}`,
      `voters answering ${status.answered.length}/${s.voters} (${list(status.answered)}), quorum ${s.quorum}, down-after ${s.downAfterMs} ms, failover-timeout ${s.failoverTimeoutMs} ms, parallel-syncs ${s.parallelSyncs}${rebootPeriod(s.masterRebootDownAfterMs)}, fencing ${s.fencing ? `on (lease ${s.leaseMs} ms)` : 'off'}`,
    ],
    nodes: {
      head: ['Node', 'Role', 'Observed by its agent', 'Lag', 'Priority', 'Fenced', 'Agent'],
      rows: nodeRows,
    },
    agentViews: { head: ['Agent', 'Voters', 'Epoch', ...nodes], rows: agentRows },
    voters: {
      head: ['Voter', 'Answered', 'Role', 'Committed', 'Promised', 'Paused', 'Last event', 'Error'],
      rows: voterRows,
    },
  };
}

/** Sentinel's master-reboot-down-after-period, shown only when on (0 or a coordinator without it: off). */
function rebootPeriod(ms: number | undefined): string {
  return ms === undefined || ms === 0 ? '' : `, master-reboot-down-after-period ${ms} ms`;
}

/** The newest committed config among the voters that answered (the one `failover.committedEpoch` names). */
function committedConfig(status: GroupStatus) {
  const configs = status.voters.flatMap((v) => (v.committed === null ? [] : [v.committed]));
  return configs.reduce<(typeof configs)[number] | undefined>(
    (best, c) => (best === undefined || c.epoch > best.epoch ? c : best),
    undefined,
  );
}

/** Master first, then every other node any report names, in address order. */
function nodesOf(status: GroupStatus, master: string | null): string[] {
  const all = new Set<string>([
    ...status.replicas.map((r) => r.node),
    ...status.agents.flatMap((a) => [...a.localNodes, ...a.views.map((v) => v.node)]),
  ]);
  if (master !== null) all.delete(master);
  return [...(master === null ? [] : [master]), ...[...all].sort()];
}

function observed(view: NodeView | undefined): string {
  if (view === undefined) return 'no report';
  if (view.role === 'unknown') return view.sdown ? 'unknown' : 'answering, role not read yet';
  if (view.role === 'replica') {
    const link = view.linkUp ? 'link up' : `link down ${Math.round(view.linkDownMs / 1000)} s`;
    return `replica of ${view.masterNode ?? '?'}, ${link}`;
  }
  return view.role + (view.rebooted ? ', rebooted' : '');
}

function lag(view: NodeView | undefined, masterOffset: number | undefined): string {
  if (view === undefined || view.role === 'unknown' || masterOffset === undefined) return '?';
  return `${Math.max(0, masterOffset - view.offsetBytes)} B`;
}

/** One agent's view of one node in a word: master, replica, replica (link down), SDOWN, or blank. */
function brief(agent: Agent, node: string): string {
  const view = agent.views.find((v) => v.node === node);
  if (view === undefined) return '';
  if (view.sdown) return 'SDOWN';
  if (view.role === 'replica' && !view.linkUp) return 'replica (link down)';
  return view.role;
}

function addressOf(master: GroupStatus['master']): string | null {
  return master === null ? null : `${master.host}:${master.port}`;
}

function list(values: readonly number[]): string {
  return values.length === 0 ? 'none' : values.join(',');
}
