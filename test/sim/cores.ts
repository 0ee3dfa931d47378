// The cores the simulator drives, as an injectable object so tests can wrap them in unsafe variants.
import type { AgentCore } from '../../agent/runtime/group-ports.js';
import type {
  DurableState,
  GroupSettings,
  VoterContext,
  VoterInput,
  VoterResult,
  VoterState,
} from '../../workers/core/types.js';

export interface VoterCore {
  createVoterState(
    settings: GroupSettings,
    index: number,
    durable: DurableState | null,
    nowMs: number,
  ): VoterState;
  stepVoter(state: VoterState, input: VoterInput, ctx: VoterContext): VoterResult;
  checkVoterInvariants(state: VoterState): readonly string[];
  majority(voters: number): number;
}

/** The agent core is driven by the shipped GroupRunner, which takes it as a dependency. */
export type { AgentCore };

export interface SimCores {
  readonly voter: VoterCore;
  readonly agent: AgentCore;
}
