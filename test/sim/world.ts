// The simulated world: virtual time, voters, agents, Redis nodes, clients and the network between them.
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { pino } from 'pino';
import type { AgentSettings } from '../../agent/core/types.js';
import type { Logger } from '../../agent/runtime/logger.js';
import { AgentMetrics } from '../../agent/runtime/metrics.js';
import type { DurableState, GroupSettings } from '../../workers/core/types.js';
import type {
  AgentMessage,
  Config,
  NodeId,
  PeerMessage,
  VoterMessage,
} from '../../workers/protocol/index.js';
import {
  decodeAgentMessage,
  decodePeerMessage,
  decodeVoterMessage,
  LEASE_PING,
  LEASE_PONG,
} from '../../workers/protocol/index.js';
import { AgentHost } from './agent-host.js';
import { Client } from './client.js';
import type { SimCores } from './cores.js';
import { EventQueue } from './event-queue.js';
import { InvariantTracker } from './invariants.js';
import type { NetConditions } from './network.js';
import { Reachability, Socket } from './network.js';
import { ParallelSyncsCheck } from './parallel-syncs.js';
import { PeerNetwork } from './peer-network.js';
import { RedisNode } from './redis-node.js';
import type { Rng } from './rng.js';
import type { SimParams } from './scenario.js';
import type { Trace } from './trace.js';
import { violate } from './violation.js';
import { VoterHost } from './voter-host.js';

export const GROUP = 'sim';

/** JSON with sorted keys, so two encodings of the same value compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
/** The `from` of a commit written back by a client's read (not a voter). */
export const CLIENT_FROM = -1;

export interface WorldStats {
  failovers: number;
  failoverDurationsMs: number[];
  /** Master fault waiting for the published master to move away from `master`. */
  pendingMasterFault: { atMs: number; master: NodeId } | null;
  messages: number;
  events: number;
}

export class World {
  now = 0;
  readonly queue = new EventQueue();
  readonly reach = new Reachability();
  conditions: NetConditions;
  readonly groupSettings: GroupSettings;
  readonly nodes: RedisNode[] = [];
  readonly voters: VoterHost[] = [];
  readonly agents: AgentHost[] = [];
  readonly clients: Client[] = [];
  readonly invariants: InvariantTracker;
  readonly parallelSyncs: ParallelSyncsCheck;
  readonly majority: number;
  readonly stats: WorldStats = {
    failovers: 0,
    failoverDurationsMs: [],
    pendingMasterFault: null,
    messages: 0,
    events: 0,
  };
  /** Highest config published by any voter, as persisted. */
  published: Config;
  private writeIds = 0;
  /** Write ids that ever reached a node besides the one that accepted them. */
  readonly replicatedWrites = new Set<number>();
  private socketIds = 0;
  private readonly nodesById = new Map<NodeId, RedisNode>();
  readonly peerNetwork: PeerNetwork;
  /**
   * Set by work that may resolve promises (the shipped agent runtime is async): the world lets the
   * microtask queue drain before the next event, so the runtime's continuations run at the same
   * virtual time, deterministically.
   */
  touchedAsync = false;
  /** A violation raised inside async runtime code (an agent's onFatal), thrown by the run loop. */
  private failure: Error | null = null;
  private readonly silent: Logger = pino({ level: 'silent' });
  /** One registry for every simulated agent: metrics decide nothing, and a registry per start is costly. */
  readonly metrics = new AgentMetrics({ defaultMetrics: false });

