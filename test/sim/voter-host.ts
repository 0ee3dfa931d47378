// The voter shell, as the Durable Object will be: step the core, then persist, send, set the alarm, emit.
import type { DurableState, VoterInput, VoterState } from '../../workers/core/types.js';
import type { AgentId } from '../../workers/protocol/index.js';
import type { Socket } from './network.js';
import { violate } from './violation.js';
import type { World } from './world.js';

const MAX_ALARMS_PER_SECOND = 100;

export class VoterHost {
  alive = true;
  life = 0;
  state: VoterState | null = null;
  /** The voter's disk: a deep copy of the last persisted durable state. */
  disk: DurableState | null = null;
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
  }

  start(): void {
    const w = this.world;
    this.alive = true;
    this.life++;
    this.state = w.cores.voter.createVoterState(w.groupSettings, this.index, this.disk, w.now);
    this.check(this.state);
    w.trace.add(w.now, `v${this.index} started (epoch ${this.state.durable.committed.epoch})`);
  }

  crash(): void {
    if (!this.alive) return;
    const w = this.world;
    this.alive = false;
    this.life++;
    this.state = null;
    this.alarmToken++;
    this.alarmAtMs = null;
    for (const socket of [...this.sockets.values()]) w.closeSocket(socket, 'voter crashed');
    w.trace.add(w.now, `v${this.index} CRASHED`);
  }

  deliver(input: VoterInput): void {
    const state = this.state;
    if (!this.alive || state === null) return;
    const w = this.world;
    const autoResponseAtMs: Record<AgentId, number> = {};
    for (const socket of this.sockets.values()) {
      if (socket.autoResponseAtMs !== null)
        autoResponseAtMs[w.agentId(socket.agent)] = socket.autoResponseAtMs;
    }
    let result: ReturnType<typeof w.cores.voter.stepVoter>;
    try {
      result = w.cores.voter.stepVoter(state, input, {
        nowMs: w.now,
        rng: () => w.rng.next(),
        autoResponseAtMs,
      });
    } catch (error) {
      violate('core', `stepVoter of v${this.index} threw on ${input.kind}: ${String(error)}`);
    }
    this.state = result.state;
    w.trace.detail(w.now, () => `v${this.index} ${describeInput(input)} -> ${result.reason}`);
    const seesOdown = result.state.odownSinceMs !== null;
    const diskBefore = this.disk;
    if (result.persist !== null) {
      w.invariants.onVoterPersist(this.index, result.persist);
      this.disk = structuredClone(result.persist);
      w.onVoterPersisted(this.index, this.disk);
    }
    for (const effect of result.effects) {
      switch (effect.kind) {
        case 'send-peer':
          w.invariants.onPeerSend(this.index, effect.to, effect.message, diskBefore, this.disk);
          w.sendPeer(this.index, effect.to, effect.message);
          break;
        case 'send-agent':
          w.sendToAgent(this, effect.to, effect.message);
          break;
        case 'set-alarm':
          this.setAlarm(effect.atMs);
          break;
        case 'emit':
          w.trace.add(
            w.now,
            `v${this.index} event ${effect.event.name} ${effect.event.payload} (e${effect.event.epoch})`,
          );
          break;
      }
    }
    w.invariants.onVoterStep(this.index, result.state.durable, seesOdown);
    this.check(result.state);
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
  }
}
