// Test doubles of the voter Durable Objects: scripted answers, an unreachable switch, recorded calls.
import type { VoterNamespace, VoterObjectId, VoterStub } from '../../../workers/api/voters.js';
import type { AdminAction } from '../../../workers/core/types.js';
import { type Config, compareConfigs, initialConfig } from '../../../workers/protocol/index.js';
import type {
  AdminResult,
  EventsPage,
  StoredEvent,
  VoterAddress,
  VoterStatus,
} from '../../../workers/voter/contract.js';

export function activeConfig(epoch: number, master: string): Config {
  return { epoch, master, state: 'active', previousMaster: null, cause: 'manual', leader: 0 };
}

export class FakeVoter implements VoterStub {
  published: Config;
  unreachable = false;
  /** The voter's event log, oldest first. */
  log: StoredEvent[] = [];
  adminResult: AdminResult = { ok: true, reason: 'queued' };
  paused = false;
  readonly learned: Config[] = [];
  readonly actions: AdminAction[] = [];
  readonly forwarded: Request[] = [];
  readonly addresses: VoterAddress[] = [];
  private waiters: Array<{ after: number; resolve: (config: Config) => void }> = [];

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
    for (const waiter of ready) waiter.resolve(config);
  }

  private async reach(address: VoterAddress): Promise<void> {
    this.addresses.push(address);
    if (this.unreachable) throw new Error(`voter ${this.index} is unreachable (test)`);
  }

  async readPublished(address: VoterAddress): Promise<Config> {
    await this.reach(address);
    return this.published;
  }

  async learn(address: VoterAddress, config: Config): Promise<Config> {
    await this.reach(address);
    this.learned.push(config);
    if (compareConfigs(config, this.published) > 0) this.publish(config);
    return this.published;
  }

  async waitForEpoch(address: VoterAddress, afterEpoch: number, timeoutMs: number): Promise<Config> {
    await this.reach(address);
    if (this.published.epoch > afterEpoch) return this.published;
    return new Promise((resolve) => {
      this.waiters.push({ after: afterEpoch, resolve });
      setTimeout(() => resolve(this.published), timeoutMs);
    });
  }

  async events(address: VoterAddress, after: number, limit: number): Promise<EventsPage> {
    await this.reach(address);
    const events = this.log.filter((e) => e.id > after).slice(0, limit);
    return { events, cursor: events.at(-1)?.id ?? after };
  }

  async admin(address: VoterAddress, action: AdminAction): Promise<AdminResult> {
    await this.reach(address);
    this.actions.push(action);
    if (action.kind === 'pause') this.paused = true;
    if (action.kind === 'resume') this.paused = false;
    return this.adminResult;
  }

  async peer(): Promise<void> {
    throw new Error('the API never sends peer messages');
  }

  async status(address: VoterAddress): Promise<VoterStatus> {
    await this.reach(address);
    return {
      group: address.group,
      index: this.index,
      durable: {
        promisedEpoch: this.published.epoch,
        vote: null,
        accepted: this.published,
        committed: this.published,
        published: this.published,
        paused: this.paused,
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
      lastEventId: this.log.at(-1)?.id ?? 0,
    };
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
