// The voter Durable Object: a thin shell that loads state, steps the pure core, persists, then sends.
import { DurableObject } from 'cloudflare:workers';
import { type LoadedGroups, loadGroups } from '../config/load.js';
import type { AdminAction, SettingsOverride } from '../core/types.js';
import type { Env } from '../env.js';
import { type Config, LEASE_PING, LEASE_PONG, type PeerMessage } from '../protocol/index.js';
import type { Booted } from './booted.js';
import { closeReply } from './close-code.js';
import {
  type AdminResult,
  describeFailure,
  type EventsPage,
  type Published,
  type RpcResult,
  rpcFailure,
  rpcOk,
  type VoterAddress,
  type VoterRpc,
  type VoterStatus,
} from './contract.js';
import { type MutableCounters, zeroCounters } from './counters.js';
import { VoterIdentity } from './identity.js';
import { ObjectRuntime } from './object-runtime.js';
import * as rpc from './rpc.js';
import {
  acceptAgentSocket,
  agentInput,
  attachmentOf,
  jsonError,
  parseUpgrade,
  replacedByNewer,
  upgradeRefusal,
} from './sockets.js';
import { voterStatus } from './status-view.js';
import { publishedOf, StepRunner } from './step-runner.js';
import { VoterStore } from './store.js';
import { deliverDue } from './webhooks.js';

export { AGENT_HEADER, GROUP_HEADER, VOTER_HEADER } from './sockets.js';

