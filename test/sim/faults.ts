// Injecting the scenario's faults into the world, and healing everything before convergence.
import type { RedisNode } from './redis-node.js';
import type { Fault, Target } from './scenario.js';
import type { World } from './world.js';

/** Open handles (partitions, cuts) and pending heals, so `healAll` can undo everything. */
export class FaultInjector {
  private readonly handles = new Set<number>();
  /** Handles healed together with the one `hold` tracks (a cut from several endpoints). */
  private readonly grouped = new Map<number, number[]>();
  private spikeToken = 0;
  paused = false;

  constructor(private readonly world: World) {}

  /** The master right now: the published one if alive, else any live node in the master role. */
  private resolveNode(target: Target): RedisNode | undefined {
    const w = this.world;
    const master = w.intendedMaster();
    if (target === 'master')
      return master?.alive ? master : w.nodes.find((n) => n.alive && n.role === 'master');
    const replicas = w.nodes.filter((n) => n !== master && n.alive);
    return replicas.length === 0 ? undefined : w.rng.pick(replicas);
  }

  private noteMasterFault(node: RedisNode): void {
    const w = this.world;
    if (node.id === w.published.master && w.stats.pendingMasterFault === null) {
      w.stats.pendingMasterFault = { atMs: w.now, master: node.id };
    }
  }

  inject(fault: Fault): void {
    const w = this.world;
    w.trace.add(w.now, `FAULT ${JSON.stringify(fault).slice(0, 160)}`);
    switch (fault.kind) {
      case 'kill-node': {
        const node = this.resolveNode(fault.target);
        if (node === undefined) return;
        this.noteMasterFault(node);
        node.crash();
        w.trace.add(w.now, `${node.id} KILLED`);
        w.topologyChanged();
        const life = node.life;
        w.schedule(fault.downMs, `${node.id} restart`, () => {
          if (node.life !== life) return;
          node.restart(fault.restart);
          w.topologyChanged();
        });
        return;
      }
      case 'isolate-box': {
        const node = this.resolveNode(fault.target);
        if (node === undefined) return;
        this.noteMasterFault(node);
        // The whole box: its node, its agent and its supervisor.
        const side = [node.endpoint, `a${node.index}`, `s${node.index}`];
        for (let c = 0; c < fault.clients && c < w.clients.length; c++) side.push(`c${c}`);
        w.trace.add(w.now, `isolating {${side.join(',')}}`);
        this.hold(w.reach.partition(side), fault.durMs);
        return;
      }
      case 'cut-agent-node': {
        const agentNode = this.resolveNode(fault.agent);
        const node = this.resolveNode(fault.node);
        if (agentNode === undefined || node === undefined) return;
        this.hold(w.reach.cut(`a${agentNode.index}`, node.endpoint), fault.durMs);
        return;
      }
      case 'partition-voters': {
        const count = fault.size === 'minority' ? w.majority - 1 : w.majority;
        if (count === 0) return;
        const side = w.rng.shuffled(w.voters.map((v) => v.endpoint)).slice(0, count);
        const master = this.resolveNode('master');
        if (fault.withMasterBox && master !== undefined) {
          side.push(master.endpoint, `a${master.index}`, `s${master.index}`);
          if (fault.size === 'minority') this.noteMasterFault(master);
        }
        for (let c = 0; c < fault.clients && c < w.clients.length; c++) side.push(`c${c}`);
        w.trace.add(w.now, `partitioning {${side.join(',')}}`);
        this.hold(w.reach.partition(side), fault.durMs);
        return;
      }
      case 'crash-voter': {
        const voter = w.voters[fault.voter];
        if (voter === undefined || !voter.alive) return;
        voter.crash();
        const life = voter.life;
        w.schedule(fault.downMs, `v${voter.index} restart`, () => {
          if (voter.life === life) voter.start();
        });
        return;
      }
      case 'hibernate-voter':
        w.voters[fault.voter]?.hibernate();
        return;
      case 'crash-agent': {
        const node = this.resolveNode(fault.target);
        const agent = node === undefined ? undefined : w.agents[node.index];
        if (agent !== undefined) this.crashAgent(agent.index, fault.downMs);
        return;
      }
      case 'stall-agent': {
        const node = this.resolveNode(fault.target);
        const agent = node === undefined ? undefined : w.agents[node.index];
        if (agent !== undefined) agent.stall(fault.durMs);
        return;
      }
      case 'net-spike': {
        const token = ++this.spikeToken;
        w.conditions = fault.conditions;
        w.schedule(fault.durMs, 'net spike ends', () => {
          if (token === this.spikeToken) w.conditions = w.params.conditions;
        });
        return;
      }
      case 'drop-sockets':
        for (const a of w.agents) {
          for (const s of a.sockets()) if (s.open && w.rng.chance(fault.ratio)) w.closeSocket(s, 'dropped');
        }
        return;
      case 'coordinator-outage': {
        const side = w.voters.map((v) => v.endpoint);
        w.trace.add(w.now, `coordinator outage: {${side.join(',')}} unreachable`);
        this.hold(w.reach.partition(side), fault.durMs);
        return;
      }
      case 'cut-agent-voters': {
        const node = this.resolveNode(fault.target);
        if (node === undefined) return;
        this.hold(
          this.cutAll(
            `a${node.index}`,
            w.voters.map((v) => v.endpoint),
          ),
          fault.durMs,
        );
        return;
      }
      case 'cut-peers': {
        const node = this.resolveNode(fault.target);
        if (node === undefined) return;
        const others = w.agents.filter((a) => a.index !== node.index).map((a) => a.endpoint);
        this.hold(this.cutAll(`a${node.index}`, others), fault.durMs);
        return;
      }
      case 'peer-loss': {
        const token = ++this.spikeToken;
        w.conditions = {
          ...w.conditions,
          failsafeDropRatio: fault.dropRatio,
          failsafeDupRatio: fault.dropRatio / 2,
          failsafeDelayMs: [1, fault.delayMs],
        };
        w.schedule(fault.durMs, 'failsafe loss ends', () => {
          if (token === this.spikeToken) w.conditions = w.params.conditions;
        });
        return;
      }
      case 'failsafe-drill':
        this.failsafeDrill(fault.downMs, fault.durMs);
        return;
      case 'admin':
        this.admin(fault.action, fault.toReplica);
        return;
    }
  }

