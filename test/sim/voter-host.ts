// One voter: the shipped Durable Object shell (workers/voter/step-runner.ts) on simulated time,
// storage, sockets and peers, with the invariants checked on what it persists and sends.
import type { GroupEntry } from '../../workers/config/load.js';
import type {
  AgentRecord,
  DurableState,
  VoterInput,
  VoterResult,
  VoterState,
} from '../../workers/core/types.js';
import type { AgentId, PeerMessage, VoterMessage } from '../../workers/protocol/index.js';
import type { Booted } from '../../workers/voter/booted.js';
import { zeroCounters } from '../../workers/voter/counters.js';
import { planBoot } from '../../workers/voter/restore.js';
import type { VoterRuntime } from '../../workers/voter/step-ports.js';
import { StepRunner } from '../../workers/voter/step-runner.js';
import type { WebhookHost } from '../../workers/voter/webhooks.js';
import type { Socket } from './network.js';
import { Violation, violate } from './violation.js';
import { SimVoterStorage } from './voter-storage.js';
import type { World } from './world.js';

const MAX_ALARMS_PER_SECOND = 100;

export class VoterHost {
  alive = true;
  life = 0;
  private me: Booted | null = null;
  /** Hibernated: evicted from memory with its sockets kept open (see `hibernate`). */
  private asleep = false;
  private runner: StepRunner | null = null;
  /** The voter's storage: survives crashes. */
  private readonly storage: SimVoterStorage;
  /** The disk as the current step found it: a reply must not promise more than it held or holds now. */
  private diskBefore: DurableState | null = null;
  private alarmToken = 0;
  /** Alarms in the current sim second, to catch a core that asks for an alarm every millisecond. */
  private alarmWindow = { second: -1, count: 0 };
  alarmAtMs: number | null = null;
  /** Open agent sockets, by agent index. */
  readonly sockets = new Map<number, Socket>();
  readonly endpoint: string;

  constructor(
    readonly index: number,
    private readonly world: World,
  ) {
    this.endpoint = `v${index}`;
    this.storage = new SimVoterStorage((durable) => {
      world.invariants.onVoterPersist(index, durable);
      world.onVoterPersisted(index, durable);
    });
  }

  /** The core's state in memory (null while crashed or hibernated; `read` wakes it). */
  get state(): VoterState | null {
    return this.me?.state ?? null;
  }

  /** The last persisted durable state. */
  get disk(): DurableState | null {
    return this.storage.durable;
  }

  /**
   * A real (re)start, as `planBoot` does it without open sockets: the core from its disk alone,
   * agent rows of the previous life dropped (through the injectable core, for the teeth tests).
   */
  start(): void {
    const w = this.world;
    this.alive = true;
    this.asleep = false;
    this.life++;
    const state = w.cores.voter.createVoterState(w.groupSettings, this.index, this.storage.durable, w.now);
    this.boot(state, []);
    this.storage.deleteAllAgents();
    this.check(state);
    w.trace.add(w.now, `v${this.index} started (epoch ${state.durable.committed.epoch})`);
  }

  /**
   * The runtime evicts the object but keeps its agent sockets open (hibernation): memory is gone,
   * storage and the alarm stay. The next input wakes it through the shipped `planBoot`.
   */
  hibernate(): void {
    if (!this.alive || this.asleep) return;
    this.asleep = true;
    this.me = null;
    this.runner = null;
    this.world.trace.add(this.world.now, `v${this.index} hibernated`);
  }

  /** Wakes a hibernated voter as its constructor would (an RPC, a socket event or the alarm does). */
  wake(): void {
    if (!this.alive || !this.asleep) return;
    const w = this.world;
    this.asleep = false;
    const storage = this.storage;
    const live = new Set([...this.sockets.values()].map((socket) => w.agentId(socket.agent)));
    const rows = {
      durable: storage.durable,
      volatile: () => storage.loadVolatile(),
      agents: () => [...storage.agents.values()],
    };
    const plan = planBoot(w.groupSettings, this.index, rows, live, w.now);
    this.boot(plan.state, plan.stored);
    if (plan.dropStoredAgents) storage.deleteAllAgents();
    this.check(plan.state);
    w.trace.add(
      w.now,
      `v${this.index} woke (${live.size} agent sockets open, ${plan.replay.length} to replay)`,
    );
    for (const input of plan.replay) this.step(input);
  }

  /** An RPC reads the state: it wakes a hibernated voter first. */
  read(): VoterState | null {
    this.wake();
    return this.state;
  }

  private boot(state: VoterState, stored: readonly AgentRecord[]): void {
    const entry = simGroupEntry(this.world);
    this.me = {
      entry,
      index: this.index,
      name: `${entry.name}#${this.index}`,
      state,
      hooks: NO_WEBHOOKS,
      sink: null,
    };
    this.runner = new StepRunner(this.runtime(), this.storage, zeroCounters());
    this.runner.loadedAlarm(this.alarmAtMs);
    this.runner.rememberStored(stored);
  }

  crash(): void {
    if (!this.alive) return;
    const w = this.world;
    this.alive = false;
    this.asleep = false;
    this.life++;
    this.me = null;
    this.runner = null;
    this.alarmToken++;
    this.alarmAtMs = null;
    for (const socket of [...this.sockets.values()]) w.closeSocket(socket, 'voter crashed');
    w.trace.add(w.now, `v${this.index} CRASHED`);
  }

  deliver(input: VoterInput): void {
    this.wake();
    this.step(input);
  }

