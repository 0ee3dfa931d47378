// The agent shell: a drifting clock, probe/INFO timing, command execution, the write fence and the state file.
import type { AgentEffect, AgentInput, AgentSettings, NodeAction } from '../../agent/core/types.js';
import type { NodeId } from '../../workers/protocol/index.js';
import type { AgentPersisted } from './cores.js';
import type { Socket } from './network.js';
import type { AgentClock } from './scenario.js';
import { violate } from './violation.js';
import type { World } from './world.js';

export class AgentHost {
  alive = true;
  life = 0;
  state: unknown = null;
  disk: AgentPersisted | null = null;
  /** Inputs arriving while the process is stalled wait until this sim time. */
  stalledUntilMs = 0;
  readonly sockets: (Socket | null)[];
  private readonly connecting: boolean[];
  private readonly backoffMs: number[];
  readonly endpoint: string;

  constructor(
    readonly index: number,
    readonly settings: AgentSettings,
    private readonly clock: AgentClock,
    private readonly world: World,
  ) {
    this.endpoint = `a${index}`;
    this.sockets = new Array<Socket | null>(world.params.voters).fill(null);
    this.connecting = new Array<boolean>(world.params.voters).fill(false);
    this.backoffMs = new Array<number>(world.params.voters).fill(0);
  }

  /** This agent's monotonic clock at a sim time. */
  agentTime(simMs: number): number {
    return this.clock.offsetMs + Math.floor(simMs * this.clock.rate);
  }

  /** The first sim time at which this agent's clock reads at least `agentMs`. */
  simTimeOf(agentMs: number): number {
    let s = Math.max(0, Math.ceil((agentMs - this.clock.offsetMs) / this.clock.rate));
    while (s > 0 && this.agentTime(s - 1) >= agentMs) s--;
    while (this.agentTime(s) < agentMs) s++;
    return s;
  }

  /** Sim delay until the agent clock has advanced by `agentDelayMs`. */
  simDelay(agentDelayMs: number): number {
    const w = this.world;
    return Math.max(0, this.simTimeOf(this.agentTime(w.now) + agentDelayMs) - w.now);
  }

  start(): void {
    const w = this.world;
    this.alive = true;
    this.life++;
    this.stalledUntilMs = 0;
    this.state = w.cores.agent.createAgentState(this.settings, this.disk, this.agentTime(w.now));
    w.trace.add(w.now, `a${this.index} started (disk epoch ${this.disk?.highestEpoch ?? 'none'})`);
    const life = this.life;
    const tick = (): void => {
      if (this.life !== life) return;
      this.deliver({ kind: 'tick' });
      w.schedule(this.simDelay(this.settings.probeIntervalMs), `a${this.index} tick`, tick);
    };
    w.schedule(w.randInt(1, 20), `a${this.index} tick`, tick);
    for (let v = 0; v < this.sockets.length; v++) this.connectSoon(v, w.randInt(5, 50));
  }

  crash(): void {
    if (!this.alive) return;
    const w = this.world;
    this.alive = false;
    this.life++;
    this.state = null;
    for (const socket of this.sockets) if (socket !== null) w.closeSocket(socket, 'agent crashed');
    this.connecting.fill(false);
    w.trace.add(w.now, `a${this.index} CRASHED`);
  }

  stall(durMs: number): void {
    this.stalledUntilMs = Math.max(this.stalledUntilMs, this.world.now + durMs);
  }

  deliver(input: AgentInput): void {
    if (!this.alive) return;
    const w = this.world;
    if (w.now < this.stalledUntilMs) {
      // A stalled event loop handles everything late, in arrival order.
      const life = this.life;
      w.at(this.stalledUntilMs, `a${this.index} (stalled) ${input.kind}`, () => {
        if (this.life === life) this.deliver(input);
      });
      return;
    }
    const nowA = this.agentTime(w.now);
    let result: ReturnType<typeof w.cores.agent.stepAgent>;
    try {
      result = w.cores.agent.stepAgent(this.state, input, nowA);
    } catch (error) {
      violate('core', `stepAgent of a${this.index} threw on ${input.kind}: ${String(error)}`);
    }
    this.state = result.state;
    w.trace.detail(w.now, () => `a${this.index} ${describeInput(input)} -> ${result.reason}`);
    for (const effect of result.effects) this.apply(effect, nowA);
  }

  private apply(effect: AgentEffect, nowA: number): void {
    const w = this.world;
    switch (effect.kind) {
      case 'probe':
        this.probe(effect.node, nowA);
        return;
      case 'info':
        this.info(effect.node);
        return;
      case 'send': {
        const socket = this.sockets[effect.voter];
        if (socket === null || socket === undefined || !socket.open) {
          w.trace.detail(
            w.now,
            () => `a${this.index} send ${effect.message.kind} to v${effect.voter}: not connected`,
          );
          return;
        }
        w.sendToVoter(socket, effect.message);
        return;
      }
      case 'lease-ping': {
        const socket = this.sockets[effect.voter];
        if (socket === null || socket === undefined || !socket.open) return;
        w.leasePing(socket, nowA);
        return;
      }
      case 'execute': {
        w.invariants.onAgentExecute(
          this.index,
          effect.epoch,
          this.disk?.highestEpoch ?? 0,
          effect.action.kind,
        );
        this.execute(effect.node, effect.epoch, effect.action);
        return;
      }
      case 'fence':
        this.fence(effect.node, effect.writableUntilMs);
        return;
      case 'persist':
        if (effect.highestEpoch < (this.disk?.highestEpoch ?? 0)) {
          violate(
            '4',
            `a${this.index} persisted highest epoch ${effect.highestEpoch} below ${this.disk?.highestEpoch}`,
          );
        }
        this.disk = structuredClone({ highestEpoch: effect.highestEpoch, config: effect.config });
        return;
      case 'event':
        w.trace.add(w.now, `a${this.index} event ${effect.name} ${effect.payload}`);
        return;
    }
  }