export class Voter extends DurableObject<Env> implements VoterRpc {
  private readonly counters: MutableCounters = zeroCounters();
  private readonly store: VoterStore;
  private readonly groups: LoadedGroups;
  private readonly runner: StepRunner;
  private readonly identity: VoterIdentity;
  /** An outage drill holds this voter down (see `outage`). */
  private down = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new VoterStore(ctx.storage.sql, this.counters);
    // Lease pings are answered by the runtime itself, so they never wake a hibernated voter.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(LEASE_PING, LEASE_PONG));
    this.groups = loadGroups(env);
    this.runner = new StepRunner(new ObjectRuntime(ctx, env, this.counters), this.store, this.counters);
    this.identity = new VoterIdentity(ctx, env, this.groups, this.store, this.counters, this.runner);
    void ctx.blockConcurrencyWhile(async () => {
      this.store.migrate();
      this.down = this.store.loadOutage();
      Object.assign(this.counters, this.store.loadCounters());
      this.runner.loadedAlarm(await ctx.storage.getAlarm());
      this.identity.restore();
      const me = this.identity.current;
      if (me !== null) this.replayBoot(me);
    });
  }

  // ---- runtime handlers ----------------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    this.counters.requests += 1;
    if (this.down) return new Response('voter down (outage drill)', { status: 503 });
    const upgrade = parseUpgrade(request);
    if (!upgrade.ok) return upgrade.response;
    let me: RpcResult<Booted>;
    try {
      me = this.booted(upgrade.address);
    } catch (error) {
      // Stored state that failed validation: this voter stays down (identity.ts) and says so.
      return jsonError(500, 'internal', `voter cannot start: ${String(error)}`.slice(0, 300));
    }
    if (!me.ok) return upgradeRefusal(me.error);
    const client = acceptAgentSocket(this.ctx, upgrade.agentId);
    // The config push (and any epoch notice) is queued on the socket before the agent can see a
    // single auto-response pong: the agent relies on that order for its lease.
    this.runner.run(me.value, { kind: 'agent-connected', agentId: upgrade.agentId });
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.counters.wsMessagesIn += 1;
    if (this.down) {
      ws.close(1012, 'voter down (outage drill)');
      return;
    }
    const attachment = attachmentOf(ws);
    if (attachment === null) {
      ws.close(1008, 'unknown connection');
      return;
    }
    let me: RpcResult<Booted>;
    try {
      me = this.booted(null);
    } catch (error) {
      ws.close(1011, String(error).slice(0, 100));
      return;
    }
    if (!me.ok) {
      ws.close(1011, describeFailure(me.error).slice(0, 100));
      return;
    }
    const input = agentInput(me.value, ws, attachment, message, this.counters);
    if (input !== null) this.runner.run(me.value, input);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      const reply = closeReply(code);
      ws.close(reply, reply === code ? reason : 'invalid close code');
    } catch {
      // The runtime already answered the close.
    }
    this.agentGone(ws);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    console.warn(`voter: agent socket error: ${String(error)}`);
    this.agentGone(ws);
  }

  /** The booted voter (see `VoterIdentity.ready`), after stepping what its boot left to replay. */
  private booted(address: VoterAddress | null): RpcResult<Booted> {
    const me = this.identity.ready(address);
    if (me.ok) this.replayBoot(me.value);
    return me;
  }

  /** A wake-up's agents that left or arrived while hibernated: stepped before anything else. */
  private replayBoot(me: Booted): void {
    for (const input of this.identity.takeReplay()) this.runner.run(me, input);
  }

  private agentGone(ws: WebSocket): void {
    const attachment = attachmentOf(ws);
    const me = this.identity.current;
    if (attachment === null || me === null || replacedByNewer(this.ctx, attachment)) return;
    this.runner.run(me, { kind: 'agent-disconnected', agentId: attachment.agentId });
  }

  override async alarm(): Promise<void> {
    this.runner.alarmFired();
    this.counters.alarms += 1;
    // Nothing to decide without an identity; an alarm left by an earlier life is dropped. A voter
    // that is down decides nothing either; it steps again when it is brought up.
    if (this.identity.current === null || this.down) return;
    const me = this.booted(null);
    if (!me.ok) {
      console.error(`voter: alarm dropped: ${describeFailure(me.error)}`);
      return;
    }
    this.runner.run(me.value, { kind: 'alarm' });
    await deliverDue(me.value.hooks);
    this.runner.syncAlarm();
  }

  // ---- RPC (contract.ts; handlers in rpc.ts) -------------------------------------------------

  /**
   * Runs `handler` on the booted voter, or answers why not. Every RPC but `outage` is refused
   * while an outage drill holds this voter down. Refusals are values, never exceptions: workerd
   * logs an exception leaving an RPC method as "Uncaught" even when the caller catches it.
   */
  private serve<T>(
    address: VoterAddress,
    handler: (me: Booted) => RpcResult<T> | Promise<RpcResult<T>>,
    opts: { readonly evenIfDown?: boolean } = {},
  ): Promise<RpcResult<T>> {
    this.counters.rpcCalls += 1;
    if (this.down && opts.evenIfDown !== true) {
      return Promise.resolve(rpcFailure('unavailable', 'this voter is down (outage drill)'));
    }
    const me = this.booted(address);
    return Promise.resolve(me.ok ? handler(me.value) : me);
  }

  async status(address: VoterAddress): Promise<RpcResult<VoterStatus>> {
    return this.serve(address, (me) =>
      rpcOk(voterStatus(me.entry.name, me.index, me.state, this.counters, this.store.lastEventId())),
    );
  }

  async readPublished(address: VoterAddress): Promise<RpcResult<Published>> {
    return this.serve(address, (me) => rpcOk(publishedOf(me)));
  }

  async learn(address: VoterAddress, config: Config): Promise<RpcResult<Published>> {
    return this.serve(address, (me) => rpc.learn(this.runner, me, config));
  }

  async waitForEpoch(
    address: VoterAddress,
    afterEpoch: number,
    timeoutMs: number,
  ): Promise<RpcResult<Published>> {
    return this.serve(address, (me) => rpc.waitForEpoch(this.runner, me, afterEpoch, timeoutMs));
  }

  async waitForEvents(address: VoterAddress, after: number, timeoutMs: number): Promise<RpcResult<number>> {
    return this.serve(address, () => rpc.waitForEvents(this.runner, this.store, after, timeoutMs));
  }

  async events(address: VoterAddress, after: number, limit: number): Promise<RpcResult<EventsPage>> {
    return this.serve(address, () => rpc.events(this.store, after, limit));
  }

  async admin(address: VoterAddress, action: AdminAction): Promise<RpcResult<AdminResult>> {
    return this.serve(address, (me) => rpc.admin(this.runner, me, action));
  }

  async readSettings(address: VoterAddress): Promise<RpcResult<SettingsOverride | null>> {
    return this.serve(address, (me) => rpcOk(me.state.durable.settingsOverride));
  }

  async writeSettings(
    address: VoterAddress,
    override: SettingsOverride,
  ): Promise<RpcResult<SettingsOverride | null>> {
    return this.serve(address, (me) => rpc.writeSettings(this.runner, me, override));
  }

  async peer(address: VoterAddress, from: number, message: PeerMessage): Promise<RpcResult<null>> {
    return this.serve(address, (me) => rpc.peer(this.runner, me, from, message));
  }

  async outage(address: VoterAddress, down: boolean): Promise<RpcResult<{ readonly down: boolean }>> {
    return this.serve(address, (me) => this.drill(me, down), { evenIfDown: true });
  }

  private drill(me: Booted, down: unknown): RpcResult<{ readonly down: boolean }> {
    if (typeof down !== 'boolean') return rpcFailure('bad_request', 'down must be a boolean');
    if (down === this.down) return rpcOk({ down });
    this.store.saveOutage(down);
    this.down = down;
    console.warn(`voter ${me.name}: outage drill: ${down ? 'down' : 'up'}`);
    if (down) {
      // Agents lose their link at once, as they would to a location that went dark.
      for (const ws of this.ctx.getWebSockets()) ws.close(1012, 'voter down (outage drill)');
    } else {
      // Catch up on what was due meanwhile (leases, retries), then keep the alarm in step.
      this.runner.run(me, { kind: 'alarm' });
    }
    return rpcOk({ down });
  }
}