  private step(input: VoterInput): void {
    const { me, runner } = this;
    if (!this.alive || me === null || runner === null) return;
    const w = this.world;
    this.diskBefore = this.storage.durable;
    let result: VoterResult;
    try {
      result = runner.run(me, input);
    } catch (error) {
      // An invariant the world checks while the runner persists or sends stops the run as itself.
      if (error instanceof Violation) throw error;
      violate('core', `stepVoter of v${this.index} threw on ${input.kind}: ${String(error)}`);
    }
    w.trace.detail(w.now, () => `v${this.index} ${describeInput(input)} -> ${result.reason}`);
    for (const effect of result.effects) {
      if (effect.kind !== 'emit') continue;
      w.trace.add(
        w.now,
        `v${this.index} event ${effect.event.name} ${effect.event.payload} (e${effect.event.epoch})`,
      );
    }
    w.invariants.onVoterStep(this.index, result.state.durable, result.state.odownSinceMs !== null);
    this.check(result.state);
  }

  /** The runtime a Durable Object gives its StepRunner, on the simulation's clock, rng and network. */
  private runtime(): VoterRuntime {
    const w = this.world;
    return {
      step: (state, input, ctx) => w.cores.voter.stepVoter(state, input, ctx),
      nowMs: () => w.now,
      random: () => w.rng.next(),
      autoResponseTimes: () => {
        const times: Record<AgentId, number> = {};
        for (const socket of this.sockets.values()) {
          if (socket.autoResponseAtMs !== null) times[w.agentId(socket.agent)] = socket.autoResponseAtMs;
        }
        return times;
      },
      sendPeer: (_me: Booted, to: number, message: PeerMessage) => {
        w.invariants.onPeerSend(this.index, to, message, this.diskBefore, this.storage.durable);
        w.sendPeer(this.index, to, message);
      },
      sendAgent: (to: AgentId, message: VoterMessage) => w.sendToAgent(this, to, message),
      setAlarm: (atMs) => this.setAlarm(atMs),
      transactionSync: (fn) => fn(),
      log: () => {},
      logError: () => {},
    };
  }

  /** An idle voter must cost nothing: alarms only while something is pending; hundreds a second is a busy loop. */
  private countAlarm(): void {
    const second = Math.floor(this.world.now / 1000);
    if (second !== this.alarmWindow.second) this.alarmWindow = { second, count: 0 };
    this.alarmWindow.count++;
    if (this.alarmWindow.count > MAX_ALARMS_PER_SECOND) {
      const role = this.state?.role.kind ?? 'down';
      violate(
        'alarm',
        `v${this.index} alarm fired ${this.alarmWindow.count} times within one second (role ${role})`,
      );
    }
  }

  private check(state: VoterState): void {
    const problems = this.world.cores.voter.checkVoterInvariants(state);
    if (problems.length > 0) violate('voter', `checkVoterInvariants(v${this.index}): ${problems.join('; ')}`);
  }

  private setAlarm(atMs: number | null): void {
    const token = ++this.alarmToken;
    this.alarmAtMs = atMs;
    if (atMs === null) return;
    const w = this.world;
    w.at(Math.max(w.now, Math.ceil(atMs)), `v${this.index} alarm`, () => {
      if (token !== this.alarmToken || !this.alive) return;
      this.alarmAtMs = null;
      this.runner?.alarmFired();
      this.countAlarm();
      this.deliver({ kind: 'alarm' });
    });
  }
}

function describeInput(input: VoterInput): string {
  switch (input.kind) {
    case 'agent-connected':
    case 'agent-disconnected':
      return `${input.kind} ${input.agentId}`;
    case 'agent-message':
      return `<- ${input.agentId} ${input.message.kind}`;
    case 'peer-message':
      return `<- v${input.from} ${input.message.kind}${'epoch' in input.message ? ` e${input.message.epoch}` : ''}`;
    case 'alarm':
      return 'alarm';
    case 'admin':
      return `admin ${input.action.kind}`;
    case 'settings-override':
      return `settings v${input.override.version}`;
  }
}

/** The simulation's group as the Worker loads it from wrangler.toml. */
function simGroupEntry(w: World): GroupEntry {
  const s = w.groupSettings;
  const definition = {
    master: s.initialMaster,
    quorum: s.quorum,
    voters: s.voters as 1 | 3 | 5,
    locationHints: [],
    downAfterMs: s.downAfterMs,
    failoverTimeoutMs: s.failoverTimeoutMs,
    parallelSyncs: s.parallelSyncs,
    masterRebootDownAfterMs: s.masterRebootDownAfterMs,
    fencing: s.fencing,
    leaseMs: s.leaseMs,
    clockDriftRatio: s.clockDriftRatio,
    restartGraceMs: s.restartGraceMs,
    agentTtlMs: s.agentTtlMs,
    freshObservationMs: s.freshObservationMs,
    electionBackoffMs: s.electionBackoffMs,
    webhooks: [],
  };
  return { name: s.name, config: definition, settings: s };
}

/** The simulation configures no webhooks: nothing is ever queued, so the outbox is never touched. */
const NO_WEBHOOKS: WebhookHost = {
  store: new Proxy({} as WebhookHost['store'], {
    get: () => () => {
      throw new Error('the simulation configures no webhooks');
    },
  }),
  counters: zeroCounters(),
  group: 'sim',
  index: 0,
  hooks: [],
  secret: () => undefined,
  transaction: (fn) => fn(),
  outboxChanged: () => {},
};