  constructor(
    readonly params: SimParams,
    readonly cores: SimCores,
    readonly rng: Rng,
    readonly trace: Trace,
    /** Round-trip every message through the protocol decoders (JSON + zod). */
    private readonly validateMessages: boolean,
    repliesAgainstDisk = true,
  ) {
    this.conditions = params.conditions;
    this.majority = cores.voter.majority(params.voters);
    const nodeIds = Array.from({ length: params.boxes }, (_, i) => `node-${i}.sim:6379`);
    const initialMaster = nodeIds[0] as NodeId;
    this.groupSettings = {
      name: GROUP,
      voters: params.voters,
      quorum: params.quorum,
      initialMaster,
      downAfterMs: params.downAfterMs,
      failoverTimeoutMs: params.failoverTimeoutMs,
      fencing: params.fencing,
      leaseMs: params.leaseMs,
      clockDriftRatio: 0.01,
      restartGraceMs: Math.max(2000, params.leaseMs),
      agentTtlMs: 30_000,
      freshObservationMs: 300,
      electionBackoffMs: 1000,
      parallelSyncs: params.parallelSyncs,
      masterRebootDownAfterMs: params.masterRebootDownAfterMs,
    };
    this.published = {
      epoch: 0,
      master: initialMaster,
      state: 'active',
      previousMaster: null,
      cause: 'initial',
      leader: -1,
    };
    this.invariants = new InvariantTracker(params.voters, this.majority, params.fencing, repliesAgainstDisk);
    this.parallelSyncs = new ParallelSyncsCheck(params.parallelSyncs, params.failoverTimeoutMs);
    this.peerNetwork = new PeerNetwork(this);
    const env = {
      now: () => this.now,
      schedule: (d: number, label: string, run: () => void) => this.schedule(d, label, run),
      randInt: (lo: number, hi: number) => this.randInt(lo, hi),
      reachable: (a: string, b: string) => this.reach.reachable(a, b),
      nodeById: (id: NodeId) => this.nodesById.get(id),
      trace: (text: string) => this.trace.add(this.now, text),
      replicated: (id: number) => this.replicatedWrites.add(id),
      logChanged: (node: RedisNode) => {
        for (const n of this.nodes) if (n.masterOf === node.id && n.role === 'replica') n.scheduleSync();
      },
      linkedReplicas: (master: NodeId) =>
        this.nodes.filter((n) => n.alive && n.role === 'replica' && n.masterOf === master && n.linkUp).length,
    };
    nodeIds.forEach((id, i) => {
      const node = new RedisNode(id, i, `n${i}`, params.priorities[i] ?? 100, params.fencing, env);
      this.nodes.push(node);
      this.nodesById.set(id, node);
    });
    for (const node of this.nodes) {
      if (node.id === initialMaster) node.role = 'master';
      else node.replicaOf(initialMaster);
      // The group is set up this way; it is not a move the parallel-syncs rule makes.
      node.movedTo = null;
    }
    for (let v = 0; v < params.voters; v++) this.voters.push(new VoterHost(v, this));
    nodeIds.forEach((_, i) => {
      this.agents.push(
        new AgentHost(i, this.agentSettings(i, nodeIds), params.clocks[i] ?? { rate: 1, offsetMs: 0 }, this),
      );
    });
    for (let c = 0; c < params.clients; c++) this.clients.push(new Client(c, this));
  }

  private agentSettings(i: number, nodeIds: readonly NodeId[]): AgentSettings {
    const p = this.params;
    return {
      agentId: this.agentId(i),
      group: GROUP,
      localNodes: [nodeIds[i] as NodeId],
      nodes: nodeIds,
      voterCount: p.voters,
      probeIntervalMs: p.probeIntervalMs,
      probeTimeoutMs: p.probeTimeoutMs,
      infoIntervalMs: p.infoIntervalMs,
      downAfterMs: p.downAfterMs,
      roleGraceMs: 2000,
      fencing: p.fencing,
      failsafe: p.failsafe,
      leaseMs: p.leaseMs,
      clockDriftRatio: 0.01,
      stallThresholdMs: 1000,
      handoffTimeoutMs: 2000,
      sentinel: null,
    };
  }

  start(): void {
    for (const v of this.voters) v.start();
    for (const a of this.agents) a.start();
    for (const c of this.clients) c.start();
    this.peerNetwork.start();
    const chaos = (): void => {
      const p = this.conditions.socketDropPerSecond / 10;
      if (p > 0) {
        for (const a of this.agents) {
          for (const s of a.sockets()) if (s.open && this.rng.chance(p)) this.closeSocket(s, 'dropped');
        }
      }
      this.schedule(100, 'chaos tick', chaos);
    };
    this.schedule(100, 'chaos tick', chaos);
  }

