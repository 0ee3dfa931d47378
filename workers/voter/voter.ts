// The voter Durable Object: a thin shell that loads state, steps the pure core, persists, then sends.
import { DurableObject } from 'cloudflare:workers';
import { type GroupEntry, type LoadedGroups, loadGroups } from '../config/load.js';
import { createVoterState, stepVoter } from '../core/index.js';
import type { VoterContext, VoterEvent, VoterInput, VoterResult, VoterState } from '../core/types.js';
import type { Env } from '../env.js';
import {
  AgentIdSchema,
  type AgentMessage,
  type Config,
  ConfigSchema,
  decodeAgentMessage,
  describeIssues,
  LEASE_PING,
  LEASE_PONG,
  type PeerMessage,
  PeerMessageSchema,
  VoterIndexSchema,
  type VoterMessage,
} from '../protocol/index.js';
import { AdminActionSchema, adminOutcome, precheckAdmin } from './admin.js';
import { errorNotice, refuseAgentMessage } from './agent-gate.js';
import {
  type AdminResult,
  type EventsPage,
  type VoterAddress,
  type VoterRpc,
  type VoterStatus,
  voterName,
} from './contract.js';
import { type MutableCounters, zeroCounters } from './counters.js';
import { agentChangeKey, restoreAfterHibernation, volatileOf } from './restore.js';
import { type Attachment, AttachmentSchema } from './schemas.js';
import { type Identity, VoterStore } from './store.js';
import { UpstashSink } from './upstash-sink.js';
import { EpochWaiters } from './waiters.js';
import { deliver, deliverDue, enqueueWebhooks, type WebhookHost } from './webhooks.js';

/** Headers of an agent's WebSocket upgrade, set by the Worker after it authenticated the agent. */
export const GROUP_HEADER = 'x-edge-sentinel-group';
export const VOTER_HEADER = 'x-edge-sentinel-voter';
export const AGENT_HEADER = 'x-edge-sentinel-agent';
export const MAX_EVENTS_PAGE = 1_000;

const agentTag = (agentId: string) => `agent:${agentId}`;

function randomUnit(): number {
  return (crypto.getRandomValues(new Uint32Array(1))[0] ?? 0) / 2 ** 32;
}

function attachmentOf(ws: WebSocket): Attachment | null {
  const parsed = AttachmentSchema.safeParse(ws.deserializeAttachment());
  return parsed.success ? parsed.data : null;
}

