// The invariants of the README's "Invariants" section, checked as the world runs: every persisted voter state, vote, accept, agent command and write.
import type { DurableState } from '../../workers/core/types.js';
import type { Config, NodeId, PeerMessage } from '../../workers/protocol/index.js';
import { compareConfigs } from '../../workers/protocol/index.js';
import type { RedisNode } from './redis-node.js';
import { violate } from './violation.js';

const show = (c: Config): string => `e${c.epoch}:${c.master}:${c.state}:${c.cause}`;

/** The part of a config that must be the same for every copy committed at one epoch. */
const identity = (c: Config): string => `${c.master}|${c.previousMaster}|${c.cause}|${c.leader}`;

export class InvariantTracker {
  /** Epoch -> identity of the config committed there (1). */
  private readonly committedAt = new Map<number, { id: string; config: Config }>();
  /** `epoch|master|state` -> voters that persisted that accepted config. */
  private readonly acceptedBy = new Map<string, Set<number>>();
  /** `voter|epoch` -> candidate it voted for, from persisted votes and granted replies (2). */
  private readonly votes = new Map<string, number>();
  /** Epoch -> voters that granted it while seeing ODOWN (5). */
  private readonly odownGrants = new Map<number, Set<number>>();
  /** Per voter, the last durable state it persisted (survives restarts, like the disk). */
  private readonly lastDurable = new Map<number, DurableState>();
  /** Per client, the highest epoch its completed reads returned (3). */
  private readonly clientEpoch = new Map<number, number>();
  /** Completed reads in completion order, with the running maximum epoch (3). */
  private readonly completedEndMs: number[] = [];
  private readonly completedMaxEpoch: number[] = [];

  constructor(
    private readonly voters: number,
    private readonly majority: number,
    private readonly fencing: boolean,
    /** Check each vote and accept reply against the disk; off only to test that crashes expose it too. */
    private readonly repliesAgainstDisk = true,
  ) {}

  /** A voter's persist effect, checked against its previous persisted state (1, 2). */
  /** After every voter step: its own vote as it holds it in memory (a candidate's vote for itself). */
  onVoterStep(voter: number, durable: DurableState, seesOdown: boolean): void {
    const vote = durable.vote;
    if (vote === null || vote.candidate !== voter) return;
    this.recordVote(voter, vote.epoch, voter, 'own vote');
    if (seesOdown) this.recordOdownGrant(vote.epoch, voter);
  }

  onVoterPersist(voter: number, next: DurableState): void {
    const prev = this.lastDurable.get(voter);
    const who = `voter ${voter}`;
    if (prev !== undefined) {
      if (next.promisedEpoch < prev.promisedEpoch) {
        violate('2', `${who} lowered its promised epoch ${prev.promisedEpoch} -> ${next.promisedEpoch}`);
      }
      if (compareConfigs(next.committed, prev.committed) < 0) {
        violate('1', `${who} committed went back ${show(prev.committed)} -> ${show(next.committed)}`);
      }
      if (compareConfigs(next.published, prev.published) < 0) {
        violate('3', `${who} published went back ${show(prev.published)} -> ${show(next.published)}`);
      }
      // Learning a committed config is not accepting a proposal, so that case is left out.
      const learned = next.accepted.epoch === next.committed.epoch;
      if (!learned && next.accepted.epoch > prev.accepted.epoch && next.accepted.epoch < prev.promisedEpoch) {
        violate('2', `${who} accepted epoch ${next.accepted.epoch} after promising ${prev.promisedEpoch}`);
      }
    }
    if (next.vote !== null) {
      this.recordVote(voter, next.vote.epoch, next.vote.candidate, 'persisted');
      if (next.vote.epoch > next.promisedEpoch) {
        violate(
          '2',
          `${who} persisted a vote for epoch ${next.vote.epoch} above its promise ${next.promisedEpoch}`,
        );
      }
    }
    const key = `${next.accepted.epoch}|${next.accepted.master}|${next.accepted.state}`;
    let set = this.acceptedBy.get(key);
    if (set === undefined) {
      set = new Set();
      this.acceptedBy.set(key, set);
    }
    set.add(voter);
    this.onCommitted(voter, next.committed);
    this.onCommitted(voter, next.published);
    if (next.published.state !== 'active') {
      violate('3', `${who} published a config that is not active: ${show(next.published)}`);
    }
    if (compareConfigs(next.published, next.committed) > 0) {
      violate('1', `${who} published ${show(next.published)} above its committed ${show(next.committed)}`);
    }
    this.lastDurable.set(voter, next);
  }

  private recordVote(voter: number, epoch: number, candidate: number, how: string): void {
    const key = `${voter}|${epoch}`;
    const before = this.votes.get(key);
    if (before !== undefined && before !== candidate) {
      violate(
        '2',
        `voter ${voter} voted twice in epoch ${epoch}: for ${before}, then for ${candidate} (${how})`,
      );
    }
    this.votes.set(key, candidate);
  }

  private recordOdownGrant(epoch: number, voter: number): void {
    let set = this.odownGrants.get(epoch);
    if (set === undefined) {
      set = new Set();
      this.odownGrants.set(epoch, set);
    }
    set.add(voter);
  }