  /** A violation found inside async code: the run loop throws it after the current event. */
  fail(error: Error): void {
    this.failure ??= error;
  }

  /** The agents' and supervisors' logs: nothing, or every line into the detailed trace. */
  logger(name: string): Logger {
    if (!this.trace.detailed) return this.silent;
    return pino(
      { level: 'debug', base: { p: name }, timestamp: false },
      { write: (line: string) => this.trace.add(this.now, `${name} log ${line.trim()}`) },
    );
  }

  /** Request ids and challenges of the failsafe channels, from the seed. */
  randomHex(bytes: number): string {
    let out = '';
    for (let i = 0; i < bytes; i++) out += this.rng.int(0, 255).toString(16).padStart(2, '0');
    return out;
  }

  // ---- time and randomness ----

  schedule(delayMs: number, label: string, run: () => void): void {
    this.queue.push(this.now + Math.max(0, Math.ceil(delayMs)), label, run);
  }

  at(atMs: number, label: string, run: () => void): void {
    this.queue.push(Math.max(this.now, atMs), label, run);
  }

  randInt(lo: number, hi: number): number {
    return this.rng.int(lo, hi);
  }

  /** Runs events up to and including `untilMs`, checking the write invariant after each. */
  async runUntil(untilMs: number, stop: () => boolean = () => false): Promise<void> {
    for (;;) {
      const t = this.queue.peekTime();
      if (t === null || t > untilMs) break;
      const event = this.queue.pop();
      if (event === null) break;
      this.now = event.atMs;
      this.stats.events++;
      this.trace.add(this.now, event.label);
      event.run();
      if (this.touchedAsync) {
        this.touchedAsync = false;
        // Every promise continuation this event caused runs before the next event (no real I/O or
        // timers are pending, so one macrotask turn drains them all).
        await nextMacrotask();
      }
      if (this.failure !== null) throw this.failure;
      this.invariants.checkWritable(this.nodes, this.now);
      this.parallelSyncs.check(this.nodes, this.invariants.highestCommitted()?.master ?? null, this.now);
      this.onEvent?.();
      if (stop()) return;
    }
    this.now = Math.max(this.now, untilMs);
  }

  /** Called after every event (the failsafe liveness tracker). */
  onEvent: (() => void) | null = null;

  // ---- lookups ----

  agentId(i: number): string {
    return `agent-${i}`;
  }

  agentIndex(agentId: string): number {
    const i = Number(agentId.slice('agent-'.length));
    return Number.isInteger(i) ? i : -1;
  }

  nodeById(id: NodeId): RedisNode | undefined {
    return this.nodesById.get(id);
  }

  nextWriteId(): number {
    return ++this.writeIds;
  }

  // ---- messages ----

  private checked<T>(
    decode: (text: string) => { ok: true; message: T } | { ok: false; error: string },
    m: T,
    what: string,
  ): T {
    this.stats.messages++;
    if (!this.validateMessages) return m;
    const text = JSON.stringify(m);
    const decoded = decode(text);
    if (!decoded.ok) violate('schema', `${what} does not decode: ${decoded.error}: ${text}`);
    // zod drops unknown keys: a field the receiver would never see is schema drift too.
    if (canonical(decoded.message) !== canonical(m)) {
      violate(
        'schema',
        `${what} changes in a decode round-trip: sent ${text}, received ${JSON.stringify(decoded.message)}`,
      );
    }
    return decoded.message;
  }

  private delay(range: readonly [number, number]): number {
    return this.randInt(range[0], range[1]) + this.conditions.spikeDelayMs;
  }

