// The shipped GroupRunner's ports on simulated I/O: node probes and INFO, commands, the state file, voter links, failsafe datagrams.
import type { AgentSettings, NodeAction, PersistedAgentState, ProbeOutcome } from '../../agent/core/index.js';
import { Executor } from '../../agent/runtime/executor.js';
import type {
  ActionOutcome,
  ActionRunner,
  NodePort,
  StateStore,
  VoterEvents,
  VoterPort,
} from '../../agent/runtime/group-ports.js';
import type { PeerAddress } from '../../agent/runtime/peer-channel.js';
import type { DatagramTransport } from '../../agent/runtime/peer-endpoint.js';
import { DEFAULT_RECONNECT, STABLE_MS } from '../../agent/runtime/voter-socket.js';
import type { AgentMessage, NodeId } from '../../workers/protocol/index.js';
import { backoffDelayMs } from '../../workers/protocol/index.js';
import type { AgentHost } from './agent-host.js';
import type { Socket } from './network.js';
import { SimNodeCommands } from './node-commands.js';
import { violate } from './violation.js';
import type { World } from './world.js';

/** PING and INFO of one node, as the agent's ioredis link answers them (a timeout when unreachable). */
export class SimNodePort implements NodePort {
  constructor(
    private readonly host: AgentHost,
    private readonly nodeId: NodeId,
    private readonly settings: AgentSettings,
  ) {}

  start(): void {}

  probe(): Promise<ProbeOutcome> {
    const { world, process } = this.host;
    const node = world.nodeById(this.nodeId);
    if (node === undefined || !world.reach.reachable(this.host.endpoint, node.endpoint)) {
      return process.reply(
        process.clock.simDelay(this.settings.probeTimeoutMs),
        `probe ${this.nodeId}`,
        () => 'timeout',
      );
    }
    const outcome = node.probe();
    return process.reply(this.host.rttMs(node.index), `probe ${this.nodeId} ${outcome}`, () => outcome);
  }

