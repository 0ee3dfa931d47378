// Who this voter object is and its running state: addressing on first use, boot on (re)start or wake-up.
// Booting runs no step: the inputs a wake-up must replay are handed to the caller (`takeReplay`).
import type { GroupEntry, LoadedGroups } from '../config/load.js';
import type { AgentRecord, VoterInput } from '../core/types.js';
import type { Env } from '../env.js';
import type { Booted } from './booted.js';
import {
  describeFailure,
  type RpcFailure,
  type RpcResult,
  rpcFailure,
  rpcOk,
  type VoterAddress,
  voterName,
} from './contract.js';
import type { MutableCounters } from './counters.js';
import { planBoot } from './restore.js';
import { liveAgents } from './sockets.js';
import type { Identity, VoterStore } from './store.js';
import { UpstashSink } from './upstash-sink.js';
import type { WebhookHost } from './webhooks.js';

/** What booting needs from the step runner (StepRunner): storage transactions, stored rows, the alarm. */
export interface BootStorage {
  transaction(fn: () => void): void;
  rememberStored(agents: readonly AgentRecord[]): void;
  syncAlarm(): void;
}

export class VoterIdentity {
  private me: Booted | null = null;
  /** Why an object addressed in an earlier life cannot serve: its voter left the configuration. */
  private bootFailure: RpcFailure | null = null;
  /** Storage that failed validation: a bug or damage, thrown at every call (see `ready`). */
  private bootError: string | null = null;
  /** Inputs the core must see after a wake-up (agents gone or new while hibernated), not yet stepped. */
  private replay: VoterInput[] = [];

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly groups: LoadedGroups,
    private readonly store: VoterStore,
    private readonly counters: MutableCounters,
    private readonly runner: BootStorage,
  ) {}

  /** Called under blockConcurrencyWhile: an object addressed in an earlier life boots at once. */
  restore(): void {
    const identity = this.store.identity();
    if (identity === null || !this.groups.ok) return;
    try {
      this.bootFailure = this.boot(identity);
      if (this.bootFailure !== null) {
        console.error(
          `voter ${identity.group}#${identity.index} cannot start: ${describeFailure(this.bootFailure)}`,
        );
      }
    } catch (error) {
      this.bootError = error instanceof Error ? error.message : String(error);
      console.error(`voter ${identity.group}#${identity.index} cannot start: ${this.bootError}`);
    }
  }

  /** The inputs booting left for the caller to step, in order; each is handed out once. */
  takeReplay(): readonly VoterInput[] {
    const replay = this.replay;
    this.replay = [];
    return replay;
  }

  /** The booted voter, if it has been addressed (an alarm or a socket event carries no address). */
  get current(): Booted | null {
    return this.me;
  }

  /**
   * The booted voter, checked against `address`; the first call with an address fixes this
   * object's identity. Refusals are values (contract.ts); storage that failed validation throws,
   * so the voter stays down rather than start empty and forget its vote.
   */
  ready(address: VoterAddress | null): RpcResult<Booted> {
    if (!this.groups.ok) return rpcFailure('bad_config', this.groups.error);
    if (this.bootError !== null) throw new Error(this.bootError);
    if (this.bootFailure !== null) return { ok: false, error: this.bootFailure };
    if (this.me === null) {
      if (address === null) return rpcFailure('unknown_voter', 'this voter has not been addressed yet');
      const entry = this.groups.groups.get(address.group);
      if (entry === undefined) return rpcFailure('unknown_voter', `group ${address.group} is not configured`);
      if (!Number.isInteger(address.index) || address.index < 0 || address.index >= entry.settings.voters) {
        return rpcFailure('unknown_voter', `group ${address.group} has no voter ${address.index}`);
      }
      const identity = { group: address.group, index: address.index };
      this.runner.transaction(() => this.store.saveIdentity(identity));
      const failure = this.boot(identity);
      if (failure !== null) return { ok: false, error: failure };
    }
    const me = this.me;
    if (me === null) throw new Error('voter failed to start: booting left no voter');
    if (address !== null && (address.group !== me.entry.name || address.index !== me.index)) {
      return rpcFailure('wrong_voter', `this object is voter ${me.name}, not ${voterName(address)}`);
    }
    return rpcOk(me);
  }

  /** See restore.ts for why a wake-up from hibernation is not treated as a restart. */
  private boot(identity: Identity): RpcFailure | null {
    if (!this.groups.ok) return null;
    const entry = this.groups.groups.get(identity.group);
    if (entry === undefined) {
      return { code: 'bad_config', message: `GROUPS.${identity.group}: this voter's group is gone` };
    }
    if (identity.index >= entry.settings.voters) {
      return {
        code: 'bad_config',
        message: `GROUPS.${identity.group}.voters: voter ${identity.index} no longer exists`,
      };
    }
    const store = this.store;
    const rows = {
      durable: store.loadDurable(),
      volatile: () => store.loadVolatile(),
      agents: () => store.loadAgents(),
    };
    const plan = planBoot(entry.settings, identity.index, rows, liveAgents(this.ctx), Date.now());
    const me: Booted = {
      entry,
      index: identity.index,
      name: voterName(identity),
      state: plan.state,
      hooks: this.webhookHost(entry, identity.index),
      sink: this.upstashSink(entry, identity.index),
    };
    this.me = me;
    this.runner.rememberStored(plan.stored);
    if (plan.dropStoredAgents && store.agentCount() > 0)
      this.runner.transaction(() => store.deleteAllAgents());
    this.replay = [...plan.replay];
    return null;
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
      transaction: (fn) => this.runner.transaction(fn),
      outboxChanged: () => this.runner.syncAlarm(),
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
}