function jsonError(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

/** Errors thrown to callers start with a code the API maps to a status. */
function fail(code: 'bad_config' | 'bad_request' | 'wrong_voter' | 'unknown_voter', message: string): Error {
  return new Error(`${code}: ${message}`);
}

interface Booted {
  readonly entry: GroupEntry;
  readonly index: number;
  readonly name: string;
  state: VoterState;
  readonly hooks: WebhookHost;
  readonly sink: UpstashSink | null;
}

export class Voter extends DurableObject<Env> implements VoterRpc {
  private readonly counters: MutableCounters = zeroCounters();
  private readonly store: VoterStore;
  private readonly waiters = new EpochWaiters();
  private readonly groups: LoadedGroups;
  private me: Booted | null = null;
  private bootError: string | null = null;
  /** The alarm as set in storage, and the part of it the core asked for. */
  private alarmAtMs: number | null = null;
  private coreAlarmAtMs: number | null = null;
  /** What each agent row holds now, so a row is written only when the record really changed. */
  private readonly storedAgents = new Map<string, { key: string; leaseSeenMs: number }>();
  private storedVolatile: string | null = null;
  private readonly peers = new Map<number, DurableObjectStub<Voter>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new VoterStore(ctx.storage.sql, this.counters);
    // Lease pings are answered by the runtime itself, so they never wake a hibernated voter.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(LEASE_PING, LEASE_PONG));
    this.groups = loadGroups(env);
    void ctx.blockConcurrencyWhile(async () => {
      this.store.migrate();
      Object.assign(this.counters, this.store.loadCounters());
      this.alarmAtMs = await ctx.storage.getAlarm();
      const identity = this.store.identity();
      if (identity === null || !this.groups.ok) return;
      try {
        this.boot(identity);
      } catch (error) {
        this.bootError = error instanceof Error ? error.message : String(error);
        console.error(`voter ${identity.group}#${identity.index} cannot start: ${this.bootError}`);
      }
    });
  }

  // ---- identity and state --------------------------------------------------------------------

  private ready(address: VoterAddress | null): Booted {
    if (!this.groups.ok) throw fail('bad_config', this.groups.error);
    if (this.bootError !== null) throw new Error(this.bootError);
    if (this.me === null) {
      if (address === null) throw fail('unknown_voter', 'this voter has not been addressed yet');
      const entry = this.groups.groups.get(address.group);
      if (entry === undefined) throw fail('unknown_voter', `group ${address.group} is not configured`);
      if (!Number.isInteger(address.index) || address.index < 0 || address.index >= entry.settings.voters) {
        throw fail('unknown_voter', `group ${address.group} has no voter ${address.index}`);
      }
      const identity = { group: address.group, index: address.index };
      this.transaction(() => this.store.saveIdentity(identity));
      this.boot(identity);
    }
    const me = this.me;
    if (me === null) throw fail('unknown_voter', 'voter failed to start');
    if (address !== null && (address.group !== me.entry.name || address.index !== me.index)) {
      throw fail('wrong_voter', `this object is voter ${me.name}, not ${voterName(address)}`);
    }
    return me;
  }

  /** See restore.ts for why a wake-up from hibernation is not treated as a restart. */
  private boot(identity: Identity): void {
    if (!this.groups.ok) return;
    const entry = this.groups.groups.get(identity.group);
    if (entry === undefined) throw fail('bad_config', `GROUPS.${identity.group}: this voter's group is gone`);
    if (identity.index >= entry.settings.voters) {
      throw fail('bad_config', `GROUPS.${identity.group}.voters: voter ${identity.index} no longer exists`);
    }
    const durable = this.store.loadDurable();
    const liveAgents = new Set<string>();
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = attachmentOf(ws);
      if (attachment !== null) liveAgents.add(attachment.agentId);
    }
    const nowMs = Date.now();
    const name = voterName(identity);
    const me: Booted = {
      entry,
      index: identity.index,
      name,
      state: createVoterState(entry.settings, identity.index, durable, nowMs),
      hooks: this.webhookHost(entry, identity.index),
      sink: this.upstashSink(entry, identity.index),
    };
    this.me = me;
    this.storedVolatile = JSON.stringify(this.store.loadVolatile());
    if (liveAgents.size === 0) {
      // A real (re)start: agent rows of the previous life describe connections that are gone.
      if (this.store.agentCount() > 0) this.transaction(() => this.store.deleteAllAgents());
      return;
    }
    const stored = this.store.loadAgents();
    for (const record of stored) {
      this.storedAgents.set(record.agentId, { key: agentChangeKey(record), leaseSeenMs: record.leaseSeenMs });
    }
    const restored = restoreAfterHibernation(
      entry.settings,
      identity.index,
      durable,
      this.store.loadVolatile(),
      stored,
      liveAgents,
      nowMs,
    );
    me.state = restored.state;
    for (const agentId of restored.gone) this.run(me, { kind: 'agent-disconnected', agentId });
    for (const agentId of restored.unknown) this.run(me, { kind: 'agent-connected', agentId });
  }

  private webhookHost(entry: GroupEntry, index: number): WebhookHost {
    return {
      store: this.store,
      counters: this.counters,
      group: entry.name,
      index,
      hooks: entry.config.webhooks,
      secret: (name) => {
        const value: unknown = this.env[name];
        return typeof value === 'string' ? value : undefined;
      },
      transaction: (fn) => this.transaction(fn),
      outboxChanged: () => this.syncAlarm(),
    };
  }

  private upstashSink(entry: GroupEntry, index: number): UpstashSink | null {
    const config = entry.config.upstash;
    if (config === undefined) return null;
    const token: unknown = this.env[config.tokenSecretName];
    if (typeof token !== 'string' || token === '') {
      console.error(
        `upstash sink of ${entry.name}: secret ${config.tokenSecretName} is not set; sink disabled`,
      );
      return null;
    }
    return new UpstashSink(entry.name, index, config, token, this.counters);
  }

  /** One storage transaction; the counters are saved with it when it wrote anything. */
  private transaction(fn: () => void): void {
    this.ctx.storage.transactionSync(() => {
      const before = this.counters.rowsWritten;
      fn();
      if (this.counters.rowsWritten > before) this.store.saveCounters();
    });
  }

  // ---- one step of the core ------------------------------------------------------------------

  private autoResponses(): Record<string, number> {
    const times: Record<string, number> = {};
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = attachmentOf(ws);
      const at = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime();
      if (attachment === null || at === undefined) continue;
      times[attachment.agentId] = Math.max(times[attachment.agentId] ?? 0, at);
    }
    return times;
  }

  /**
   * Feeds one input to the core and applies its effects in order: persist (one transaction,
   * before anything leaves), then messages to voters and agents, then events, then the alarm.
   */
  private run(me: Booted, input: VoterInput): VoterResult {
    const before = me.state;
    const nowMs = Date.now();
    const ctx: VoterContext = { nowMs, rng: randomUnit, autoResponseAtMs: this.autoResponses() };
    let result: VoterResult;
    try {
      result = stepVoter(before, input, ctx);
    } catch (error) {
      console.error(`voter ${me.name}: ${input.kind} broke an invariant: ${String(error)}`);
      throw error;
    }
    me.state = result.state;
    const persisted = result.effects.some((e) => e.kind === 'persist');
    this.transaction(() => {
      for (const effect of result.effects)
        if (effect.kind === 'persist') this.store.saveDurable(effect.durable);
      this.saveAgents(before, result.state, persisted);
      const volatile = JSON.stringify(volatileOf(result.state));
      if (volatile !== this.storedVolatile) {
        this.store.saveVolatile(volatileOf(result.state));
        this.storedVolatile = volatile;
      }
    });
    const events: VoterEvent[] = [];
    for (const effect of result.effects) {
      switch (effect.kind) {
        case 'persist':
          break;
        case 'send-peer':
          this.sendPeer(me, effect.to, effect.message);
          break;
        case 'send-agent':
          this.sendAgent(effect.to, effect.message);
          break;
        case 'set-alarm':
          this.coreAlarmAtMs = effect.atMs;
          break;
        case 'emit':
          events.push(effect.event);
          break;
      }
    }
    const published = result.state.durable.published;
    const publishedChanged =
      published !== before.durable.published && published.epoch > before.durable.published.epoch;
    this.record(me, events, publishedChanged ? published : null, nowMs);
    this.syncAlarm();
    if (publishedChanged) this.waiters.publish(published);
    // Decisions worth a log line are the ones that changed durable state or produced events.
    if (persisted || events.length > 0) console.log(`voter ${me.name}: ${result.reason}`);
    return result;
  }

  private saveAgents(before: VoterState, after: VoterState, persisted: boolean): void {
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

  /** Fire and forget: two voters calling each other must never wait on each other. */
  private sendPeer(me: Booted, to: number, message: PeerMessage): void {
    let stub = this.peers.get(to);
    if (stub === undefined) {
      const hint = me.entry.config.locationHints[to];
      const id = this.env.VOTER.idFromName(voterName({ group: me.entry.name, index: to }));
      stub = hint === undefined ? this.env.VOTER.get(id) : this.env.VOTER.get(id, { locationHint: hint });
      this.peers.set(to, stub);
    }
    const address = { group: me.entry.name, index: to };
    Promise.resolve(stub.peer(address, me.index, message)).catch((error: unknown) => {
      this.peers.delete(to);
      console.warn(`voter ${me.name}: ${message.kind} to voter ${to} failed: ${String(error)}`);
    });
  }

  private sendAgent(agentId: string, message: VoterMessage): void {
    const text = JSON.stringify(message);
    for (const ws of this.ctx.getWebSockets(agentTag(agentId))) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      try {
        ws.send(text);
        this.counters.wsMessagesOut += 1;
      } catch (error) {
        console.warn(`voter: send to agent ${agentId} failed: ${String(error)}`);
      }
    }
  }

  /** Events: stored rows, webhook deliveries (first attempt at once), the Upstash mirror. */
  private record(me: Booted, events: readonly VoterEvent[], published: Config | null, nowMs: number): void {
    if (events.length === 0 && published === null) return;
    const stored = events.length === 0 ? [] : this.storeEvents(me, events, nowMs);
    void me.sink?.mirror(
      published,
      stored.map((s) => s.event),
      nowMs,
    );
    const rows = stored.flatMap((s) => s.rows);
    if (rows.length > 0) {
      deliver(me.hooks, rows).catch((error: unknown) => console.error(`webhooks: ${String(error)}`));
    }
  }

  private storeEvents(me: Booted, events: readonly VoterEvent[], nowMs: number) {
    const stored: {
      event: ReturnType<VoterStore['insertEvent']>;
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
  private syncAlarm(): void {
    const webhookAt = this.store.earliestWebhookAt();
    const times = [this.coreAlarmAtMs, webhookAt].filter((t): t is number => t !== null);
    const desired = times.length === 0 ? null : Math.min(...times);
    if (desired === this.alarmAtMs) return;
    this.alarmAtMs = desired;
    const done = desired === null ? this.ctx.storage.deleteAlarm() : this.ctx.storage.setAlarm(desired);
    done.catch((error: unknown) => console.error(`voter: alarm update failed: ${String(error)}`));
  }

  // ---- runtime handlers ----------------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    this.counters.requests += 1;
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      return jsonError(426, 'upgrade_required', 'agents connect with a WebSocket upgrade');
    }
    const group = request.headers.get(GROUP_HEADER) ?? '';
    const index = Number(request.headers.get(VOTER_HEADER) ?? 'x');
    const agent = AgentIdSchema.safeParse(request.headers.get(AGENT_HEADER));
    if (!agent.success)
      return jsonError(400, 'bad_request', `${AGENT_HEADER}: ${describeIssues(agent.error)}`);
    let me: Booted;
    try {
      me = this.ready({ group, index });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const status = message.startsWith('bad_config') ? 500 : message.startsWith('wrong_voter') ? 409 : 404;
      return jsonError(status, message.split(':')[0] ?? 'error', message);
    }
    const agentId = agent.data;
    // A second connection from the same agent replaces the first.
    for (const old of this.ctx.getWebSockets(agentTag(agentId))) {
      try {
        old.close(4000, 'replaced by a newer connection');
      } catch {
        // Already closing.
      }
    }
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [agentTag(agentId)]);
    server.serializeAttachment({ agentId, connId: crypto.randomUUID() } satisfies Attachment);
    // The config push (and any epoch notice) is queued on the socket before the agent can see a
    // single auto-response pong: the agent relies on that order for its lease.
    this.run(me, { kind: 'agent-connected', agentId });
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.counters.wsMessagesIn += 1;
    const attachment = attachmentOf(ws);
    if (attachment === null) {
      ws.close(1008, 'unknown connection');
      return;
    }
    let me: Booted;
    try {
      me = this.ready(null);
    } catch (error) {
      ws.close(1011, String(error).slice(0, 100));
      return;
    }
    const refuse = (why: string) => {
      ws.send(JSON.stringify(errorNotice(me.entry.name, me.index, why)));
      this.counters.wsMessagesOut += 1;
    };
    if (typeof message !== 'string') return refuse('binary messages are not accepted');
    if (message === LEASE_PING) {
      // Normally answered by the runtime; answered here too in case it reaches the object.
      ws.send(LEASE_PONG);
      return;
    }
    const decoded = decodeAgentMessage(message);
    if (!decoded.ok) return refuse(decoded.error);
    const agentMessage: AgentMessage = decoded.message;
    const refusal = refuseAgentMessage(me.state, attachment.agentId, agentMessage);
    if (refusal !== null) return refuse(refusal);
    this.run(me, { kind: 'agent-message', agentId: attachment.agentId, message: agentMessage });
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 ? 1000 : code, reason);
    } catch {
      // The runtime already answered the close.
    }
    this.agentGone(ws);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    console.warn(`voter: agent socket error: ${String(error)}`);
    this.agentGone(ws);
  }

  private agentGone(ws: WebSocket): void {
    const attachment = attachmentOf(ws);
    if (attachment === null || this.me === null) return;
    // The close of a connection that a newer one replaced is not a disconnect.
    const newer = this.ctx
      .getWebSockets(agentTag(attachment.agentId))
      .some(
        (other) => other.readyState === WebSocket.OPEN && attachmentOf(other)?.connId !== attachment.connId,
      );
    if (newer) return;
    this.run(this.me, { kind: 'agent-disconnected', agentId: attachment.agentId });
  }

  override async alarm(): Promise<void> {
    this.alarmAtMs = null;
    this.counters.alarms += 1;
    if (this.me === null) {
      // Nothing to decide without an identity; an alarm left by an earlier life is dropped.
      return;
    }
    this.run(this.ready(null), { kind: 'alarm' });
    await deliverDue(this.me.hooks);
    this.syncAlarm();
  }

  // ---- RPC (contract.ts) -----------------------------------------------------------------------

  private rpc(address: VoterAddress): Booted {
    this.counters.rpcCalls += 1;
    return this.ready(address);
  }

  async status(address: VoterAddress): Promise<VoterStatus> {
    const me = this.rpc(address);
    const { state } = me;
    const role = state.role;
    return {
      group: me.entry.name,
      index: me.index,
      durable: state.durable,
      role: role.kind === 'follower' ? 'follower' : role.kind,
      roleEpoch: role.kind === 'follower' ? null : role.epoch,
      odown: state.odownSinceMs !== null,
      agents: Object.values(state.agents)
        .sort((a, b) => (a.agentId < b.agentId ? -1 : 1))
        .map((a) => ({
          agentId: a.agentId,
          connected: a.connected,
          localNodes: a.localNodes,
          highestEpoch: a.highestEpoch,
          lastSeenMs: a.lastSeenMs,
          views: Object.values(a.views),
        })),
      counters: { ...this.counters },
      lastEventId: this.store.lastEventId(),
    };
  }

  async readPublished(address: VoterAddress): Promise<Config> {
    return this.rpc(address).state.durable.published;
  }

  async learn(address: VoterAddress, config: Config): Promise<Config> {
    const me = this.rpc(address);
    const parsed = ConfigSchema.safeParse(config);
    if (!parsed.success) throw fail('bad_request', `config: ${describeIssues(parsed.error)}`);
    // -1: the sender is a reader doing read repair, not a voter.
    this.run(me, {
      kind: 'peer-message',
      from: -1,
      message: { v: 1, kind: 'commit', group: me.entry.name, config: parsed.data },
    });
    return me.state.durable.published;
  }

  async waitForEpoch(address: VoterAddress, afterEpoch: number, timeoutMs: number): Promise<Config> {
    const me = this.rpc(address);
    if (!Number.isSafeInteger(afterEpoch) || !Number.isFinite(timeoutMs)) {
      throw fail('bad_request', 'afterEpoch must be an integer and timeoutMs a number');
    }
    return this.waiters.wait(afterEpoch, timeoutMs, () => me.state.durable.published);
  }

  async events(address: VoterAddress, after: number, limit: number): Promise<EventsPage> {
    this.rpc(address);
    if (!Number.isSafeInteger(after) || after < 0) throw fail('bad_request', 'after must be an integer >= 0');
    const bounded = Math.max(1, Math.min(MAX_EVENTS_PAGE, Number.isInteger(limit) ? limit : MAX_EVENTS_PAGE));
    const events = this.store.events(after, bounded);
    return { events, cursor: events[events.length - 1]?.id ?? after };
  }

  async admin(address: VoterAddress, action: unknown): Promise<AdminResult> {
    const me = this.rpc(address);
    const parsed = AdminActionSchema.safeParse(action);
    if (!parsed.success) throw fail('bad_request', `action: ${describeIssues(parsed.error)}`);
    const refused = precheckAdmin(me.state, parsed.data, Date.now());
    if (refused !== null) return refused;
    return adminOutcome(this.run(me, { kind: 'admin', action: parsed.data }));
  }

  async peer(address: VoterAddress, from: number, message: PeerMessage): Promise<void> {
    const me = this.rpc(address);
    const sender = VoterIndexSchema.safeParse(from);
    const parsed = PeerMessageSchema.safeParse(message);
    if (!sender.success || !parsed.success) {
      throw fail('bad_request', parsed.success ? 'from: not a voter index' : describeIssues(parsed.error));
    }
    if (parsed.data.group !== me.entry.name) {
      console.warn(`voter ${me.name}: ignored ${parsed.data.kind} for group ${parsed.data.group}`);
      return;
    }
    this.run(me, { kind: 'peer-message', from: sender.data, message: parsed.data });
  }
}
