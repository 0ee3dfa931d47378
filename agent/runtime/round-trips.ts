// The effects whose outcome comes back to the core as an input: a probe, an INFO read, a command on a local node.
import type { NodeId } from '../../workers/protocol/index.js';
import { type AgentEffect, type AgentInput, parseNodeInfo } from '../core/index.js';
import type { Clock } from './clock.js';
import type { FencePort } from './fence-owner.js';
import type { ActionRunner, NodePort } from './group-ports.js';
import type { ParseInfo } from './info-memo.js';
import type { Logger } from './logger.js';
import type { AgentMetrics } from './metrics.js';

/** The protocol bounds a command's detail; the core cuts it again for the voters. */
const MAX_DETAIL = 480;

export interface RoundTripDeps {
  readonly group: string;
  readonly localNodes: readonly NodeId[];
  readonly nodes: ReadonlyMap<NodeId, NodePort>;
  readonly executor: ActionRunner;
  readonly fence: FencePort;
  readonly clock: Clock;
  readonly metrics: AgentMetrics;
  readonly log: Logger;
  /** INFO text to NodeInfo: `parseNodeInfo`, or a memo of it shared by the groups of one agent. */
  readonly parseInfo?: ParseInfo;
  /** Where the outcome goes: the runner's input queue. */
  readonly enqueue: (input: AgentInput) => void;
}

/** A node's last INFO reply, as the agent received it (`SENTINEL INFO-CACHE`). */
export interface InfoText {
  readonly text: string;
  readonly receivedAtMs: number;
}

export class RoundTrips {
  /** Each node's last INFO text, as Sentinel keeps `ri->info`: at most one per node of the group. */
  private readonly lastInfo = new Map<NodeId, InfoText>();

  constructor(private readonly deps: RoundTripDeps) {}

  /** The node's last INFO reply; null if it never answered one. */
  infoText(node: NodeId): InfoText | null {
    return this.lastInfo.get(node) ?? null;
  }

  probe(node: NodeId, sentAtMs: number): void {
    const { nodes, clock, metrics, group, enqueue } = this.deps;
    const port = nodes.get(node);
    if (port === undefined) return;
    void port.probe().then((outcome) => {
      const latencyS = (clock.nowMs() - sentAtMs) / 1000;
      metrics.probeLatency.observe({ group, node, outcome }, latencyS);
      enqueue({ kind: 'probe-result', node, sentAtMs, outcome });
    });
  }

  info(node: NodeId): void {
    const { nodes, fence, localNodes, log, enqueue } = this.deps;
    const parse = this.deps.parseInfo ?? parseNodeInfo;
    const port = nodes.get(node);
    if (port === undefined) return;
    void port.info().then((text) => {
      if (text !== null) this.lastInfo.set(node, { text, receivedAtMs: this.deps.clock.nowMs() });
      // Local nodes: the agent's own fence state; other nodes: unknown from here, reported unfenced.
      const local = localNodes.includes(node);
      const parsed = text === null ? null : parse(text, { fenced: local && fence.fencedNow(node) });
      if (parsed !== null && !parsed.ok) log.warn({ node, error: parsed.error }, 'INFO reply did not parse');
      enqueue({ kind: 'info-result', node, info: parsed?.ok ? parsed.value : null });
    });
  }

  execute({ node, epoch, action }: Extract<AgentEffect, { kind: 'execute' }>): void {
    void this.deps.executor.execute(node, epoch, action).then((outcome) =>
      this.deps.enqueue({
        kind: 'action-result',
        node,
        epoch,
        action,
        ok: outcome.ok,
        detail: outcome.detail.slice(0, MAX_DETAIL),
      }),
    );
  }
}
