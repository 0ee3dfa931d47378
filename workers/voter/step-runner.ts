// Applying one step of the core: persist first (one transaction), then send, record events, wake waiters, set the alarm.
import type {
  AgentRecord,
  VoterContext,
  VoterEvent,
  VoterInput,
  VoterResult,
  VoterState,
} from '../core/types.js';
import type { Config } from '../protocol/index.js';
import type { Booted } from './booted.js';
import { type Published, publishedSince } from './contract.js';
import type { MutableCounters } from './counters.js';
import { agentChangeKey, volatileOf } from './restore.js';
import type { StepStorage, VoterRuntime } from './step-ports.js';
import { Waiters } from './waiters.js';
import { deliver, enqueueWebhooks } from './webhooks.js';

export function publishedOf(me: Booted): Published {
  const config = me.state.durable.published;
  return { config, since: publishedSince(config) };
}

export class StepRunner {
  /** Long-polls of the published config, and SSE streams waiting for newer events. */
  readonly epochWaiters = new Waiters<Published>();
  readonly eventWaiters = new Waiters<number>();
  /** The alarm as set in storage, and the part of it the core asked for. */
  private alarmAtMs: number | null = null;
  private coreAlarmAtMs: number | null = null;
  /** What each agent row holds now, so a row is written only when the record really changed. */
  private readonly storedAgents = new Map<string, { key: string; leaseSeenMs: number }>();
  private storedVolatile: string | null = null;

  constructor(
    private readonly runtime: VoterRuntime,
    private readonly store: StepStorage,
    private readonly counters: MutableCounters,
  ) {}

  /** The alarm storage holds when the object is constructed. */
  loadedAlarm(alarmAtMs: number | null): void {
    this.alarmAtMs = alarmAtMs;
  }

  /** What storage holds at boot, so unchanged rows are not written again. */
  rememberStored(agents: readonly AgentRecord[]): void {
    this.storedVolatile = JSON.stringify(this.store.loadVolatile());
    for (const record of agents) {
      this.storedAgents.set(record.agentId, { key: agentChangeKey(record), leaseSeenMs: record.leaseSeenMs });
    }
  }

  /**
   * The alarm fired: storage no longer holds one, and the core, stepping the `alarm` input, forgets
   * it too (it asks again with `set-alarm` if it still wants one). Keeping the core's old time here
   * would set an alarm in the past after every alarm that leaves nothing pending: a busy loop.
   */
  alarmFired(): void {
    this.alarmAtMs = null;
    this.coreAlarmAtMs = null;
  }

  /**
   * Feeds one input to the core and applies its effects in order: persist (one transaction,
   * before anything leaves), then messages to voters and agents, then events, then the alarm.
   */
  run(me: Booted, input: VoterInput): VoterResult {
    const before = me.state;
    const { runtime } = this;
    const nowMs = runtime.nowMs();
    const ctx: VoterContext = {
      nowMs,
      rng: () => runtime.random(),
      autoResponseAtMs: runtime.autoResponseTimes(),
    };
    let result: VoterResult;
    try {
      result = runtime.step(before, input, ctx);
    } catch (error) {
      runtime.logError(`voter ${me.name}: ${input.kind} broke an invariant: ${String(error)}`);
      throw error;
    }
    me.state = result.state;
    const persisted = result.persist !== null;
    const published = result.state.durable.published;
    const publishedChanged =
      published !== before.durable.published && published.epoch > before.durable.published.epoch;
    this.transaction(() => {
      if (result.persist !== null) this.store.saveDurable(result.persist);
      this.saveAgents(before, result.state, { persisted });
      const volatile = JSON.stringify(volatileOf(result.state));
      if (volatile !== this.storedVolatile) {
        this.store.saveVolatile(volatileOf(result.state));
        this.storedVolatile = volatile;
      }
    });
    const events = this.send(me, result);
    this.record(me, events, publishedChanged ? published : null, nowMs);
    this.syncAlarm();
    if (publishedChanged) this.epochWaiters.notify(publishedOf(me));
    // Decisions worth a log line are the ones that changed durable state or produced events.
    if (persisted || events.length > 0) runtime.log(`voter ${me.name}: ${result.reason}`);
    return result;
  }

