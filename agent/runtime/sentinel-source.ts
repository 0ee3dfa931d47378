// The SentinelSource the Sentinel wire protocol serves from: snapshots of every group's core state, and events.
import { createHash } from 'node:crypto';
import type { NodeId } from '../../workers/protocol/index.js';
import { parseNodeId } from '../../workers/protocol/index.js';
import { globMatch } from '../sentinel/glob.js';
import type {
  FailoverOutcome,
  SentinelEvent,
  SentinelGroup,
  SentinelNode,
  SentinelSnapshot,
  SentinelSource,
} from '../sentinel/source.js';
import type { AdminClient } from './admin-client.js';
import type { Clock } from './clock.js';
import { type GroupRunner, publishedMaster } from './group-runner.js';

/** Sentinel's defaults, shown until the voters announce the group's own. */
const DEFAULTS = { quorum: 2, failoverTimeoutMs: 6000, parallelSyncs: 1 } as const;
const MAX_LISTENERS = 10_000;

/** 40 hex characters (Sentinel's run id format) derived from a stable name. */
export function sentinelId(name: string): string {
  return createHash('sha1').update(name).digest('hex');
}

export class RuntimeSentinelSource implements SentinelSource {
  private readonly listeners = new Set<(event: SentinelEvent) => void>();
  readonly myId: string;

  constructor(
    agentId: string,
    private readonly groups: () => readonly GroupRunner[],
    /** Other agents' Sentinel endpoints, from the file's `peers` (the voters do not relay them yet). */
    private readonly peers: readonly NodeId[],
    private readonly admin: AdminClient,
    private readonly clock: Clock,
  ) {
    this.myId = sentinelId(agentId);
  }

  /** Called by the runtime for every event the cores emit, plus `+switch-master`. */
  publish(event: SentinelEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is the Sentinel server's to log; it must not stop the others.
      }
    }
  }

  snapshot(): SentinelSnapshot {
    const groups: SentinelGroup[] = [];
    for (const runner of this.groups()) {
      const group = this.group(runner);
      if (group !== null) groups.push(group);
    }
    return { myId: this.myId, groups };
  }

  masterAddress(group: string): NodeId | null {
    const runner = this.groups().find((g) => g.name === group);
    return runner === undefined ? null : publishedMaster(runner.current.config);
  }

  onEvent(listener: (event: SentinelEvent) => void): () => void {
    if (this.listeners.size >= MAX_LISTENERS) throw new Error('too many event subscribers');
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  failover(group: string): Promise<FailoverOutcome> {
    if (!this.groups().some((g) => g.name === group)) {
      return Promise.resolve({ ok: false, code: 'ERR', message: 'No such master with that name' });
    }
    return this.admin.failover(group);
  }

  async reset(pattern: string): Promise<number> {
    const matching = this.groups().filter((g) => globMatch(pattern, g.name));
    const results = await Promise.all(matching.map((g) => this.admin.reset(g.name)));
    return results.filter(Boolean).length;
  }

  /** A group without any known config is left out: this agent cannot name its master yet. */
  private group(runner: GroupRunner): SentinelGroup | null {
    const state = runner.current;
    const master = publishedMaster(state.config);
    if (master === null || state.config === null) return null;
    const nodes = Object.keys(state.nodes).sort();
    const announced = state.announced;
    return {
      name: runner.name,
      master: this.node(runner, master),
      epoch: state.highestEpoch,
      failoverInProgress: state.config.state !== 'active',
      replicas: nodes.filter((n) => n !== master).map((n) => this.node(runner, n)),
      sentinels: this.peers.map((peer) => ({ ...parseNodeId(peer), id: sentinelId(peer) })),
      quorum: announced?.quorum ?? DEFAULTS.quorum,
      downAfterMs: state.settings.downAfterMs,
      failoverTimeoutMs: announced?.failoverTimeoutMs ?? DEFAULTS.failoverTimeoutMs,
      parallelSyncs: announced?.parallelSyncs ?? DEFAULTS.parallelSyncs,
      votersConnected: state.voters.filter((v) => v.connected).length,
      voters: state.voters.length,
    };
  }

  private node(runner: GroupRunner, node: NodeId): SentinelNode {
    const nowMs = this.clock.nowMs();
    const ns = runner.current.nodes[node];
    if (ns === undefined) return { node, view: null, lastPingSentMsAgo: 0, lastOkPingReplyMsAgo: 0 };
    const heard = ns.info !== null || ns.detector.lastProbeSentMs !== null;
    return {
      node,
      view: heard ? runner.view(node) : null,
      lastPingSentMsAgo: Math.max(0, nowMs - (ns.detector.lastProbeSentMs ?? nowMs)),
      lastOkPingReplyMsAgo: Math.max(0, nowMs - ns.detector.lastValidReplyMs),
    };
  }
}
