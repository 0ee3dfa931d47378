// Load-balancer health checks (GET /primary, /replica[?lag=bytes], /health), decided purely from the agent's state; the runtime serves them on its HTTP port.
import type { NodeId } from '../../workers/protocol/index.js';
import type { AgentState } from './agent-state.js';
import { computeView, currentFence, currentLeaseValidUntil, failsafeStatus } from './agent-views.js';
import { publishedMaster } from './sentinel-view.js';

/** What the checks read of one group: its core state and what the fence owner applied on Redis. */
export interface HealthGroup {
  readonly name: string;
  readonly current: AgentState;
  fenceApplied(node: NodeId): string | null;
}

export interface CheckAnswer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export const HEALTH_PATHS = ['/primary', '/replica', '/health'] as const;
export type HealthPath = (typeof HEALTH_PATHS)[number];

export function isHealthPath(path: string): path is HealthPath {
  return (HEALTH_PATHS as readonly string[]).includes(path);
}

/**
 * Answer one health check. `?group=` picks the group (required when this agent runs more than
 * one); `?lag=<bytes>` bounds a replica's lag behind the master's offset as this agent last read
 * them. 200 when the check passes, 503 when it does not, 400/404 for a bad request.
 */
export function answerHealthCheck(
  path: HealthPath,
  params: URLSearchParams,
  groups: readonly HealthGroup[],
  nowMs: number,
): CheckAnswer {
  const picked = pickGroup(params, groups);
  if ('status' in picked) return picked;
  const { group } = picked;
  const node = group.current.settings.localNodes[0];
  if (node === undefined) return fail(503, group.name, null, 'this agent has no local node in the group');
  switch (path) {
    case '/primary':
      return primaryCheck(group, node, nowMs);
    case '/replica': {
      const lag = params.get('lag');
      let maxLag: number | null = null;
      if (lag !== null) {
        if (!/^\d{1,15}$/.test(lag)) {
          return fail(
            400,
            group.name,
            node,
            `lag must be a whole number of bytes, got ${JSON.stringify(lag)}`,
          );
        }
        maxLag = Number(lag);
      }
      return replicaCheck(group, node, nowMs, maxLag);
    }
    case '/health':
      return nodeCheck(group, node, nowMs);
  }
}

function pickGroup(
  params: URLSearchParams,
  groups: readonly HealthGroup[],
): { readonly group: HealthGroup } | CheckAnswer {
  const wanted = params.get('group');
  if (wanted === null) {
    const only = groups[0];
    if (groups.length === 1 && only !== undefined) return { group: only };
    return {
      status: 400,
      body: {
        ok: false,
        reason:
          groups.length === 0
            ? 'this agent runs no group'
            : `this agent runs ${groups.length} groups: name one with ?group= (${groups.map((g) => g.name).join(', ')})`,
      },
    };
  }
  const group = groups.find((g) => g.name === wanted);
  if (group === undefined) {
    return { status: 404, body: { ok: false, group: wanted, reason: `this agent runs no group ${wanted}` } };
  }
  return { group };
}

function fail(status: number, group: string, node: NodeId | null, reason: string): CheckAnswer {
  return { status, body: { ok: false, group, node, reason } };
}

function pass(group: string, node: NodeId, reason: string, extra: Record<string, unknown> = {}): CheckAnswer {
  return { status: 200, body: { ok: true, group, node, reason, ...extra } };
}

/**
 * 200 only while the local node is the master of the committed, active config, reports role
 * master, answers its probes, this agent holds the voters' lease (or every peer's failsafe grant)
 * and the node is not fenced (by the agent's decision and, with fencing on, on Redis itself).
 */
