// One box's agent process, as shipped: the real GroupRunner, fence channel and failsafe endpoint on simulated I/O, beside its supervisor.
import type { AgentSettings, PersistedAgentState } from '../../agent/core/index.js';
import { ChannelFence, type ToAgent, type ToSupervisor } from '../../agent/runtime/fence-channel.js';
import { GroupRunner } from '../../agent/runtime/group-runner.js';
import { type PeerAddress, PeerChannel } from '../../agent/runtime/peer-channel.js';
import { PeerEndpoint } from '../../agent/runtime/peer-endpoint.js';
import type { NodeId, VoterMessage } from '../../workers/protocol/index.js';
import { SimDatagramTransport, SimExecutor, SimNodePort, SimStore, SimVoterLink } from './agent-ports.js';
import { BoxSupervisor } from './box-supervisor.js';
import type { Socket } from './network.js';
import type { AgentClock } from './scenario.js';
import { BoxClock, SimProcess } from './sim-process.js';
import { violate } from './violation.js';
import type { World } from './world.js';

/** Every agent of the simulation shares this failsafe secret. */
const FAILSAFE_SECRET = 'simulated-failsafe-secret-0123456789';
/** The failsafe port every agent listens on (on its own box's address `a<i>`). */
export const FAILSAFE_PORT = 26379;

export class AgentHost {
  readonly endpoint: string;
  readonly clock: BoxClock;
  /** The agent process: dies, restarts and stalls with the faults. */
  readonly process: SimProcess;
  /** The supervisor's process: it never dies or stalls here; it outlives the agent's deaths. */
  readonly supervisorProcess: SimProcess;
  readonly supervisor: BoxSupervisor;
  /** The state file: survives the agent's deaths. */
  disk: PersistedAgentState | null = null;
  runner: GroupRunner | null = null;
  private links: SimVoterLink[] = [];
  private peers: PeerEndpoint | null = null;
  private fence: ChannelFence | null = null;
  /** IPC is a pipe: in order each way (the last delivery time, per direction). */
  private ipcToSupervisorAtMs = 0;
  private ipcToAgentAtMs = 0;

  constructor(
    readonly index: number,
    readonly settings: AgentSettings,
    clock: AgentClock,
    readonly world: World,
  ) {
    this.endpoint = `a${index}`;
    this.clock = new BoxClock(world, clock);
    this.process = new SimProcess(world, `a${index}`, this.clock);
    this.supervisorProcess = new SimProcess(world, `s${index}`, this.clock);
    this.supervisorProcess.start();
    const node = world.nodeById(settings.localNodes[0] as NodeId);
    if (node === undefined) throw new Error(`a${index} has no local node`);
    // The supervisor has its own connection to the node: a fault that cuts the agent's (a killed
    // connection, maxclients) leaves it; a partition of the box cuts both.
    this.supervisor = new BoxSupervisor(
      world,
      this.supervisorProcess,
      node,
      `s${index}`,
      world.logger(`s${index}`),
    );
  }

  get alive(): boolean {
    return this.process.alive;
  }

  start(): void {
    const w = this.world;
    this.process.start();
    const life = this.process.life;
    w.trace.add(
      w.now,
      `a${this.index} started (disk epoch ${this.disk?.highestEpoch ?? 'none'}, hold ${this.disk?.holdUntilMs ?? 'none'})`,
    );
    const fence = new ChannelFence(
      (message) => this.toSupervisor(message),
      this.clock,
      this.process.timers(),
    );
    this.fence = fence;
    this.supervisor.attach((message) => this.toAgent(life, message));
    this.links = [];
    // As startAgent does: the groups start once the supervisor said what it still enforces.
    const target = {
      node: this.settings.localNodes[0] as NodeId,
      host: 'sim',
      port: 6379,
      minReplicasToWrite: 0,
    };
    void fence.configure([target]).then((inherited) => {
      if (this.process.life === life) this.launch(fence, inherited.get(target.node) ?? null);
    });
  }