  /** Sends to voters and agents in effect order; returns the events to record. */
  private send(me: Booted, result: VoterResult): VoterEvent[] {
    const events: VoterEvent[] = [];
    for (const effect of result.effects) {
      switch (effect.kind) {
        case 'send-peer':
          this.runtime.sendPeer(me, effect.to, effect.message);
          break;
        case 'send-agent':
          this.runtime.sendAgent(effect.to, effect.message);
          break;
        case 'set-alarm':
          this.coreAlarmAtMs = effect.atMs;
          break;
        case 'emit':
          events.push(effect.event);
          break;
      }
    }
    return events;
  }

  /** `persisted`: this step wrote the durable state (renewal times are then saved with it). */
  private saveAgents(before: VoterState, after: VoterState, step: { readonly persisted: boolean }): void {
    const { persisted } = step;
    for (const [agentId, record] of Object.entries(after.agents)) {
      if (before.agents[agentId] === record && !persisted) continue;
      const key = agentChangeKey(record);
      const stored = this.storedAgents.get(agentId);
      // A lease renewal alone is not worth a row, except when the durable state changes: that is
      // when renewals freeze (an epoch was promised), and a wake-up must get the frozen value back.
      if (stored?.key === key && (!persisted || stored.leaseSeenMs === record.leaseSeenMs)) continue;
      this.store.saveAgent(record);
      this.storedAgents.set(agentId, { key, leaseSeenMs: record.leaseSeenMs });
    }
    for (const agentId of [...this.storedAgents.keys()]) {
      if (after.agents[agentId] !== undefined) continue;
      this.store.deleteAgent(agentId);
      this.storedAgents.delete(agentId);
    }
  }

  /** Events: stored rows, waiting streams woken, webhook deliveries (first attempt at once), the Upstash mirror. */
  private record(me: Booted, events: readonly VoterEvent[], published: Config | null, nowMs: number): void {
    if (events.length === 0 && published === null) return;
    const stored = events.length === 0 ? [] : this.storeEvents(me, events, nowMs);
    const last = stored[stored.length - 1];
    if (last !== undefined) this.eventWaiters.notify(last.event.id);
    void me.sink?.mirror(
      published,
      stored.map((s) => s.event),
    );
    const rows = stored.flatMap((s) => s.rows);
    if (rows.length > 0) {
      deliver(me.hooks, rows).catch((error: unknown) => console.error(`webhooks: ${String(error)}`));
    }
  }

  private storeEvents(me: Booted, events: readonly VoterEvent[], nowMs: number) {
    const stored: {
      event: ReturnType<StepStorage['insertEvent']>;
      rows: ReturnType<typeof enqueueWebhooks>;
    }[] = [];
    this.transaction(() => {
      for (const event of events) {
        const row = this.store.insertEvent(event, nowMs);
        stored.push({ event: row, rows: enqueueWebhooks(me.hooks, [row], nowMs) });
      }
      const last = stored[stored.length - 1];
      if (last !== undefined) this.store.trimEvents(last.event.id);
    });
    return stored;
  }

  /** The single alarm: the earliest of the core's next decision and the next webhook retry. */
  syncAlarm(): void {
    const webhookAt = this.store.earliestWebhookAt();
    const times = [this.coreAlarmAtMs, webhookAt].filter((t): t is number => t !== null);
    const desired = times.length === 0 ? null : Math.min(...times);
    if (desired === this.alarmAtMs) return;
    this.alarmAtMs = desired;
    this.runtime.setAlarm(desired);
  }

  /** One storage transaction; the counters are saved with it when it wrote anything. */
  transaction(fn: () => void): void {
    this.runtime.transactionSync(() => {
      const before = this.counters.rowsWritten;
      fn();
      if (this.counters.rowsWritten > before) this.store.saveCounters();
    });
  }
}
