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
export interface PooledNode extends NodePort, NodeCommands {
  /**
   * Reach the node with another endpoint from now on (the group's credentials or renamed commands
   * changed): the handle moves to the connection of that endpoint, opened (and started, if this
   * handle was) when no other group uses it yet, and leaves the old one, closed if it was the last.
   */
  retarget(endpoint: NodeEndpoint): void;
}

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
    return this.handle(node, probeTimeoutMs, this.share(node, endpoint, probeTimeoutMs));
  }

  /** The shared connection of this endpoint, one more user counted. */
  private share(
    node: NodeId,
    endpoint: NodeEndpoint,
    probeTimeoutMs: number,
  ): { key: string; shared: SharedNode } {
    const key = JSON.stringify([
      endpoint.host,
      endpoint.port,
      endpoint.username ?? null,
      endpoint.password ?? null,
      endpoint.tls ?? null,
      endpoint.renameCommands ?? null,
      probeTimeoutMs,
    ]);
    let shared = this.nodes.get(key);
    if (shared === undefined) {
      shared = this.open(node, endpoint, probeTimeoutMs);
      this.nodes.set(key, shared);
    }
    shared.users++;
    return { key, shared };
  }

  /** One user fewer; the last closes the connection. */
  private async release(key: string, shared: SharedNode): Promise<void> {
    shared.users--;
    if (shared.users > 0) return;
    if (this.nodes.get(key) === shared) this.nodes.delete(key);
    await shared.connection.close();
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

  private handle(
    node: NodeId,
    probeTimeoutMs: number,
    first: { key: string; shared: SharedNode },
  ): PooledNode {
    let current = first;
    let started = false;
    let closed = false;
    return {
      start: () => {
        started = true;
        if (current.shared.started) return;
        current.shared.started = true;
        current.shared.connection.start();
      },
      probe: () => current.shared.probe.request(),
      info: () => current.shared.info.request(),
      command: (name: string, args?: readonly (string | number)[]) =>
        current.shared.connection.command(name, args),
      transaction: (commands: readonly (readonly (string | number)[])[]): Promise<CommandResult[]> =>
        current.shared.connection.transaction(commands),
      requestAcks: (everyMs: number) => current.shared.connection.requestAcks(everyMs),
      retarget: (endpoint: NodeEndpoint) => {
        if (closed) return;
        const previous = current;
        current = this.share(node, endpoint, probeTimeoutMs);
        if (current.key === previous.key) {
          current.shared.users--;
          return;
        }
        if (started && !current.shared.started) {
          current.shared.started = true;
          current.shared.connection.start();
        }
        // A call already sent on the old connection ends there (answered, or failed as it closes).
        void this.release(previous.key, previous.shared);
      },
      close: async () => {
        if (closed) return;
        closed = true;
        await this.release(current.key, current.shared);
      },
    };
  }
}
