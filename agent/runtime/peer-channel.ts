// One group's failsafe link to the other nodes' agents: grant requests out, grants in, and single-use challenges against replay.
import type { NodeId } from '../../workers/protocol/index.js';
import type { AgentEffect, AgentInput } from '../core/index.js';
import type { Logger } from './logger.js';
import type { PeerDatagram, PeerReply, PeerRequest } from './peer-protocol.js';

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

type GrantRequestEffect = Extract<AgentEffect, { kind: 'grant-request' }>;
type GrantReplyEffect = Extract<AgentEffect, { kind: 'grant-reply' }>;

/** What the group's runner needs of the failsafe link. */
export interface PeerPort {
  request(effect: GrantRequestEffect, nowMs: number): void;
  reply(effect: GrantReplyEffect): void;
  close(): void;
}

export interface PeerChannelDeps {
  readonly group: string;
  readonly localNode: NodeId;
  /** The agent of each other node, by node. */
  readonly peers: ReadonlyMap<NodeId, PeerAddress>;
  /** Signs and sends one datagram (the endpoint). */
  readonly send: (to: PeerAddress, message: PeerDatagram) => void;
  /** `bytes` random bytes as lower-case hex: request ids and challenges. */
  readonly randomHex: (bytes: number) => string;
  readonly logger: Logger;
  /** An authenticated request or a matched reply, as a core input. */
  readonly onInput: (input: AgentInput) => void;
}

interface Pending {
  readonly to: NodeId;
  readonly sentAtMs: number;
  readonly epoch: number;
  readonly master: NodeId;
  readonly durationMs: number;
  readonly membership: string;
  /** Already resent once after a `stale` answer. */
  readonly retried: boolean;
}

/** Requests awaiting a reply, and peers' requests awaiting the core's verdict: bounded. */
const MAX_PENDING = 64;

/**
 * Replay: the grantor gives each peer a random challenge in every reply and accepts a request
 * only with the current one, which it then replaces. A replayed request carries a used challenge
 * and is answered `stale` without reaching the core, so it grants nothing; a replayed reply
 * matches no pending request id. A grantor's restart makes every held challenge stale: the first
 * request after it costs one extra round trip (the requester resends at once, once, keeping the
 * first send time, which only shortens the grant it counts).
 */
export class PeerChannel implements PeerPort {
  /** Requester side: the challenge each peer last gave us. */
  private readonly challenges = new Map<NodeId, string>();
  private readonly pending = new Map<string, Pending>();
  /** Grantor side: the challenge each peer's next request must carry. */
  private readonly issued = new Map<NodeId, string>();
  /** Grantor side: requests handed to the core, by id: who asked and the challenge to give next. */
  private readonly inbound = new Map<string, { from: NodeId; next: string }>();

  constructor(private readonly deps: PeerChannelDeps) {}

  request(effect: GrantRequestEffect, nowMs: number): void {
    const pending: Pending = {
      to: effect.to,
      sentAtMs: nowMs,
      epoch: effect.epoch,
      master: effect.master,
      durationMs: effect.durationMs,
      membership: effect.membership,
      retried: false,
    };
    this.sendRequest(pending);
  }

  reply(effect: GrantReplyEffect): void {
    const asked = this.inbound.get(effect.requestId);
    const address = this.deps.peers.get(effect.to);
    if (asked === undefined || asked.from !== effect.to || address === undefined) return;
    this.inbound.delete(effect.requestId);
    this.deps.send(address, {
      ...this.envelope(effect.to, effect.requestId),
      kind: 'reply',
      outcome: effect.granted ? 'granted' : 'refused',
      durationMs: effect.durationMs,
      reason: effect.reason.slice(0, 300),
      next: asked.next,
    });
  }

  /** An authenticated datagram of this group addressed to this agent's node. */
  receive(message: PeerDatagram): void {
    if (!this.deps.peers.has(message.from)) {
      this.deps.logger.warn(
        { from: message.from },
        'failsafe datagram from a node that is not a peer of this group: ignored',
      );
      return;
    }
    if (message.kind === 'request') this.onRequest(message);
    else this.onReply(message);
  }

  close(): void {
    this.pending.clear();
    this.inbound.clear();
  }

  private sendRequest(pending: Pending): void {
    const address = this.deps.peers.get(pending.to);
    if (address === undefined) return;
    const id = this.deps.randomHex(8);
    bounded(this.pending);
    this.pending.set(id, pending);
    this.deps.send(address, {
      ...this.envelope(pending.to, id),
      kind: 'request',
      challenge: this.challenges.get(pending.to) ?? '',
      epoch: pending.epoch,
      master: pending.master,
      durationMs: pending.durationMs,
      membership: pending.membership,
    });
  }

  private onRequest(request: PeerRequest): void {
    const expected = this.issuedFor(request.from);
    const address = this.deps.peers.get(request.from);
    if (address === undefined) return;
    if (request.challenge !== expected) {
      this.deps.send(address, {
        ...this.envelope(request.from, request.id),
        kind: 'reply',
        outcome: 'stale',
        durationMs: 0,
        reason: 'the request carried a used or unknown challenge',
        next: expected,
      });
      return;
    }
    const next = this.deps.randomHex(16);
    this.issued.set(request.from, next);
    bounded(this.inbound);
    this.inbound.set(request.id, { from: request.from, next });
    this.deps.onInput({
      kind: 'grant-request',
      from: request.from,
      requestId: request.id,
      epoch: request.epoch,
      master: request.master,
      durationMs: request.durationMs,
      membership: request.membership,
    });
  }

  private onReply(reply: PeerReply): void {
    const pending = this.pending.get(reply.id);
    if (pending === undefined || pending.to !== reply.from) return;
    this.pending.delete(reply.id);
    this.challenges.set(reply.from, reply.next);
    if (reply.outcome === 'stale') {
      if (!pending.retried) this.sendRequest({ ...pending, retried: true });
      return;
    }
    this.deps.onInput({
      kind: 'grant-reply',
      from: reply.from,
      sentAtMs: pending.sentAtMs,
      epoch: pending.epoch,
      master: pending.master,
      granted: reply.outcome === 'granted',
      durationMs: Math.min(reply.durationMs, pending.durationMs),
      reason: reply.reason,
    });
  }

  private issuedFor(peer: NodeId): string {
    let challenge = this.issued.get(peer);
    if (challenge === undefined) {
      challenge = this.deps.randomHex(16);
      this.issued.set(peer, challenge);
    }
    return challenge;
  }

  private envelope(to: NodeId, id: string) {
    return { v: 1 as const, group: this.deps.group, from: this.deps.localNode, to, id };
  }
}

/** Drops the oldest entry of a full map (insertion order). */
function bounded<V>(map: Map<string, V>): void {
  if (map.size < MAX_PENDING) return;
  const oldest = map.keys().next().value;
  if (oldest !== undefined) map.delete(oldest);
}
