// A voter object that knows who it is: the type every part of the shell passes around.
import type { GroupEntry } from '../config/load.js';
import type { VoterState } from '../core/types.js';
import type { UpstashSink } from './upstash-sink.js';
import type { WebhookHost } from './webhooks.js';

/** A voter that knows who it is: its group, its core state and its notification outlets. */
export interface Booted {
  readonly entry: GroupEntry;
  readonly index: number;
  /** `<group>#<index>` (contract.ts `voterName`). */
  readonly name: string;
  /** The core's state, replaced after every step (step-runner.ts). */
  state: VoterState;
  readonly hooks: WebhookHost;
  readonly sink: UpstashSink | null;
}