  private probe(nodeId: NodeId, sentAtMs: number): void {
    const w = this.world;
    const node = w.nodeById(nodeId);
    const life = this.life;
    const reply = (
      delayMs: number,
      outcome: 'pong' | 'loading' | 'masterdown' | 'error' | 'timeout',
    ): void => {
      w.schedule(delayMs, `a${this.index} probe ${nodeId} ${outcome}`, () => {
        if (this.life === life) this.deliver({ kind: 'probe-result', node: nodeId, sentAtMs, outcome });
      });
    };
    if (node === undefined || !w.reach.reachable(this.endpoint, node.endpoint)) {
      reply(this.simDelay(this.settings.probeTimeoutMs), 'timeout');
      return;
    }
    reply(this.rttMs(node.index), node.probe());
  }

  private info(nodeId: NodeId): void {
    const w = this.world;
    const node = w.nodeById(nodeId);
    const life = this.life;
    const reachable = node !== undefined && w.reach.reachable(this.endpoint, node.endpoint);
    const delay = reachable ? this.rttMs(node.index) : this.simDelay(this.settings.probeTimeoutMs);
    w.schedule(delay, `a${this.index} info ${nodeId}`, () => {
      if (this.life !== life) return;
      const ok = node !== undefined && w.reach.reachable(this.endpoint, node.endpoint);
      this.deliver({ kind: 'info-result', node: nodeId, info: ok ? node.info() : null });
    });
  }

  private rttMs(nodeIndex: number): number {
    return nodeIndex === this.index ? this.world.randInt(0, 1) : this.world.randInt(1, 4);
  }

  private execute(nodeId: NodeId, epoch: number, action: NodeAction): void {
    const w = this.world;
    const node = w.nodeById(nodeId);
    const life = this.life;
    w.trace.add(
      w.now,
      `a${this.index} EXECUTE ${action.kind} on ${nodeId} at e${epoch} ${describeAction(action)}`,
    );
    const result = (delayMs: number, ok: boolean, detail: string): void => {
      w.schedule(delayMs, `a${this.index} action-result ${action.kind} ${ok ? 'ok' : 'failed'}`, () => {
        if (this.life === life)
          this.deliver({ kind: 'action-result', node: nodeId, epoch, action, ok, detail });
      });
    };
    if (node === undefined || !w.reach.reachable(this.endpoint, node.endpoint)) {
      result(this.simDelay(this.settings.probeTimeoutMs), false, 'timeout');
      return;
    }
    w.schedule(this.rttMs(node.index), `${nodeId} executes ${action.kind}`, () => {
      node.execute(action, (ok, detail) => {
        w.trace.add(w.now, `${nodeId} ${action.kind} -> ${ok ? 'ok' : 'failed'}: ${detail}`);
        w.topologyChanged();
        result(1, ok, detail);
      });
    });
  }

  /** The dead-man switch: the node itself refuses writes from the deadline on. */
  private fence(nodeId: NodeId, writableUntilMs: number | null): void {
    const w = this.world;
    const node = w.nodeById(nodeId);
    if (node === undefined || !node.alive || !w.reach.reachable(this.endpoint, node.endpoint)) return;
    if (!w.params.fencing) return;
    node.fenceAtMs = writableUntilMs === null ? null : this.simTimeOf(writableUntilMs);
    w.trace.detail(
      w.now,
      () => `${nodeId} fence ${node.fenceAtMs === null ? 'off' : `at ${node.fenceAtMs}`}`,
    );
  }

  connectSoon(voter: number, delayMs: number): void {
    if (!this.alive || this.connecting[voter] === true || this.sockets[voter] !== null) return;
    this.connecting[voter] = true;
    const w = this.world;
    const life = this.life;
    w.schedule(delayMs, `a${this.index} connect v${voter}`, () => {
      if (this.life !== life) return;
      w.tryConnect(this, voter, (ok) => {
        if (this.life !== life) return;
        this.connecting[voter] = false;
        if (ok) {
          this.backoffMs[voter] = 0;
          return;
        }
        const prev = this.backoffMs[voter] ?? 0;
        const next = Math.min(2000, prev === 0 ? 100 : prev * 2);
        this.backoffMs[voter] = next;
        this.connectSoon(voter, w.randInt(Math.floor(next / 2), next));
      });
    });
  }

  socketClosed(socket: Socket): void {
    if (this.sockets[socket.voter] !== socket) return;
    this.sockets[socket.voter] = null;
    this.deliver({ kind: 'voter-disconnected', voter: socket.voter });
    this.connectSoon(socket.voter, this.world.randInt(50, 300));
  }
}

function describeAction(action: NodeAction): string {
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

function describeInput(input: AgentInput): string {
  switch (input.kind) {
    case 'probe-result':
      return `probe ${input.node} ${input.outcome}`;
    case 'info-result':
      return `info ${input.node} ${input.info === null ? 'none' : `${input.info.role} off=${input.info.offsetBytes}`}`;
    case 'voter-message':
      return `<- v${input.voter} ${input.message.kind}${'epoch' in input.message ? ` e${input.message.epoch}` : ''}${input.message.kind === 'config' ? ` e${input.message.config.epoch} ${input.message.config.master} ${input.message.config.state}` : ''}`;
    case 'lease-pong':
      return `lease-pong v${input.voter}`;
    case 'action-result':
      return `action-result ${input.action.kind} ${input.ok}`;
    default:
      return input.kind;
  }
}