  /**
   * Failover and switchover go to one voter (the edge API routes the request to one); pause and
   * resume go to every live voter, since `paused` is each voter's own durable state (FINDINGS #8).
   */
  private admin(action: 'failover' | 'switchover' | 'pause' | 'resume', toReplica: boolean): void {
    const w = this.world;
    const live = w.voters.filter((v) => v.alive);
    if (live.length === 0) return;
    if (action === 'pause' || action === 'resume') {
      this.paused = action === 'pause';
      for (const v of live) v.deliver({ kind: 'admin', action: { kind: action } });
      return;
    }
    const target = toReplica ? (this.resolveNode('replica')?.id ?? null) : null;
    // Half the switchovers carry the operator's FAILOVER TIMEOUT, half leave it to the agents.
    const requested =
      action === 'failover'
        ? ({ kind: action, target } as const)
        : ({ kind: action, target, timeoutMs: w.rng.chance(0.5) ? w.rng.int(500, 4000) : null } as const);
    w.rng.pick(live).deliver({ kind: 'admin', action: requested });
  }

  /** Cuts `from` from each of `to`; one handle heals them all. */
  private cutAll(from: string, to: readonly string[]): number {
    const w = this.world;
    const handles = to.map((endpoint) => w.reach.cut(from, endpoint));
    const [first, ...rest] = handles;
    if (first === undefined) return w.reach.cut(from, from);
    this.grouped.set(first, rest);
    return first;
  }

  private crashAgent(index: number, downMs: number): void {
    const w = this.world;
    const agent = w.agents[index];
    if (agent === undefined || !agent.alive) return;
    agent.crash();
    const life = agent.process.life;
    w.schedule(downMs, `a${agent.index} restart`, () => {
      if (agent.process.life === life) agent.start();
    });
  }

  /**
   * The master's agent loses the voters and writes on its peers' grants; a replica's agent
   * crashes and comes back at once; an operator fails over to that replica. Its restarted agent
   * must still honour the grant it gave before the crash (persisted), or two nodes write at once.
   */
  private failsafeDrill(downMs: number, durMs: number): void {
    const w = this.world;
    const master = this.resolveNode('master');
    if (master === undefined) return;
    this.hold(
      this.cutAll(
        `a${master.index}`,
        w.voters.map((v) => v.endpoint),
      ),
      durMs,
    );
    const leaseMs = w.params.leaseMs;
    const replicas = w.nodes.filter((n) => n !== master && n.alive);
    if (replicas.length === 0) return;
    const replica = w.rng.pick(replicas);
    // By then the master's voters' lease is gone and it writes on grants.
    w.schedule(leaseMs + w.randInt(100, 500), `drill: crash a${replica.index}`, () => {
      this.crashAgent(replica.index, downMs);
      w.schedule(downMs + w.randInt(5, 200), `drill: failover to ${replica.id}`, () => {
        const live = w.voters.filter((v) => v.alive);
        if (live.length === 0) return;
        w.rng.pick(live).deliver({ kind: 'admin', action: { kind: 'failover', target: replica.id } });
      });
    });
  }

  private hold(handle: number, durMs: number): void {
    const w = this.world;
    this.handles.add(handle);
    w.topologyChanged();
    w.schedule(durMs, 'heal', () => {
      if (!this.handles.delete(handle)) return;
      w.reach.heal(handle);
      for (const other of this.grouped.get(handle) ?? []) w.reach.heal(other);
      this.grouped.delete(handle);
      w.topologyChanged();
    });
  }

  /** The end of the fault phase: everything heals, restarts, and an operator resumes a paused group. */
  healAll(): void {
    const w = this.world;
    w.trace.add(w.now, 'HEAL ALL');
    this.handles.clear();
    this.grouped.clear();
    w.reach.healAll();
    this.spikeToken++;
    w.conditions = w.params.conditions;
    for (const v of w.voters) {
      if (!v.alive) v.start();
      v.wake();
    }
    for (const a of w.agents) {
      if (!a.alive) a.start();
      a.process.stalledUntilMs = Math.min(a.process.stalledUntilMs, w.now);
    }
    for (const n of w.nodes) if (!n.alive) n.restart('data');
    w.topologyChanged();
    if (this.paused) {
      this.paused = false;
      for (const v of w.voters) v.deliver({ kind: 'admin', action: { kind: 'resume' } });
    }
  }
}
