// The cores the simulator drives, as an injectable object so tests can wrap them in unsafe variants.
import type { AgentInput, AgentResult, AgentSettings } from '../../agent/core/types.js';
import type {
  DurableState,
  GroupSettings,
  VoterContext,
  VoterInput,
  VoterResult,
  VoterState,
} from '../../workers/core/types.js';
import type { Config } from '../../workers/protocol/index.js';

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

export interface AgentPersisted {
  readonly highestEpoch: number;
  readonly config: Config | null;
}

/**
 * The agent core's state is opaque to the simulator. Method syntax keeps parameters bivariant,
 * so the real `stepAgent(state: AgentState, ...)` fits without the simulator naming its type.
 */
export interface AgentCore {
  createAgentState(settings: AgentSettings, persisted: AgentPersisted | null, nowMs: number): unknown;
  stepAgent(state: unknown, input: AgentInput, nowMs: number): AgentResult<unknown>;
}

export interface SimCores {
  readonly voter: VoterCore;
  readonly agent: AgentCore;
}
