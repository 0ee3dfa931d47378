// The Redis commands the shipped Executor sends, answered by a simulated node: one round trip each,
// a timeout when the node is unreachable, `connection refused` when it is down.
import type { CommandResult, NodeCommands } from '../../agent/runtime/node-commands.js';
import { formatNodeId, type NodeId, parseNodeId } from '../../workers/protocol/index.js';
import type { AgentHost } from './agent-host.js';
import type { RedisNode } from './redis-node.js';

type Command = readonly (string | number)[];

export class SimNodeCommands implements NodeCommands {
  constructor(
    private readonly host: AgentHost,
    private readonly nodeId: NodeId,
  ) {}

  command(name: string, args: readonly (string | number)[] = []): Promise<unknown> {
    return this.roundTrip(name, (node) => this.apply(node, [name, ...args]));
  }

  transaction(commands: readonly Command[]): Promise<CommandResult[]> {
    return this.roundTrip('MULTI', (node) =>
      commands.map((command): CommandResult => {
        try {
          return { error: null, reply: this.apply(node, command) };
        } catch (error) {
          return { error: error instanceof Error ? error.message : String(error), reply: null };
        }
      }),
    );
  }

  info(): Promise<string | null> {
    return this.roundTrip('INFO', (node) => node.infoText()).catch(() => null);
  }

  /** The simulated replication acknowledges at once (a hand-off compares the logs themselves). */
  requestAcks(): () => void {
    return () => {};
  }

  /** The node applies the command when it arrives; the reply comes back a millisecond later. */
  private roundTrip<T>(label: string, apply: (node: RedisNode) => T): Promise<T> {
    const { world, process } = this.host;
    const node = world.nodeById(this.nodeId);
    return new Promise<T>((resolve, reject) => {
      if (node === undefined || !world.reach.reachable(this.host.endpoint, node.endpoint)) {
        const timeout = process.clock.simDelay(this.host.settings.probeTimeoutMs);
        process.later(timeout, `${label} timeout`, () => reject(new Error('Command timed out')));
        return;
      }
      world.schedule(this.host.rttMs(node.index), `${this.nodeId} ${label}`, () => {
        let answer: () => void;
        try {
          if (!node.alive) throw new Error('connect ECONNREFUSED');
          const value = apply(node);
          answer = () => resolve(value);
        } catch (error) {
          answer = () => reject(error);
        }
        process.later(1, `${label} reply`, answer);
      });
    });
  }

  private apply(node: RedisNode, command: Command): unknown {
    const [name, ...args] = command.map(String);
    const world = this.host.world;
    switch (name?.toUpperCase()) {
      case 'ROLE':
        return roleReply(node);
      case 'REPLICAOF':
        if (args[0]?.toUpperCase() === 'NO') node.promote();
        else node.replicaOf(formatNodeId(args[0] ?? '', Number(args[1])));
        world.trace.add(world.now, `${node.id} REPLICAOF ${args.join(' ')}`);
        world.topologyChanged();
        return 'OK';
      case 'CLIENT':
        // The simulation's clients hold no connections to kill; a pause is not used (FAILOVER is there).
        if (args[0]?.toUpperCase() === 'KILL') return 0;
        throw new Error(`ERR unsupported CLIENT ${args[0]}`);
      case 'FAILOVER':
        return this.failover(node, args);
      default:
        throw new Error(`ERR unknown command '${name}'`);
    }
  }

  /** FAILOVER TO <host> <port> TIMEOUT <ms>: OK once started, as redis answers. */
  private failover(node: RedisNode, args: readonly string[]): string {
    const world = this.host.world;
    const to = formatNodeId(args[1] ?? '', Number(args[2]));
    const refused = node.failoverTo(to, Number(args[4]), (ok, detail) => {
      world.trace.add(world.now, `${node.id} FAILOVER -> ${ok ? 'ok' : 'failed'}: ${detail}`);
      world.topologyChanged();
    });
    if (refused !== null) throw new Error(refused);
    return 'OK';
  }
}

/** ROLE as redis answers it: `master <offset> [...]` or `slave <host> <port> <state> <offset>`. */
function roleReply(node: RedisNode): unknown[] {
  if (node.role === 'master' || node.masterOf === null) return ['master', node.log.length, []];
  const { host, port } = parseNodeId(node.masterOf);
  return ['slave', host, port, node.linkUp ? 'connected' : 'connect', node.log.length];
}