  private onCommitted(voter: number, config: Config): void {
    if (config.epoch === 0) {
      if (config.cause !== 'initial') violate('1', `voter ${voter} has a non-initial config at epoch 0`);
      return;
    }
    const known = this.committedAt.get(config.epoch);
    if (known !== undefined) {
      if (known.id !== identity(config)) {
        violate(
          '1',
          `two configs committed at epoch ${config.epoch}: ${show(known.config)} and ${show(config)}`,
        );
      }
      if (known.config.state === 'active' || config.state !== 'active') return;
    }
    const anyState = ['promoting', 'handoff', 'active']
      .map((s) => this.acceptedBy.get(`${config.epoch}|${config.master}|${s}`)?.size ?? 0)
      .reduce((a, b) => Math.max(a, b), 0);
    const stateCount = this.acceptedBy.get(`${config.epoch}|${config.master}|${config.state}`)?.size ?? 0;
    const needed = config.state === 'active' ? stateCount : anyState;
    if (needed < this.majority) {
      violate(
        '1',
        `voter ${voter} holds ${show(config)} as committed but only ${needed} of ${this.voters} voters accepted it`,
      );
    }
    if (known === undefined && config.cause === 'failover') {
      const grants = this.odownGrants.get(config.epoch)?.size ?? 0;
      if (grants < this.majority) {
        violate(
          '5',
          `failover ${show(config)} committed with only ${grants} ODOWN grants (majority ${this.majority})`,
        );
      }
    }
    this.committedAt.set(config.epoch, { id: identity(config), config });
  }

  /**
   * A reply is a promise made to the world, so what it promises must already be on disk (a
   * voter persists its vote before answering). `before` is the disk when the step began (the
   * promise the request was judged against), `after` the disk now; a step may answer and then
   * promise a higher epoch of its own, which is why both are needed.
   */
  onPeerSend(
    voter: number,
    to: number,
    message: PeerMessage,
    before: DurableState | null,
    after: DurableState | null,
  ): void {
    const promisedBefore = before?.promisedEpoch ?? 0;
    // A granted reply goes to the candidate it votes for.
    if (message.kind === 'vote-reply' && message.granted) {
      this.recordVote(voter, message.epoch, to, 'granted');
      if (message.odown) this.recordOdownGrant(message.epoch, voter);
    }
    if (!this.repliesAgainstDisk) return;
    if (message.kind === 'vote-reply' && message.granted) {
      if (promisedBefore > message.epoch) {
        violate('2', `voter ${voter} granted epoch ${message.epoch} below its promise ${promisedBefore}`);
      }
      const vote = after?.vote ?? null;
      const onDisk = vote !== null && vote.epoch === message.epoch;
      if (!onDisk && (after === null || after.promisedEpoch <= message.epoch)) {
        violate(
          '2',
          `voter ${voter} granted epoch ${message.epoch} but its disk holds vote ${JSON.stringify(vote)}`,
        );
      }
      if (onDisk && vote.candidate !== to) {
        violate(
          '2',
          `voter ${voter} granted epoch ${message.epoch} to ${to} but its disk votes for ${vote.candidate}`,
        );
      }
    }
    if (message.kind === 'accept-reply' && message.ok) {
      if (promisedBefore > message.epoch) {
        violate('2', `voter ${voter} accepted epoch ${message.epoch} below its promise ${promisedBefore}`);
      }
      if (after === null || (after.accepted.epoch < message.epoch && after.committed.epoch < message.epoch)) {
        violate(
          '2',
          `voter ${voter} acknowledged accept ${message.epoch} but its disk holds ${after === null ? 'nothing' : show(after.accepted)}`,
        );
      }
    }
  }

  /** (4): `highestOnDisk` is the agent's persisted highest epoch when the command goes out. */
  onAgentExecute(agent: number, epoch: number, highestOnDisk: number, what: string): void {
    if (epoch < highestOnDisk) {
      violate('4', `agent ${agent} executed ${what} at epoch ${epoch} below its persisted ${highestOnDisk}`);
    }
  }

  /** (3): a client's read completed; reads that finished before it started bound it from below. */
  onClientRead(client: number, startMs: number, endMs: number, epoch: number): void {
    const mine = this.clientEpoch.get(client) ?? -1;
    if (epoch < mine) violate('3', `client ${client} read epoch ${epoch} after reading ${mine}`);
    this.clientEpoch.set(client, Math.max(mine, epoch));
    // The latest read that ended strictly before this one started.
    let lo = 0;
    let hi = this.completedEndMs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.completedEndMs[mid] as number) < startMs) lo = mid + 1;
      else hi = mid;
    }
    const bound = lo === 0 ? -1 : (this.completedMaxEpoch[lo - 1] as number);
    if (epoch < bound) {
      violate(
        '3',
        `client ${client} read epoch ${epoch} (started ${startMs}) after a read of ${bound} finished`,
      );
    }
    const prevMax = this.completedMaxEpoch[this.completedMaxEpoch.length - 1] ?? -1;
    this.completedEndMs.push(endMs);
    this.completedMaxEpoch.push(Math.max(prevMax, epoch));
  }

  /** (6): with fencing on, at most one node may accept writes at any moment. */
  checkWritable(nodes: readonly RedisNode[], nowMs: number): NodeId[] {
    const writable: NodeId[] = [];
    for (const n of nodes) if (n.writable(nowMs)) writable.push(n.id);
    if (this.fencing && writable.length > 1) {
      violate('6', `with fencing on, ${writable.join(' and ')} accept writes at the same time`);
    }
    return writable;
  }

  highestCommitted(): Config | null {
    let best: Config | null = null;
    for (const { config } of this.committedAt.values())
      if (best === null || compareConfigs(config, best) > 0) best = config;
    return best;
  }
}