  sendPeer(from: number, to: number, message: PeerMessage): void {
    const m = this.checked(decodePeerMessage, message, `peer message ${message.kind}`);
    const copies = this.rng.chance(this.conditions.peerDupRatio) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      if (this.rng.chance(this.conditions.peerDropRatio)) continue;
      const d = this.delay(this.conditions.peerDelayMs) * (i === 0 ? 1 : this.randInt(1, 20));
      this.schedule(d, `v${from} -> v${to} ${m.kind}${'epoch' in m ? ` e${m.epoch}` : ''}`, () => {
        const target = this.voters[to];
        if (target === undefined || !this.reach.reachable(`v${from}`, `v${to}`)) return;
        target.deliver({ kind: 'peer-message', from, message: m });
      });
    }
  }

  sendToAgent(voter: VoterHost, agentId: string, message: VoterMessage): void {
    const socket = voter.sockets.get(this.agentIndex(agentId));
    if (socket === undefined || !socket.open) return;
    const m = this.checked(decodeVoterMessage, message, `voter message ${message.kind}`);
    const at = socket.deliveryTime('to-agent', this.now + this.delay(this.conditions.socketDelayMs));
    this.at(at, `v${voter.index} -> a${socket.agent} ${m.kind}`, () => {
      if (!socket.open) return;
      const agent = this.agents[socket.agent];
      agent?.process.post(agent.process.life, `<- v${socket.voter} ${m.kind}`, () =>
        agent.voterMessage(socket, m),
      );
    });
  }

  sendToVoter(socket: Socket, message: AgentMessage): void {
    const m = this.checked(decodeAgentMessage, message, `agent message ${message.kind}`);
    const at = socket.deliveryTime('to-voter', this.now + this.delay(this.conditions.socketDelayMs));
    this.at(at, `a${socket.agent} -> v${socket.voter} ${m.kind}`, () => {
      if (!socket.open) return;
      this.voters[socket.voter]?.deliver({
        kind: 'agent-message',
        agentId: this.agentId(socket.agent),
        message: m,
      });
    });
  }

  /** The runtime answers a lease ping by itself and records when; the core is not woken. */
  leasePing(socket: Socket, sentAtAgentMs: number): void {
    socket.pingsInFlight.push(sentAtAgentMs);
    const at = socket.deliveryTime('to-voter', this.now + this.delay(this.conditions.socketDelayMs));
    this.at(at, `a${socket.agent} -> v${socket.voter} ${LEASE_PING}`, () => {
      if (!socket.open) return;
      socket.autoResponseAtMs = this.now;
      const back = socket.deliveryTime('to-agent', this.now + this.delay(this.conditions.socketDelayMs));
      this.at(back, `v${socket.voter} -> a${socket.agent} ${LEASE_PONG}`, () => {
        if (!socket.open) return;
        const pingSentAtMs = socket.pingsInFlight.shift();
        if (pingSentAtMs === undefined) violate('sim', 'lease pong without a ping');
        const agent = this.agents[socket.agent];
        agent?.process.post(agent.process.life, `<- v${socket.voter} pong`, () =>
          agent.leasePong(socket, pingSentAtMs),
        );
      });
    });
  }

  /** A WebSocket handshake: `done` gets the open socket, or null (refused: the agent backs off and retries). */
  tryConnect(agent: AgentHost, voterIndex: number, done: (socket: Socket | null) => void): void {
    const voter = this.voters[voterIndex];
    const ok = (): boolean =>
      voter?.alive === true && agent.alive && this.reach.reachable(agent.endpoint, `v${voterIndex}`);
    const life = agent.process.life;
    if (!ok()) {
      agent.process.later(this.randInt(1, 5), `v${voterIndex} refused`, () => done(null));
      return;
    }
    const voterLife = voter?.life;
    this.schedule(
      this.randInt(5, 30) + this.conditions.spikeDelayMs,
      `a${agent.index} handshake v${voterIndex}`,
      () => {
        if (voter === undefined || !ok() || agent.process.life !== life || voter.life !== voterLife) {
          agent.process.post(life, `v${voterIndex} handshake failed`, () => done(null));
          return;
        }
        const socket = new Socket(++this.socketIds, agent.index, voterIndex);
        socket.lastToAgentMs = this.now;
        socket.lastToVoterMs = this.now;
        voter.sockets.set(agent.index, socket);
        voter.deliver({ kind: 'agent-connected', agentId: this.agentId(agent.index) });
        agent.process.post(life, `v${voterIndex} handshake`, () => {
          done(socket);
          if (socket.open) agent.voterOpened(socket);
        });
      },
    );
  }

  closeSocket(socket: Socket, reason: string): void {
    if (!socket.open) return;
    socket.open = false;
    this.trace.add(this.now, `socket a${socket.agent}-v${socket.voter} closed: ${reason}`);
    const voter = this.voters[socket.voter];
    if (voter !== undefined && voter.sockets.get(socket.agent) === socket) {
      voter.sockets.delete(socket.agent);
      voter.deliver({ kind: 'agent-disconnected', agentId: this.agentId(socket.agent) });
    }
    this.agents[socket.agent]?.socketClosed(socket);
  }

  /**
   * After any partition, crash or role change: cut sockets across partitions, recheck replication
   * and the supervisors' connections. Agents reconnect to voters on their own back-off.
   */
  topologyChanged(): void {
    for (const a of this.agents) {
      for (const s of a.sockets()) {
        if (s.open && !this.reach.reachable(a.endpoint, `v${s.voter}`)) this.closeSocket(s, 'partitioned');
      }
    }
    for (const n of this.nodes) n.reevaluateLink();
    for (const a of this.agents) a.supervisor.topologyChanged();
  }

  // ---- clients ----

  clientToVoter(client: Client, voterIndex: number, reply: (published: Config) => void): void {
    const voter = this.voters[voterIndex];
    if (voter === undefined) return;
    const reachable = (): boolean => this.reach.reachable(client.endpoint, voter.endpoint);
    if (!reachable()) return;
    this.schedule(this.delay([2, 20]), `c${client.index} read v${voterIndex}`, () => {
      if (!voter.alive || !reachable()) return;
      const state = voter.read();
      if (state === null) return;
      const published = state.durable.published;
      this.schedule(this.delay([2, 20]), `v${voterIndex} -> c${client.index} e${published.epoch}`, () => {
        if (reachable()) reply(published);
      });
    });
  }

  clientCommit(client: Client, voterIndex: number, config: Config, reply: (published: Config) => void): void {
    const voter = this.voters[voterIndex];
    if (voter === undefined) return;
    const reachable = (): boolean => this.reach.reachable(client.endpoint, voter.endpoint);
    const message = this.checked(
      decodePeerMessage,
      { v: 1, kind: 'commit', group: GROUP, config } as const,
      'commit',
    );
    this.schedule(
      this.delay([2, 20]),
      `c${client.index} write-back e${config.epoch} -> v${voterIndex}`,
      () => {
        if (!voter.alive || !reachable()) return;
        voter.deliver({ kind: 'peer-message', from: CLIENT_FROM, message });
        const state = voter.state;
        if (state === null) return;
        const published = state.durable.published;
        this.schedule(
          this.delay([2, 20]),
          `v${voterIndex} -> c${client.index} ack e${published.epoch}`,
          () => {
            if (reachable()) reply(published);
          },
        );
      },
    );
  }

  // ---- bookkeeping ----

  onVoterPersisted(_voter: number, disk: DurableState): void {
    const next = disk.published;
    if (next.epoch <= this.published.epoch) return;
    const prev = this.published;
    this.published = next;
    if (next.master === prev.master) return;
    this.stats.failovers++;
    this.trace.add(
      this.now,
      `PUBLISHED master ${prev.master} -> ${next.master} at e${next.epoch} (${next.cause})`,
    );
    const pending = this.stats.pendingMasterFault;
    if (pending !== null && pending.master === prev.master) {
      if (next.cause === 'failover') this.stats.failoverDurationsMs.push(this.now - pending.atMs);
      this.stats.pendingMasterFault = null;
    }
  }

  /** The node the system currently intends as master: the highest published one. */
  intendedMaster(): RedisNode | undefined {
    return this.nodeById(this.published.master);
  }
}
