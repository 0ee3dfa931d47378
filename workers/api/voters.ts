// The voters of one group as the API sees them: stubs by name and location hint, calls with timeouts.

import type { GroupEntry } from '../config/load.js';
import { majority } from '../protocol/index.js';
import type { VoterAddress, VoterRpc } from '../voter/contract.js';
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

  /** One RPC to one voter, bounded by a timeout. */
  call<T>(
    index: number,
    fn: (stub: VoterStub, address: VoterAddress) => Promise<T>,
    timeoutMs = VOTER_CALL_TIMEOUT_MS,
  ): Promise<T> {
    return withTimeout(
      Promise.resolve().then(() => fn(this.stub(index), this.address(index))),
      timeoutMs,
    );
  }

  /** The same RPC to every voter (or the given ones) in parallel. */
  callAll<T>(
    fn: (stub: VoterStub, address: VoterAddress) => Promise<T>,
    timeoutMs = VOTER_CALL_TIMEOUT_MS,
    indices: readonly number[] = this.indices(),
  ): Answerable<T>[] {
    return indices.map((index) => ({ index, promise: this.call(index, fn, timeoutMs) }));
  }

  /** Tries voters in index order and returns the first answer, with the index that gave it. */
  async first<T>(
    fn: (stub: VoterStub, address: VoterAddress) => Promise<T>,
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
