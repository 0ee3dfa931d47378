// Test doubles of the voter Durable Objects: scripted answers, an unreachable switch, recorded calls.
import type { VoterNamespace, VoterObjectId, VoterStub } from '../../../workers/api/voters.js';
import type { AdminAction, SettingsOverride } from '../../../workers/core/types.js';
import { type Config, compareConfigs, initialConfig } from '../../../workers/protocol/index.js';
import {
  type AdminResult,
  type EventsPage,
  type Published,
  publishedSince,
  type RpcResult,
  rpcOk,
  type StoredEvent,
  type VoterAddress,
  type VoterStatus,
} from '../../../workers/voter/contract.js';

export function activeConfig(epoch: number, master: string, publishedAtMs = Date.now()): Config {
  return { epoch, master, state: 'active', previousMaster: null, cause: 'manual', leader: 0, publishedAtMs };
}

export class FakeVoter implements VoterStub {
  published: Config;
  unreachable = false;
  /** The voter's event log, oldest first. */
  log: StoredEvent[] = [];
  adminResult: AdminResult = { ok: true, reason: 'queued' };
  paused = false;
  settingsOverride: SettingsOverride | null = null;
  readonly learned: Config[] = [];
  readonly actions: AdminAction[] = [];
  readonly forwarded: Request[] = [];
  readonly addresses: VoterAddress[] = [];
  /** How often each RPC was called, to check what an idle stream costs. */
  readonly calls = new Map<string, number>();
  private waiters: Array<{ after: number; resolve: (published: Published) => void }> = [];
  private eventWaiters: Array<{ after: number; resolve: (lastEventId: number) => void }> = [];

  constructor(
    readonly index: number,
    master = '127.0.0.1:7001',
  ) {
    this.published = initialConfig(master);
  }

  /** Publishes a newer config, waking long-polls waiting below its epoch. */
  publish(config: Config): void {
    this.published = config;
    const ready = this.waiters.filter((w) => config.epoch > w.after);
    this.waiters = this.waiters.filter((w) => config.epoch <= w.after);
    for (const waiter of ready) waiter.resolve(this.current());
  }

  /** Stores an event, waking streams waiting for one. */
  append(event: StoredEvent): void {
    this.log.push(event);
    const ready = this.eventWaiters.filter((w) => event.id > w.after);
    this.eventWaiters = this.eventWaiters.filter((w) => event.id <= w.after);
    for (const waiter of ready) waiter.resolve(event.id);
  }

  private current(): Published {
    return { config: this.published, since: publishedSince(this.published) };
  }

  private lastEventId(): number {
    return this.log.at(-1)?.id ?? 0;
  }

  private async reach(address: VoterAddress, method: string): Promise<void> {
    this.addresses.push(address);
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    if (this.unreachable) throw new Error(`voter ${this.index} is unreachable (test)`);
  }

  async readPublished(address: VoterAddress): Promise<RpcResult<Published>> {
    await this.reach(address, 'readPublished');
    return rpcOk(this.current());
  }

  async learn(address: VoterAddress, config: Config): Promise<RpcResult<Published>> {
    await this.reach(address, 'learn');
    this.learned.push(config);
    if (compareConfigs(config, this.published) > 0) this.publish(config);
    return rpcOk(this.current());
  }

  async waitForEpoch(
    address: VoterAddress,
    afterEpoch: number,
    timeoutMs: number,
  ): Promise<RpcResult<Published>> {
    await this.reach(address, 'waitForEpoch');
    if (this.published.epoch > afterEpoch) return rpcOk(this.current());
    return new Promise<Published>((resolve) => {
      this.waiters.push({ after: afterEpoch, resolve });
      setTimeout(() => resolve(this.current()), timeoutMs);
    }).then(rpcOk);
  }

  async waitForEvents(address: VoterAddress, after: number, timeoutMs: number): Promise<RpcResult<number>> {
    await this.reach(address, 'waitForEvents');
    if (this.lastEventId() > after) return rpcOk(this.lastEventId());
    return new Promise<number>((resolve) => {
      this.eventWaiters.push({ after, resolve });
      setTimeout(() => resolve(this.lastEventId()), timeoutMs);
    }).then(rpcOk);
  }

  async events(address: VoterAddress, after: number, limit: number): Promise<RpcResult<EventsPage>> {
    await this.reach(address, 'events');
    const events = this.log.filter((e) => e.id > after).slice(0, limit);
    return rpcOk({ events, cursor: events.at(-1)?.id ?? after });
  }

  async admin(address: VoterAddress, action: AdminAction): Promise<RpcResult<AdminResult>> {
    await this.reach(address, 'admin');
    this.actions.push(action);
    if (action.kind === 'pause') this.paused = true;
    if (action.kind === 'resume') this.paused = false;
    return rpcOk(this.adminResult);
  }

  async readSettings(address: VoterAddress): Promise<RpcResult<SettingsOverride | null>> {
    await this.reach(address, 'readSettings');
    return rpcOk(this.settingsOverride);
  }

  async writeSettings(
    address: VoterAddress,
    override: SettingsOverride,
  ): Promise<RpcResult<SettingsOverride | null>> {
    await this.reach(address, 'writeSettings');
    const held = this.settingsOverride;
    const newer =
      held === null ||
      override.version > held.version ||
      (override.version === held.version && override.writer > held.writer);
    if (newer) this.settingsOverride = override;
    return rpcOk(this.settingsOverride);
  }

  async peer(): Promise<RpcResult<null>> {
    throw new Error('the API never sends peer messages');
  }

  async outage(address: VoterAddress, down: boolean): Promise<RpcResult<{ down: boolean }>> {
    this.addresses.push(address);
    this.unreachable = down;
    return rpcOk({ down });
  }

  async status(address: VoterAddress): Promise<RpcResult<VoterStatus>> {
    await this.reach(address, 'status');
    return rpcOk({
      group: address.group,
      index: this.index,
      durable: {
        promisedEpoch: this.published.epoch,
        vote: null,
        accepted: this.published,
        committed: this.published,
        published: this.published,
        paused: this.paused,
        settingsOverride: this.settingsOverride,
      },
      role: 'follower',
      roleEpoch: null,
      odown: false,
      agents: [],
      counters: {
        requests: 1,
        rpcCalls: 1,
        wsMessagesIn: 0,
        wsMessagesOut: 0,
        rowsWritten: 0,
        alarms: 0,
        webhookAttempts: 0,
      },
      lastEventId: this.lastEventId(),
    });
  }

  async fetch(request: Request): Promise<Response> {
    if (this.unreachable) throw new Error(`voter ${this.index} is unreachable (test)`);
    this.forwarded.push(request);
    return Response.json({ forwardedTo: this.index, headers: Object.fromEntries(request.headers) });
  }
}

/** A namespace of fake voters for any group, created on first use, recording location hints. */
export class FakeNamespace implements VoterNamespace {
  readonly voters = new Map<string, FakeVoter>();
  readonly hints = new Map<string, string | undefined>();

  voter(group: string, index: number): FakeVoter {
    const name = `${group}#${index}`;
    let voter = this.voters.get(name);
    if (voter === undefined) {
      voter = new FakeVoter(index);
      this.voters.set(name, voter);
    }
    return voter;
  }

  idFromName(name: string): VoterObjectId {
    return { toString: () => name };
  }

  get(id: VoterObjectId, options?: { locationHint?: string }): VoterStub {
    const name = id.toString();
    this.hints.set(name, options?.locationHint);
    const [group = '', index = '0'] = name.split('#');
    return this.voter(group, Number(index));
  }
}
