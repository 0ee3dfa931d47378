// The dead-man supervisor of one box, as shipped: the real FenceOwner on the box's clock, fencing its node over a simulated connection.
import {
  serveFenceMessage,
  type ToAgent,
  type ToSupervisor,
  ToSupervisorSchema,
} from '../../agent/runtime/fence-channel.js';
import { FenceOwner, type OwnedConnection } from '../../agent/runtime/fence-owner.js';
import type { Logger } from '../../agent/runtime/logger.js';
import type { RedisNode } from './redis-node.js';
import type { SimProcess } from './sim-process.js';
import { violate } from './violation.js';
import type { World } from './world.js';

/** The supervisor's connection to its box's node: CONFIG commands arrive after a local round trip. */
class SimFenceConnection implements OwnedConnection {
  private onReady: () => void = () => {};
  private wasReady = false;

  constructor(
    private readonly world: World,
    private readonly process: SimProcess,
    private readonly node: RedisNode,
    /** The box's network name: the supervisor reaches the node like the agent does. */
    private readonly endpoint: string,
  ) {}

  get ready(): boolean {
    return this.node.alive && this.world.reach.reachable(this.endpoint, this.node.endpoint);
  }

  command(name: string, args: readonly (string | number)[]): Promise<unknown> {
    const w = this.world;
    return new Promise((resolve, reject) => {
      if (!this.ready) {
        reject(new Error('Connection is closed.'));
        return;
      }
      const life = this.node.life;
      // The command travels the loopback, runs, and the reply travels back.
      w.schedule(w.randInt(0, 1), `${this.process.name} -> ${this.node.id} ${name}`, () => {
        if (!this.ready || this.node.life !== life) {
          this.process.later(0, 'fence command lost', () => reject(new Error('Connection is closed.')));
          return;
        }
        let reply: unknown;
        try {
          reply = name === 'CONFIG' ? this.node.config(args) : undefined;
        } catch (error) {
          this.process.later(w.randInt(0, 1), 'fence command failed', () => reject(error));
          return;
        }
        this.process.later(w.randInt(0, 1), 'fence command reply', () => resolve(reply));
      });
    });
  }

  start(onReady: () => void): void {
    this.onReady = onReady;
    this.refresh();
  }

  /** After a topology change: a connection that is usable again fires `onReady` (ioredis's 'ready'). */
  refresh(): void {
    const ready = this.ready;
    if (ready && !this.wasReady) {
      this.process.later(this.world.randInt(1, 5), 'fence connection ready', () => {
        if (this.ready) this.onReady();
      });
    }
    this.wasReady = ready;
  }

  close(): void {}
}

/**
 * The supervisor process of one box. It never dies in the simulation (documented as not covered:
 * supervisor and agent killed together); the agent process does, and its deadlines stay here.
 */
export class BoxSupervisor {
  readonly owner: FenceOwner;
  private readonly connections: SimFenceConnection[] = [];
  private toAgent: (message: ToAgent) => void = () => {};

  constructor(world: World, process: SimProcess, node: RedisNode, endpoint: string, logger: Logger) {
    this.owner = new FenceOwner({
      clock: process.clock,
      timers: process.timers(),
      logger,
      connect: () => {
        const connection = new SimFenceConnection(world, process, node, endpoint);
        this.connections.push(connection);
        return connection;
      },
    });
    this.owner.subscribe((n, state) => this.toAgent({ kind: 'applied', node: n, state }));
  }

  /** The agent that reports go to (the latest start of the box's agent process). */
  attach(toAgent: (message: ToAgent) => void): void {
    this.toAgent = toAgent;
  }

  /** A message from the agent over the IPC channel (JSON), validated as the supervisor does. */
  receive(message: ToSupervisor): void {
    const parsed = ToSupervisorSchema.safeParse(JSON.parse(JSON.stringify(message)));
    if (!parsed.success) violate('schema', `fence message does not decode: ${JSON.stringify(message)}`);
    const reply = serveFenceMessage(this.owner, parsed.data);
    if (reply !== null) this.toAgent(reply);
  }

  topologyChanged(): void {
    for (const connection of this.connections) connection.refresh();
  }
}