export function primaryCheck(group: HealthGroup, node: NodeId, nowMs: number): CheckAnswer {
  const state = group.current;
  const config = state.config;
  const epoch = state.highestEpoch;
  if (config === null) return fail(503, group.name, node, 'no committed config known yet');
  if (config.master !== node) {
    return fail(
      503,
      group.name,
      node,
      `not the committed master (epoch ${config.epoch} names ${config.master})`,
    );
  }
  if (config.state !== 'active') {
    return fail(
      503,
      group.name,
      node,
      `epoch ${config.epoch} naming this node is ${config.state}, not active yet`,
    );
  }
  const view = computeView(state, node, nowMs);
  if (view.sdown) return fail(503, group.name, node, 'the node does not answer its probes (SDOWN)');
  if (view.role !== 'master') return fail(503, group.name, node, `the node reports role ${view.role}`);
  const leaseUntil = currentLeaseValidUntil(state);
  const leased = leaseUntil !== null && leaseUntil > nowMs;
  const failsafe = failsafeStatus(state, nowMs).active;
  if (!leased && !failsafe) {
    return fail(
      503,
      group.name,
      node,
      'this agent holds no lease from a majority of voters and no failsafe grants',
    );
  }
  const fence = currentFence(state, node, nowMs);
  if (fence.writableUntilMs !== null && nowMs >= fence.writableUntilMs) {
    return fail(503, group.name, node, `fenced: ${fence.reason}`);
  }
  if (view.fenced) return fail(503, group.name, node, 'the node is fenced');
  if (state.settings.fencing) {
    const applied = group.fenceApplied(node);
    if (applied !== 'unfenced')
      return fail(503, group.name, node, `the fence on Redis is ${applied ?? 'unknown'}`);
  }
  return pass(
    group.name,
    node,
    failsafe ? 'committed master, writable on the failsafe grants' : 'committed master, lease held',
    {
      epoch,
    },
  );
}

/**
 * 200 while the local node is a replica of the committed master with its link up; with `maxLag`,
 * also while its offset is within `maxLag` bytes of the master's (both as last read by INFO).
 */
export function replicaCheck(
  group: HealthGroup,
  node: NodeId,
  nowMs: number,
  maxLag: number | null,
): CheckAnswer {
  const state = group.current;
  const config = state.config;
  if (config === null) return fail(503, group.name, node, 'no committed config known yet');
  // While a change is pending, replicas still follow the previous master: either one is fine.
  const masters = new Set([config.master, publishedMaster(config)]);
  if (masters.has(node)) return fail(503, group.name, node, 'the node is the committed master');
  const view = computeView(state, node, nowMs);
  if (view.sdown) return fail(503, group.name, node, 'the node does not answer its probes (SDOWN)');
  if (view.role !== 'replica') return fail(503, group.name, node, `the node reports role ${view.role}`);
  if (view.masterNode === null || !masters.has(view.masterNode)) {
    return fail(
      503,
      group.name,
      node,
      `the node replicates ${view.masterNode ?? 'nothing'}, not the committed master ${config.master}`,
    );
  }
  if (!view.linkUp) return fail(503, group.name, node, `the link to ${view.masterNode} is down`);
  const masterInfo = state.nodes[view.masterNode]?.info ?? null;
  const lagBytes = masterInfo === null ? null : Math.max(0, masterInfo.offsetBytes - view.offsetBytes);
  if (maxLag !== null) {
    if (lagBytes === null) {
      return fail(503, group.name, node, `the master ${view.masterNode}'s offset is not known: lag unknown`);
    }
    if (lagBytes > maxLag) {
      return {
        status: 503,
        body: {
          ok: false,
          group: group.name,
          node,
          lagBytes,
          reason: `lag ${lagBytes} bytes exceeds ${maxLag}`,
        },
      };
    }
  }
  return pass(group.name, node, `replicates ${view.masterNode}, link up`, {
    master: view.masterNode,
    lagBytes,
  });
}

/** 200 while the local node answers this agent's probes (not SDOWN from here). */
export function nodeCheck(group: HealthGroup, node: NodeId, nowMs: number): CheckAnswer {
  const state = group.current;
  const view = computeView(state, node, nowMs);
  if (view.sdown) return fail(503, group.name, node, 'the node does not answer its probes (SDOWN)');
  if ((state.nodes[node]?.info ?? null) === null) {
    return fail(503, group.name, node, 'the node has not answered INFO yet');
  }
  return pass(group.name, node, 'the node answers its probes', { role: view.role });
}