  info(): Promise<string | null> {
    const { world, process } = this.host;
    const node = world.nodeById(this.nodeId);
    const reachable = node !== undefined && world.reach.reachable(this.host.endpoint, node.endpoint);
    const delay = reachable
      ? this.host.rttMs(node.index)
      : process.clock.simDelay(this.settings.probeTimeoutMs);
    return process.reply(delay, `info ${this.nodeId}`, () =>
      node !== undefined && world.reach.reachable(this.host.endpoint, node.endpoint) ? node.infoText() : null,
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Commands on the nodes: the shipped Executor (its epoch check against the state file, REPLICAOF,
 * CLIENT KILL, FAILOVER TO and the ROLE checks after them), sending real commands to the simulated
 * nodes. Invariant 4 is checked against the disk before the Executor sees the command.
 */
export class SimExecutor implements ActionRunner {
  private readonly shipped: Executor;

  constructor(private readonly host: AgentHost) {
    const { settings, world } = host;
    this.shipped = new Executor({
      links: new Map(settings.nodes.map((node) => [node, new SimNodeCommands(host, node)])),
      clock: host.clock,
      timers: host.process.timers(),
      // Simulated hosts have no DNS: FAILOVER TO names the target as configured.
      resolve: () => Promise.resolve([]),
      persistedEpoch: () => host.runner?.durableEpoch ?? 0,
      logger: world.logger(`a${host.index}`),
      onResult: () => {},
    });
  }

  async execute(nodeId: NodeId, epoch: number, action: NodeAction): Promise<ActionOutcome> {
    const { world } = this.host;
    world.invariants.onAgentExecute(this.host.index, epoch, this.host.disk?.highestEpoch ?? 0, action.kind);
    world.trace.add(
      world.now,
      `a${this.host.index} EXECUTE ${action.kind} on ${nodeId} at e${epoch} ${describe(action)}`,
    );
    const outcome = await this.shipped.execute(nodeId, epoch, action);
    world.trace.add(
      world.now,
      `a${this.host.index} ${action.kind} -> ${outcome.ok ? 'ok' : 'failed'}: ${outcome.detail}`,
    );
    return outcome;
  }

  inFlight(): Promise<unknown>[] {
    return this.shipped.inFlight();
  }
}

/** The state file: durable a millisecond or two after the write (an fsync), or not at all if the process dies first. */
export class SimStore implements StateStore {
  constructor(private readonly host: AgentHost) {}

  write(state: PersistedAgentState): Promise<void> {
    const { world, process } = this.host;
    return process.reply(world.randInt(1, 3), 'state file written', () => {
      const before = this.host.disk?.highestEpoch ?? 0;
      if (state.highestEpoch < before) {
        violate('4', `a${this.host.index} persisted highest epoch ${state.highestEpoch} below ${before}`);
      }
      this.host.disk = structuredClone(state);
      world.trace.detail(
        world.now,
        () => `a${this.host.index} disk: e${state.highestEpoch} hold ${state.holdUntilMs}`,
      );
    });
  }
}

/**
 * One voter link with the shipped VoterSocket's timings: connect at start, and after a close or
 * a failed attempt retry with its jittered back-off (200 ms doubling to 10 s, reset after 5 s of
 * stable connection).
 */
export class SimVoterLink implements VoterPort {
  status = 'waiting';
  readonly consecutiveAuthFailures = 0;
  socket: Socket | null = null;
  private attempts = 0;
  private openedAtMs = 0;
  private connecting = false;
  private stopped = false;

  constructor(
    private readonly host: AgentHost,
    readonly voter: number,
    private readonly events: VoterEvents,
  ) {}

  start(): void {
    this.connect(0);
  }

  send(message: AgentMessage): void {
    if (this.socket?.open === true) this.host.world.sendToVoter(this.socket, message);
  }

  leasePing(sentAtMs: number): void {
    if (this.socket?.open === true) this.host.world.leasePing(this.socket, sentAtMs);
  }

  close(): Promise<void> {
    this.stopped = true;
    if (this.socket !== null) this.host.world.closeSocket(this.socket, 'agent stopping');
    return Promise.resolve();
  }

  opened(socket: Socket): void {
    this.socket = socket;
    this.status = 'open';
    this.openedAtMs = this.host.process.clock.nowMs();
    this.events.onOpen();
  }

  closed(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.status = 'waiting';
    this.events.onClose();
    if (this.host.process.clock.nowMs() - this.openedAtMs >= STABLE_MS) this.attempts = 0;
    this.retry();
  }

  message(socket: Socket, deliver: () => void): void {
    if (this.socket === socket) deliver();
  }

  private connect(delayMs: number): void {
    if (this.stopped || this.connecting || this.socket !== null) return;
    this.connecting = true;
    this.status = 'connecting';
    const host = this.host;
    host.process.timers().after(delayMs, () => {
      host.world.tryConnect(host, this.voter, (socket) => {
        this.connecting = false;
        if (socket === null) this.retry();
      });
    });
  }

  private retry(): void {
    if (this.stopped) return;
    const rng = this.host.world.rng;
    this.connect(backoffDelayMs(DEFAULT_RECONNECT, this.attempts++, () => rng.next()));
  }
}

/** Failsafe datagrams leave through the simulated network between agents. */
export class SimDatagramTransport implements DatagramTransport {
  constructor(
    private readonly world: World,
    private readonly from: number,
  ) {}

  send(to: PeerAddress, bytes: Buffer): void {
    this.world.peerNetwork.send(this.from, to, bytes);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function describe(action: NodeAction): string {
  switch (action.kind) {
    case 'promote':
      return '';
    case 'repoint':
    case 'demote':
      return `-> ${action.master}`;
    case 'handoff':
      return `-> ${action.to}`;
  }
}