  private launch(fence: ChannelFence, inheritedFence: number | null): void {
    const w = this.world;
    const peers = this.settings.failsafe
      ? new PeerEndpoint(FAILSAFE_SECRET, this.clock, w.logger(`a${this.index}`))
      : null;
    peers?.attach(new SimDatagramTransport(w, this.index));
    this.peers = peers;
    const nodes = new Map(
      this.settings.nodes.map((node) => [node, new SimNodePort(this, node, this.settings)]),
    );
    const runner = new GroupRunner({
      core: w.cores.agent,
      settings: this.settings,
      persisted: this.disk,
      clock: this.clock,
      timers: this.process.timers(),
      logger: w.logger(`a${this.index}`),
      metrics: w.metrics,
      nodes,
      executor: new SimExecutor(this),
      fence,
      inheritedFence,
      store: new SimStore(this),
      openVoter: (voter, events) => {
        const link = new SimVoterLink(this, voter, events);
        this.links[voter] = link;
        return link;
      },
      openPeers: (onInput) => {
        if (peers === null) return null;
        const local = this.settings.localNodes[0] as NodeId;
        const channel = new PeerChannel({
          group: this.settings.group,
          localNode: local,
          peers: peerAddresses(this.settings, w),
          send: (to, message) => peers.send(to, message),
          randomHex: (bytes) => w.randomHex(bytes),
          logger: w.logger(`a${this.index}`),
          onInput,
        });
        peers.register(this.settings.group, local, channel);
        return channel;
      },
      onEvent: (event) => w.trace.add(w.now, `a${this.index} event ${event.name} ${event.payload}`),
      onFatal: (error) => w.fail(violationOf(`a${this.index}`, error)),
    });
    this.runner = runner;
    runner.start();
  }

  /** SIGKILL of the agent process: its sockets close, its pending work is lost; the supervisor stays. */
  crash(): void {
    if (!this.process.alive) return;
    const w = this.world;
    this.process.die();
    this.runner = null;
    this.peers = null;
    this.fence = null;
    for (const link of this.links) if (link.socket !== null) w.closeSocket(link.socket, 'agent crashed');
    this.links = [];
    w.trace.add(w.now, `a${this.index} CRASHED`);
  }

  stall(durMs: number): void {
    this.process.stall(durMs);
  }

  /** The open voter sockets of the running agent process. */
  sockets(): Socket[] {
    return this.links.flatMap((link) => (link?.socket === null || link === undefined ? [] : [link.socket]));
  }

  /** A round trip to a node: on the box (the agent's own node) or across the LAN. */
  rttMs(nodeIndex: number): number {
    return nodeIndex === this.index ? this.world.randInt(0, 1) : this.world.randInt(1, 4);
  }

  // ---- called by the world ----

  voterOpened(socket: Socket): void {
    const link = this.links[socket.voter];
    if (link === undefined) return;
    this.process.later(0, `voter ${socket.voter} open`, () => link.opened(socket));
  }

  socketClosed(socket: Socket): void {
    const link = this.links[socket.voter];
    if (link === undefined) return;
    this.process.later(0, `voter ${socket.voter} closed`, () => link.closed(socket));
  }

  voterMessage(socket: Socket, message: VoterMessage): void {
    const link = this.links[socket.voter];
    link?.message(socket, () =>
      this.runner?.enqueue({ kind: 'voter-message', voter: socket.voter, message }),
    );
  }

  leasePong(socket: Socket, pingSentAtMs: number): void {
    const link = this.links[socket.voter];
    link?.message(socket, () =>
      this.runner?.enqueue({ kind: 'lease-pong', voter: socket.voter, pingSentAtMs }),
    );
  }

  /** A failsafe datagram for this box's agent (the process must be up to receive it). */
  datagram(bytes: Buffer): void {
    const peers = this.peers;
    if (peers === null) return;
    this.process.later(0, 'failsafe datagram', () => {
      if (this.peers === peers) peers.receive(bytes);
    });
  }

  private toSupervisor(message: ToSupervisor): void {
    const w = this.world;
    this.ipcToSupervisorAtMs = Math.max(this.ipcToSupervisorAtMs, w.now + w.randInt(0, 1));
    // Bytes written to the pipe reach the supervisor even if the agent dies right after.
    w.at(this.ipcToSupervisorAtMs, `a${this.index} -> s${this.index} ${message.kind}`, () => {
      w.touchedAsync = true;
      this.supervisor.receive(message);
    });
  }

  private toAgent(life: number, message: ToAgent): void {
    const w = this.world;
    this.ipcToAgentAtMs = Math.max(this.ipcToAgentAtMs, w.now + w.randInt(0, 1));
    w.at(this.ipcToAgentAtMs, `s${this.index} -> a${this.index} ${message.kind}`, () => {
      this.process.post(life, message.kind, () => {
        if (message.kind !== 'stop') this.fence?.receive(message);
      });
    });
  }
}

/** Every other node's agent, at its box's failsafe address. */
export function peerAddresses(settings: AgentSettings, world: World): Map<NodeId, PeerAddress> {
  const peers = new Map<NodeId, PeerAddress>();
  for (const node of settings.nodes) {
    if (settings.localNodes.includes(node)) continue;
    const box = world.nodeById(node)?.index;
    if (box !== undefined) peers.set(node, { host: `a${box}`, port: FAILSAFE_PORT });
  }
  return peers;
}

function violationOf(who: string, error: unknown): Error {
  try {
    violate('core', `${who}'s core broke an invariant: ${String(error)}`);
  } catch (violation) {
    return violation as Error;
  }
}
