// The voters of one group as the API sees them: stubs by name and location hint, calls with timeouts.
// A voter's refusal arrives as a value (`RpcResult`) and becomes a rejection here, like a timeout.

import type { GroupEntry } from '../config/load.js';
import { majority } from '../protocol/index.js';
import {
  describeFailure,
  type RpcFailure,
  type RpcResult,
  RpcResultSchema,
  type VoterAddress,
  type VoterRpc,
} from '../voter/contract.js';
import { type Answerable, withTimeout } from './gather.js';

/** The part of a voter stub the API uses: the RPC contract plus `fetch` for WebSocket upgrades. */
export interface VoterStub extends VoterRpc {
  fetch(request: Request): Promise<Response>;
}

/**
 * The part of the Durable Object namespace the API uses (a test double implements just this).
 * Structural, so code type-checked for Node (pure tests) needs no Workers types.
 */
export interface VoterNamespace {
  idFromName(name: string): VoterObjectId;
  get(id: VoterObjectId, options?: { locationHint?: string }): VoterStub;
}

export interface VoterObjectId {
  toString(): string;
}

/**
 * A voter that answered with a refusal (down for a drill, a bad argument, another voter): the
 * API counts it among the voters that did not answer, with the refusal's `code: message` as the
 * reason. The name stays `Error`, so answers that print the rejection read as they always did.
 */
export class VoterRefusal extends Error {
  constructor(readonly failure: RpcFailure) {
    super(describeFailure(failure));
  }
}

/** The value of a voter's answer; a refusal (or an answer of unknown shape) rejects. */
export function voterValue<T>(index: number, result: RpcResult<T>): T {
  if (!RpcResultSchema.safeParse(result).success) {
    throw new Error(`voter ${index} answered in an unknown shape (a voter of another version?)`);
  }
  if (!result.ok) throw new VoterRefusal(result.error);
  return result.value;
}

/** How long one ordinary RPC to a voter may take before that voter counts as unreachable. */
export const VOTER_CALL_TIMEOUT_MS = 5_000;

export class VoterSet {
  readonly count: number;
  /** floor(V/2)+1: any two majorities share a voter. */
  readonly majority: number;

  constructor(
    private readonly namespace: VoterNamespace,
    readonly group: GroupEntry,
  ) {
    this.count = group.config.voters;
    this.majority = majority(this.count);
  }

  indices(): number[] {
    return Array.from({ length: this.count }, (_, i) => i);
  }

  address(index: number): VoterAddress {
    return { group: this.group.name, index };
  }

  /** Durable Object names are `<group>#<index>`; each voter gets its own location hint. */
  stub(index: number): VoterStub {
    const id = this.namespace.idFromName(`${this.group.name}#${index}`);
    const hint = this.group.config.locationHints[index];
    return hint === undefined ? this.namespace.get(id) : this.namespace.get(id, { locationHint: hint });
  }

  /** One RPC to one voter, bounded by a timeout; its value, or a rejection (`VoterRefusal`, timeout). */
  call<T>(
    index: number,
    fn: (stub: VoterStub, address: VoterAddress) => Promise<RpcResult<T>>,
    timeoutMs = VOTER_CALL_TIMEOUT_MS,
  ): Promise<T> {
    return withTimeout(
      Promise.resolve()
        .then(() => fn(this.stub(index), this.address(index)))
        .then((result) => voterValue(index, result)),
      timeoutMs,
    );
  }

  /** The same RPC to every voter (or the given ones) in parallel. */
  callAll<T>(
    fn: (stub: VoterStub, address: VoterAddress) => Promise<RpcResult<T>>,
    timeoutMs = VOTER_CALL_TIMEOUT_MS,
    indices: readonly number[] = this.indices(),
  ): Answerable<T>[] {
    return indices.map((index) => ({ index, promise: this.call(index, fn, timeoutMs) }));
  }

  /** Tries voters in index order and returns the first answer, with the index that gave it. */
  async first<T>(
    fn: (stub: VoterStub, address: VoterAddress) => Promise<RpcResult<T>>,
    timeoutMs = VOTER_CALL_TIMEOUT_MS,
  ): Promise<{ index: number; value: T } | { index: null; errors: string[] }> {
    const errors: string[] = [];
    for (const index of this.indices()) {
      try {
        return { index, value: await this.call(index, fn, timeoutMs) };
      } catch (error) {
        errors.push(`voter ${index}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { index: null, errors };
  }
}
