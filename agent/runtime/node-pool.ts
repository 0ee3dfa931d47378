// One connection per node for the whole agent, shared by every group that names the node: one PING and one INFO for all the groups that ask in the same turn.
import type { NodeId } from '../../workers/protocol/index.js';
import type { ProbeOutcome } from '../core/index.js';
import type { NodePort } from './group-ports.js';
import type { Logger } from './logger.js';
import type { CommandResult, NodeCommands } from './node-commands.js';
import { NodeLink } from './node-link.js';
import type { NodeEndpoint } from './redis-options.js';
import { type Defer, deferToNextTurn, SameTurnCall } from './same-turn-call.js';

/** What the pool needs of one connection (a NodeLink in production). */
export interface NodeConnection extends NodeCommands {
  start(): void;
  probe(): Promise<ProbeOutcome>;
  close(): Promise<void>;
}

export interface NodePoolDeps {
  /** CLIENT SETNAME of every connection. */
  readonly connectionName: string;
  readonly logger: Logger;
  readonly defer?: Defer;
  /** Opens one connection (tests count them); default a NodeLink. */
  readonly open?: (node: NodeId, endpoint: NodeEndpoint, probeTimeoutMs: number) => NodeConnection;
}

/** A group's handle on a node: the NodePort its runner probes and the NodeCommands its executor sends. */
export type PooledNode = NodePort & NodeCommands;

interface SharedNode {
  readonly connection: NodeConnection;
  readonly probe: SameTurnCall<ProbeOutcome>;
  readonly info: SameTurnCall<string | null>;
  users: number;
  started: boolean;
}

/**
 * With many groups on the same nodes (an agent on a box serving several groups, or groups sharing
 * a replica), a connection per group and node multiplies PINGs and INFO by the number of groups
 * for the same answers. Sharing is safe because a node's answer does not depend on who asks, and
 * a group only ever shares a call sent after it asked (`SameTurnCall`). The connection is keyed by
 * everything that shapes it (address, credentials, TLS, the probe timeout that bounds its
 * commands), so groups that name one node differently never share a connection they should not.
 */
export class NodePool {
  private readonly nodes = new Map<string, SharedNode>();

  constructor(private readonly deps: NodePoolDeps) {}

  /** Open connections (one per distinct endpoint in use). */
  get size(): number {
    return this.nodes.size;
  }

  /** A handle on the node's shared connection; the connection closes when its last handle does. */
  acquire(node: NodeId, endpoint: NodeEndpoint, probeTimeoutMs: number): PooledNode {
    const key = JSON.stringify([
      endpoint.host,
      endpoint.port,
      endpoint.username ?? null,
      endpoint.password ?? null,
      endpoint.tls ?? null,
      probeTimeoutMs,
    ]);
    let shared = this.nodes.get(key);
    if (shared === undefined) {
      shared = this.open(node, endpoint, probeTimeoutMs);
      this.nodes.set(key, shared);
    }
    shared.users++;
    return this.handle(key, shared);
  }

  private open(node: NodeId, endpoint: NodeEndpoint, probeTimeoutMs: number): SharedNode {
    const { connectionName, logger } = this.deps;
    const connection =
      this.deps.open?.(node, endpoint, probeTimeoutMs) ??
      new NodeLink(node, endpoint, probeTimeoutMs, connectionName, logger, () => {});
    const defer = this.deps.defer ?? deferToNextTurn;
    return {
      connection,
      probe: new SameTurnCall(() => connection.probe(), defer),
      info: new SameTurnCall(() => connection.info(), defer),
      users: 0,
      started: false,
    };
  }

  private handle(key: string, shared: SharedNode): PooledNode {
    const { connection } = shared;
    let closed = false;
    return {
      start: () => {
        if (shared.started) return;
        shared.started = true;
        connection.start();
      },
      probe: () => shared.probe.request(),
      info: () => shared.info.request(),
      command: (name: string, args?: readonly (string | number)[]) => connection.command(name, args),
      transaction: (commands: readonly (readonly (string | number)[])[]): Promise<CommandResult[]> =>
        connection.transaction(commands),
      requestAcks: (everyMs: number) => connection.requestAcks(everyMs),
      close: async () => {
        if (closed) return;
        closed = true;
        shared.users--;
        if (shared.users > 0) return;
        this.nodes.delete(key);
        await connection.close();
      },
    };
  }
}
